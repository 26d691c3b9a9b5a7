"""`hall serve`, the hall server: every terminal at its own address, the index, the caps, the
allow-list, a terminal coming back to its app, the database URL kept off command lines, and
each ticket's page for the customer's phone.

The server runs in this process on 127.0.0.1 (aiohttp's test server, a free port). A
terminal's app is a stand-in here, a few lines of Python speaking textual-serve's start of
the protocol (each real app is a ~130 MB Textual process: `test_display_serve.py` runs one),
but started as the real one would be: its command line is the real app's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from db.config import HallConfig, ServerConfig
from db.rules import ops
from db.rules.links import ticket_link
from db.store.session import Hall
from kiosk.machine import KioskMachine
from server.app import HallServer, Settings, parse_network
from server.sessions import without_secrets
from server.terminals import KINDS, Terminal, terminals

pytestmark = pytest.mark.pg_too  # the phone pages' reads and the one session per counter

STAND_IN = r"""
import json, os, sys
out, keys = sys.stdout.buffer, sys.stdin.buffer
def draw():
    screen = b"stand-in %d" % os.getpid()
    out.write(b"D" + len(screen).to_bytes(4, "big") + screen)
    out.flush()
out.write(b"__GANGLION__\n")
draw()
while len(head := keys.read(5)) == 5:
    body = keys.read(int.from_bytes(head[1:], "big"))
    meta = json.loads(body) if head[:1] == b"M" else {}
    if meta.get("type") == "quit":
        break
    if meta.get("type") == "resize":
        draw()
"""
"""An app as textual-serve sees one: its greeting, a screen naming its process (again at
each resize, as a Textual app redraws), and it quits when asked."""

SECRET_URL = "postgresql://hall:s3cret-pw@db.hall.lan/hall"
"""The database URL the apps are given: a password the command lines must not show."""

ADDRESS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")
"""Everything a page loads: scripts, style sheets, fonts, images."""


def stand_in(terminal: Terminal) -> list[str]:
    """The stand-in app, with the real app's arguments after it (in its sys.argv)."""
    return [sys.executable, "-c", STAND_IN, *terminal.argv(None)[1:]]


def with_server(config: HallConfig, **server: Any) -> HallConfig:
    return dataclasses.replace(config, server=dataclasses.replace(config.server, **server))


Test = Callable[[TestClient[web.Request, web.Application], HallServer], Awaitable[None]]


@pytest.fixture(autouse=True)
def _quick_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.sessions.QUIT_SECONDS", 2.0)


def run(hall: Hall, test: Test, *, settings: dict[str, Any] | None = None,
        fake_remote: bool = False) -> None:
    """Run `test` against a hall server on 127.0.0.1 (a free port) for `hall`."""
    options: dict[str, Any] = {"config": hall.config, "database": SECRET_URL,
                               "argv_for": stand_in}
    server = HallServer(Settings(**(options | (settings or {}))), hall)
    app = server.application()
    if fake_remote:
        # The client's address as the test says (X-Test-Remote), as aiohttp lets a
        # middleware give a request another remote; it runs before the server's guard.
        @web.middleware
        async def remote_from_header(request: web.Request, handler: Any) -> Any:
            remote = request.headers.get("X-Test-Remote")
            return await handler(request.clone(remote=remote) if remote else request)

        app.middlewares.insert(0, remote_from_header)

    async def main() -> None:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            await test(client, server)

    asyncio.run(main())


async def open_terminal(client: TestClient[web.Request, web.Application], path: str,
                        key: str | None = None) -> tuple[aiohttp.ClientWebSocketResponse, int]:
    """A browser's websocket to a terminal, once its app has drawn: and the app's pid."""
    key = key or secrets.token_hex(16)
    ws = await client.ws_connect(f"{path}/ws/{key}?width=100&height=30")
    while True:
        message = await asyncio.wait_for(ws.receive(), 30)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        if message.data.startswith(b"stand-in "):
            return ws, int(message.data.split()[1])


async def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


# -- the index and the terminals' pages ------------------------------------------------------


def test_the_index_lists_every_terminal(hall: Hall) -> None:
    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        answer = await client.get("/")
        assert answer.status == 200
        page = await answer.text()
        for path in ["/kiosk", "/support", "/leader", "/display", "/counter/1", "/counter/8",
                     "/evaluator/1", "/evaluator/8", "/display/1", "/display/8"]:
            assert f'href="{path}"' in page, path
        assert "终端一览" in page and "Terminals" in page
        assert "取号机" in page and "Kiosk" in page and "综合叫号屏" in page
        assert "public_url" in page  # unset: the index says how to turn the phone page on

    run(hall, test)


def test_every_terminal_answers_its_page_loading_only_from_this_server(hall: Hall) -> None:
    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        for terminal in terminals(hall.config):
            answer = await client.get(terminal.path)
            assert answer.status == 200, terminal.path
            page = await answer.text()
            assert f'var path = "{terminal.path}";' in page
            loaded = [a or b for a, b in ADDRESS.findall(page)]
            assert "/static/js/textual.js" in loaded
            assert all(address.startswith("/static/") for address in loaded), loaded
        for address in loaded:
            assert (await client.get(address)).status == 200, address

    run(hall, test)


@pytest.mark.parametrize("path", [
    "/nothing", "/counter", "/evaluator", "/counter/99", "/counter/0", "/counter/01",
    "/counter/+1", "/counter/1/2", "/kiosk/1", "/support/1", "/leader/2", "/display/9",
    "/counter/1/ws/not-a-key", "/kiosk/session/123", "/static/", "/static/../app.py",
    "/static/%2e%2e/app.py", "/download/x", "/ws", "/t/", "/t/nothing",
])  # fmt: skip
def test_unknown_addresses_are_not_found(hall: Hall, path: str) -> None:
    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        answer = await client.get(path)
        assert answer.status in (403, 404), answer.status  # a folder is 403, all else 404
        assert "<html" in (await answer.text()) or answer.status == 403

    run(hall, test)


# -- sessions: the caps, coming back, the command line ---------------------------------------


def test_a_terminal_beyond_its_cap_is_refused_with_the_reason(hall: Hall) -> None:
    async def test(client: TestClient[web.Request, web.Application], server: HallServer) -> None:
        first, _ = await open_terminal(client, "/kiosk")
        second, _ = await open_terminal(client, "/kiosk")  # the cap is 2
        key = secrets.token_hex(16)
        check = await (await client.get(f"/kiosk/session/{key}")).json()
        assert check["ok"] is False
        assert "已达上限" in check["zh"] and "limit" in check["en"]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"/kiosk/ws/{key}")
        assert refused.value.status == 503
        plain = await client.get(f"/kiosk/ws/{key}")  # what the refusal says
        assert plain.status == 503 and "2 个会话" in await plain.text()
        assert server.pool.running(Terminal(KINDS["kiosk"])) == 2
        # Another terminal has its own cap.
        other, _ = await open_terminal(client, "/counter/1")
        for ws in (first, second, other):
            await ws.close()

    run(hall, test)


def test_all_sessions_together_are_capped(hall: Hall) -> None:
    config = with_server(hall.config, max_sessions=3)

    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        opened = [(await open_terminal(client, path))[0]
                  for path in ("/kiosk", "/leader", "/display")]
        check = await (await client.get(f"/support/session/{secrets.token_hex(16)}")).json()
        assert check == {"ok": False, "zh": check["zh"], "en": check["en"]}
        assert "服务器已有 3 个会话" in check["zh"] and "3 sessions" in check["en"]
        for ws in opened:
            await ws.close()

    run(hall, test, settings={"config": config})


def test_a_dropped_terminal_comes_back_to_its_app_then_lets_it_go(hall: Hall) -> None:
    config = with_server(hall.config, reconnect_seconds=1.0, counter_sessions=1)

    async def test(client: TestClient[web.Request, web.Application], server: HallServer) -> None:
        key = secrets.token_hex(16)
        ws, pid = await open_terminal(client, "/counter/2", key)
        await ws.close()  # the connection drops
        await asyncio.sleep(0.1)
        again, same = await open_terminal(client, "/counter/2", key)
        assert same == pid  # the same app, where it was
        # The one session the counter may have is this one: a stranger is refused...
        assert (await (await client.get(
            f"/counter/2/session/{secrets.token_hex(16)}")).json())["ok"] is False
        # ...and the key is no other terminal's.
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await client.ws_connect(f"/counter/3/ws/{key}")
        await again.close()
        await wait_for(lambda: not server.pool.sessions)  # let go after reconnect_seconds
        fresh, other = await open_terminal(client, "/counter/2", key)
        assert other != pid
        await fresh.close()

    run(hall, test, settings={"config": config})


def test_the_database_url_is_never_on_a_command_line(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALL_COUNTER", "3")  # the server machine's own: not the apps'
    for terminal in terminals(hall.config):
        argv = terminal.argv(Path("/etc/hall.toml"))
        assert argv[:3] == [sys.executable, "-m", "hall"] and without_secrets(argv)
    assert not without_secrets(["hall", "--db", "sqlite:///x.db", "kiosk"])

    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        for path, tail in [("/display", ["display", "--wall", "--no-voice"]),
                           ("/evaluator/2", ["evaluator", "--counter", "2"])]:
            ws, pid = await open_terminal(client, path)
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
            environment = dict(line.split(b"=", 1) for line in
                               Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if line)
            assert [a.decode() for a in argv[-len(tail):]] == tail
            assert not any(b"s3cret" in a or b"://" in a for a in argv)
            assert environment[b"HALL_DB"] == SECRET_URL.encode()
            assert environment[b"HALL_CODE"] == b"main"  # `hall serve --hall main`
            assert b"HALL_COUNTER" not in environment
            await ws.close()

    if not Path("/proc/self/cmdline").exists():
        pytest.skip("reads the apps' command lines in /proc")
    run(hall, test, settings={"hall": "main"})


# -- the allow-list ---------------------------------------------------------------------------


def test_only_the_allowed_networks_get_in(hall: Hall) -> None:
    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        for remote, status in [("192.168.1.77", 200), ("10.1.2.3", 403),
                               ("192.168.2.1", 403), ("127.0.0.1", 200),
                               ("::ffff:192.168.1.5", 200), ("fd00::5", 403)]:
            answer = await client.get("/kiosk", headers={"X-Test-Remote": remote})
            assert answer.status == status, remote
            if status == 403:
                page = await answer.text()
                assert "不在营业厅服务器允许的范围内" in page and "not allowed" in page
        answer = await client.get("/static/js/textual.js", headers={"X-Test-Remote": "10.0.0.1"})
        assert answer.status == 403  # nothing at all

    run(hall, test, settings={"allow": (parse_network("192.168.1.0/24"),)}, fake_remote=True)


def test_phones_open_the_ticket_pages_and_nothing_else(hall: Hall) -> None:
    config = with_server(hall.config, allow=("192.168.1.0/24",), phone_allow=("10.8.0.0/16",))
    with hall.write() as tx:
        view = ops.issue_ticket(tx, "A")
    token = token_of(ticket_link(hall, "http://10.8.0.1:8000", view))

    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        async def status(path: str, remote: str) -> int:
            return (await client.get(path, headers={"X-Test-Remote": remote})).status

        phone, clerk, stranger = "10.8.3.4", "192.168.1.20", "172.16.0.9"
        for path in (f"/t/{token}", f"/t/{token}/state"):
            assert await status(path, phone) == 200, path
            assert await status(path, clerk) == 200, path  # the staff may look too
            assert await status(path, stranger) == 403, path
        for path in ("/", "/kiosk", "/counter/1", "/display", "/static/js/textual.js",
                     f"/kiosk/session/{secrets.token_hex(16)}", "/t/../kiosk",
                     "/t/%2e%2e/kiosk", "/nothing"):
            assert await status(path, phone) in (403, 404), path
            assert await status(path, stranger) == 403, path
        assert await status("/kiosk", clerk) == 200
        assert await status("/kiosk", phone) == 403
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await client.ws_connect(f"/kiosk/ws/{secrets.token_hex(16)}",
                                    headers={"X-Test-Remote": phone})

    run(hall, test, settings={"config": config}, fake_remote=True)


def test_the_index_names_the_phones_port(hall: Hall) -> None:
    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        page = await (await client.get("/")).text()
        assert "专用端口 8080" in page and "port 8080" in page

    run(hall, test, settings={"config": with_server(hall.config, phone_port=8080)})


def test_the_phones_port_serves_the_ticket_pages_alone(hall: Hall) -> None:
    with hall.write() as tx:
        view = ops.issue_ticket(tx, "A")
    token = token_of(ticket_link(hall, "http://10.8.0.1:8080", view))
    server = HallServer(Settings(config=hall.config, database=SECRET_URL,
                                 argv_for=stand_in), hall)

    async def main() -> None:
        async with TestClient(TestServer(server.phone_application(),
                                         host="127.0.0.1")) as client:
            page = await client.get(f"/t/{token}")
            assert page.status == 200 and view.number in await page.text()
            assert (await (await client.get(f"/t/{token}/state")).json())["status"] == "waiting"
            for path in ("/", "/kiosk", "/counter/1", "/display", "/static/js/textual.js",
                         f"/kiosk/ws/{secrets.token_hex(16)}", "/t/nothing"):
                answer = await client.get(path)
                assert answer.status == 404, path
                assert "没有这个页面" in await answer.text()
            assert not server.pool.sessions

    asyncio.run(main())


@pytest.mark.parametrize(("values", "problem"), [
    ({"allow": ("192.168.1.0/33",)}, "not a network"),
    ({"allow": ("10.0.0.0/8",), "phone_allow": ("wifi",)}, "not a network"),
    ({"phone_allow": ("10.8.0.0/16",)}, "needs allow"),
    ({"phone_port": 70000}, "1-65535"),
])  # fmt: skip
def test_the_servers_networks_and_phone_port_are_checked(values: dict[str, Any],
                                                         problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ServerConfig(**values)


def test_the_hall_file_sets_the_networks_and_the_phones_port(tmp_path: Path) -> None:
    from db.config import load_config

    source = Path(__file__).resolve().parents[2] / "db" / "config" / "default_hall.toml"
    text = source.read_text(encoding="utf-8").replace(
        "[server]\n", '[server]\nallow = ["192.168.1.0/24"]\nphone_allow = ["10.8.0.0/16"]\n'
                      "phone_port = 8080\n", 1)
    (tmp_path / "hall.toml").write_text(text, encoding="utf-8")
    server = load_config(tmp_path / "hall.toml").server
    assert (server.allow, server.phone_allow, server.phone_port) == (
        ("192.168.1.0/24",), ("10.8.0.0/16",), 8080)


@pytest.mark.sqlite_only("the ports `hall serve` opens, as a process on a SQLite file")
def test_hall_serve_listens_on_the_phones_port_too(tmp_path: Path,
                                                   templates: dict[str, Path]) -> None:
    import shutil
    import signal
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from tests.browser.conftest import free_port

    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    port, phone_port = free_port(), free_port()
    source = Path(__file__).resolve().parents[2] / "db" / "config" / "default_hall.toml"
    (tmp_path / "hall.toml").write_text(source.read_text(encoding="utf-8").replace(
        "[server]\n", f"[server]\nphone_port = {phone_port}\n", 1), encoding="utf-8")
    log = tmp_path / "serve.txt"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hall", "--db", f"sqlite:///{tmp_path / 'hall.db'}",
             "--config", str(tmp_path / "hall.toml"), "serve", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out)

    def status(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    try:
        deadline = time.monotonic() + 60
        while f":{phone_port}/t/" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert status(f"http://127.0.0.1:{port}/kiosk") == 200
        assert status(f"http://127.0.0.1:{phone_port}/kiosk") == 404
        assert status(f"http://127.0.0.1:{phone_port}/") == 404
        assert status(f"http://127.0.0.1:{phone_port}/t/nothing") == 404
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


# -- the customer's phone ---------------------------------------------------------------------


def token_of(link: str) -> str:
    return link.rsplit("/t/", 1)[1]


def test_a_tickets_page_follows_it_until_it_is_called(hall: Hall) -> None:
    public = "http://192.168.1.10:8000"
    with hall.write() as tx:
        first = ops.issue_ticket(tx, "A")
        mine = ops.issue_ticket(tx, "A")
    link = ticket_link(hall, public, mine)
    assert link.startswith(f"{public}/t/") and len(token_of(link).split("-", 1)[1]) == 16
    token = token_of(link)

    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        page = await client.get(f"/t/{token}")
        assert page.status == 200
        text = await page.text()
        assert mine.number in text and "您前面还有 1 人" in text and "1 person ahead" in text
        assert not re.search(r"""(src|href)\s*=""", text)  # loads nothing at all
        state = await (await client.get(f"/t/{token}/state")).json()
        assert (state["status"], state["ahead"], state["called"]) == ("waiting", 1, False)
        assert state["number"] == mine.number and state["wait_minutes"] is not None

        with hall.write() as tx:  # counter 1 calls the first, then this one
            assert ops.call_next(tx, 1).number == first.number
        state = await (await client.get(f"/t/{token}/state")).json()
        assert (state["ahead"], state["headline_zh"]) == (0, "下一位就是您")
        with hall.write() as tx:
            ops.start(tx, 1)
            ops.complete(tx, 1)
            assert ops.call_next(tx, 1).number == mine.number
        state = await (await client.get(f"/t/{token}/state")).json()
        assert state["called"] is True and state["counter"] == 1
        assert state["headline_zh"] == "请到1号窗口"
        assert state["headline_en"] == "Please go to counter 1"
        assert "请到1号窗口" in await (await client.get(f"/t/{token}")).text()

    run(hall, test)


def test_only_the_tickets_own_token_finds_it(hall: Hall) -> None:
    with hall.write() as tx:
        one = ops.issue_ticket(tx, "A")
        two = ops.issue_ticket(tx, "B")
    token_one = token_of(ticket_link(hall, "http://192.168.1.10:8000", one))
    token_two = token_of(ticket_link(hall, "http://192.168.1.10:8000", two))
    id_one, mac_one = token_one.split("-", 1)
    id_two, mac_two = token_two.split("-", 1)
    forged = "".join("A" if c != "A" else "B" for c in mac_one)

    async def test(client: TestClient[web.Request, web.Application], _: HallServer) -> None:
        assert (await (await client.get(f"/t/{token_two}/state")).json())["number"] == two.number
        for token in [f"{id_two}-{mac_one}",  # another ticket's signature
                      f"{id_one}-{mac_two}", f"{id_one}-{forged}", f"{id_one}-{mac_one[:-1]}",
                      f"zzz-{mac_one}", mac_one, f"0{id_one}-{mac_one}"]:
            for address in (f"/t/{token}", f"/t/{token}/state"):
                assert (await client.get(address)).status == 404, address

    run(hall, test)


class NoPrinter:
    enabled = False

    def print_ticket(self, slip: object) -> None:
        """Nothing to print on."""


def test_the_slip_carries_the_tickets_page_when_the_hall_has_a_public_address(
    hall: Hall,
) -> None:
    with hall.write() as tx:
        view = ops.issue_ticket(tx, "A")
    plain = KioskMachine(hall, hall.config, NoPrinter()).slip(view, "zh").qr_data
    assert plain == f"HALL:{view.business_day.isoformat()}:{view.number}"
    config = with_server(hall.config, public_url="http://192.168.1.10:8000/")
    linked = KioskMachine(hall, config, NoPrinter()).slip(view, "zh").qr_data
    assert linked.startswith("http://192.168.1.10:8000/t/")
    assert linked == ticket_link(hall, "http://192.168.1.10:8000", view)  # stable


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000",
                                 "http://[::1]:8000", "http://0.0.0.0:8000", "ftp://h/",
                                 "192.168.1.10:8000", "http://h:8000/?x=1"])
def test_a_public_address_is_never_a_loopback_one(url: str) -> None:
    with pytest.raises(ValueError, match="public_url"):
        ServerConfig(public_url=url)


def test_the_states_words_for_each_status(hall: Hall) -> None:
    from server.tickets import describe

    with hall.write() as tx:
        view = ops.issue_ticket(tx, "A")
    today = view.business_day
    now = view.issued_at
    words = {status: describe(hall.config, dataclasses.replace(view, status=status,
                                                              counter=3), today, now)
             for status in ("serving", "with_support", "done", "no_show", "cancelled")}
    assert words["serving"]["headline_zh"] == "正在3号窗口办理"
    assert words["done"]["final"] and words["cancelled"]["final"]
    assert not words["no_show"]["final"] and words["no_show"]["headline_zh"] == "已过号"
    earlier = describe(hall.config, view, today.replace(day=today.day + 1), now)
    assert earlier["headline_zh"] == "此号码已过期" and earlier["final"]
    assert json.dumps(words, ensure_ascii=False)  # all of it goes out as JSON

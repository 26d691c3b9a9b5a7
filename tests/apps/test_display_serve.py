"""`hall serve display` (the hall server, `hall serve`, named as before): the wall display for
browsers at /display starts, its page loads nothing from the internet, a browser's websocket
gets a real display process (started without the database URL on its command line), and the
server stops. `test_hall_server.py` has the rest of the server, with stand-in apps."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

pytestmark = pytest.mark.sqlite_only(
    "`hall serve display` as a process on a SQLite file: the hall server on PostgreSQL (its "
    "sessions, the URL off every command line) is test_hall_server.py's [pg] half")

ROOT = Path(__file__).resolve().parents[2]

ADDRESS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")
"""Everything a page loads: scripts, style sheets, fonts, images."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, timeout: float = 15) -> str:
    """The page, once the server answers (it takes a moment to start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def clean_environment(folder: Path) -> dict[str, str]:
    """This process's environment without a developer's own hall config (the module's
    server starts before the per-test fixture that keeps it out)."""
    env = {k: v for k, v in os.environ.items() if k != "HALL_CONFIG"}
    return {**env, "XDG_CONFIG_HOME": str(folder / "xdg-config")}


SERVED: dict[str, Path] = {}
"""The running server's standard error, for the tests to read."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           templates: dict[str, Path]) -> Iterator[str]:
    """`hall serve display` on 127.0.0.1 and a free port, for this module's tests; its base
    URL. Stopped after them."""
    tmp_path = tmp_path_factory.mktemp("serve")
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    port = free_port()
    argv = [sys.executable, "-m", "hall", "--db", f"sqlite:///{tmp_path / 'hall.db'}",
            "serve", "display", "--host", "127.0.0.1", "--port", str(port)]
    SERVED["stderr"] = tmp_path / "stderr.txt"
    with SERVED["stderr"].open("wb") as stderr:
        process = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=clean_environment(tmp_path))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_the_page_loads_only_from_this_server(server: str) -> None:
    page = fetch(server + "/display")
    assert "国网某某供电公司城东营业厅" in page and "综合叫号屏" in page
    loaded = [a or b for a, b in ADDRESS.findall(page)]
    assert any(u.endswith("js/textual.js") for u in loaded)
    assert any(u.endswith(".ttf") for u in loaded)  # the font is served, not fetched
    foreign = [u for u in loaded if re.match(r"(https?:)?//", u) and not u.startswith(server)]
    assert foreign == [], foreign
    for address in loaded:
        absolute = urllib.parse.urljoin(server + "/display", address)
        with urllib.request.urlopen(absolute, timeout=5) as answer:  # noqa: S310 (loopback)
            assert answer.status == 200, address


def test_the_server_says_once_that_the_phone_page_is_off(server: str) -> None:
    fetch(server + "/")
    said = SERVED["stderr"].read_text(encoding="utf-8")
    assert said.count("public_url is not set") == 1
    assert f"the wall display is {server}/display" in said
    assert "Traceback" not in said


async def first_screen(url: str, seconds: float = 20) -> bytes:
    """What a browser's terminal receives until the hall's name shows."""
    got = b""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        deadline = time.monotonic() + seconds
        while "营业厅".encode() not in got and time.monotonic() < deadline:
            try:
                message = await ws.receive(timeout=1)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                got += message.data
            elif message.type == aiohttp.WSMsgType.TEXT:
                got += message.data.encode()
            else:
                break
    return got


def test_a_browser_gets_a_running_wall_display(server: str) -> None:
    fetch(server + "/display")
    key = secrets.token_hex(16)
    ws = server.replace("http://", "ws://") + f"/display/ws/{key}?width=100&height=30"
    assert "营业厅".encode() in asyncio.run(first_screen(ws))


def test_a_port_in_use_is_refused_in_one_line(tmp_path: Path,
                                              templates: dict[str, Path]) -> None:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "hall", "--db", f"sqlite:///{tmp_path / 'hall.db'}",
             "serve", "display", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stderr.startswith(f"hall: serve: cannot listen on 127.0.0.1:{port}: ")
    assert result.stderr.count("\n") == 1 and "address already in use" in result.stderr
    assert "Traceback" not in result.stderr

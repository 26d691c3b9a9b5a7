"""The hall server: every terminal of the hall for browsers, and each ticket's page for the
customer's phone, on one port.

    /                    the list of terminals, for whoever sets the hall up
    /kiosk               the kiosk                     /support   the support desk
    /counter/N           counter N's clerk             /leader    the duty leader
    /evaluator/N         counter N's evaluator         /display   the wall display
    /display/N           counter N's display           /t/TOKEN   a ticket's page (phones)
    /static/…            the terminal page's script, style sheet and font (textual-serve's)

A terminal's page runs its app in a process of its own for each browser session
(textual-serve's bridge, `server.sessions`); the page reconnects by itself and, within
`[server] reconnect_seconds`, finds its app where it was. Nothing else is served: no other
file, no command, no option from the browser. `[server] allow` (and `--allow`) restricts
the staff's networks, `phone_allow` lets the phones' network open the ticket pages and
nothing else (the machine itself is always let in); `phone_port` serves the ticket pages
alone on a port of their own (`HallServer.phone_application`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.download_manager import DownloadManager

from db.config import HallConfig
from db.store.session import Hall
from server.sessions import Pool, Session, without_secrets
from server.terminals import Terminal, terminal_at, terminals
from server.tickets import POLL_SECONDS, TicketPages

log = logging.getLogger("hall.server")

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(textual_serve.__file__).with_name("static")
"""textual-serve's script, style sheet and font: all a terminal's page loads."""

DISPLAY_COLUMNS = 110
"""How many columns a display's page is wide, whatever the screen: its font size comes from
the window's width (`hallFontSize` in terminal.html), so that a 1920×1080 TV and a 1280×720
panel both show the same ~110×~33 cells, readable from across the hall (at textual-serve's
16 px a 1920 px screen drew ~213 columns, everything but the banner ~14 px high)."""

SESSION_KEY = re.compile(r"[0-9a-f]{32}")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Settings:
    """What the server is started with."""

    config: HallConfig
    database: str
    """The database URL: given to each app in its environment, never on its command line."""
    config_file: Path | None = None
    """The hall file each app is started with (None: the shipped default)."""
    hall: str | None = None
    """The hall of the database (`--hall CODE`), given to each app as $HALL_CODE; None: the
    apps inherit this process's $HALL_CODE, if any."""
    allow: Sequence[Network] = ()
    """The staff's networks given on the command line (`--allow`), besides `[server] allow`;
    both empty: every client that reaches the port."""
    argv_for: Callable[[Terminal], list[str]] | None = None
    """The command line of a terminal's app (tests give a stand-in); None: `hall KIND …`."""


def parse_network(text: str) -> Network:
    """A network such as 192.168.1.0/24 (a single address is a network of one)."""
    return ipaddress.ip_network(text.strip(), strict=False)


class HallServer:
    """The aiohttp application and what it keeps: the sessions, the ticket pages."""

    def __init__(self, settings: Settings, hall: Hall) -> None:
        self.settings = settings
        self.config = settings.config
        self.pool = Pool(settings.config.server.max_sessions)
        self.downloads = DownloadManager()
        self.tickets = TicketPages(hall)
        self.pages = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                        autoescape=True)
        server = settings.config.server
        self.staff_networks: tuple[Network, ...] = (
            *settings.allow, *(parse_network(n) for n in server.allow))
        """Who may open the index and the terminals (and the ticket pages); empty: all."""
        self.phone_networks = tuple(parse_network(n) for n in server.phone_allow)
        """Who may open the ticket pages besides the staff's networks."""

    # -- the application ---------------------------------------------------------------------

    def application(self) -> web.Application:
        """The aiohttp application serving the hall."""
        app = web.Application(middlewares=[self._guard])
        app.router.add_static("/static", STATIC, show_index=False, follow_symlinks=False)
        app.router.add_get("/", self.index)
        app.router.add_get("/t/{token}", self.ticket_page)
        app.router.add_get("/t/{token}/state", self.ticket_state)
        for number in ("", "/{number}"):
            app.router.add_get("/{kind}" + number, self.terminal_page)
            app.router.add_get("/{kind}" + number + "/ws/{key}", self.terminal_socket)
            app.router.add_get("/{kind}" + number + "/session/{key}", self.session_check)
        app.on_shutdown.append(self._shutdown)
        return app

    def phone_application(self) -> web.Application:
        """The ticket pages alone, for `[server] phone_port`: every other address is 404."""
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/t/{token}", self.ticket_page)
        app.router.add_get("/t/{token}/state", self.ticket_state)
        return app

    async def _shutdown(self, app: web.Application) -> None:
        await self.pool.stop_all()

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse a client outside the allowed networks (for a ticket page, the phones' and
        the staff's; for all else, the staff's); every answer unframeable."""
        phone = request.path.startswith("/t/")
        if not self.allowed(request.remote, phone=phone):
            log.warning("refused %s: not in the allowed networks", request.remote)
            return self._page("message.html", status=403, title="403",
                              zh="此设备的网络不在营业厅服务器允许的范围内。",
                              en="This device's network is not allowed to use the hall "
                                 "server.")
        try:
            response = await handler(request)
        except web.HTTPNotFound:  # an address the router does not know, a missing asset
            response = self._not_found()
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    def allowed(self, remote: str | None, *, phone: bool = False) -> bool:
        """Whether a client address may use the server: the staff's networks, or for a
        ticket page (`phone`) also the phones'; every client when no network is given;
        always this machine itself."""
        networks = (*self.staff_networks, *self.phone_networks) if phone \
            else self.staff_networks
        if not networks:
            return True
        try:
            address = ipaddress.ip_address(remote or "")
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback:
            return True
        return any(address.version == n.version and address in n for n in networks)

    def _page(self, template: str, *, status: int = 200, **values: Any) -> web.Response:
        text = self.pages.get_template(template).render(hall=self.config, **values)
        return web.Response(text=text, status=status, content_type="text/html",
                            charset="utf-8", headers={"Cache-Control": "no-store"})

    def _not_found(self) -> web.Response:
        return self._page("message.html", status=404, title="404",
                          zh="没有这个页面。", en="There is no such page.")

    # -- the index -----------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        """The terminals, their addresses and caps, for whoever sets the hall up."""
        rows = []
        for terminal in terminals(self.config):
            zh, en = terminal.names(self.config)
            rows.append({"path": terminal.path, "zh": zh, "en": en,
                         "cap": terminal.cap(self.config),
                         "running": self.pool.running(terminal)})
        return self._page("index.html", rows=rows, server=self.config.server,
                          running=len(self.pool.sessions))

    # -- a terminal ------------------------------------------------------------------------------

    def _terminal(self, request: web.Request) -> Terminal | None:
        info = request.match_info
        return terminal_at(self.config, info["kind"], info.get("number"))

    async def terminal_page(self, request: web.Request) -> web.Response:
        """A terminal's page: textual-serve's terminal in the browser, its app behind it."""
        terminal = self._terminal(request)
        if terminal is None:
            return self._not_found()
        zh, en = terminal.names(self.config)
        columns = DISPLAY_COLUMNS if terminal.kind.name == "display" else None
        return self._page("terminal.html", path=terminal.path, zh=zh, en=en,
                          new_key=secrets.token_hex(16), columns=columns)

    async def session_check(self, request: web.Request) -> web.Response:
        """Whether the page may connect: its session is there to come back to, or there is
        room for a new one; else the refusal, which the page shows."""
        terminal = self._terminal(request)
        key = request.match_info["key"]
        if terminal is None or not SESSION_KEY.fullmatch(key):
            return self._not_found()
        remote = request.remote or ""
        if self.pool.find(terminal, key, remote) is not None:
            answer: dict[str, Any] = {"ok": True}
        else:
            refusal = self._refusal(terminal, key)
            answer = {"ok": True} if refusal is None else {"ok": False, "zh": refusal[0],
                                                           "en": refusal[1]}
        return web.json_response(answer, headers={"Cache-Control": "no-store"})

    def _refusal(self, terminal: Terminal, key: str) -> tuple[str, str] | None:
        if key in self.pool.sessions:  # another terminal's key, or another browser's
            return ("此会话已在别处使用，请重新打开此页面。",
                    "This session is in use elsewhere: open this page again.")
        return self.pool.refusal(terminal, terminal.cap(self.config))

    async def terminal_socket(self, request: web.Request) -> web.StreamResponse:
        """The terminal's websocket: the browser's session, new or coming back."""
        terminal = self._terminal(request)
        key = request.match_info["key"]
        if terminal is None or not SESSION_KEY.fullmatch(key):
            return self._not_found()
        remote = request.remote or ""
        session = self.pool.find(terminal, key, remote)
        new = session is None
        if session is None:
            refusal = self._refusal(terminal, key)
            if refusal is not None:
                return web.Response(status=503, text=f"{refusal[0]}\n{refusal[1]}\n",
                                    charset="utf-8")
            session = self._new_session(terminal, key, remote)
            self.pool.add(session)  # before the first await: the cap holds under a rush
        socket = web.WebSocketResponse(heartbeat=15)
        try:
            await socket.prepare(request)
        except Exception:  # not a websocket request
            if new:
                self.pool.discard(session)
            raise
        try:
            await session.attach(socket, _size(request.query.get("width"), 80),
                                 _size(request.query.get("height"), 24))
            await _relay(socket, session)
        except Exception:  # a browser gone mid-way, an app that would not start
            log.exception("session of %s", terminal.path)
        finally:
            session.detach(socket, self.config.server.reconnect_seconds)
            if session.process is None:  # never started: it holds no process
                self.pool.discard(session)
        return socket

    def _new_session(self, terminal: Terminal, key: str, remote: str) -> Session:
        make = self.settings.argv_for or (lambda t: t.argv(self.settings.config_file))
        argv = make(terminal)
        if not without_secrets(argv):
            raise web.HTTPInternalServerError(text="refused: a URL on a command line")
        return Session(terminal, key, remote, argv, self.settings.database, self.downloads,
                       hall=self.settings.hall)

    # -- the customer's phone ----------------------------------------------------------------

    async def ticket_page(self, request: web.Request) -> web.Response:
        """A ticket's page: where it stands, updating by itself."""
        token = request.match_info["token"]
        state = await asyncio.to_thread(self.tickets.state, token)
        if state is None:
            return self._not_found()
        return self._page("ticket.html", state=state, poll_ms=POLL_SECONDS * 1000)

    async def ticket_state(self, request: web.Request) -> web.Response:
        """A ticket's state as JSON, which its page asks for every few seconds."""
        state = await asyncio.to_thread(self.tickets.state, request.match_info["token"])
        if state is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(state, dumps=lambda v: json.dumps(v, ensure_ascii=False),
                                 headers={"Cache-Control": "no-store"})


def _size(text: str | None, default: int) -> int:
    try:
        value = int(text or "")
    except ValueError:
        return default
    return value if 1 <= value <= 1000 else default


async def _relay(socket: web.WebSocketResponse, session: Session) -> None:
    """The browser's keys, sizes and focus to the app (textual-serve's protocol)."""
    async for message in socket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
        except ValueError:
            continue
        if not isinstance(envelope, list) or not envelope:
            continue
        kind = envelope[0]
        data = envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(data, str):
            await session.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            await session.set_terminal_size(_size(str(data.get("width")), 80),
                                            _size(str(data.get("height")), 24))
        elif kind == "ping":
            await socket.send_json(["pong", data])
        elif kind == "blur":
            await session.blur()
        elif kind == "focus":
            await session.focus()


def serve_forever(settings: Settings, hall: Hall, *, host: str, port: int, ready: str) -> None:
    """Run the hall server until SIGINT or SIGTERM; `ready` is printed once it listens (and
    the phones' port, when `[server] phone_port` is set). An address it cannot listen on is
    an OSError, raised before anything runs."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    server = HallServer(settings, hall)
    sites = [(server.application(), port)]
    phone_port = settings.config.server.phone_port
    if phone_port is not None:
        sites.append((server.phone_application(), phone_port))
        ready += (f"\nserve: the ticket pages alone (for phones) are on port {phone_port}: "
                  f"http://{_in_url(host)}:{phone_port}/t/…")
    asyncio.run(_serve(sites, host, ready))


def _in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def _serve(sites: list[tuple[web.Application, int]], host: str, ready: str) -> None:
    runners = []
    try:
        for app, port in sites:
            runner = web.AppRunner(app, access_log=None)
            runners.append(runner)
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
        print(ready, file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await stop.wait()
    finally:
        for runner in reversed(runners):
            await runner.cleanup()  # the terminals' stops every session's app

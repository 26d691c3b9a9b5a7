"""Browser sessions: one app process per terminal's browser, bridged by textual-serve.

textual-serve's `AppService` runs a Textual app as a subprocess and relays its screen over a
websocket; `Session` is that service with four changes. The app is started from an argument
list, without a shell, and the database URL (which may hold a password) goes to it in its
environment ($HALL_DB), never on its command line. The websocket can be swapped: a terminal
whose connection drops keeps its process for `reconnect_seconds`, and the browser coming
back with its session key finds its app where it was. Stopping never hangs on an app that
does not quit. And when the app ends by itself, the browser is told (its page reconnects).

`Pool` holds the sessions and keeps the caps: per terminal and in all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio.subprocess import Process
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from server.terminals import Terminal

log = logging.getLogger("hall.server")

QUIT_SECONDS = 5.0
"""How long an app has to quit when asked before it is killed."""

DROPPED = ("HALL_COUNTER", "HALL_CONFIG", "HALL_DB")
"""This process's variables a terminal's app must not inherit: it is told its counter and
its config file outright, and its database is set below."""


class Session(AppService):
    """One browser's app process, its websocket swappable."""

    def __init__(self, terminal: Terminal, key: str, remote: str, argv: list[str],
                 database: str, downloads: DownloadManager, *, hall: str | None = None) -> None:
        super().__init__(" ".join(argv[2:]), write_bytes=self._to_browser_bytes,
                         write_str=self._to_browser_text, close=self._app_closed,
                         download_manager=downloads)
        self.terminal = terminal
        self.key = key
        """The browser's session key: a browser coming back with it gets this app again."""
        self.remote = remote
        """The browser's address: only the same address may come back to it."""
        self.argv = argv
        self.database = database
        self.hall = hall
        """The hall's code for the app ($HALL_CODE), when the server was given one."""
        self.socket: web.WebSocketResponse | None = None
        """The browser's websocket while one is connected."""
        self.ended = asyncio.Event()
        """Set when the app process is gone."""
        self.expiry: asyncio.TimerHandle | None = None
        self.on_end: Callable[[Session], None] | None = None

    @property
    def process(self) -> Process | None:
        """The app process, once started."""
        return self._process

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        for name in DROPPED:
            environment.pop(name, None)
        environment["HALL_DB"] = self.database
        if self.hall is not None:
            environment["HALL_CODE"] = self.hall
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        # textual-serve runs a shell command line; an argument list needs no shell and
        # no quoting, and nothing of it comes from the browser.
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        await super().start(width, height)
        assert self._task is not None
        self._task.add_done_callback(lambda _: self._finished())

    def _finished(self) -> None:
        """The app's output ended (it quit, or failed to start): close the browser's socket,
        so that its page reconnects, and leave the pool."""
        self.ended.set()
        if self.expiry is not None:
            self.expiry.cancel()
        socket = self.socket
        if socket is not None and not socket.closed:
            asyncio.ensure_future(socket.close())
        if self.on_end is not None:
            self.on_end(self)

    async def _to_browser_bytes(self, data: bytes) -> None:
        socket = self.socket
        if socket is not None and not socket.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_bytes(data)

    async def _to_browser_text(self, text: str) -> None:
        socket = self.socket
        if socket is not None and not socket.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_str(text)

    async def _app_closed(self) -> None:
        socket = self.socket
        if socket is not None and not socket.closed:
            await socket.close()

    async def attach(self, socket: web.WebSocketResponse, width: int, height: int) -> None:
        """Give the app to a browser's websocket (a new one, or one coming back)."""
        old, self.socket = self.socket, socket
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None
        if old is not None and old is not socket and not old.closed:
            await old.close()
        if self._task is None:
            await self.start(width, height)
        else:
            # The browser's terminal is blank: a size change makes the app draw it all.
            await self.set_terminal_size(width, max(height - 1, 1))
            await self.set_terminal_size(width, height)

    def detach(self, socket: web.WebSocketResponse, keep_seconds: float) -> None:
        """The browser's websocket closed: keep the app `keep_seconds` for it to come back."""
        if self.socket is not socket:
            return  # another websocket has it already
        self.socket = None
        if self.ended.is_set():
            return
        loop = asyncio.get_running_loop()
        self.expiry = loop.call_later(keep_seconds,
                                      lambda: asyncio.ensure_future(self.stop()))

    async def stop(self) -> None:
        """Ask the app to quit, and end it if it does not within QUIT_SECONDS."""
        process = self._process
        if process is None or self._task is None:
            return
        with contextlib.suppress(Exception):
            await self.send_meta({"type": "quit"})
            self.stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ended.wait(), QUIT_SECONDS)
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), QUIT_SECONDS)


@dataclass
class Pool:
    """The running sessions, and the caps: per terminal, and in all."""

    total_cap: int
    sessions: dict[str, Session] = field(default_factory=dict)
    """By session key."""

    def running(self, terminal: Terminal) -> int:
        """Sessions of `terminal`, including those waiting for their browser to come back."""
        return sum(1 for s in self.sessions.values() if s.terminal == terminal)

    def refusal(self, terminal: Terminal, cap: int) -> tuple[str, str] | None:
        """Why a new session of `terminal` is refused (in Chinese and in English), or None."""
        if self.running(terminal) >= cap:
            return (f"此终端已有 {cap} 个会话在运行，已达上限。请关闭其他浏览器中的此页面，"
                    "或稍后再试。",
                    f"This terminal already has {cap} sessions running, its limit. Close this "
                    "page in other browsers, or try again later.")
        if len(self.sessions) >= self.total_cap:
            return (f"服务器已有 {self.total_cap} 个会话在运行，已达上限。请稍后再试。",
                    f"The server already runs {self.total_cap} sessions, its limit. "
                    "Try again later.")
        return None

    def find(self, terminal: Terminal, key: str, remote: str) -> Session | None:
        """The session a browser comes back to: same terminal, same key, same address."""
        found = self.sessions.get(key)
        if found is None or found.terminal != terminal or found.remote != remote:
            return None
        return None if found.ended.is_set() else found

    def add(self, session: Session) -> None:
        """Count a session in (until its app ends)."""
        self.sessions[session.key] = session
        session.on_end = self.discard

    def discard(self, session: Session) -> None:
        """Count a session out: its app ended, or never started."""
        session.ended.set()
        if self.sessions.get(session.key) is session:
            del self.sessions[session.key]

    async def stop_all(self) -> None:
        """Stop every app (the server is shutting down)."""
        await asyncio.gather(*(s.stop() for s in list(self.sessions.values())),
                             return_exceptions=True)


def without_secrets(argv: list[str]) -> bool:
    """Whether a command line is free of a database URL (used by the tests and a check
    before each start): the URL travels in the environment."""
    return not any("://" in part or part == "--db" for part in argv)


"""A terminal's page as the browser gets it: the websocket routed through the test (so that
the test can drop it), the app's output replayed into a terminal emulator (pyte) to read the
screen as text, and clicks aimed at the cells where a text is drawn."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pyte
from playwright.sync_api import Page, WebSocketRoute

from tests.browser.conftest import WAIT

QUIET = 0.3
"""How long a screen must stay unchanged before a click is aimed at it: a screen lays itself
out again once its size is known, and a click aimed at the first frame can miss."""


class Screen:
    """The app's screen in one terminal page, kept up to date from its websocket."""

    def __init__(self, page: Page, path: str) -> None:
        self.page = page
        self.path = path
        self.screen: pyte.Screen | None = None
        self.stream: pyte.ByteStream | None = None
        self.route: WebSocketRoute | None = None
        self.sockets = 0
        """How many websockets the page has opened."""
        page.route_web_socket(f"**{path}/ws/*", self._routed)

    def _routed(self, route: WebSocketRoute) -> None:
        query = parse_qs(urlsplit(route.url).query)
        self.screen = pyte.Screen(int(query["width"][0]), int(query["height"][0]))
        self.stream = pyte.ByteStream(self.screen)
        self.route = route
        self.sockets += 1
        server = route.connect_to_server()
        route.on_message(lambda message: self._sent(server, message))
        server.on_message(lambda message: self._received(route, message))

    def _sent(self, server: WebSocketRoute, message: str | bytes) -> None:
        if isinstance(message, str) and self.screen is not None:
            try:
                envelope = json.loads(message)
            except ValueError:
                envelope = None
            if isinstance(envelope, list) and envelope and envelope[0] == "resize":
                self.screen.resize(envelope[1]["height"], envelope[1]["width"])
        server.send(message)

    def _received(self, route: WebSocketRoute, message: str | bytes) -> None:
        if isinstance(message, bytes) and self.stream is not None:
            self.stream.feed(message)
        route.send(message)

    def open(self, base: str) -> None:
        self.page.goto(base + self.path)

    def drop(self) -> None:
        """Close the page's websocket, as a dropped connection would."""
        assert self.route is not None
        self.route.close(code=1001, reason="dropped by the test")

    # -- reading -------------------------------------------------------------------------------

    def lines(self) -> list[str]:
        return [] if self.screen is None else list(self.screen.display)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines())

    def where(self, text: str) -> tuple[int, int] | None:
        """The (column, row) of the first cell of `text` on the screen (a wide character
        takes two cells), or None."""
        if self.screen is None:
            return None
        for row in range(self.screen.lines):
            line = self.screen.buffer[row]
            cells = [line[column].data for column in range(self.screen.columns)]
            joined, starts = "", []
            for column, data in enumerate(cells):
                for _ in data:
                    starts.append(column)
                joined += data
            at = joined.find(text)
            if at >= 0:
                return starts[at], row
        return None

    def wait_for(self, condition: Callable[[str], bool] | str, seconds: float = WAIT) -> str:
        """The screen's text once `condition` holds for it (a string: once it shows)."""
        test = (lambda t: condition in t) if isinstance(condition, str) else condition
        deadline = time.monotonic() + seconds
        while True:
            text = self.text()
            if test(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.path}: never showed what was awaited; it shows:\n"
                                     + text)
            self.page.wait_for_timeout(100)

    # -- acting --------------------------------------------------------------------------------

    def click(self, text: str) -> None:
        """Click the middle of `text` where the screen draws it, once the screen has held
        still for QUIET seconds (the same text, `text` in the same place)."""
        last: dict[str, object] = {"what": None, "since": 0.0}

        def still(_: str) -> bool:
            what, now = (self.where(text), self.text()), time.monotonic()
            if what[0] is None or what != last["what"]:
                last.update(what=what, since=now)
                return False
            since = last["since"]
            return isinstance(since, float) and now - since >= QUIET

        self.wait_for(still)
        place = self.where(text)
        assert place is not None and self.screen is not None
        column, row = place
        box = self.page.locator(".xterm-screen").bounding_box()
        assert box is not None
        width = box["width"] / self.screen.columns
        height = box["height"] / self.screen.lines
        self.page.mouse.click(box["x"] + (column + 1) * width, box["y"] + (row + 0.5) * height)

    @property
    def size(self) -> tuple[int, int]:
        """The terminal's (columns, lines), as the page asked for it."""
        assert self.screen is not None
        return self.screen.columns, self.screen.lines

    def keys(self, *keys: str) -> None:
        """Press keys in the terminal (Playwright's names: "Enter", "F5", "a")."""
        self.page.locator(".xterm-helper-textarea").focus()
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.locator(".xterm-helper-textarea").focus()
        self.page.keyboard.type(text)

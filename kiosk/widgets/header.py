"""The kiosk's top line: the hall's name, who is signed in (guide mode), and a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"


class KioskHeader(Horizontal):
    """One line across the top; the clock reads the hall's clock in the hall's time zone.
    The date is a label of its own, so that a narrow layout can hide it."""

    DEFAULT_CSS = """
    KioskHeader {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        & > Label { height: 1; padding: 0 1; }
        & > #hall-name { width: 1fr; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #mode { width: auto; background: $warning; color: $text; text-style: bold; }
        & > #date { width: auto; padding-right: 0; }
        & > #time { width: auto; }
    }
    """

    hall_name: reactive[str] = reactive("")
    """The hall's name in the current language."""
    mode: reactive[str] = reactive("")
    """Who is signed in, shown highlighted; empty in customer mode."""

    def __init__(self, clock: Callable[[], dt.datetime], tz: ZoneInfo) -> None:
        super().__init__()
        self.clock = clock
        self.tz = tz

    def compose(self) -> ComposeResult:
        """Name, mode, clock."""
        yield Label(id="hall-name")
        yield Label(id="mode")
        yield Label(id="date")
        yield Label(id="time")

    def on_mount(self) -> None:
        """Start the clock."""
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        """Show the time."""
        now = self.clock().astimezone(self.tz)
        self.query_one("#date", Label).update(now.strftime(DATE_FORMAT))
        self.query_one("#time", Label).update(now.strftime(TIME_FORMAT))

    def watch_hall_name(self, text: str) -> None:
        """Show the name."""
        self.query_one("#hall-name", Label).update(text)

    def watch_mode(self, text: str) -> None:
        """Show who is signed in, or nothing."""
        label = self.query_one("#mode", Label)
        label.update(text)
        label.display = bool(text)

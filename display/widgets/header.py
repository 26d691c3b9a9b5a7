"""The display's top line: the hall's (or the counter's) name and a clock that ticks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M:%S"


class DisplayHeader(Horizontal):
    """One line across the top; the clock reads the hall's clock in the hall's time zone.
    The date is a label of its own, so that a narrow layout can hide it."""

    DEFAULT_CSS = """
    DisplayHeader {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        text-style: bold;
        & > Label { height: 1; padding: 0 1; width: auto; }
        & > #hall-name { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #date { padding-right: 0; }
    }
    """

    title: reactive[str] = reactive("")
    """The hall's name, or the counter's."""

    def __init__(self, clock: Callable[[], dt.datetime], tz: ZoneInfo) -> None:
        super().__init__()
        self.clock = clock
        self.tz = tz

    def compose(self) -> ComposeResult:
        """Name, date, time."""
        yield Label(id="hall-name")
        yield Label(id="date")
        yield Label(id="time")

    def on_mount(self) -> None:
        """Start the clock: once a second."""
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        """Show the time. Without a new layout: the text keeps its width, and a layout of
        the whole screen every second is most of what an idle display would cost."""
        now = self.clock().astimezone(self.tz)
        for part, text in (("#date", now.strftime(DATE_FORMAT)),
                           ("#time", now.strftime(TIME_FORMAT))):
            label = self.query_one(part, Label)
            label.update(text, layout=cell_len(str(label.content)) != cell_len(text))

    def watch_title(self, text: str) -> None:
        """Show the name."""
        self.query_one("#hall-name", Label).update(text)

"""A top line with a clock that ticks: the hall's clock in the hall's time zone. Each app's
header names its own labels and CSS; the date is a label of its own, so that a narrow
layout can hide it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

DATE_FORMAT = "%Y-%m-%d"


class ClockHeader(Horizontal):
    """One line across the top: a label per id in `LABELS`, `#date` and `#time` kept by the
    clock once a second."""

    LABELS: ClassVar[tuple[str, ...]] = ("hall-name", "date", "time")
    """Ids of the labels, left to right."""
    TIME_FORMAT: ClassVar[str] = "%H:%M:%S"
    """How the time is written."""

    def __init__(self, clock: Callable[[], dt.datetime], tz: ZoneInfo) -> None:
        super().__init__()
        self.clock = clock
        self.tz = tz

    def compose(self) -> ComposeResult:
        """The labels, left to right."""
        for label_id in self.LABELS:
            yield Label(id=label_id)

    def on_mount(self) -> None:
        """Start the clock: once a second."""
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        """Show the time. Without a new layout: the text keeps its width, and a layout of
        the whole screen every second is most of what an idle display would cost."""
        now = self.clock().astimezone(self.tz)
        for part, text in (("#date", now.strftime(DATE_FORMAT)),
                           ("#time", now.strftime(self.TIME_FORMAT))):
            label = self.query_one(part, Label)
            label.update(text, layout=cell_len(str(label.content)) != cell_len(text))

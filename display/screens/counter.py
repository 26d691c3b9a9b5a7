"""A counter's own display (窗口屏): its current number, and who serves there."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult

from db.config import CounterSpec, HallConfig
from db.store.session import Clock
from db.store.views import HallSnapshot
from display.screens.base import DisplayScreen
from display.widgets.counter_card import CounterCard
from display.widgets.header import DisplayHeader


class CounterScreen(DisplayScreen):
    """Above one counter: the number it calls or serves and the handler's name."""

    def __init__(self, config: HallConfig, clock: Clock, counter: CounterSpec) -> None:
        super().__init__(config)
        self.clock = clock
        self.counter = counter

    def compose(self) -> ComposeResult:
        """Header with the counter's name, then the card."""
        yield DisplayHeader(self.clock, self.config.tz)
        yield CounterCard(self.config.languages, id="card")
        yield self.status_line()

    def on_mount(self) -> None:
        """The counter's name in the hall's languages."""
        super().on_mount()
        names = [self.counter.name_zh]
        if "en" in self.config.languages:
            names.append(self.counter.name_en)
        self.query_one(DisplayHeader).title = " · ".join(names)
        self.query_one(CounterCard).fit_to(self.app.size)

    def on_resize(self, event: events.Resize) -> None:
        """The number as large as the new size allows."""
        self.query_one(CounterCard).fit_to(event.size)

    def watch_snapshot(self, snapshot: HallSnapshot | None) -> None:
        """Find this counter in the snapshot and show it."""
        if snapshot is None:
            return
        mine = [c for c in snapshot.counters if c.number == self.counter.number]
        if mine:
            self.query_one(CounterCard).counter = mine[0]

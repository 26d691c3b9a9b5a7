"""The wall display (综合屏): the latest call, the last several calls, the queues."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from db.config import HallConfig
from db.store.session import Clock
from db.store.views import HallSnapshot
from display.calling import CallsOnShow
from display.screens.base import DisplayScreen
from display.text import both
from display.widgets.banner import CallBanner
from display.widgets.calls import RecentCalls
from display.widgets.counters import CounterBoard
from display.widgets.header import DisplayHeader
from display.widgets.notice import NoticeLine
from display.widgets.queues import QueueBoard


class WallScreen(DisplayScreen):
    """Everything a customer in the hall looks up for, in one screen."""

    def __init__(self, config: HallConfig, clock: Clock) -> None:
        super().__init__(config)
        self.clock = clock

    def compose(self) -> ComposeResult:
        """Header, the banner, calls beside queues (beneath them on a portrait screen), and
        a line for the notice and the "voice off" hint."""
        yield DisplayHeader(self.clock, self.config.tz)
        yield CallBanner(self.config, id="banner")
        # Each board in a frame of its own: a new snapshot repaints the lines of the board,
        # not the frame's full height.
        with Horizontal(id="wall-body"):
            with Vertical(id="recent", classes="board"):
                yield RecentCalls(self.config)
            with Vertical(id="side"):
                with Vertical(id="queues", classes="board"):
                    yield QueueBoard(self.config)
                with Vertical(id="counters", classes="board"):
                    yield CounterBoard(self.config)
        with Horizontal(id="wall-foot"):
            yield Label(both("notice", self.config.languages), id="notice-title")
            yield NoticeLine(id="notice")
            yield Label(both("voice_off", self.config.languages), id="voice-off")
        yield self.status_line()

    def on_mount(self) -> None:
        """The hall's name in its languages."""
        super().on_mount()
        names = [self.config.name_zh]
        if "en" in self.config.languages and self.config.name_en != self.config.name_zh:
            names.append(self.config.name_en)
        self.query_one(DisplayHeader).title = " · ".join(names)
        self.query_one("#recent").border_title = both("recent", self.config.languages)
        self.query_one("#queues").border_title = both("queues", self.config.languages)
        self.query_one("#counters").border_title = both("counters", self.config.languages)
        # The waiting per business never gives way to the counters: on a short screen the
        # counters' board is cut at the bottom instead (the next numbers are its first line).
        queues = self.query_one("#queues")
        queues.styles.min_height = len(self.config.languages) + len(self.config.businesses) + 2
        self._show_foot()
        self.query_one(CallBanner).fit_to(self.app.size)

    def on_resize(self, event: events.Resize) -> None:
        """The banner's digits as large as the new size allows."""
        self.query_one(CallBanner).fit_to(event.size)

    shows_queues = True

    def watch_snapshot(self, snapshot: HallSnapshot | None) -> None:
        """Pass the new snapshot down to the counters (the calls come with `calls`, the
        queues with `queues`)."""
        if snapshot is not None:
            self.query_one(CounterBoard).show(snapshot, self.next_numbers)

    def watch_queues(self, queues: HallSnapshot | None) -> None:
        """The queues and their estimated waits, as read after the snapshot."""
        for board in self.query(QueueBoard):  # none once the app closes (a read may land then)
            board.snapshot = queues

    def watch_calls(self, calls: CallsOnShow) -> None:
        """The call being announced (or the newest) in the banner, the others listed."""
        banner = self.query_one(CallBanner)
        banner.call = calls.now
        banner.speaking = calls.speaking
        self.query_one(RecentCalls).show(calls.listed, calls.waiting)

    def on_display_header_ticked(self) -> None:
        """A scrolling notice steps with the clock."""
        self.query_one(NoticeLine).beat()

    def watch_notice(self, notice: str) -> None:
        """Show the notice (scrolling if it must), or hide the line when cleared."""
        self.query_one(NoticeLine).text = notice
        self._show_foot()

    def watch_voice_off(self, reason: str) -> None:
        """Show the "voice off" hint."""
        self._show_foot()

    def _show_foot(self) -> None:
        # Classes, not `display`: the layout (display.tcss) decides what fits where.
        foot = self.query_one("#wall-foot")
        foot.set_class(bool(self.notice), "-notice")
        foot.set_class(bool(self.voice_off), "-voice-off")

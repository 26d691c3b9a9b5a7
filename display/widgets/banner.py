"""The latest call, large: "请 A023 号 到 3 号窗口", highlighted for a few seconds when new."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Label

from db.config import HallConfig
from db.views import CallView
from display.text import both, t
from display.widgets.big_number import BigNumber
from ui.text import name

HIGHLIGHT_SECONDS = 8.0
"""How long a new call stays highlighted: long enough to look up and find it."""


class CallBanner(Vertical):
    """The call customers look for: the number and the counter in big digits, a second
    line in English when the hall offers it. A call newer than the last one shown (a recall
    counts) is highlighted; the call already there when the display starts is not."""

    DEFAULT_CSS = """
    CallBanner {
        height: auto;
        border: heavy $primary;
        padding: 0 1;
        align-horizontal: center;
        &.-fresh { border: heavy $warning; background: $warning 25%; }
        & > Horizontal { height: 3; width: 100%; align-horizontal: center; }
        & .word { width: auto; height: 3; content-align: center middle; text-style: bold;
                  padding: 0 1; }
        & > Label { width: 100%; text-align: center; text-style: bold; }
        & > #call-en { color: $text-muted; }
        & > #call-note { color: $warning; }
    }
    """

    call: reactive[CallView | None] = reactive(None, always_update=True, init=False)
    """The latest call, or None before the day's first; set on every snapshot."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.shown: int | None = None
        """Event id of the call on show: a newer one is highlighted."""
        self.started = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """请 NUMBER 号 到 COUNTER 号窗口, then the English line and the recall note."""
        with Horizontal(id="call-line"):
            yield Label(t("please", "zh"), classes="word")
            yield BigNumber(id="call-number")
            yield Label(t("number_suffix", "zh"), classes="word")
            yield BigNumber(id="call-counter")
            yield Label(t("counter_suffix", "zh"), classes="word")
        yield Label(id="call-en")
        yield Label(both("recall", self.config.languages), id="call-note")

    def on_mount(self) -> None:
        """Nothing called until the first snapshot says otherwise."""
        self.query_one("#call-line").display = False
        self.query_one("#call-note").display = False

    def watch_call(self, call: CallView | None) -> None:
        """Show the call; highlight it if it is new since the display started."""
        self.query_one("#call-line").display = call is not None
        en = self.query_one("#call-en", Label)
        en.display = call is None or "en" in self.config.languages
        if call is None:
            en.update(both("no_calls", self.config.languages))
            self.query_one("#call-note", Label).display = False
            self.started = True
            return
        self.query_one("#call-number", BigNumber).value = call.number
        self.query_one("#call-counter", BigNumber).value = str(call.counter)
        line = t("call", "en", number=call.number, counter=self._counter_en(call.counter))
        # Most calls only change digits: a line of the same width needs no new layout.
        en.update(line, layout=cell_len(str(en.content)) != cell_len(line))
        self.query_one("#call-note", Label).display = call.recall
        if self.started and call.event_id != self.shown:
            self.highlight()
        self.shown, self.started = call.event_id, True

    def highlight(self) -> None:
        """Mark the banner as new for `HIGHLIGHT_SECONDS`."""
        if self._timer is not None:
            self._timer.stop()
        self.add_class("-fresh")
        self._timer = self.set_timer(HIGHLIGHT_SECONDS, lambda: self.remove_class("-fresh"))

    def _counter_en(self, number: int) -> str:
        known = {c.number: c for c in self.config.counters}
        spec = known.get(number)
        return name(spec, "en") if spec else f"Counter {number}"

"""The call being announced, large: "请 A023 号 到 3 号窗口", highlighted while it is new.

The digits grow with the screen (`fit`): Textual's Digits on a small one, the block font as
large as a quarter of the screen's height and its width allow on a larger one; on a narrow
(portrait) screen the number and the counter go on two lines, so that they can be larger.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Label

from db.config import HallConfig
from db.store.views import CallView
from display.text import both, t
from display.widgets.big_number import BigNumber, number_height, number_width
from ui.text import name

HIGHLIGHT_SECONDS = 8.0
"""How long a new call stays highlighted (and at least as long as it is being said): long
enough to look up and find it."""

SCALES = (6, 5, 4, 3, 2, 1, 0)
"""The digits' sizes tried, largest first: the block font's pixel sizes, 0 for Digits."""

HEIGHT_SHARE = 4
"""The digits take at most 1/HEIGHT_SHARE of the screen's lines: the lists need the rest."""

CHROME = 6
"""Cells across the banner that are not its content: margin, border, padding."""

SENTENCE_LINES = 30
"""Screens at least this high show the call as a sentence under the digits too."""

PART_GAP = 4
"""Cells between "请 A006 号" and "到 1 号窗口" on one line: without them the small words
between the digits vanished and "A006 号 到 1" read "A0061" across the hall."""

WORDS: dict[str, str] = {"please": "请", "number": "号", "to": "到", "counter": "号窗口"}
"""The words around the digits, keyed by their labels' ids."""


@dataclass(frozen=True)
class Fit:
    """How the banner's line is drawn on a screen of some size."""

    scale: int
    """The digits' size: 0 for Digits, else the block font's pixel size."""
    stacked: bool
    """The counter on a line of its own, beneath the number."""


def fit(screen: Size, number: str, counter: str) -> Fit:
    """The largest digits the screen has room for: one line if it fits, else two."""
    room, lines = screen.width - CHROME, screen.height - 1
    words = {key: cell_len(text) + 2 for key, text in WORDS.items()}  # padding 0 1 each
    for scale in SCALES:
        rows = number_height(scale) * HEIGHT_SHARE
        who = words["please"] + number_width(len(number), scale) + words["number"]
        where = words["to"] + number_width(len(counter), scale) + words["counter"]
        if rows <= lines and who + PART_GAP + where <= room:
            return Fit(scale, stacked=False)
        if 2 * rows + HEIGHT_SHARE <= lines and max(who, where) <= room:
            return Fit(scale, stacked=True)
    return Fit(0, stacked=False)


def sentence(number: str, counter: int) -> str:
    """The call as one sentence, its words apart: "请 A006 号 到 1 号窗口"."""
    return t("call", "zh", number=number, counter=counter)


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
        & > #call-line { height: auto; width: 100%; align-horizontal: center; }
        &.-stacked > #call-line { layout: vertical; }
        & Horizontal.part { width: auto; height: auto; }
        &.-stacked Horizontal.part { width: 100%; align-horizontal: center; }
        & #call-where { margin-left: 4; }
        &.-stacked #call-where { margin-top: 1; margin-left: 0; }
        & .word { width: auto; height: 3; content-align: center middle; text-style: bold;
                  padding: 0 1; }
        & > Label { width: 100%; text-align: center; text-style: bold; }
        & > #call-en { color: $text-muted; }
        & > #call-note { color: $warning; }
    }
    """

    # repaint=False: the labels and digits inside repaint themselves, the highlight comes
    # with its class; a repaint of the banner would redraw all of its area on every call.
    call: reactive[CallView | None] = reactive(None, always_update=True, init=False,
                                               repaint=False)
    """The call on show (the one being announced, or the newest), None before the first."""

    speaking: reactive[bool] = reactive(False, init=False, repaint=False)
    """The call on show is being said now: it stays highlighted until it is said."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.shown: int | None = None
        """Event id of the call on show: a newer one is highlighted."""
        self.started = False
        self.screen_size = Size(80, 24)
        """The screen's size, which the digits are fitted to."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """请 NUMBER 号 | 到 COUNTER 号窗口, then the English line and the recall note."""
        with Horizontal(id="call-line"):
            with Horizontal(id="call-who", classes="part"):
                yield Label(WORDS["please"], id="please", classes="word")
                yield BigNumber(id="call-number")
                yield Label(WORDS["number"], id="number", classes="word")
            with Horizontal(id="call-where", classes="part"):
                yield Label(WORDS["to"], id="to", classes="word")
                yield BigNumber(id="call-counter")
                yield Label(WORDS["counter"], id="counter", classes="word")
        yield Label(id="call-zh")
        yield Label(id="call-en")
        yield Label(both("recall", self.config.languages), id="call-note")

    def on_mount(self) -> None:
        """Nothing called until the first snapshot says otherwise."""
        self.query_one("#call-line").display = False
        self.query_one("#call-note").display = False

    def fit_to(self, screen: Size) -> None:
        """Size the digits for a screen of this size."""
        self.screen_size = screen
        self._fit()

    def _sentence_room(self) -> bool:
        """The sentence under the digits, where the height has room for it (not on a
        short screen, where the calls waiting their turn need the lines)."""
        return self.screen_size.height >= SENTENCE_LINES

    def _fit(self) -> None:
        call = self.call
        self.query_one("#call-zh").display = call is not None and self._sentence_room()
        widest = max((c.number for c in self.config.counters), default=1)
        number = call.number if call is not None and len(call.number) > 4 else "A000"
        chosen = fit(self.screen_size, number, str(max(widest, call.counter if call else 0)))
        self.set_class(chosen.stacked, "-stacked")
        for big in self.query(BigNumber):
            big.scale = chosen.scale
        for word in self.query(".word"):
            word.styles.height = number_height(chosen.scale)

    def watch_call(self, call: CallView | None) -> None:
        """Show the call; highlight it if it is new since the display started."""
        self.query_one("#call-line").display = call is not None
        self.query_one("#call-zh").display = call is not None and self._sentence_room()
        en = self.query_one("#call-en", Label)
        en.display = call is None or "en" in self.config.languages
        if call is None:
            en.update(both("no_calls", self.config.languages))
            self.query_one("#call-note", Label).display = False
            self.started = True
            return
        self.query_one("#call-number", BigNumber).value = call.number
        self.query_one("#call-counter", BigNumber).value = str(call.counter)
        if len(call.number) > 4 or len(str(call.counter)) > 2:
            self._fit()
        # Most calls only change digits: a line of the same width needs no new layout (a
        # layout is a reflow of the whole screen).
        # The same call again (a change that was not a call): nothing to repaint.
        zh, said = self.query_one("#call-zh", Label), sentence(call.number, call.counter)
        if str(zh.content) != said:
            zh.update(said, layout=cell_len(str(zh.content)) != cell_len(said))
        line = t("call", "en", number=call.number, counter=self._counter_en(call.counter))
        if str(en.content) != line:
            en.update(line, layout=cell_len(str(en.content)) != cell_len(line))
        self.query_one("#call-note", Label).display = call.recall
        if self.started and call.event_id != self.shown:
            self.highlight()
        self.shown, self.started = call.event_id, True

    def highlight(self) -> None:
        """Mark the banner as new for `HIGHLIGHT_SECONDS` (and while it is being said)."""
        if self._timer is not None:
            self._timer.stop()
        self.add_class("-fresh")
        self._timer = self.set_timer(HIGHLIGHT_SECONDS, self._highlight_over)

    def _highlight_over(self) -> None:
        self._timer = None
        self.set_class(self.speaking, "-fresh")

    def watch_speaking(self, speaking: bool) -> None:
        """Said to the end: the highlight goes when its time is up too."""
        self.set_class(speaking or self._timer is not None, "-fresh")

    def _counter_en(self, number: int) -> str:
        known = {c.number: c for c in self.config.counters}
        spec = known.get(number)
        return name(spec, "en") if spec else f"Counter {number}"

"""One counter as its own display shows it: the number it serves and who serves there."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.widgets import Label

from db.store.views import CounterView
from display.text import both
from display.widgets.big_number import BigNumber, number_height, number_width

SCALES = (8, 7, 6, 5, 4, 3, 2, 0)
"""The number's sizes tried, largest first: the block font's pixel sizes, 0 for Digits."""

CARD_LINES = 8
"""Lines of the screen that are not the number: header, status, handler, staff number, air."""


def card_scale(screen: Size, number: str) -> int:
    """The largest size at which `number` fits a screen of this size with the rest."""
    for scale in SCALES:
        if number_width(len(number), scale) <= screen.width - 4 \
                and number_height(scale) <= screen.height - CARD_LINES:
            return scale
    return 0


class CounterCard(Vertical):
    """The counter's current ticket in big digits with what it means (called or being
    served), and the signed-in handler's name and staff number; "closed" when it is."""

    DEFAULT_CSS = """
    CounterCard {
        height: auto;
        align-horizontal: center;
        & > Label { width: 100%; text-align: center; text-style: bold; }
        & > Horizontal { width: 100%; height: auto; align-horizontal: center; margin: 1 0; }
        & > #card-status { color: $warning; }
        & > #card-staff-id { color: $text-muted; }
        &.-closed > #card-status { color: $error; }
    }
    """

    counter: reactive[CounterView | None] = reactive(None, init=False)
    """The counter as last read."""

    def __init__(self, languages: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.languages = languages

    def compose(self) -> ComposeResult:
        """Status line, number, handler, staff number."""
        yield Label(id="card-status")
        with Horizontal():
            yield BigNumber(id="card-number")
        yield Label(id="card-handler")
        yield Label(id="card-staff-id")

    def fit_to(self, screen: Size) -> None:
        """The number as large as a screen of this size allows (a ticket number's length)."""
        self.query_one(BigNumber).scale = card_scale(screen, "A000")

    def on_mount(self) -> None:
        """Say "loading" until the first snapshot."""
        self._set("status", self._both("loading"))
        self.query_one(BigNumber).display = False

    def watch_counter(self, counter: CounterView | None) -> None:
        """Show the ticket, the state and the handler."""
        if counter is None:
            return
        closed = counter.state != "open"
        self.set_class(closed, "-closed")
        big = self.query_one(BigNumber)
        big.display = counter.ticket is not None and not closed
        big.value = counter.ticket or ""
        self._set("status", self._status(counter))
        staffed = counter.staff is not None
        handler = f"{self._both('handler')}：{counter.staff_name}"
        self._set("handler", handler if staffed else self._both("nobody"))
        self._set("staff-id", f"{self._both('staff_id')}：{counter.staff}" if staffed else "")

    def _status(self, counter: CounterView) -> str:
        if counter.state != "open":
            return self._both(counter.state if counter.state in ("closed", "paused")
                              else "closed")
        if counter.ticket is None:
            return self._both("idle")
        if counter.ticket_status == "called":
            return self._both("called", number=counter.ticket)
        return self._both("serving")

    def _both(self, key: str, **fields: object) -> str:
        return both(key, self.languages, **fields)

    def _set(self, part: str, text: str) -> None:
        label = self.query_one(f"#card-{part}", Label)
        label.update(text)
        label.display = bool(text)

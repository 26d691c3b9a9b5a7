"""The duty leader's notice (公告) on one line; a notice too long for the line scrolls."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

STEP_SECONDS = 0.3
"""One character moves out at the left this often while a long notice scrolls."""

HOLD_STEPS = 8
"""At the start of each pass the notice stands still this many steps, to be read."""

GAP = "　　　"
"""Between the end of a scrolling notice and its start again (ideographic spaces)."""


class NoticeLine(Static):
    """The notice as set; it scrolls from right to left while it is wider than the line and
    stands still otherwise (no timer runs then: an idle display stays idle)."""

    DEFAULT_CSS = """
    NoticeLine {
        width: 1fr;
        height: 1;
        text-wrap: nowrap;
        text-overflow: clip;
        text-style: bold;
    }
    """

    text: reactive[str] = reactive("", init=False)
    """The notice; "" for none."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.offset_chars = 0
        """How many characters of the loop have scrolled out at the left."""
        self.held = 0
        self._timer: Timer | None = None

    @property
    def scrolling(self) -> bool:
        """Whether the notice is too wide for the line and moves."""
        return self._timer is not None

    def watch_text(self, text: str) -> None:
        """Start the new notice from its beginning."""
        self.offset_chars, self.held = 0, 0
        self._fit()

    def on_resize(self) -> None:
        """The line's width decides whether the notice must scroll."""
        self._fit()

    def _fit(self) -> None:
        too_long = bool(self.text) and cell_len(self.text) > self.content_size.width > 0
        if too_long and self._timer is None:
            self._timer = self.set_interval(STEP_SECONDS, self._step)
        elif not too_long and self._timer is not None:
            self._timer.stop()
            self._timer, self.offset_chars = None, 0
        self._show()

    def _step(self) -> None:
        if self.offset_chars == 0 and self.held < HOLD_STEPS:
            self.held += 1
            return
        self.held = 0
        self.offset_chars = (self.offset_chars + 1) % len(self.text + GAP)
        self._show()

    def _show(self) -> None:
        if not self.scrolling:
            self.update(Text(self.text))
            return
        loop = self.text + GAP
        shown = loop[self.offset_chars:] + loop[:self.offset_chars]
        self.update(Text(shown + loop))  # enough to fill the line; the rest is clipped

"""The duty leader's notice (公告) on one line; a notice too long for the line scrolls.

Scrolling is the one thing an idle wall display keeps doing, so each step costs as little as
it can: the line is drawn by `render_line` from an offset, one segment exactly as wide as
the line, and repainted alone (`refresh()`; a `Static.update` laid out the whole screen,
and building and measuring a Text of the notice twice over cost as much again).
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

STEP_SECONDS = 0.5
"""One character moves out at the left this often while a long notice scrolls: two a
second, a pace to read Chinese at."""

HOLD_BEATS = 4
"""At the start of each pass the notice stands still for this many ticks of the clock, to be
read from its start; no timer runs meanwhile."""

GAP = "　　　"
"""Between the end of a scrolling notice and its start again (ideographic spaces)."""


class NoticeLine(Widget):
    """The notice as set; it scrolls from right to left while it is wider than the line and
    stands still otherwise (no timer runs then: an idle display stays idle).

    The screen calls `beat` on every tick of its clock. Scrolling starts on a beat, so that
    every other step falls on the clock's tick and is drawn in the same frame as the clock:
    two steps a second cost one frame more than the clock alone, not two."""

    DEFAULT_CSS = """
    NoticeLine {
        width: 1fr;
        height: 1;
        text-style: bold;
    }
    """

    text: reactive[str] = reactive("", init=False)
    """The notice; "" for none."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.offset_chars = 0
        """How many characters of the loop have scrolled out at the left."""
        self.scrolling = False
        """Whether the notice is too wide for the line and moves (or holds at its start)."""
        self._timer: Timer | None = None
        self._hold = 0
        self._style: Style | None = None

    def watch_text(self, text: str) -> None:
        """Start the new notice from its beginning."""
        self.offset_chars = 0
        self._fit()
        if self.scrolling:
            self._pause()

    def on_resize(self) -> None:
        """The line's width decides whether the notice must scroll."""
        self._fit()

    def _fit(self) -> None:
        too_long = bool(self.text) and cell_len(self.text) > self.content_size.width > 0
        if too_long and not self.scrolling:
            self.scrolling = True
            self._pause()
        elif not too_long and self.scrolling:
            self._pause()
            self.scrolling, self.offset_chars = False, 0
        self._show()

    def _pause(self) -> None:
        """Stand still for HOLD_BEATS ticks of the clock."""
        if self._timer is not None:
            self._timer.stop()
        self._timer, self._hold = None, HOLD_BEATS

    def beat(self) -> None:
        """The clock ticked: count down a hold; at its end, step now and every STEP_SECONDS
        from now on."""
        if not self.scrolling or self._timer is not None:
            return
        self._hold -= 1
        if self._hold <= 0:
            self._timer = self.set_interval(STEP_SECONDS, self._step)
            self._step()

    def _step(self) -> None:
        self.offset_chars = (self.offset_chars + 1) % len(self.text + GAP)
        self._show()
        if self.offset_chars == 0:
            self._pause()

    def _show(self) -> None:
        self.refresh()  # the line only: its size never changes

    def render_line(self, y: int) -> Strip:
        """The line (the widget is one line high): the notice from the current offset, cut
        or padded to the width, as one segment; no Text or Content to build and measure."""
        width = self.content_size.width
        if self._style is None:  # computing it walks the ancestors' backgrounds: once
            self._style = self.rich_style
        if y or width <= 0:
            return Strip.blank(max(0, width), self._style)
        return Strip([Segment(self.shown(width), self._style)], width)

    def notify_style_update(self) -> None:
        """The look changed (a class, the theme): work the style out again."""
        super().notify_style_update()
        self._style = None

    def shown(self, width: int) -> str:
        """`width` cells of the notice: from its start when it stands still, else from the
        current offset, going round (with GAP between the end and the start again)."""
        loop = self.text + GAP if self.scrolling else self.text
        shown: list[str] = []
        used, at = 0, self.offset_chars
        while used < width and loop and (self.scrolling or at < len(loop)):
            char = loop[at % len(loop)]
            cells = get_character_cell_size(char)
            if used + cells > width:
                break
            shown.append(char)
            used, at = used + cells, at + 1
        return "".join(shown) + " " * (width - used)

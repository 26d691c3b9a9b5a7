"""A ticket or counter number in big digits, readable across the hall: Textual's three-line
`Digits` on a small screen, the block font (`block_font`) as large as the screen allows on a
bigger one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Digits, Label

from display.widgets.block_font import block_height, block_lines, block_width, can_draw
from ui.widgets.number import number_parts

DIGITS_HEIGHT = 3
"""Lines of Textual's Digits."""

DIGITS_WIDTH = 3
"""Cells across one of Digits' characters."""


def number_height(scale: int) -> int:
    """Lines a number takes at `scale` (0: Digits)."""
    return DIGITS_HEIGHT if scale == 0 else block_height(scale)


def number_width(chars: int, scale: int) -> int:
    """Cells `chars` characters take at `scale` (0: Digits), at most."""
    return chars * DIGITS_WIDTH if scale == 0 else block_width(chars, scale)


class BlockText(Widget):
    """Text in the block font at `scale`; as large as its lines, nothing more."""

    DEFAULT_CSS = """
    BlockText { width: auto; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []

    def draw(self, text: str, scale: int) -> None:
        """Show `text` at `scale`; a new layout only when the size changes."""
        lines = block_lines(text, scale) if text else []
        resized = [len(s) for s in lines[:1]] != [len(s) for s in self.lines[:1]] \
            or len(lines) != len(self.lines)
        self.lines = lines
        self.refresh(layout=resized)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """The lines' width."""
        return len(self.lines[0]) if self.lines else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line per line."""
        return len(self.lines)

    def render(self) -> Text:
        """The glyphs."""
        return Text("\n".join(self.lines), no_wrap=True, end="")


class BigNumber(Horizontal):
    """`A023` in large digits. At scale 0 in Digits, a letter Digits lacks shown bold beside
    them; at scale 1 and up in the block font, each pixel `scale` cells wide."""

    DEFAULT_CSS = """
    BigNumber {
        width: auto;
        height: auto;
        text-style: bold;
        & > Label { width: auto; height: 3; content-align: center middle; text-style: bold; }
        & > Digits { width: auto; text-style: bold; }
    }
    """

    value: reactive[str] = reactive("", repaint=False)
    """The number shown (its parts repaint themselves: a repaint of this container would
    redraw its whole area on every call)."""

    scale: reactive[int] = reactive(0)
    """0 for Digits, else the block font's pixel size."""

    def compose(self) -> ComposeResult:
        """The letter (hidden when Digits can draw it), the digits, the block text."""
        yield Label(classes="letter")
        yield Digits()
        yield BlockText()

    def watch_value(self) -> None:
        """Draw the number."""
        self._draw()

    def watch_scale(self) -> None:
        """Draw it at the new size."""
        self._draw()

    def _draw(self) -> None:
        blocks = self.scale > 0 and can_draw(self.value)
        letter, digits = number_parts(self.value)
        label = self.query_one(Label)
        if str(label.content) != letter:  # mostly the same letter: spare the layout
            label.update(letter)
        label.display = bool(letter) and not blocks
        self.query_one(Digits).display = not blocks
        block = self.query_one(BlockText)
        block.display = blocks
        if blocks:
            block.draw(self.value, self.scale)
        else:
            self.query_one(Digits).update(digits)

"""A ticket or counter number in three-line digits, readable across the hall."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Digits, Label

from ui.widgets.number import number_parts


class BigNumber(Horizontal):
    """`A023` in large digits; a letter Digits lacks is shown bold beside them."""

    DEFAULT_CSS = """
    BigNumber {
        width: auto;
        height: 3;
        text-style: bold;
        & > Label { width: auto; height: 3; content-align: center middle; text-style: bold; }
        & > Digits { width: auto; text-style: bold; }
    }
    """

    value: reactive[str] = reactive("")
    """The number shown."""

    def compose(self) -> ComposeResult:
        """The letter (hidden when Digits can draw it) and the digits."""
        yield Label(classes="letter")
        yield Digits()

    def watch_value(self, value: str) -> None:
        """Draw the number."""
        letter, digits = number_parts(value)
        label = self.query_one(Label)
        if str(label.content) != letter:  # mostly the same letter: spare the layout
            label.update(letter)
        label.display = bool(letter)
        self.query_one(Digits).update(digits)

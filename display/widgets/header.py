"""The display's top line: the hall's (or the counter's) name and a clock that ticks."""

from __future__ import annotations

from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label

from ui.widgets.header import ClockHeader


class DisplayHeader(ClockHeader):
    """One line across the top: the name, the date and the time to the second."""

    DEFAULT_CSS = """
    DisplayHeader {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        text-style: bold;
        & > Label { height: 1; padding: 0 1; width: auto; }
        & > #hall-name { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #date { padding-right: 0; }
    }
    """

    title: reactive[str] = reactive("")
    """The hall's name, or the counter's."""

    class Ticked(Message):
        """The clock moved on a second (what else moves can move in the same frame)."""

    def tick(self) -> None:
        """Show the time, and say that it ticked."""
        super().tick()
        self.post_message(self.Ticked())

    def watch_title(self, text: str) -> None:
        """Show the name."""
        self.query_one("#hall-name", Label).update(text)

"""The kiosk's top line: the hall's name, who is signed in (guide mode), and a clock."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Label

from ui.widgets.header import ClockHeader


class KioskHeader(ClockHeader):
    """One line across the top: the name, who is signed in, the date and the time."""

    DEFAULT_CSS = """
    KioskHeader {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        & > Label { height: 1; padding: 0 1; }
        & > #hall-name { width: 1fr; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #mode { width: auto; background: $warning; color: $text; text-style: bold; }
        & > #date { width: auto; padding-right: 0; }
        & > #time { width: auto; }
    }
    """

    LABELS = ("hall-name", "mode", "date", "time")
    TIME_FORMAT = "%H:%M"

    hall_name: reactive[str] = reactive("")
    """The hall's name in the current language."""
    mode: reactive[str] = reactive("")
    """Who is signed in, shown highlighted; empty in customer mode."""

    def watch_hall_name(self, text: str) -> None:
        """Show the name."""
        self.query_one("#hall-name", Label).update(text)

    def watch_mode(self, text: str) -> None:
        """Show who is signed in, or nothing."""
        label = self.query_one("#mode", Label)
        label.update(text)
        label.display = bool(text)

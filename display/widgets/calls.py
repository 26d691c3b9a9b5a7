"""The latest calls with their counters, newest first; a recall shows again, marked."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from db.config import HallConfig
from db.views import CallView
from display.text import both, t


class RecentCalls(Static):
    """A table of the latest calls: number, counter, and a mark on a recall."""

    DEFAULT_CSS = """
    RecentCalls {
        height: auto;
        border: round $primary;
        border-title-style: bold;
        border-title-color: $text;
        padding: 0 1;
    }
    """

    calls: reactive[tuple[CallView, ...]] = reactive(tuple, init=False)
    """Latest calls first."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config

    def on_mount(self) -> None:
        """The heading in every language of the hall."""
        self.border_title = both("recent", self.config.languages)
        self.watch_calls(self.calls)

    def watch_calls(self, calls: tuple[CallView, ...]) -> None:
        """Redraw the table."""
        table = Table(box=None, expand=True, show_header=True, pad_edge=False,
                      header_style="bold")
        table.add_column(self._heading("number"), no_wrap=True, style="bold")
        table.add_column(self._heading("counter"), no_wrap=True)
        table.add_column("", no_wrap=True, overflow="ellipsis")
        for call in calls:
            mark = Text(t("recall", "zh"), style="bold") if call.recall else Text("")
            table.add_row(call.number, str(call.counter), mark)
        self.update(table)

    def _heading(self, key: str) -> str:
        return "\n".join(t(key, lang) for lang in self.config.languages)

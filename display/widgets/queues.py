"""Waiting customers per business type, with the estimated wait for a number taken now."""

from __future__ import annotations

from rich.table import Table
from textual.reactive import reactive
from textual.widgets import Static

from db.config import HallConfig
from db.views import HallSnapshot
from display.text import both, t

NO_ESTIMATE = "—"
"""Shown instead of minutes while no open counter serves the business."""


def wait_text(minutes: float | None) -> str:
    """Whole minutes, at least 1: people read "about 12", not "11.6"."""
    return NO_ESTIMATE if minutes is None else str(max(1, round(minutes)))


class QueueBoard(Static):
    """One row per business type: its name(s), how many wait, the estimated minutes."""

    DEFAULT_CSS = """
    QueueBoard {
        height: auto;
        border: round $primary;
        border-title-style: bold;
        border-title-color: $text;
        padding: 0 1;
    }
    """

    snapshot: reactive[HallSnapshot | None] = reactive(None, init=False)
    """The hall as last read."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config

    def on_mount(self) -> None:
        """The heading in every language of the hall."""
        self.border_title = both("queues", self.config.languages)
        self.watch_snapshot(self.snapshot)

    def watch_snapshot(self, snapshot: HallSnapshot | None) -> None:
        """Redraw the table."""
        english = "en" in self.config.languages
        table = Table(box=None, expand=True, pad_edge=False, header_style="bold")
        # The Chinese name whole; the English one takes what is left, cut if it must be.
        table.add_column(self._heading("business"), no_wrap=True)
        if english:
            table.add_column("", no_wrap=True, overflow="ellipsis", ratio=1,
                             style="dim")
        table.add_column(self._heading("waiting"), no_wrap=True, justify="right")
        table.add_column(self._heading("wait"), no_wrap=True, justify="right")
        for business in self.config.businesses:
            waiting = snapshot.waiting.get(business.prefix, 0) if snapshot else 0
            estimate = snapshot.estimated_wait_min.get(business.prefix) if snapshot else None
            names = [f"{business.prefix} {business.name_zh}"]
            if english:
                names.append(business.name_en)
            table.add_row(*names, str(waiting), wait_text(estimate))
        self.update(table)

    def _heading(self, key: str) -> str:
        return "\n".join(t(key, lang) for lang in self.config.languages)

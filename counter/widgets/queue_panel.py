"""Who is waiting for this counter: per business type it serves, and the longest wait."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label

from counter.text import minutes, t
from db.config import HallConfig
from db.store.views import QueueLine
from ui.text import name


class QueuePanel(Vertical):
    """One line per business type of the counter's profile, in profile order."""

    DEFAULT_CSS = """
    QueuePanel {
        height: auto;
        padding: 0 1;
        border: round $secondary;
        & > Label { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
        & > .queue-count { text-style: bold; }
        & > .queue-longest { color: $text-muted; padding-left: 2; }
    }
    """

    lines: reactive[tuple[QueueLine, ...]] = reactive((), recompose=True)
    """The queue as the desk read it last."""
    language: reactive[str] = reactive("zh", recompose=True)
    """Language of the panel."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config

    def compose(self) -> ComposeResult:
        """Two lines per business: the count, then the longest wait."""
        lang = self.language
        self.border_title = t("queue_title", lang)
        for line in self.lines:
            business = f"{line.business} {name(self.config.business(line.business), lang)}"
            yield Label(t("queue_line", lang, business=business, n=line.waiting),
                        classes="queue-count")
            longest = (t("longest", lang, m=minutes(line.longest_wait_min))
                       if line.longest_wait_min is not None else t("longest_none", lang))
            yield Label(longest, classes="queue-longest")

"""The latest calls with their counters, newest first; a recall shows again, marked."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from db.config import HallConfig
from db.views import CallView
from display.text import t
from display.widgets.queues import GAP, fit


class RecentCalls(Widget):
    """The latest calls as lines under a heading: number, counter, and a mark on a recall.
    Laid out here rather than as a Rich table, which cost more to draw than the call took
    to read (see QueueBoard)."""

    DEFAULT_CSS = """
    RecentCalls {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    calls: reactive[tuple[CallView, ...]] = reactive(tuple, init=False, repaint=False)
    """Latest calls first."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config

    def watch_calls(self, old: tuple[CallView, ...], new: tuple[CallView, ...]) -> None:
        """Redraw; a new layout only when the list grows or shrinks (its height changes)."""
        self.refresh(layout=len(old) != len(new))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A heading line per language, a line per call."""
        return len(self.config.languages) + len(self.calls)

    def render(self) -> Text:
        """Number and counter columns, each half of the width; the recall mark after."""
        languages = self.config.languages
        heads = [[t(key, lang) for lang in languages] for key in ("number", "counter")]
        number_w = max([cell_len(h) for h in heads[0]] + [cell_len(c.number) for c in self.calls])
        number_w = max(number_w, self.content_size.width // 2 - GAP)
        lines = Text(no_wrap=True, overflow="crop", end="")
        for i in range(len(languages)):
            lines.append(f"{fit(heads[0][i], number_w)}{' ' * GAP}{heads[1][i]}\n",
                         style="bold")
        for call in self.calls:
            lines.append(fit(call.number, number_w), style="bold")
            lines.append(f"{' ' * GAP}{call.counter:<4}")
            if call.recall:
                lines.append(f"{' ' * GAP}{t('recall', 'zh')}", style="bold")
            lines.append("\n")
        lines.rstrip()
        return lines

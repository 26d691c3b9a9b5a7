"""Waiting customers per business type, with the estimated wait for a number taken now (what
the kiosk would tell, in its words)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from db.config import HallConfig
from db.rules.waits import wait_words
from db.store.views import HallSnapshot
from display.text import t

NO_ESTIMATE = "—"
"""Shown instead of minutes when there is no estimate; while no open counter serves the
business the column says so instead (暂无窗口)."""

GAP = 2
"""Cells between two columns."""

MIN_ENGLISH = 10
"""Cells the English names need to be worth showing; with less the column is left out."""


def wait_text(minutes: float | None, low: float | None = None, high: float | None = None,
              language: str = "zh") -> str:
    """What a number taken now is told, in the kiosk's own words (`db.rules.waits`): 约 8 分钟,
    约 10–15 分钟 where the spread is wide, 即将叫号; "—" without an estimate."""
    return NO_ESTIMATE if minutes is None else wait_words(minutes, low, high, language)


def served(snapshot: HallSnapshot, prefix: str) -> bool:
    """Whether an open, staffed counter serves the business now."""
    return any(c.state == "open" and c.staff is not None and prefix in c.profile
               for c in snapshot.counters)


def fit(text: str, width: int) -> str:
    """`text` padded or cut to exactly `width` cells, an ellipsis where it was cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, max(0, width - 1)) + ("…" if width else "")


def rjust(text: str, width: int) -> str:
    """`text` right-aligned in `width` cells (wide characters count two)."""
    return " " * max(0, width - cell_len(text)) + text


class QueueBoard(Widget):
    """One row per business type: its name(s), how many wait, the estimated minutes.

    Drawn as plain lines laid out here (not a Rich table): its size depends only on the
    config, so a new snapshot repaints these few lines and nothing else — a Rich table
    measured and rendered on every call was most of the time a call took to show."""

    DEFAULT_CSS = """
    QueueBoard {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    snapshot: reactive[HallSnapshot | None] = reactive(None, init=False)
    """The hall as last read."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A heading line per language, a line per business type."""
        return len(self.config.languages) + len(self.config.businesses)

    def render(self) -> Text:
        """The heading and the rows at the current width: the counts at the right edge,
        the names at the left, the English name between them when there is room; a blank
        line between two rows when the height has room for that."""
        languages = self.config.languages
        rows = self._rows()
        heads = [[t(key, lang) for lang in languages] for key in ("business", "waiting", "wait")]
        counts_w = [max(cell_len(x) for x in heads[i] + [r[i] for r in rows]) for i in (1, 2)]
        left = max(0, self.content_size.width - sum(counts_w) - 2 * GAP)
        name_w = max(cell_len(x) for x in heads[0] + [r[0] for r in rows])
        en_w = left - name_w - GAP if "en" in languages else 0
        if en_w < MIN_ENGLISH:
            name_w, en_w = left, 0
        lines = Text(no_wrap=True, overflow="crop", end="")
        for i in range(len(languages)):
            counts = "".join(" " * GAP + rjust(heads[k][i], counts_w[k - 1]) for k in (1, 2))
            lines.append(fit(heads[0][i], left) + counts + "\n", style="bold")
        spaced = len(languages) + 2 * len(rows) - 1 <= self.content_size.height
        for n, (name, waiting, wait, english) in enumerate(rows):
            if spaced and n:
                lines.append("\n")
            lines.append(fit(name, name_w))
            if en_w:
                lines.append(" " * GAP + fit(english, en_w), style="dim")
            lines.append(f"{' ' * GAP}{rjust(waiting, counts_w[0])}"
                         f"{' ' * GAP}{rjust(wait, counts_w[1])}\n")
        lines.rstrip()
        return lines

    def _rows(self) -> list[list[str]]:
        """[name, waiting, minutes, English name] per business type."""
        snapshot, english = self.snapshot, "en" in self.config.languages
        rows = []
        for business in self.config.businesses:
            waiting = snapshot.waiting.get(business.prefix, 0) if snapshot else 0
            estimate = snapshot.estimated_wait_min.get(business.prefix) if snapshot else None
            low, high = snapshot.estimated_range.get(business.prefix, (None, None)) \
                if snapshot else (None, None)
            wait = wait_text(estimate, low, high, self.config.languages[0])
            if estimate is None and snapshot is not None and not served(snapshot,
                                                                         business.prefix):
                wait = t("no_counter", self.config.languages[0])  # why there is no estimate
            rows.append([f"{business.prefix} {business.name_zh}", str(waiting),
                         wait, business.name_en if english else ""])
        return rows

"""The other calls with their counters, newest first: those still waiting to be announced
(marked, and never left out), then the latest others; a recall shows again, marked."""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from db.config import HallConfig
from db.store.views import CallView
from display.text import t
from display.widgets.block_font import block_height, block_lines, block_width, can_draw
from display.widgets.queues import GAP, fit

COUNTER_W = 4
"""Cells of the counter column."""

BIG = 1
"""The block font's pixel size for the calls when the height has room for them so."""

BIG_LINES = block_height(BIG) + 1
"""Lines a call takes in big digits, the blank line after it included."""

BIG_GAP = 4
"""Cells between the number and the counter in big digits (their glyphs stand 1 apart)."""


class RecentCalls(Widget):
    """The calls as lines under a heading: number, counter, and the marks (recall, waiting
    to be announced), one row per ticket. As many as the height holds: the newest in big
    digits as far as the height has room for them (the older beneath as lines), else one
    line each, with a blank line between them when there is room for that; when the calls
    waiting to be announced are more than the lines, they go on in a second column (then
    a third…), and the others make way. Laid out here rather than as a Rich table, which
    cost more to draw than the call took to read (see QueueBoard)."""

    DEFAULT_CSS = """
    RecentCalls {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .recent-calls--waiting { color: $warning; }
    }
    """

    COMPONENT_CLASSES = {"recent-calls--waiting"}
    """The look of a call still waiting to be announced."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.calls: tuple[CallView, ...] = ()
        """Newest first (the banner's call not among them)."""
        self.waiting: frozenset[int] = frozenset()
        """Event ids of the calls not announced yet."""

    def show(self, calls: tuple[CallView, ...], waiting: frozenset[int]) -> None:
        """Show these calls; a new layout only when the number of lines may change, nothing
        when they are the same (a change that was not a call)."""
        if (calls, waiting) == (self.calls, self.waiting):
            return
        resized = len(calls) != len(self.calls)
        self.calls, self.waiting = calls, waiting
        self.refresh(layout=resized)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A heading line per language, a line per call (when the height is left to it)."""
        return len(self.config.languages) + len(self.calls)

    def shown(self) -> list[list[CallView]]:
        """The calls on show, in columns: every waiting one, then the newest others as
        long as there is room."""
        lines = max(1, self.content_size.height - len(self.config.languages))
        waiting = [c for c in self.calls if c.event_id in self.waiting]
        columns = max(1, math.ceil(len(waiting) / lines))
        room = lines * columns - len(waiting)
        others = [c for c in self.calls if c.event_id not in self.waiting][:room]
        kept = {c.event_id for c in (*waiting, *others)}
        calls = [c for c in self.calls if c.event_id in kept]
        return [calls[i:i + lines] for i in range(0, len(calls), lines)] or [[]]

    def render(self) -> Text:
        """Number and counter columns; the marks after; spaced out when there is room."""
        columns = self.shown()
        width = self.content_size.width // len(columns)
        room = self.content_size.height - len(self.config.languages)
        big = self._big_count(columns[0], room) if len(columns) == 1 else 0
        if big:
            return self._render_big(columns[0], big, room)
        number_w = self._number_width(width, columns)
        lines = self._heading(number_w)
        spaced = len(columns) == 1 and 2 * len(columns[0]) - 1 <= room
        for row in range(max(len(c) for c in columns)):
            if spaced and row:
                lines.append("\n")
            for column in columns:
                if row < len(column):
                    lines.append_text(self._entry(column[row], number_w, width))
            lines.append("\n")
        lines.rstrip()
        return lines

    def _heading(self, number_w: int, gap: int = GAP) -> Text:
        lines = Text(no_wrap=True, overflow="crop", end="")
        heads = [[t(key, lang) for lang in self.config.languages] for key in ("number", "counter")]
        for i in range(len(self.config.languages)):
            lines.append(f"{fit(heads[0][i], number_w)}{' ' * gap}{heads[1][i]}\n",
                         style="bold")
        return lines

    def _big_widths(self, calls: list[CallView]) -> tuple[int, int]:
        """Cells of the number and counter columns in big digits."""
        heads = [cell_len(t("number", lang)) for lang in self.config.languages]
        numbers = [block_width(len(c.number), BIG) for c in calls]
        counters = [block_width(len(str(c.counter)), BIG) for c in calls]
        number_w = max(max(numbers + heads), self.content_size.width // 2 - BIG_GAP)
        return number_w, max(counters)

    def _big_count(self, calls: list[CallView], room: int) -> int:
        """How many of the newest calls go in big digits: as many as the height holds
        (the older ones follow as lines in the room left); 0 when the width has no room."""
        big = min(len(calls), (room + 1) // BIG_LINES)
        if any(c.event_id in self.waiting for c in calls):
            return 0  # calls waiting their turn are never left out: lines, as many as fit
        if not big or not all(can_draw(c.number) for c in calls[:big]):
            return 0
        number_w, counter_w = self._big_widths(calls[:big])
        return big if number_w + BIG_GAP + counter_w <= self.content_size.width else 0

    def _render_big(self, calls: list[CallView], big: int, room: int) -> Text:
        """The newest `big` calls in the block font, the marks beside them, a blank line
        between two; the older ones beneath as lines, as many as the room left holds."""
        number_w, counter_w = self._big_widths(calls[:big])
        lines = self._heading(number_w, BIG_GAP)
        width = self.content_size.width - number_w - counter_w - BIG_GAP - GAP
        for n, call in enumerate(calls[:big]):
            waiting = call.event_id in self.waiting
            style = self.get_component_rich_style("recent-calls--waiting") if waiting \
                else Style()
            numbers = block_lines(call.number, BIG)
            counters = block_lines(str(call.counter), BIG)
            marks = self._marks(call, width)
            if n:
                lines.append("\n")
            for row, (number, counter) in enumerate(zip(numbers, counters, strict=True)):
                lines.append(fit(number, number_w) + " " * BIG_GAP + fit(counter, counter_w),
                             style=style)
                if row == 1 and marks:
                    lines.append(" " * GAP + marks, style=Style(bold=True) + style)
                lines.append("\n")
        rest = calls[big:big + max(0, room - big * BIG_LINES)]
        if rest:
            lines.append("\n")
        for call in rest:
            lines.append_text(self._entry(call, number_w, self.content_size.width))
            lines.append("\n")
        lines.rstrip()
        return lines

    def _marks(self, call: CallView, width: int) -> str:
        """重呼 for a recall, 待播报 while it waits to be announced; their first characters
        when `width` has no room for the words (the colour says the rest)."""
        marks = ([t("recall", "zh")] if call.recall else []) + \
            ([t("waiting_turn", "zh")] if call.event_id in self.waiting else [])
        said = " ".join(marks)
        return said if cell_len(said) <= width else "".join(mark[0] for mark in marks)

    def _number_width(self, width: int, columns: list[list[CallView]]) -> int:
        numbers = [cell_len(c.number) for column in columns for c in column]
        heads = [cell_len(t("number", lang)) for lang in self.config.languages]
        if len(columns) > 1:
            return max(numbers, default=4)
        return max(max(numbers + heads, default=4), width // 2 - GAP)

    def _entry(self, call: CallView, number_w: int, width: int) -> Text:
        """One call in `width` cells: number, counter, the marks (short when cramped)."""
        waiting = call.event_id in self.waiting
        style = self.get_component_rich_style("recent-calls--waiting") if waiting else Style()
        entry = Text(fit(call.number, number_w), style=Style(bold=True) + style)
        entry.append(f"{' ' * GAP}{call.counter:<{COUNTER_W}}", style=style)
        entry.append(self._marks(call, width - 1 - entry.cell_len),
                     style=Style(bold=True) + style)
        entry.truncate(max(0, width - 1), pad=True)
        entry.append(" ")
        return entry

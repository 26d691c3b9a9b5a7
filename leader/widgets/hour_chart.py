"""A bar chart of counts per hour of the day, drawn with block characters to whatever size
the widget is given: a legend line (title, each series' colour, total and peak), bars with a
labelled scale on the left, the hours along the bottom. Several series stand side by side
within each hour. Rich and Textual only; wide (Chinese) characters are measured in cells."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from leader.text import t

BLOCKS = " ▁▂▃▄▅▆▇█"
"""A cell filled by 0 to 8 eighths, from the bottom."""

MAX_GROUP = 10
"""Cells the bars of one hour take at most together: wider bars only fill the screen, they
say nothing more; the same cap for one series or two keeps stacked charts' hours aligned."""

MIN_AXIS = 3
"""Cells the scale's labels take at least, so that stacked charts' hours line up."""

MIN_PLOT_ROWS = 2
"""Fewer rows for the bars than this and the chart shows its legend alone."""


@dataclass(frozen=True)
class Series:
    """One row of counts: what it is, its colour, its numbers."""

    label: str
    """The legend's name for it, e.g. 取号."""
    counts: tuple[int, ...]
    """Per hour, from the chart's first hour on."""
    color: str
    """A Rich colour for its bars and its legend mark."""
    summed: bool = True
    """The legend gives the total (arrivals add up over hours; people waiting do not)."""


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows."""

    title: str
    """The chart's name, first on the legend line."""
    first_hour: int
    """The hour (local, 0-23) of the first count."""
    series: tuple[Series, ...]
    """Drawn side by side within each hour, in this order."""
    lang: str = "zh"
    """The legend's language."""


def nice_step(least: int) -> int:
    """The smallest of 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40… at or above `least`."""
    magnitude = 1
    while True:
        for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            if step * magnitude == int(step * magnitude) and step * magnitude >= least:
                return int(step * magnitude)
        magnitude *= 10


@dataclass(frozen=True)
class Scale:
    """How counts map onto rows."""

    per_row: Fraction
    """Counts one full row stands for: a round number, or a half, a third… for small counts."""
    rows: int
    """Rows the bars use (the rest, above them, stay blank)."""

    @property
    def top(self) -> Fraction:
        """The count at the top edge of the highest row."""
        return self.per_row * self.rows


def scale(peak: int, rows: int) -> Scale:
    """The scale whose top is nearest above the peak, among round counts per row (1, 2, 3,
    4, 5, 6, 8, 10, 12, 15… and three quarters of those, or 1/2 to 1/8 for a small peak)
    over at least two thirds of the rows (the more the better): the peak bar fills most of
    the height, and the labels go on row edges that are whole, round counts."""
    steps = {Fraction(1, k) for k in range(8, 1, -1)}
    for used in range(1, rows + 1):
        least = nice_step(-(-max(peak, 1) // used))
        steps |= {Fraction(least), Fraction(least * 3, 4)}  # 1.5, 3, 4.5, 6, 7.5, 9…
    best: Scale | None = None
    for used in range(rows, max(1, -(-rows * 2 // 3)) - 1, -1):
        for step in sorted(steps):
            candidate = Scale(step, used)
            if step * used < max(peak, 1) or len(_ticks(candidate)) < min(2, used // 2):
                continue  # too low, or too few labels to read it by
            if best is None or candidate.top < best.top:
                best = candidate
            break
    return best or Scale(Fraction(nice_step(max(peak, 1))), 1)


def legend(spec: ChartSpec, width: int) -> list[Text]:
    """The title and each series' mark, total and peak, flowed onto as few lines of `width`
    cells as they fit (a piece wider than the line is cut short)."""
    pieces = [Text(spec.title, style="bold")]
    for series in spec.series:
        piece = Text.assemble(("■ ", series.color), series.label)
        words = [str(sum(series.counts))] if series.summed else []
        peak = max(series.counts, default=0)
        if peak:
            hour = (spec.first_hour + series.counts.index(peak)) % 24
            words.append(t("chart_peak", spec.lang, n=peak, h=f"{hour:02d}"))
        piece.append(" " + t("detail_join", spec.lang).join(words) if words else "")
        pieces.append(piece)
    lines: list[Text] = []
    for piece in pieces:
        if lines and cell_len(lines[-1].plain) + 2 + cell_len(piece.plain) <= width:
            lines[-1].append("  ")
            lines[-1].append_text(piece)
        else:
            lines.append(piece)
    for line in lines:
        line.truncate(width, overflow="ellipsis")
    return lines


@dataclass(frozen=True)
class Layout:
    """How the hours fit across the width."""

    hours: int
    """How many hours are drawn (the latest ones, when not all fit)."""
    bar: int
    """Cells per bar."""
    gap: int
    """Cells between two hours."""
    bars: int = 1
    """Bars per hour (the series)."""

    @property
    def slot(self) -> int:
        """Cells per hour."""
        return self.bar * self.bars + self.gap


def layout(hours: int, bars: int, width: int) -> Layout:
    """Bars as wide as fit (an hour's together at most MAX_GROUP), a one-cell gap between
    hours when there is room; when even one-cell bars do not fit, the latest hours that do."""
    per_hour = width // max(hours, 1)
    gap = 1 if per_hour >= bars + 1 else 0
    bar = max(1, min(MAX_GROUP, per_hour - gap) // bars)
    shown = min(hours, max(width // (bar * bars + gap), 0))
    return Layout(shown, bar, gap, bars)


def draw(spec: ChartSpec, width: int, height: int) -> list[Text]:
    """The chart in at most `height` lines of `width` cells."""
    if width <= 0 or height <= 0:
        return []
    head = legend(spec, width)
    peak = max((max(s.counts, default=0) for s in spec.series), default=0)
    rows = height - len(head) - 2
    fit_scale = scale(peak, max(rows, 1))
    axis = max(MIN_AXIS, len(str(int(fit_scale.top))))
    hours = len(spec.series[0].counts) if spec.series else 0
    fit = layout(hours, len(spec.series), width - axis - 1)
    if rows < MIN_PLOT_ROWS or fit.hours == 0:
        return head[:height]
    skip = hours - fit.hours
    series = [s.counts[skip:] for s in spec.series]
    blank = [Text("│".rjust(axis + 1), style="dim")] * (rows - fit_scale.rows)
    plot = [_row(spec, series, fit, fit_scale, row, axis) for row in range(fit_scale.rows)]
    base = Text(f"{'0'.rjust(axis)}└{'─' * (fit.slot * fit.hours)}", style="dim")
    return [*head, *blank, *plot, base, _hours(spec.first_hour + skip, fit, axis)]


def _ticks(fit: Scale) -> dict[int, int]:
    """Row (from the bottom) → the count at its top edge, for the rows labelled: every
    so many rows (at least a quarter of the height, and two), a whole and round count apart
    (100 rather than 75); the top row too when it is clear of the others."""
    spacing = max(2, fit.rows // 4)
    every = _tick_every(fit.per_row, spacing, fit.rows)
    ticks = {row - 1: int(fit.per_row * row) for row in range(every, fit.rows + 1, every)}
    highest = max(ticks, default=-spacing)
    if fit.top.denominator == 1 and fit.rows - 1 - highest >= spacing:
        ticks[fit.rows - 1] = int(fit.top)
    return ticks


def _tick_every(per_row: Fraction, spacing: int, rows: int) -> int:
    """Rows between labels: the fewest (from `spacing`) whose count is one digit and
    noughts (5, 20, 300), unless that means more than twice `spacing`; then the fewest
    whose count is whole."""
    whole = [n for n in range(spacing, rows + 1) if (per_row * n).denominator == 1]
    if not whole:
        return rows + 1  # no label but the 0 on the axis
    round_ = [n for n in whole if len(str(int(per_row * n)).rstrip("0")) == 1]
    return round_[0] if round_ and round_[0] <= 2 * spacing else whole[0]


def _row(spec: ChartSpec, series: list[tuple[int, ...]], fit: Layout, scale: Scale, row: int,
         axis: int) -> Text:
    """One line of bars, `row` counted from the top."""
    level = scale.rows - 1 - row  # from the bottom
    tick = _ticks(scale).get(level)
    mark = "│" if tick is None else f"{tick}┤"
    line = Text(mark.rjust(axis + 1), style="dim")
    for hour in range(fit.hours):
        for s, counts in zip(spec.series, series, strict=True):
            eighths = _eighths(counts[hour], scale) - level * 8
            line.append(BLOCKS[max(0, min(8, eighths))] * fit.bar, style=s.color)
        line.append(" " * fit.gap)
    return line


def _eighths(count: int, scale: Scale) -> int:
    """A count's bar height in eighths of a row; any count above nought shows."""
    if count <= 0:
        return 0
    return max(1, round(count * 8 / scale.per_row))


def _hours(first: int, fit: Layout, axis: int) -> Text:
    """The hour labels under the bars: every hour when a slot holds two digits and a space,
    else every second (or third…) hour."""
    every = 1
    while fit.slot * every < 3:
        every += 1
    cells = [" "] * (fit.slot * fit.hours + 2)
    for index in range(0, fit.hours, every):
        start = index * fit.slot + max(0, (fit.slot - fit.gap - 2) // 2)
        cells[start:start + 2] = f"{(first + index) % 24:02d}"
    return Text(" " * (axis + 1) + "".join(cells).rstrip(), style="dim")


class HourChart(Widget):
    """A per-hour bar chart that fills the space it is given (attributes down: the pane
    sets `spec`)."""

    DEFAULT_CSS = """
    HourChart { height: 1fr; min-height: 0; }
    """

    spec: ChartSpec | None = None
    """What to draw; None draws nothing."""

    def show(self, spec: ChartSpec) -> None:
        """Draw `spec` from now on."""
        self.spec = spec
        self.refresh()

    def render(self) -> Text:
        """The chart at the widget's size now."""
        if self.spec is None:
            return Text()
        lines = draw(self.spec, self.size.width, self.size.height)
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

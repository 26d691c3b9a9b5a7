"""The hall's day in charts: arrivals and services per hour side by side, and how many
waited at the end of each hour. On the board they take what room is left; their own page
(F7) gives them the whole screen, so they read at 80×24 too."""

from __future__ import annotations

from textual.app import ComposeResult

from db.rules.duty import Board
from leader.state import ConsoleState
from leader.text import t
from leader.widgets.base import Pane
from leader.widgets.hour_chart import ChartSpec, HourChart, Series

OPENS, CLOSES = 8, 17
"""The hours (local) the charts show at least: a hall's usual day, 08:00 to 18:00."""

ARRIVALS, SERVED, WAITING = "#5fafff", "#5fd75f", "#ffaf00"
"""The series' colours (blue, green, amber: told apart on a dark or a light theme)."""


def in_day_order(counts: tuple[int, ...], day_start: int) -> tuple[int, ...]:
    """Counts per hour 0-23 in the business day's order: from the hour it starts (04:00 …
    03:00 with `day_start` 04:00), so a night's work after midnight comes after the
    evening, as it happened."""
    return counts[day_start:] + counts[:day_start]


def opening_hours(board: Board, day_start: int = 0) -> tuple[int, int]:
    """The hours the charts cover, as places in the business day (0 = its first hour): the
    usual working day, widened to any hour with work or with people waiting."""
    hourly = zip(*(in_day_order(counts, day_start)
                   for counts in (board.arrivals, board.served, board.waiting)), strict=True)
    busy = [place for place, counts in enumerate(hourly) if any(counts)]
    opens, closes = (OPENS - day_start) % 24, (CLOSES - day_start) % 24
    return min([*busy, opens]), max([*busy, closes])


def flow_chart(board: Board, lang: str, day_start: int = 0) -> ChartSpec:
    """Numbers taken and services completed per hour, in the business day's order."""
    first, last = opening_hours(board, day_start)
    hours = slice(first, last + 1)
    return ChartSpec(t("chart_flow", lang), (day_start + first) % 24, (
        Series(t("chart_arrivals", lang), in_day_order(board.arrivals, day_start)[hours],
               ARRIVALS),
        Series(t("chart_served", lang), in_day_order(board.served, day_start)[hours],
               SERVED),
    ), lang)


def waiting_chart(board: Board, lang: str, day_start: int = 0) -> ChartSpec:
    """People waiting at the end of each hour (this hour: now), in the business day's
    order."""
    first, last = opening_hours(board, day_start)
    return ChartSpec(t("chart_waiting", lang), (day_start + first) % 24, (
        Series(t("chart_waiting_short", lang),
               in_day_order(board.waiting, day_start)[first:last + 1], WAITING,
               summed=False),
    ), lang)


class ChartsPane(Pane):
    """The two charts, one above the other, each half the page."""

    def compose(self) -> ComposeResult:
        """The flow chart over the waiting chart."""
        yield HourChart(id="charts-flow")
        yield HourChart(id="charts-waiting")

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw the day so far."""
        start = self.config.day_start.hour
        self.query_one("#charts-flow", HourChart).show(flow_chart(state.board, lang, start))
        self.query_one("#charts-waiting", HourChart).show(
            waiting_chart(state.board, lang, start))

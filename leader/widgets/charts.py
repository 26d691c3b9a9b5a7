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


def opening_hours(board: Board) -> tuple[int, int]:
    """The hours the charts cover: the usual working day, widened to any hour with work or
    with people waiting."""
    busy = [h for h in range(24) if board.arrivals[h] or board.served[h] or board.waiting[h]]
    return min([*busy, OPENS]), max([*busy, CLOSES])


def flow_chart(board: Board, lang: str) -> ChartSpec:
    """Numbers taken and services completed per hour."""
    first, last = opening_hours(board)
    hours = slice(first, last + 1)
    return ChartSpec(t("chart_flow", lang), first, (
        Series(t("chart_arrivals", lang), board.arrivals[hours], ARRIVALS),
        Series(t("chart_served", lang), board.served[hours], SERVED),
    ), lang)


def waiting_chart(board: Board, lang: str) -> ChartSpec:
    """People waiting at the end of each hour (this hour: now)."""
    first, last = opening_hours(board)
    return ChartSpec(t("chart_waiting", lang), first, (
        Series(t("chart_waiting_short", lang), board.waiting[first:last + 1], WAITING,
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
        self.query_one("#charts-flow", HourChart).show(flow_chart(state.board, lang))
        self.query_one("#charts-waiting", HourChart).show(waiting_chart(state.board, lang))

"""The hall board: counters, queues, the longest waits against the SLA target, printer
faults, and arrivals and services per hour."""

from __future__ import annotations

import datetime as dt

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from db.config import HallConfig
from db.errors import NotFound
from db.rules.duty import LONG_PAUSE_MINUTES, Board, DeskLine
from leader.state import ConsoleState
from leader.text import minutes, t
from leader.widgets.base import Pane
from leader.widgets.charts import flow_chart, waiting_chart
from leader.widgets.hour_chart import HourChart
from ui.text import name

STATE_STYLE = {"open": "green", "paused": "yellow", "closed": "dim"}


def business(config: HallConfig, prefix: str, lang: str) -> str:
    """`缴费 A`, or the prefix alone when the config no longer has it."""
    try:
        return f"{name(config.business(prefix), lang)} {prefix}"
    except NotFound:
        return prefix


class BoardPane(Pane):
    """Every counter, every queue, the longest waits; what needs the leader in red."""

    def compose(self) -> ComposeResult:
        """The counters on top; queues and waits side by side; faults; the two charts in
        what room is left (their own page, F7, has them at any size)."""
        yield Static(id="board-counters")
        with Horizontal(id="board-middle"):
            yield Static(id="board-queues")
            yield Static(id="board-waits")
        yield Static(id="board-faults")
        with Horizontal(id="board-charts"):
            yield HourChart(id="board-flow")
            yield HourChart(id="board-waiting")

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw the board."""
        board = state.board
        self.query_one("#board-counters", Static).update(self._counters(board, lang))
        self.query_one("#board-queues", Static).update(self._queues(board, lang))
        self.query_one("#board-waits", Static).update(self._waits(board, lang))
        self.query_one("#board-faults", Static).update(self._faults(board, lang))
        start = self.config.day_start.hour
        self.query_one("#board-flow", HourChart).show(flow_chart(board, lang, start))
        self.query_one("#board-waiting", HourChart).show(waiting_chart(board, lang, start))

    def _counters(self, board: Board, lang: str) -> Table:
        table = Table(expand=True, box=None, header_style="bold")
        for key in ("counter", "state", "staff", "ticket", "at_counter", "profile"):
            table.add_column(t(key, lang))
        for line in board.desks:
            c = line.counter
            staff = f"{c.staff_name} ({c.staff})" if c.staff else "—"
            at = t("min", lang, m=minutes(line.minutes_at_counter)) if c.ticket else "—"
            table.add_row(name(c, lang), self._state(line, lang), staff, c.ticket or "—", at,
                          ",".join(c.profile))
        return table

    def _state(self, line: DeskLine, lang: str) -> Text:
        state = line.counter.state
        word = t(f"state_{state}", lang)
        paused = line.paused_minutes
        if paused is not None and paused > LONG_PAUSE_MINUTES:
            return Text(t("paused_long", lang, m=minutes(paused)), style="bold red")
        if paused is not None:
            return Text(t("paused_for", lang, m=minutes(paused)), style="yellow")
        return Text(word, style=STATE_STYLE.get(state, ""))

    def _queues(self, board: Board, lang: str) -> Table:
        table = Table(title=t("queues", lang), title_justify="left", box=None, expand=True,
                      header_style="bold")
        for key in ("business", "waiting", "longest"):
            table.add_column(t(key, lang))
        for q in board.queues:
            late = q.longest_wait_min is not None and q.longest_wait_min > board.sla_minutes
            longest = "—" if q.longest_wait_min is None else t(
                "min", lang, m=minutes(q.longest_wait_min))
            table.add_row(business(self.config, q.business, lang), str(q.waiting),
                          Text(longest, style="bold red" if late else ""))
        return table

    def _waits(self, board: Board, lang: str) -> Group:
        title = Text(t("longest_waits", lang, sla=f"{board.sla_minutes:g}"), style="bold")
        if board.over_sla:
            title.append(f"  {t('over_sla', lang, n=board.over_sla)}", style="bold red")
        if not board.longest:
            return Group(title, Text(t("nobody_waits", lang), style="dim"))
        lines = [
            Text(f"{w.number}  {business(self.config, w.business, lang)}  "
                 f"{t('min', lang, m=minutes(w.minutes))}",
                 style="bold red" if w.over_sla else "")
            for w in board.longest
        ]
        return Group(title, *lines)

    def _faults(self, board: Board, lang: str) -> Text:
        if not board.printer_faults:
            return Text(t("no_faults", lang), style="dim")
        text = Text(f"{t('faults', lang)}: ", style="bold red")
        for event in board.printer_faults:
            when = event.at.replace(tzinfo=dt.UTC).astimezone(self.config.tz).strftime("%H:%M")
            message = (event.detail or {}).get("message", "")
            text.append(f"[{when}] {message}  ")
        return text

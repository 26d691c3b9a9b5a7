"""What every pane of the console shares: the leader it acts for, and asking for a step."""

from __future__ import annotations

from collections.abc import Callable

from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input

from db.config import HallConfig
from leader.state import ConsoleState, Step


class Pane(Vertical):
    """One page of the console. The screen sets `state` data down through `show()`; the
    pane asks for steps with `StepAsked`, which the screen runs in a worker."""

    class StepAsked(Message):
        """The leader asked for a step; `done` is the text key of its confirmation."""

        def __init__(self, step: Step, done: str, then: Callable[[], None] | None = None
                     ) -> None:
            super().__init__()
            self.step = step
            """The step, run in one write transaction."""
            self.done = done
            """Text key of the confirmation."""
            self.then = then
            """Run on the UI thread once the step succeeded (e.g. clear the form); a refused
            step leaves the form as the leader typed it."""

    class Said(Message):
        """The pane has one line to say on the status line (text key)."""

        def __init__(self, key: str, **fields: object) -> None:
            super().__init__()
            self.key = key
            """Text key."""
            self.fields = fields
            """Its fields."""

    def __init__(self, config: HallConfig, leader: str, *, id: str) -> None:
        super().__init__(id=id)
        self.config = config
        self.leader = leader
        """The signed-in duty leader's staff id: every step is theirs."""

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw `state` in `lang`."""

    def focus_first(self) -> bool:
        """Focus the page's list when it has rows, else its first field; False when the
        page has neither."""
        for table in self.query(DataTable):
            if table.row_count:
                table.focus()
                return True
        fields = self.query(Input)
        if fields:
            fields.first().focus()
            return True
        return False

    def ask(self, step: Step, done: str, then: Callable[[], None] | None = None) -> None:
        """Post a step for the screen to run; `then` follows only if it succeeds."""
        self.post_message(self.StepAsked(step, done, then))

    def clear(self, *selectors: str) -> Callable[[], None]:
        """A `then` that empties these fields (after a step that used what they held)."""

        def empty() -> None:
            for selector in selectors:
                self.query_one(selector, Input).value = ""

        return empty


def refill(table: DataTable[str], columns: list[str], rows: list[list[str]]) -> None:
    """Replace a table's columns and rows, keeping the cursor's row where it can."""
    row = table.cursor_row
    table.clear(columns=True)
    table.add_columns(*columns)
    for cells in rows:
        table.add_row(*cells)
    if rows:
        table.move_cursor(row=min(max(row, 0), len(rows) - 1))


def selected(table: DataTable[str], count: int) -> int | None:
    """The index of the highlighted row, or None when the table is empty."""
    if count == 0 or table.cursor_row < 0:
        return None
    return min(table.cursor_row, count - 1)

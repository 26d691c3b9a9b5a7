"""Complaints (投诉): record one against a ticket, read the ticket's whole history, and
resolve the selected one with an outcome and a correction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Static

from db.rules import complaints
from db.rules.complaints import K
from db.rules.text import width
from db.store.session import Tx
from db.store.sql import T
from db.store.views import ComplaintView, EventView
from leader.screens.resolve import Resolution, ResolveScreen
from leader.state import ConsoleState
from leader.text import t
from leader.widgets.base import Pane, refill, selected
from ui.history import event_line, staff_label
from ui.text import mask_phone


class ComplaintsPane(Pane):
    """The open complaints, the form to record one, and the selected ticket's history."""

    class HistoryWanted(Message):
        """The leader selected a complaint: its ticket's events are wanted."""

        def __init__(self, number: str, day: dt.date) -> None:
            super().__init__()
            self.number = number
            """The ticket number."""
            self.day = day
            """Its business day."""

    state: ConsoleState | None = None
    shown: tuple[ComplaintView, ...] = ()
    history_of: int | None = None

    def compose(self) -> ComposeResult:
        """The list and the history side by side; the record form; the resolve button."""
        with Horizontal(id="complaints-top"):
            with Vertical(id="complaints-left"):
                yield Label(id="complaints-title", classes="section")
                yield DataTable(id="complaints-table", cursor_type="row", zebra_stripes=True)
                yield Button("", id="resolve", variant="warning", compact=True)
            with Vertical(id="history-box"):
                yield Label(id="history-title", classes="section")
                yield Static(id="history")
        # Two rows: at 80 columns one row cut every field's name short.
        with Vertical(id="complaint-form"):
            with Horizontal(classes="form-row"):
                yield Input(id="c-number", max_length=width(T.c.number),
                            restrict=r"[A-Za-z0-9]*")
                yield Input(id="c-what", max_length=width(K.c.body))
            with Horizontal(classes="form-row"):
                yield Input(id="c-name", max_length=width(K.c.customer_name))
                yield Input(id="c-phone", max_length=width(K.c.customer_phone),
                            restrict=r"[0-9 +-]*")
                yield Button("", id="record", variant="primary", compact=True)

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw the open complaints and label the form."""
        self.state, self.shown = state, state.complaints
        title = t("complaints_open" if state.complaints else "no_complaints", lang)
        self.query_one("#complaints-title", Label).update(title)
        refill(
            self.query_one("#complaints-table", DataTable),
            [t(k, lang) for k in ("c_id", "c_ticket", "c_handler", "c_body", "c_customer")],
            [[str(c.id), c.ticket, staff_label(c.handler, state.staff_names) or "—", c.body,
              " ".join(x for x in (c.customer_name,
                                   c.customer_phone and mask_phone(c.customer_phone)) if x)
              or "—"]
             for c in state.complaints],
        )
        self.query_one("#resolve", Button).label = t("resolve", lang)
        self.query_one("#record", Button).label = t("record", lang)
        self.query_one("#history-title", Label).update(t("history", lang))
        for field, key in (("c-number", "f_number"), ("c-what", "f_what"),
                           ("c-name", "f_name"), ("c-phone", "f_phone")):
            self.query_one(f"#{field}", Input).placeholder = t(key, lang)
        if not state.complaints:
            self.show_history([], lang)
        self._want_history()

    def show_history(self, events: Sequence[EventView], lang: str) -> None:
        """The selected ticket's events, oldest first."""
        if not events:
            self.query_one("#history", Static).update(t("history_none", lang))
            return
        names = self.state.staff_names if self.state is not None else {}
        lines = [event_line(e, self.config, names, lang) for e in events]
        # Plain text: a note or a reason may hold square brackets, which are not markup.
        self.query_one("#history", Static).update(Text("\n".join(lines)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """A complaint selected: its ticket's history."""
        self._want_history()

    def _current(self) -> ComplaintView | None:
        index = selected(self.query_one("#complaints-table", DataTable), len(self.shown))
        return None if index is None else self.shown[index]

    def _want_history(self) -> None:
        current = self._current()
        if current is not None:
            self.post_message(self.HistoryWanted(current.ticket, current.ticket_day))

    @on(Button.Pressed, "#record")
    def record_pressed(self, event: Button.Pressed) -> None:
        """Record the complaint typed in the form."""
        event.stop()
        self.record()

    @on(Button.Pressed, "#resolve")
    def resolve_pressed(self, event: Button.Pressed) -> None:
        """Resolve the selected complaint."""
        event.stop()
        self.resolve()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the form records the complaint."""
        event.stop()
        self.record()

    def record(self) -> None:
        """Ask the core to record the complaint typed in the form."""
        values = {f: self.query_one(f"#c-{f}", Input).value for f in ("number", "what",
                                                                        "name", "phone")}
        # The form empties only once the complaint is recorded: a refusal (a mistyped
        # number) keeps what the customer said, to correct and send again.
        self.ask(partial(_record, self.leader, values), "done_record",
                 self.clear("#c-what", "#c-name", "#c-phone"))

    def resolve(self) -> None:
        """Open the resolve dialog for the selected complaint."""
        current = self._current()
        if current is None or self.state is None:
            self.post_message(self.Said("pick_row"))
            return
        pending = [r for r in self.state.pending if r.ticket_id == current.ticket_id]
        self.app.push_screen(ResolveScreen(self.config, current, pending),
                             partial(self._resolved, current))

    def _resolved(self, complaint: ComplaintView, choice: Resolution | None) -> None:
        if choice is not None:
            self.ask(partial(_resolve, self.leader, complaint.id, choice), "done_resolve")


def _record(leader: str, values: dict[str, str], tx: Tx) -> object:
    return complaints.record_complaint(
        tx, leader, values["number"], values["what"], customer_name=values["name"],
        customer_phone=values["phone"],
    )


def _resolve(leader: str, complaint_id: int, choice: Resolution, tx: Tx) -> object:
    return complaints.resolve(
        tx, complaint_id, leader, choice.outcome, choice.reason, correction=choice.correction,
        to=choice.to, remedy=choice.remedy,
    )

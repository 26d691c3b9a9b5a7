"""The leader's in-tray: remedy requests to approve or refuse (授权), and the supervision
box (监督箱) to read, answer or mark handled."""

from __future__ import annotations

import datetime as dt
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label

from db.rules import duty, remedies
from db.rules.remedies import R
from db.rules.text import REPLY_MAX, width
from db.store.session import Tx
from leader.state import ConsoleState
from leader.text import t
from leader.widgets.base import Pane, refill, selected
from ui.history import remedy_name, staff_label


class RequestTable(DataTable[str]):
    """The pending requests: Enter on the highlighted one approves it (a click on a row only
    highlights it, however often: money is never approved by a stray click)."""

    class Entered(Message):
        """Enter on the highlighted request."""

    def action_select_cursor(self) -> None:
        """Enter: ask the pane to approve the highlighted request."""
        self.post_message(self.Entered())


class ApprovalsPane(Pane):
    """Remedy requests above a handler's authority, oldest first."""

    BINDINGS = [Binding("ctrl+r", "refuse", show=False)]

    ids: tuple[int, ...] = ()

    def compose(self) -> ComposeResult:
        """The list; the decision's reason; approve and refuse."""
        yield Label(id="approvals-title", classes="section")
        yield RequestTable(id="approvals-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="form"):
            yield Input(id="decision", max_length=width(R.c.decision_reason))
            yield Button("", id="approve", variant="success", compact=True)
            yield Button("", id="refuse", variant="error", compact=True)

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw the pending requests."""
        self.ids = tuple(r.id for r in state.pending)
        self.query_one("#approvals-title", Label).update(
            t("approvals" if state.pending else "no_approvals", lang))
        refill(
            self.query_one("#approvals-table", DataTable),
            [t(k, lang) for k in ("c_id", "c_ticket", "r_kind", "r_amount", "r_by", "r_reason")],
            [[str(r.id), r.ticket, remedy_name(self.config, r.kind, lang), f"¥{r.amount}",
              staff_label(r.requested_by, state.staff_names), r.reason]
             for r in state.pending],
        )
        self.query_one("#decision", Input).placeholder = t("f_decision", lang)
        self.query_one("#approve", Button).label = t("approve", lang)
        self.query_one("#refuse", Button).label = t("refuse", lang)

    @on(Button.Pressed, "#approve")
    def approve_pressed(self, event: Button.Pressed) -> None:
        """Approve the selected request."""
        event.stop()
        self.decide(approving=True)

    @on(Button.Pressed, "#refuse")
    def refuse_pressed(self, event: Button.Pressed) -> None:
        """Refuse the selected request."""
        event.stop()
        self.decide(approving=False)

    @on(RequestTable.Entered)
    def row_entered(self, event: RequestTable.Entered) -> None:
        """Enter on a highlighted request approves it, as the button says."""
        event.stop()
        self.decide(approving=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the reason approves, as the form's first button: most requests that
        reach the leader are approved with a word or none; a refusal has its own key."""
        event.stop()
        self.decide(approving=True)

    def action_refuse(self) -> None:
        """Ctrl+R: refuse the selected request with the reason typed."""
        self.decide(approving=False)

    def decide(self, *, approving: bool) -> None:
        """Approve or refuse the highlighted request with the reason in the field."""
        index = selected(self.query_one("#approvals-table", DataTable), len(self.ids))
        if index is None:
            self.post_message(self.Said("pick_row"))
            return
        reason = self.query_one("#decision", Input).value
        self.ask(partial(_decide, approving, self.ids[index], self.leader, reason),
                 "done_approve" if approving else "done_refuse", self.clear("#decision"))


def _decide(approving: bool, remedy_id: int, leader: str, reason: str, tx: Tx) -> object:
    if approving:
        return remedies.approve(tx, remedy_id, leader, reason)
    return remedies.refuse(tx, remedy_id, leader, reason)


class FeedbackPane(Pane):
    """Supervision-box notes, newest first; reply or mark handled."""

    ids: tuple[int, ...] = ()

    def compose(self) -> ComposeResult:
        """The notes; the reply; reply and mark handled."""
        yield Label(id="feedback-title", classes="section")
        yield DataTable(id="feedback-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="form"):
            yield Input(id="reply-text", max_length=REPLY_MAX)
            yield Button("", id="reply", variant="primary", compact=True)
            yield Button("", id="mark-closed", compact=True)

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw the notes."""
        self.ids = tuple(f.id for f in state.feedback)
        self.query_one("#feedback-title", Label).update(
            t("feedback_title" if state.feedback else "no_feedback", lang))
        rows = []
        for f in state.feedback:
            when = f.at.replace(tzinfo=dt.UTC).astimezone(self.config.tz).strftime("%m-%d %H:%M")
            rows.append([str(f.id), when, f.ticket or "—", f.body, t(f"fb_{f.status}", lang),
                         f.reply or ""])
        refill(self.query_one("#feedback-table", DataTable),
               [t(k, lang) for k in ("c_id", "fb_time", "c_ticket", "fb_body", "fb_status",
                                     "fb_reply")], rows)
        self.query_one("#reply-text", Input).placeholder = t("f_reply", lang)
        self.query_one("#reply", Button).label = t("reply", lang)
        self.query_one("#mark-closed", Button).label = t("mark_closed", lang)

    @on(Button.Pressed, "#reply")
    def reply_pressed(self, event: Button.Pressed) -> None:
        """Reply to the selected note."""
        event.stop()
        note = self._note()
        if note is not None:
            text = self.query_one("#reply-text", Input).value
            self.ask(partial(_reply, self.leader, note, text), "done_reply",
                     self.clear("#reply-text"))

    @on(Button.Pressed, "#mark-closed")
    def close_pressed(self, event: Button.Pressed) -> None:
        """Mark the selected note handled."""
        event.stop()
        note = self._note()
        if note is not None:
            self.ask(partial(_close, self.leader, note), "done_close")

    def _note(self) -> int | None:
        """The highlighted note's id; None (and a word on the status line) for none."""
        index = selected(self.query_one("#feedback-table", DataTable), len(self.ids))
        if index is None:
            self.post_message(self.Said("pick_row"))
            return None
        return self.ids[index]


def _reply(leader: str, note: int, text: str, tx: Tx) -> object:
    duty.reply_feedback(tx, leader, note, text)
    return None


def _close(leader: str, note: int, tx: Tx) -> object:
    duty.close_feedback(tx, leader, note)
    return None

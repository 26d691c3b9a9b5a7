"""The hall entrance: the guide's own work, the supervision box and kiosk faults."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, insert, select

from db.errors import AuthFailed, Refused
from db.rules.ops import T, log, staff_row, ticket_row
from db.rules.text import ENQUIRY_NOTE_MAX, FEEDBACK_MAX, check_length
from db.store.models import Feedback
from db.store.session import Tx
from db.store.views import FeedbackView

F = cast(Table, Feedback.__table__)


def record_enquiry(tx: Tx, staff: str, business: str, *, note: str | None = None) -> None:
    """A question the guide answered on the spot, without a ticket: counted as the guide's
    work, under its business type."""
    check_length(note, ENQUIRY_NOTE_MAX, "a note", "备注")
    if staff_row(tx, staff).role not in ("guide", "leader"):
        raise AuthFailed(f"staff {staff} is not on the guide post", zh=f"{staff} 不是引导岗人员")
    kind = tx.config.business(business)
    log(tx, "enquiry", staff=staff, business=kind.prefix, note=note)


FEEDBACK_KINDS: dict[str, tuple[str, str]] = {
    "praise": ("表扬", "Praise"),
    "criticism": ("批评", "Criticism"),
    "suggestion": ("建议", "Suggestion"),
    "complaint": ("投诉", "Complaint"),
}
"""What a supervision-box note is, as the kiosk offers it by touch: code -> (zh, en)."""


def leave_feedback(
    tx: Tx,
    body: str,
    *,
    number: str | None = None,
    kind: str | None = None,
    counter: int | None = None,
) -> FeedbackView:
    """A note for the duty leader from the supervision box (监督箱); anonymous unless the
    customer gives today's ticket number. `kind` (one of `FEEDBACK_KINDS`) and `counter`
    (the counter concerned) are what a customer without a keyboard chooses by touch; they head
    the stored body ("投诉 · 3号窗口：text", as the leader reads it) and go into the event
    (the kind as `about` in its detail, the counter in its counter column). A note with a kind needs
    no text."""
    text = body.strip()
    if kind is not None and kind not in FEEDBACK_KINDS:
        raise Refused(f"unknown kind of feedback {kind!r}", zh=f"未知的意见类别 {kind}")
    if not text and kind is None:
        raise Refused("please choose a kind or write something before sending",
                      zh="请先选择意见类别或填写内容再提交")
    check_length(text, FEEDBACK_MAX, "a note", "意见")
    heading = [FEEDBACK_KINDS[kind][0]] if kind else []
    if counter is not None:
        heading.append(tx.config.counter(counter).name_zh)
    stored = "：".join(p for p in (" · ".join(heading), text) if p)
    ticket = ticket_row(tx, number) if number else None
    row = tx.conn.execute(
        insert(F)
        .values(at=tx.now, business_day=tx.day, ticket_id=ticket.id if ticket else None,
                body=stored, status="new")
        .returning(*F.c)
    ).one()
    detail = {"about": kind} if kind else {}
    log(tx, "feedback", ticket=row.ticket_id, counter=counter, feedback=row.id, **detail)
    return FeedbackView(row.id, row.at, ticket.number if ticket else None, stored, "new", None)


def record_reprint(tx: Tx, number: str, staff: str, *, day: dt.date | None = None) -> None:
    """The guide printed a ticket's slip again: logged in the guide's name, so that the
    leader can see who handed out second slips (one number must not serve two people)."""
    if staff_row(tx, staff).role not in ("guide", "leader"):
        raise AuthFailed(f"staff {staff} is not on the guide post", zh=f"{staff} 不是引导岗人员")
    log(tx, "reprint", ticket=ticket_row(tx, number, day).id, staff=staff)


def record_printer_fault(tx: Tx, message: str, *, number: str | None = None) -> None:
    """A ticket printer failed: the leader sees it in the log; the ticket itself stands."""
    ticket = ticket_row(tx, number) if number else None
    log(tx, "printer_fault", ticket=ticket.id if ticket else None, message=message[:200])


def feedback_list(tx: Tx, status: str | None = "new", limit: int = 100) -> list[FeedbackView]:
    """Supervision-box notes, newest first (only `status` ones, unless None)."""
    query = select(F, T.c.number).outerjoin(T, T.c.id == F.c.ticket_id)
    if status is not None:
        query = query.where(F.c.status == status)
    rows = tx.conn.execute(query.order_by(F.c.id.desc()).limit(limit))
    return [FeedbackView(r.id, r.at, r.number, r.body, r.status, r.reply) for r in rows]

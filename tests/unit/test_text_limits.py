"""Free text the core keeps: one character past its limit (its column's width, or the limit
stated for a text kept only in an event's details) is refused in one line, in both
languages, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from db.errors import Refused
from db.rules import backoffice, complaints, duty, notices, ops, reception, remedies, text
from db.rules.complaints import K
from db.rules.ops import E, T
from db.rules.reception import F
from db.rules.remedies import R
from db.store.session import Hall
from tests.unit.test_ops import run

Case = Callable[[Hall], tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    """Every table a refused text could have touched, and the log's length."""
    with hall.read() as tx:
        rows = tuple(tuple(tx.conn.execute(select(table)).all())
                     for table in (T, K, R, F, ops.C, ops.S))
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    return rows, events


def past(column: Any) -> str:
    """One character more than `column` holds."""
    return "长" * (text.width(column) + 1)


def refused(hall: Hall, case: Case) -> str:
    step, args, kwargs = case(hall)
    before = fingerprint(hall)
    with pytest.raises(Refused) as info:
        run(hall, step, *args, **kwargs)
    assert fingerprint(hall) == before
    message = str(info.value)
    assert "at most" in message and "\n" not in message and "最多" in (info.value.zh or "")
    return message


def serving(hall: Hall) -> str:
    number: str = run(hall, ops.issue_ticket, "A").number
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    return number


def with_support(hall: Hall) -> str:
    number = serving(hall)
    run(hall, ops.refer, 1, "S01", number)
    return number


def done(hall: Hall) -> str:
    number = serving(hall)
    run(hall, ops.complete, 1, number)
    return number


NOTE = past(T.c.note)

TICKET_NOTES: dict[str, Case] = {
    "complete": lambda h: (ops.complete, (1, serving(h)), {"note": NOTE}),
    "set_aside": lambda h: (ops.set_aside, (1, NOTE, serving(h)), {}),
    "transfer": lambda h: (ops.transfer, (1, "B", serving(h)), {"note": NOTE}),
    "next_service": lambda h: (ops.add_next_service, (1, "B", serving(h)), {"note": NOTE}),
    "refer": lambda h: (ops.refer, (1, None, serving(h)), {"note": NOTE}),
    "return": lambda h: (ops.return_from_support, (with_support(h), "S01"),
                         {"note": NOTE, "outcome": "question"}),
}


@pytest.mark.parametrize("case", TICKET_NOTES.values(), ids=TICKET_NOTES.keys())
def test_a_ticket_note_longer_than_its_column_is_refused(hall: Hall, case: Case) -> None:
    assert "note is at most 500" in refused(hall, case)


def test_a_ticket_note_as_long_as_its_column_is_kept(hall: Hall) -> None:
    note = "长" * text.width(T.c.note)
    assert run(hall, ops.complete, 1, serving(hall), note=note).note == note


ACCOUNTS: dict[str, Case] = {
    "issue": lambda h: (ops.issue_ticket, ("A",), {"account": "1" * 33}),
    "walk_in": lambda h: (ops.walk_in, (1, "A"), {"account": "1" * 33}),
}


@pytest.mark.parametrize("case", ACCOUNTS.values(), ids=ACCOUNTS.keys())
def test_an_account_number_longer_than_its_column_is_refused(hall: Hall, case: Case) -> None:
    assert text.width(T.c.account) == 32
    assert "account number is at most 32" in refused(hall, case)


def complained(hall: Hall) -> int:
    return int(run(hall, complaints.record_complaint, "L01", done(hall), "太慢").id)


COMPLAINTS: dict[str, Case] = {
    "body": lambda h: (complaints.record_complaint, ("L01", done(h), past(K.c.body)), {}),
    "name": lambda h: (complaints.record_complaint, ("L01", done(h), "太慢"),
                       {"customer_name": past(K.c.customer_name)}),
    "resolution": lambda h: (complaints.resolve,
                             (complained(h), "L01", "upheld", past(K.c.resolution)), {}),
}


@pytest.mark.parametrize("case", COMPLAINTS.values(), ids=COMPLAINTS.keys())
def test_complaint_texts_longer_than_their_columns_are_refused(hall: Hall, case: Case) -> None:
    refused(hall, case)


def pending(hall: Hall) -> int:
    number = serving(hall)
    return int(run(hall, remedies.grant, number, "C01", "late_fee_waiver", 50_000, "故障").id)


REMEDIES: dict[str, Case] = {
    "grant": lambda h: (remedies.grant_at_counter,
                        (1, "compensation", 100, past(R.c.reason), serving(h)), {}),
    "refuse": lambda h: (remedies.refuse, (pending(h), "L01", past(R.c.decision_reason)), {}),
    "approve": lambda h: (remedies.approve, (pending(h), "L01", past(R.c.decision_reason)), {}),
}


@pytest.mark.parametrize("case", REMEDIES.values(), ids=REMEDIES.keys())
def test_remedy_reasons_longer_than_their_columns_are_refused(hall: Hall, case: Case) -> None:
    assert "reason is at most 500" in refused(hall, case)


def feedback(hall: Hall) -> int:
    return int(run(hall, reception.leave_feedback, "好").id)


BOX: dict[str, Case] = {
    "note": lambda h: (reception.leave_feedback, ("长" * (text.FEEDBACK_MAX + 1),), {}),
    "reply": lambda h: (duty.reply_feedback, ("L01", feedback(h), "长" * (text.REPLY_MAX + 1)),
                        {}),
}


@pytest.mark.parametrize("case", BOX.values(), ids=BOX.keys())
def test_supervision_box_texts_past_their_limits_are_refused(hall: Hall, case: Case) -> None:
    assert "at most 500" in refused(hall, case)


EVENT_TEXTS: dict[str, Case] = {
    "notice": lambda h: (notices.set_notice, ("L01", "长" * (text.NOTICE_MAX + 1)), {}),
    "support_note": lambda h: (backoffice.note_referral,
                               (with_support(h), "S01", "长" * (text.SUPPORT_NOTE_MAX + 1)), {}),
    "enquiry": lambda h: (reception.record_enquiry, ("G01", "A"),
                          {"note": "长" * (text.ENQUIRY_NOTE_MAX + 1)}),
    "cancel": lambda h: (ops.cancel, (run(h, ops.issue_ticket, "A").number, "L01"),
                         {"reason": "长" * (text.CANCEL_REASON_MAX + 1)}),
}


@pytest.mark.parametrize("case", EVENT_TEXTS.values(), ids=EVENT_TEXTS.keys())
def test_texts_kept_only_in_events_past_their_stated_limits_are_refused(
    hall: Hall, case: Case
) -> None:
    refused(hall, case)


def test_an_unbounded_column_has_no_width() -> None:
    assert text.max_length(T.c.id) is None
    with pytest.raises(ValueError):
        text.width(T.c.id)

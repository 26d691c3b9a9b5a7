"""The guide's work, the supervision box, tickets sent to a named counter, printer faults."""

from __future__ import annotations

from db.errors import AuthFailed, NotFound, Refused
from db.rules import ops, queries, reception
from db.store.session import Hall, ManualClock
from tests.unit.test_ops import issue, refused, run


def test_guide_sends_a_customer_to_a_named_counter(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A")
    clock.advance(minutes=1)
    sent = run(hall, ops.issue_ticket, "A", issued_by="G01", directed_to=4)
    assert (sent.number, sent.directed_to) == ("A002", 4)
    with hall.read() as tx:
        info = queries.with_wait(tx, sent)
        assert (info.ahead, info.estimated_wait_min is not None) == (0, True)
    # Counter 4 does not serve A, but calls the customer sent to it, before its own queue.
    issue(hall, "B")
    assert run(hall, ops.call_next, 4).number == "A002"
    run(hall, ops.no_show, 4)
    assert run(hall, ops.call_next, 4).number == "B001"
    # Counter 1 never takes a customer sent elsewhere.
    run(hall, ops.issue_ticket, "A", issued_by="G01", directed_to=4)
    assert run(hall, ops.call_next, 1).number == "A001"
    run(hall, ops.no_show, 1)
    refused(hall, ops.QueueEmpty, ops.call_next, 1)


def test_only_guides_direct_customers(hall: Hall) -> None:
    refused(hall, AuthFailed, ops.issue_ticket, "A", directed_to=4)
    refused(hall, AuthFailed, ops.issue_ticket, "A", issued_by="C01", directed_to=4)
    refused(hall, NotFound, ops.issue_ticket, "A", issued_by="G01", directed_to=77)


def test_enquiry_is_the_guides_work(hall: Hall) -> None:
    run(hall, reception.record_enquiry, "G01", "D", note="停电查询")
    refused(hall, AuthFailed, reception.record_enquiry, "C01", "D")
    refused(hall, NotFound, reception.record_enquiry, "G01", "Z")
    with hall.read() as tx:
        [event] = queries.events(tx, kind="enquiry")
    assert (event.staff, event.ticket, event.detail) == (
        "G01", None, {"business": "D", "note": "停电查询"})


def test_supervision_box(hall: Hall) -> None:
    issue(hall, "A")
    anonymous = run(hall, reception.leave_feedback, "  大厅空调太冷  ")
    linked = run(hall, reception.leave_feedback, "办理很快，谢谢", number="a1")
    assert (anonymous.ticket, anonymous.body) == (None, "大厅空调太冷")
    assert linked.ticket == "A001"
    refused(hall, Refused, reception.leave_feedback, "   ")
    refused(hall, Refused, reception.leave_feedback, "长" * 501)
    refused(hall, NotFound, reception.leave_feedback, "hi", number="A999")
    with hall.read() as tx:
        notes = reception.feedback_list(tx)
    assert [(n.ticket, n.status) for n in notes] == [("A001", "new"), (None, "new")]


def test_printer_fault_is_logged_and_the_ticket_stands(hall: Hall) -> None:
    issue(hall, "E")
    run(hall, reception.record_printer_fault, "connection refused", number="E001")
    with hall.read() as tx:
        [fault] = queries.events(tx, kind="printer_fault")
        assert queries.ticket_info(tx, "E001").status == "waiting"
        assert queries.last_issued(tx) is not None
    assert (fault.ticket, fault.detail) == ("E001", {"message": "connection refused"})


def test_a_reprint_is_logged_in_the_guides_name(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A")
    run(hall, reception.record_reprint, "a001", "G01")
    refused(hall, AuthFailed, reception.record_reprint, "A001", "C01")
    refused(hall, NotFound, reception.record_reprint, "A002", "G01")
    refused(hall, NotFound, reception.record_reprint, "A001", "X99")
    with hall.read() as tx:
        [event] = queries.events(tx, kind="reprint")
        first_day = tx.day
    assert (event.staff, event.ticket, event.counter) == ("G01", "A001", None)
    # Past midnight the kiosk may still hold yesterday's ticket: its day says which A001.
    clock.advance(minutes=24 * 60)
    refused(hall, NotFound, reception.record_reprint, "A001", "L01")
    run(hall, reception.record_reprint, "A001", "L01", day=first_day)
    with hall.read() as tx:
        [late] = queries.events(tx, kind="reprint")
    assert (late.staff, late.ticket) == ("L01", "A001")


def test_last_issued_by_the_kiosk_or_by_one_guide(hall: Hall, clock: ManualClock) -> None:
    with hall.read() as tx:
        assert queries.last_issued(tx) is None
    issue(hall, "A")
    clock.advance(minutes=1)
    issue(hall, "B", issued_by="G01")
    clock.advance(minutes=1)
    issue(hall, "C")
    with hall.read() as tx:
        kiosk = queries.last_issued(tx)
        guide = queries.last_issued(tx, issued_by="G01")
        leader = queries.last_issued(tx, issued_by="L01")
    assert kiosk is not None and kiosk.number == "C001"
    assert guide is not None and (guide.number, guide.issued_by) == ("B001", "G01")
    assert guide.ahead == 0 and guide.estimated_wait_min is not None
    assert leader is None


def test_supervision_box_kind_and_counter_chosen_by_touch(hall: Hall) -> None:
    chosen = run(hall, reception.leave_feedback, "", kind="praise", counter=2)
    both = run(hall, reception.leave_feedback, " 很耐心 ", kind="praise")
    assert (chosen.body, both.body) == ("表扬 · 2号窗口（缴费）", "表扬：很耐心")
    refused(hall, Refused, reception.leave_feedback, "", kind="thanks")
    refused(hall, NotFound, reception.leave_feedback, "", kind="praise", counter=99)
    with hall.read() as tx:
        first, second = queries.events(tx, kind="feedback")
    assert (first.counter, first.detail) == (2, {"feedback": chosen.id, "about": "praise"})
    assert second.counter is None

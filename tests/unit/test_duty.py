"""The duty leader's post in the core: sign-in for leaders only, the hall board, and the
supervision box's replies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from db.errors import AuthFailed, HallError, NotFound, Refused
from db.rules import counters, duty, ops, reception
from db.rules.ops import E
from db.rules.reception import F
from db.store.session import Hall, ManualClock
from tests.conftest import LEADER_PIN, PIN


def run(hall: Hall, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with hall.write() as tx:
        return step(tx, *args, **kwargs)


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    with hall.read() as tx:
        notes = tuple(tx.conn.execute(select(F).order_by(F.c.id)).all())
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    return notes, events


def test_only_a_duty_leader_signs_in(hall: Hall) -> None:
    assert duty.authenticate_leader(hall, "l01", LEADER_PIN).id == "L01"
    with pytest.raises(AuthFailed) as caught:
        duty.authenticate_leader(hall, "C01", PIN)
    assert caught.value.zh == "C01 是工作岗：只有值班领导可以登录"
    with pytest.raises(AuthFailed, match="wrong PIN"):
        duty.authenticate_leader(hall, "L01", "0000")


def test_the_board_flags_long_waits_long_pauses_and_printer_faults(
        hall: Hall, clock: ManualClock) -> None:
    first = run(hall, ops.issue_ticket, "B").number
    run(hall, ops.issue_ticket, "A")
    run(hall, ops.call_next, 1)
    run(hall, counters.set_state, 4, "paused")
    run(hall, reception.record_printer_fault, "paper out")
    clock.advance(minutes=16)
    run(hall, ops.issue_ticket, "C")
    with hall.read() as tx:
        board = duty.board(tx)
    desks = {line.counter.number: line for line in board.desks}
    assert (desks[1].counter.ticket, desks[1].minutes_at_counter) == ("A001", 16.0)
    assert desks[4].paused_minutes == 16.0 and desks[2].paused_minutes is None
    assert [(w.number, w.over_sla) for w in board.longest] == [(first, True), ("C001", False)]
    assert board.over_sla == 1
    assert {q.business: q.waiting for q in board.queues}["B"] == 1
    assert [e.detail for e in board.printer_faults] == [{"message": "paper out"}]
    assert board.arrivals[9] == sum(board.arrivals) == 3  # 09:00-09:16 local
    assert sum(board.served) == 0
    assert board.waiting[9] == 2 and sum(board.waiting) == 2  # B001 and C001; A001 was called


def test_waiting_over_the_day_counts_who_was_waiting_at_each_hours_end(
        hall: Hall, clock: ManualClock) -> None:
    run(hall, ops.issue_ticket, "A")  # 09:00 local
    run(hall, ops.issue_ticket, "A")
    voided = run(hall, ops.issue_ticket, "B").number
    run(hall, ops.cancel, voided, "L01")
    clock.advance(minutes=70)  # 10:10: one is called, one more comes
    run(hall, ops.call_next, 1)
    run(hall, ops.issue_ticket, "A")
    clock.advance(minutes=60)  # 11:10
    with hall.read() as tx:
        board = duty.board(tx)
    assert board.waiting[8] == 0
    assert board.waiting[9] == 2  # at 09:59:59 both A numbers waited; the voided one not
    assert board.waiting[10] == 2  # one called at 10:10, one taken at 10:10
    assert board.waiting[11] == 2  # the hour so far, up to now
    assert sum(board.waiting[12:]) == 0


def test_waiting_over_the_day_follows_transfers_requeues_and_voids(
        hall: Hall, clock: ManualClock) -> None:
    """A hand-built morning (counter 1 serves A then E). Waiting is counted from each issue,
    transfer or requeue until the next call or void, not from the first call alone. The
    calls here are in profile order: the overdue rule (tested in test_ops) is off, or the
    transferred A001, in the E queue by its 09:00 arrival, would be called at 09:30."""
    hall.config = dataclasses.replace(hall.config, overdue_minutes=0)
    for business in "AAB":  # 09:00 A001, A002, B001
        run(hall, ops.issue_ticket, business)
    run(hall, ops.cancel, "B001", "L01")  # voided unseen: never waited past 09:00
    clock.advance(minutes=10)  # 09:10
    assert run(hall, ops.call_next, 1).number == "A001"
    run(hall, ops.start, 1)
    clock.advance(minutes=10)  # 09:20: A001 joins the E queue and waits again
    run(hall, ops.transfer, 1, "E")
    clock.advance(minutes=10)  # 09:30: A002 is called and does not come
    assert run(hall, ops.call_next, 1).number == "A002"
    clock.advance(minutes=5)
    run(hall, ops.no_show, 1)
    clock.advance(minutes=5)  # 09:40: back in the queue
    run(hall, ops.requeue, "A002")
    clock.advance(minutes=30)  # 10:10
    run(hall, ops.issue_ticket, "A")
    clock.advance(minutes=10)  # 10:20: A002 called again and served
    assert run(hall, ops.call_next, 1).number == "A002"
    run(hall, ops.start, 1)
    run(hall, ops.complete, 1)
    clock.advance(minutes=40)  # 11:00: the leader voids the transferred A001
    run(hall, ops.cancel, "A001", "L01")
    clock.advance(minutes=5)  # 11:05, now
    with hall.read() as tx:
        board = duty.board(tx)
    assert board.waiting[9] == 2  # A001 (transferred) and A002 (requeued) at 09:59:59
    assert board.waiting[10] == 2  # A001 still, A003 taken at 10:10
    assert board.waiting[11] == 1  # A003: A001 voided at 11:00
    assert sum(board.waiting) == 5


def test_the_leader_replies_to_and_closes_a_note(hall: Hall) -> None:
    note = run(hall, reception.leave_feedback, "大厅太冷")
    run(hall, duty.reply_feedback, "L01", note.id, "  已调高  空调温度 ")
    with hall.read() as tx:
        [answered] = reception.feedback_list(tx, status="answered")
    assert (answered.id, answered.reply) == (note.id, "已调高 空调温度")
    run(hall, duty.close_feedback, "L01", note.id)
    with hall.read() as tx:
        assert [f.status for f in reception.feedback_list(tx, status=None)] == ["closed"]


@pytest.mark.parametrize(("step", "args", "error", "says"), [
    (duty.reply_feedback, ("C01", 1, "好"), AuthFailed, "only a duty leader"),
    (duty.reply_feedback, ("L01", 1, "  "), Refused, "please write the reply"),
    (duty.reply_feedback, ("L01", 1, "长" * 501), Refused, "at most 500"),
    (duty.reply_feedback, ("L01", 9, "好"), NotFound, "no feedback #9"),
    (duty.close_feedback, ("L01", 2, ), Refused, "feedback #2 is already closed"),
])
def test_feedback_refusals_change_nothing(hall: Hall, step: Callable[..., Any],
                                          args: tuple[Any, ...], error: type[HallError],
                                          says: str) -> None:
    run(hall, reception.leave_feedback, "一")
    closed = run(hall, reception.leave_feedback, "二")
    run(hall, duty.close_feedback, "L01", closed.id)
    before = fingerprint(hall)
    with pytest.raises(error) as caught:
        run(hall, step, *args)
    assert says in str(caught.value) and caught.value.zh
    assert fingerprint(hall) == before

"""The hall snapshot, places in the queue, estimated waits and the record of visits."""

from __future__ import annotations

import datetime as dt

from db.rules import counters, estimate, ops, queries
from db.store.session import Hall, ManualClock
from tests.unit.test_ops import issue, run


def serve(hall: Hall, counter: int, clock: ManualClock, minutes: float) -> str:
    number = str(run(hall, ops.call_next, counter).number)
    run(hall, ops.start, counter)
    clock.advance(minutes=minutes)
    run(hall, ops.complete, counter)
    return number


def test_snapshot(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A", "B", "D")
    run(hall, ops.call_next, 1)
    clock.advance(seconds=30)
    run(hall, ops.recall, 1)
    with hall.read() as tx:
        snap = queries.snapshot(tx)
    assert snap.waiting == {"A": 1, "B": 1, "C": 0, "D": 1, "E": 0, "F": 0}
    desk = {c.number: c for c in snap.counters}
    assert (desk[1].state, desk[1].staff, desk[1].staff_name, desk[1].ticket) == (
        "open", "C01", "张伟", "A001")
    assert desk[1].ticket_status == "called" and desk[2].state == "closed"
    assert [(c.number, c.counter, c.recall) for c in snap.recent_calls] == [
        ("A001", 1, True), ("A001", 1, False)]
    assert len(snap.counters) >= 8
    assert snap.estimated_wait_min["D"] is None  # no open counter serves D


def test_people_ahead_follow_the_calling_order(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A")
    clock.advance(minutes=1)
    elderly = run(hall, ops.issue_ticket, "A", priority="elderly")
    with hall.read() as tx:
        assert queries.with_wait(tx, elderly).ahead == 0
        assert queries.ticket_info(tx, "A001").ahead == 1
        assert queries.ticket_info(tx, "A002").ahead == 2


def test_estimate_uses_real_handling_times(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A", "A")
    standard = hall.config.business("A").standard_minutes
    with hall.read() as tx:
        before = queries.ticket_info(tx, "A003").estimated_wait_min
    # One free counter calls A001 now, then A002 and A003 each a counter time per call
    # later: the standard plus a minute's walk-up while there are no calls to learn from.
    assert before == round(2 * (standard + estimate.WALK_UP_PRIOR_MIN), 1)
    for _ in range(2):
        serve(hall, 1, clock, minutes=4 * standard)  # far slower than the standard
    issue(hall, "A", "A")
    with hall.read() as tx:
        slow = queries.ticket_info(tx, "A005")
    assert slow.ahead == 2
    assert slow.estimated_wait_min is not None and slow.estimated_wait_min > 2.5 * standard


def test_estimate_counts_open_counters(hall: Hall) -> None:
    issue(hall, "B", "B", "B", "B")
    with hall.read() as tx:
        one = queries.ticket_info(tx, "B004").estimated_wait_min
    run(hall, counters.sign_in, 5, "C03")  # counter 5 serves B first too
    with hall.read() as tx:
        two = queries.ticket_info(tx, "B004").estimated_wait_min
    assert one is not None and two is not None and two <= one / 2


def test_history_visits_and_day(hall: Hall, clock: ManualClock) -> None:
    run(hall, ops.issue_ticket, "A", account="5100123")
    serve(hall, 1, clock, 3)
    clock.advance(minutes=24 * 60)
    run(hall, ops.issue_ticket, "C", account="5100123")
    with hall.read() as tx:
        visits = queries.visits(tx, "5100123")
        history = queries.history(tx, "A001", dt.date(2026, 11, 27))
        today = queries.day_tickets(tx, tx.day)
        log = queries.events(tx, dt.date(2026, 11, 27), kind="complete")
    assert [(v.number, v.status) for v in visits] == [("C001", "waiting"), ("A001", "done")]
    assert [e.kind for e in history] == ["issue", "call", "start", "complete"]
    assert [t.number for t in today] == ["C001"]
    assert [(e.ticket, e.staff, e.counter) for e in log] == [("A001", "C01", 1)]

"""The hall snapshot, places in the queue, estimated waits and the record of visits."""

from __future__ import annotations

import datetime as dt
import random

from db.rules import counters, estimate, ops, queries
from db.store.session import Hall, ManualClock
from db.store.views import CounterView
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


def test_next_numbers_read_only_the_tickets_they_can_pick(hall: Hall, clock: ManualClock) -> None:
    """The wall's next numbers come from the few tickets each counter can pick (per business
    the first few in call order and the longest-waiting few, and those sent to a counter),
    ranked by the database: the same answer as from every waiting ticket, on a hall with
    priorities, overdue customers, customers sent to counters and more counters than the
    first of a business."""
    rng = random.Random(17)
    priorities = [p.code for p in hall.config.priorities]
    counters_ = {c.number: c for c in hall.config.counters}
    with hall.write() as tx:
        for n in range(120):
            clock.advance(seconds=rng.uniform(0, 60))
            sent = rng.choice(sorted(counters_)) if n % 9 == 0 else None
            ops.issue_ticket(tx, rng.choice("AABBCE"), priority=rng.choice(priorities),
                             issued_by="G01" if sent else None, directed_to=sent,
                             told=estimate.Estimate(None))
    # issued over about an hour: those of its first half are overdue (30 min), the rest not
    with hall.read() as tx:
        every = list(tx.conn.execute(queries._WAITING_IN_ORDER, {"day": tx.day}))
        for trial in range(30):
            views = tuple(
                CounterView(n, f"{n}号窗口", f"Counter {n}", "open" if rng.random() < 0.8
                            else "paused", tuple(rng.sample("ABCDEF", rng.randint(1, 3))),
                            "C01", "张伟", None, None)
                for n in sorted(counters_))
            expected = queries.next_of(tx, every, views)
            assert queries.next_numbers(tx, views) == expected, trial
            assert len(set(expected.values())) == len(expected) >= 3

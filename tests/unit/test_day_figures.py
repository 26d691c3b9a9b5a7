"""A handler's own figures of the day, and the queue lines of a counter's side panel."""

from __future__ import annotations

from db.rules import ops, queries, remedies
from db.store.session import Hall, ManualClock
from tests.unit.test_ops import issue, run


def serve(hall: Hall, clock: ManualClock, counter: int, business: str, minutes: float,
          rating: int | None = None) -> str:
    (number,) = issue(hall, business)
    run(hall, ops.call_number, counter, number)
    run(hall, ops.start, counter)
    clock.advance(minutes=minutes)
    run(hall, ops.complete, counter, number)
    if rating is not None:
        run(hall, ops.rate, number, rating)
    return number


def test_figures_before_any_service(hall: Hall) -> None:
    with hall.read() as tx:
        figures = queries.day_figures(tx, "C01")
    assert (figures.served, figures.average_handling_min, figures.satisfaction) == (0, None, None)
    assert figures.ratings == {4: 0, 3: 0, 2: 0, 1: 0}
    assert figures.remedies_granted == 0


def test_served_handling_time_and_satisfaction(hall: Hall, clock: ManualClock) -> None:
    serve(hall, clock, 1, "A", 4, rating=4)
    serve(hall, clock, 1, "A", 6, rating=1)
    serve(hall, clock, 1, "E", 5)  # not rated (yet)
    serve(hall, clock, 4, "B", 20, rating=4)  # C02's, not C01's
    with hall.read() as tx:
        mine = queries.day_figures(tx, "C01")
        theirs = queries.day_figures(tx, "C02")
    assert (mine.served, mine.average_handling_min) == (3, 5.0)
    assert mine.ratings == {4: 1, 3: 0, 2: 0, 1: 1}
    assert mine.satisfaction == 0.5
    assert (theirs.served, theirs.average_handling_min, theirs.satisfaction) == (1, 20.0, 1.0)


def test_the_handler_is_credited_not_whoever_closes(hall: Hall, clock: ManualClock) -> None:
    (number,) = issue(hall, "A")
    run(hall, ops.call_number, 1, number)
    run(hall, ops.start, 1)
    run(hall, ops.transfer, 1, "B", number)
    run(hall, ops.call_number, 4, number)
    run(hall, ops.start, 4)
    clock.advance(minutes=7)
    run(hall, ops.complete, 4, number)
    with hall.read() as tx:
        assert queries.day_figures(tx, "C01").served == 1
        assert queries.day_figures(tx, "C02").served == 0


def test_figures_are_of_one_business_day(hall: Hall, clock: ManualClock) -> None:
    serve(hall, clock, 1, "A", 4, rating=3)
    clock.advance(minutes=24 * 60)
    with hall.read() as tx:
        assert queries.day_figures(tx, "C01").served == 0
        yesterday = queries.day_figures(tx, "C01", tx.day.replace(day=27))
    assert (yesterday.served, yesterday.satisfaction) == (1, 1.0)


def test_remedies_granted_and_approved_count(hall: Hall, clock: ManualClock) -> None:
    (number,) = issue(hall, "A")
    run(hall, ops.call_number, 1, number)
    run(hall, ops.start, 1)
    run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 100, "r")
    pending = run(hall, remedies.grant_at_counter, 1, "compensation", 90000, "r")
    with hall.read() as tx:
        assert queries.day_figures(tx, "C01").remedies_granted == 1
    run(hall, remedies.approve, pending.id, "L01")
    with hall.read() as tx:
        assert queries.day_figures(tx, "C01").remedies_granted == 2


def test_queue_lines_in_the_order_asked(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A")
    clock.advance(minutes=5)
    issue(hall, "A", "E")
    clock.advance(minutes=2)
    with hall.read() as tx:
        lines = queries.queue_lines(tx, ("E", "A", "D"))
    assert [(q.business, q.waiting, q.longest_wait_min) for q in lines] == [
        ("E", 1, 2.0), ("A", 2, 7.0), ("D", 0, None)]


def test_queue_lines_leave_out_other_days_and_states(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A")
    run(hall, ops.call_next, 1)
    clock.advance(minutes=24 * 60)
    with hall.read() as tx:
        assert queries.queue_lines(tx, ("A",))[0].waiting == 0

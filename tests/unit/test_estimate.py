"""The forward-simulation estimate of `db.rules.estimate` on small hand-made halls (pure: no
database), and once on a real one."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from db.rules import ops
from db.rules.estimate import (
    Desk,
    Estimate,
    HallState,
    Line,
    Service,
    Ticket,
    estimate,
    gather,
    predict,
    predict_new,
)
from db.rules.waits import wait_line, wait_words
from db.store.session import Hall, ManualClock
from db.store.sql import T
from tests.unit.test_ops import run

FIVE = {"A": Service((5.0,) * 10, 5.0), "E": Service((5.0,) * 10, 5.0)}


def _hall(waiting: list[Line], desks: list[Desk],
          arrivals: dict[tuple[str, int], float] | None = None,
          closes_in: float | None = None) -> HallState:
    return HallState(tuple(waiting), tuple(desks), FIVE, arrivals or {}, closes_in=closes_in)


def test_a_free_counter_calls_at_once() -> None:
    state = _hall([Line("A", 9, 1)], [Desk(1, ("A",))])
    got = predict(state, Ticket("A", 9, 0))
    assert got == Estimate(0.0)
    assert got.text_zh() == "即将叫号"


def test_no_counter_for_the_business_says_none() -> None:
    state = _hall([Line("E", 9, 1)], [Desk(1, ("A",))])
    assert predict(state, Ticket("E", 9, 0)).minutes is None


def test_people_ahead_at_one_busy_counter() -> None:
    # On a 5-min call for 2 min (3 left), then two 5-min calls ahead: 13 min.
    got = predict(_hall([Line("A", 9, 3)], [Desk(1, ("A",), "A", 2.0)]), Ticket("A", 9, 2))
    assert got.minutes is not None and 12 <= got.minutes <= 14
    assert got.low is not None and got.high is not None and got.low < 13 < got.high
    assert got.ahead_calls == 2


def test_two_counters_halve_the_wait() -> None:
    desks = [Desk(1, ("A",), "A", 0.0), Desk(2, ("A",), "A", 2.5)]
    one = predict(_hall([Line("A", 9, 6)], desks[:1]), Ticket("A", 9, 5))
    two = predict(_hall([Line("A", 9, 6)], desks), Ticket("A", 9, 5))
    assert one.minutes is not None and two.minutes is not None
    assert two.minutes < 0.6 * one.minutes


def test_better_priority_arrivals_go_first_the_others_after() -> None:
    desks = [Desk(1, ("A",), "A", 0.0)]
    quiet = predict(_hall([Line("A", 9, 3)], desks), Ticket("A", 9, 2))
    normal = predict(_hall([Line("A", 9, 3)], desks, {("A", 9): 0.5}), Ticket("A", 9, 2))
    elderly = predict(_hall([Line("A", 9, 3)], desks, {("A", 2): 0.1}), Ticket("A", 9, 2))
    assert quiet == normal
    assert (elderly.minutes or 0) > (quiet.minutes or 0)


def test_a_second_business_waits_behind_new_arrivals_of_the_first() -> None:
    # E is the counter's second business: A customers arriving meanwhile go first.
    desks = [Desk(1, ("A", "E"), "A", 0.0)]
    quiet = predict(_hall([Line("E", 9, 1)], desks), Ticket("E", 9, 0))
    busy = predict(_hall([Line("E", 9, 1)], desks, {("A", 9): 0.15}), Ticket("E", 9, 0))
    assert quiet.minutes is not None and busy.minutes is not None
    assert busy.minutes > quiet.minutes + 2


def test_a_business_starved_by_the_profile_is_called_when_overdue() -> None:
    # A at 0.25 a minute fills counter 1 (A, E) beyond its 5-min calls: in profile order
    # alone E would never be called (the play-out's horizon); the overdue rule calls it once
    # it has waited 30 min, at the end of the call then under way. One E has waited 20 min.
    desks = [Desk(1, ("A", "E"), "A", 0.0)]
    flood = {("A", 9): 0.25}
    strict = predict(_hall([Line("E", 9, 1)], desks, flood), Ticket("E", 9, 0))
    assert strict.minutes is not None and strict.minutes > 120  # hours
    fair = replace(_hall([Line("E", 9, 1, None, (20.0,))], desks, flood), overdue=30.0)
    first = predict(fair, Ticket("E", 9, 0, None, 20.0))
    assert first.minutes is not None and 10 <= first.minutes <= 15  # overdue in 10, + ≤ 5
    new = predict_new(fair, "E", 9)  # behind it: overdue at 30, called within a call
    assert new.minutes is not None and 30 <= new.minutes <= 36


def test_an_older_worse_priority_customer_overdue_goes_first() -> None:
    # An elderly A (rank 2) is first by priority, but a normal A who has waited 40 min is
    # overdue: called first, so the elderly one waits one call more.
    desks = [Desk(1, ("A",), "A", 0.0)]
    state = replace(_hall([Line("A", 9, 1, None, (40.0,)), Line("A", 2, 1, None, (1.0,))],
                          desks), overdue=30.0)
    assert 9 <= (predict(state, Ticket("A", 2, 0, None, 1.0)).minutes or 0) <= 11
    strict = replace(state, overdue=0.0)
    assert 4 <= (predict(strict, Ticket("A", 2, 0, None, 1.0)).minutes or 0) <= 6


def test_a_customer_sent_to_a_counter_waits_for_that_one() -> None:
    desks = [Desk(1, ("A",)), Desk(2, ("A",), "A", 0.0)]
    got = predict(_hall([Line("A", 9, 1, 2)], desks), Ticket("A", 9, 0, 2))
    assert got.minutes is not None and got.minutes > 0
    assert predict(_hall([Line("A", 9, 1, 1)], desks), Ticket("A", 9, 0, 1)) == Estimate(0.0)


def test_closing_stops_arrivals_and_opens_every_counter_to_all() -> None:
    desks = [Desk(1, ("A", "E"), "A", 0.0), Desk(2, ("A",), "A", 0.0)]
    rates = {("A", 9): 0.5}
    on = predict(_hall([Line("E", 9, 1)], desks, rates), Ticket("E", 9, 0))
    late = predict(_hall([Line("E", 9, 1)], desks, rates, closes_in=1.0), Ticket("E", 9, 0))
    assert on.minutes is not None and late.minutes is not None and late.minutes < on.minutes


def test_a_new_customer_as_the_wall_display_asks() -> None:
    state = _hall([Line("A", 9, 1), Line("A", 2, 1), Line("E", 9, 4)],
                  [Desk(1, ("A",), "A", 0.0)])
    got = predict_new(state, "A", 9)
    assert got.ahead_calls == 2 and got.minutes is not None and 14 <= got.minutes <= 16


def test_on_a_real_hall(hall: Hall, clock: ManualClock) -> None:
    # C01 at counter 1 (A, E), C02 at 4 (B, F, C), both open: the first A is called at
    # once; the second waits for counter 1.
    with hall.write() as tx:
        first = ops.issue_ticket(tx, "A")
    with hall.read() as tx:
        assert estimate(tx, first.id) == Estimate(0.0)
    with hall.write() as tx:
        ops.call_next(tx, 1)
        second = ops.issue_ticket(tx, "A")
    clock.advance(minutes=1)
    with hall.read() as tx:
        state = gather(tx)
        assert state.waiting == (Line("A", 9, 1, None, (1.0,)),)  # waited a minute
        assert [(d.number, d.on) for d in state.desks] == [(1, "A"), (4, None)]
        got = estimate(tx, second.id)
        assert estimate(tx, first.id) is None  # called: not waiting
    assert got is not None and got.minutes is not None and 0 < got.minutes < 10
    with hall.write() as tx:  # one sent by a guide to counter 4: a line of its own
        ops.issue_ticket(tx, "A", issued_by="G01", directed_to=4)
    clock.advance(minutes=1)
    with hall.read() as tx:
        assert set(gather(tx).waiting) == {Line("A", 9, 1, None, (2.0,)),
                                           Line("A", 9, 1, 4, (1.0,))}


def test_the_phone_pages_share_one_read_per_change(hall: Hall, clock: ManualClock) -> None:
    """`Memo` (the phone pages): the same estimates as a fresh read, the hall read again only
    when a step was logged or the interval passed."""
    from db.rules.estimate import Memo
    from db.rules.queries import with_wait
    from db.store.views import TicketView

    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.call_next(tx, 1)
        tickets = [ops.issue_ticket(tx, "A") for _ in range(3)]
    memo = Memo(seconds=10)

    def both() -> list[tuple[TicketView, TicketView]]:
        with hall.read() as tx:
            return [(with_wait(tx, t, memo=memo), with_wait(tx, t)) for t in tickets]

    for shared, fresh in both() * 2:  # asked again and again: one read
        assert shared == fresh and shared.estimated_wait_min is not None
    assert memo.reads == 1
    with hall.write() as tx:
        tickets.append(ops.issue_ticket(tx, "A"))  # a step: read again at once
    assert all(shared == fresh for shared, fresh in both()) and memo.reads == 2
    clock.advance(seconds=10)  # nothing logged, but the time moved on
    assert all(shared == fresh for shared, fresh in both()) and memo.reads == 3


def test_a_kiosk_reads_the_hall_while_idle_and_not_at_the_press(
    hall: Hall, clock: ManualClock
) -> None:
    """`Memo.prepare` (a kiosk between customers) reads the hall when it changed or half the
    interval passed; `Memo.predict_new` then tells what `told_now` would, without reading."""
    from db.rules.estimate import Memo, told_now

    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.call_next(tx, 1)
        ops.issue_ticket(tx, "A")
    memo = Memo(seconds=10)
    with hall.read() as tx:
        assert memo.prepare(tx) and memo.reads == 1
        assert not memo.prepare(tx)  # nothing changed: not read again
        fresh = told_now(tx, "A", 9)
        assert memo.predict_new(tx, "A", 9) == fresh and fresh.minutes
        assert memo.predict_new(tx, "D", 9) == told_now(tx, "D", 9)
    assert memo.reads == 1
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")  # a step: the next prepare reads
    with hall.read() as tx:
        assert memo.prepare(tx) and memo.reads == 2
        assert memo.predict_new(tx, "A", 9) == told_now(tx, "A", 9)
    clock.advance(seconds=5)  # half the interval: prepare reads, a press would not yet
    with hall.read() as tx:
        memo.predict_new(tx, "A", 9)
        assert memo.reads == 2
        assert memo.prepare(tx) and memo.reads == 3
    clock.advance(seconds=10)  # a press after the whole interval reads
    with hall.read() as tx:
        assert memo.predict_new(tx, "A", 9) == told_now(tx, "A", 9) and memo.reads == 4


# -- what the customer was told is kept with the ticket ------------------------------------------

def test_the_issue_keeps_what_the_customer_was_told(hall: Hall, clock: ManualClock) -> None:
    # Counter 1 (A, E) is open and free: the first A is told 即将叫号; with it called, the
    # next waits for counter 1 and is told minutes; D has no open counter: nothing is told.
    first = run(hall, ops.issue_ticket, "A")
    assert (first.told_minutes, first.told_low, first.told_high) == (0.0, None, None)
    run(hall, ops.call_next, 1)
    second = run(hall, ops.issue_ticket, "A")
    assert second.told_minutes is not None and second.told_minutes > 0
    assert second.told_low is not None and second.told_high is not None
    assert second.told_low < second.told_minutes < second.told_high
    with hall.read() as tx:  # the same as the predictor says of it right after
        assert estimate(tx, second.id) == Estimate(
            second.told_minutes, second.told_low, second.told_high, 0)
    nobody = run(hall, ops.issue_ticket, "D")
    assert nobody.told_minutes is None and nobody.told_low is None
    with hall.read() as tx:  # stored: read back as it was told, not as it is now
        row = tx.conn.execute(select(T).where(T.c.id == second.id)).one()
    assert (row.told_minutes, row.told_low, row.told_high) == (
        second.told_minutes, second.told_low, second.told_high)


def test_a_told_estimate_given_by_the_caller_is_kept_as_given(hall: Hall) -> None:
    view = run(hall, ops.issue_ticket, "B", told=Estimate(12.5, 10.0, 16.0))
    assert (view.told_minutes, view.told_low, view.told_high) == (12.5, 10.0, 16.0)


def test_the_wording_is_one_for_every_surface() -> None:
    assert wait_words(0.0) == "即将叫号"
    assert wait_line(0.0, language="en") == "About to be called"
    assert wait_words(7.6, 7.0, 8.4) == "约 8 分钟"  # a narrow range says no more than the point
    assert wait_words(12.4, 9.7, 15.2) == "约 9–16 分钟"
    assert wait_words(12.4, 9.7, 15.2, "en") == "about 9–16 min"
    assert wait_line(12.4, 9.7, 15.2) == "预计等候约 9–16 分钟"
    assert wait_line(0.3, language="en") == "Estimated wait: about 1 min"
    assert wait_words(None) == "—" and wait_line(None) is None


def test_a_burst_at_opening_does_not_starve_a_shared_counters_third_business(
        hall: Hall, clock: ManualClock) -> None:
    # The wall's hall: eight numbers in the opening minute, counter 1 (A, E) and counter 4
    # (B, F, C) open, one of each called. The burst of B at counter 4 would keep C waiting
    # for hours in profile order (the play-out said 168–284 min with one C waiting); the
    # overdue rule calls the C after 30 min, so a new C is told about an hour at most, and
    # the hall does call it then.
    with hall.write() as tx:
        for business in "AAABBCDE":
            ops.issue_ticket(tx, business)
        ops.call_next(tx, 1)
        ops.call_next(tx, 4)
    new_c = run(hall, ops.issue_ticket, "C")
    assert new_c.told_minutes is not None and 30 < new_c.told_minutes < 90
    assert new_c.told_high is not None and new_c.told_high < 120
    run(hall, ops.start, 4)
    called = []
    for _ in range(2):  # counter 4: B001, B002 take 20 min each; more B keep coming
        clock.advance(minutes=20)
        run(hall, ops.complete, 4)
        run(hall, ops.issue_ticket, "B")
        called.append(run(hall, ops.call_next, 4).number)
        run(hall, ops.start, 4)
    assert called == ["B002", "C001"]  # C001 has waited 40 min: before B003 and B004


def test_a_burst_at_opening_does_not_starve_a_second_business(hall: Hall) -> None:
    # Four payment customers take numbers the minute the hall opens: counter 1 (A, E) has
    # them to serve first, but the burst is not a rate that goes on all day, so the E
    # customer is told a wait of the burst's length, not the play-out's horizon.
    for _ in range(4):
        run(hall, ops.issue_ticket, "A")
    e = run(hall, ops.issue_ticket, "E")
    assert e.told_minutes is not None and 0 < e.told_minutes < 120

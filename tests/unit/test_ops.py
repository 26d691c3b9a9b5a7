"""The ticket life cycle rules of docs/design.md, one by one, including every refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from db.errors import AuthFailed, HallError, NotFound, Refused
from db.rules import counters, ops, queries
from db.rules.ops import E, T
from db.store.session import Hall, ManualClock, Tx


def run(hall: Hall, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One step in its own write transaction, as an app's button push would run it."""
    with hall.write() as tx:
        return step(tx, *args, **kwargs)


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    """Everything a refused step must leave as it was."""
    with hall.read() as tx:
        tickets = tx.conn.execute(select(T).order_by(T.c.id)).all()
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
        desks = tx.conn.execute(select(ops.C).order_by(ops.C.c.number)).all()
    return tuple(tickets), events, tuple(desks)


def refused(hall: Hall, error: type[HallError], step: Callable[..., Any], *args: Any,
            **kwargs: Any) -> str:
    """Run a step that must be refused, and prove it changed nothing."""
    before = fingerprint(hall)
    with pytest.raises(error) as info:
        run(hall, step, *args, **kwargs)
    assert fingerprint(hall) == before
    message = str(info.value)
    assert message and "\n" not in message
    return message


def issue(hall: Hall, *businesses: str, **kwargs: Any) -> list[str]:
    return [run(hall, ops.issue_ticket, b, **kwargs).number for b in businesses]


def events_of(tx: Tx, kind: str) -> int:
    return int(tx.conn.execute(select(func.count()).where(E.c.kind == kind)).scalar_one())


# -- issuing ----------------------------------------------------------------------------


def test_numbers_count_per_prefix(hall: Hall) -> None:
    assert issue(hall, "A", "A", "B", "A") == ["A001", "A002", "B001", "A003"]


def test_numbering_restarts_each_business_day(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A")
    clock.advance(minutes=24 * 60)
    first = run(hall, ops.issue_ticket, "A")
    assert first.number == "A001"
    assert first.business_day.isoformat() == "2026-11-28"


def test_business_day_starts_at_configured_local_time(hall: Hall, clock: ManualClock) -> None:
    # 19:30 UTC is 03:30 next morning in Shanghai: still the day before a 04:00 day start.
    clock.advance(minutes=18.5 * 60)
    assert run(hall, ops.issue_ticket, "A").business_day.isoformat() == "2026-11-27"
    clock.advance(minutes=60)
    late = run(hall, ops.issue_ticket, "A")
    assert (late.number, late.business_day.isoformat()) == ("A001", "2026-11-28")


def test_issue_records_priority_account_and_one_event(hall: Hall) -> None:
    ticket = run(hall, ops.issue_ticket, "C", priority="elderly", account="0102030405")
    assert (ticket.status, ticket.priority, ticket.account) == ("waiting", "elderly", "0102030405")
    assert ticket.handler is None
    with hall.read() as tx:
        assert events_of(tx, "issue") == 1


def test_guide_issue_is_recorded_as_theirs(hall: Hall) -> None:
    assert run(hall, ops.issue_ticket, "D", issued_by="G01").issued_by == "G01"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"business": "Z"}, NotFound),
        ({"business": "A", "priority": "vip"}, NotFound),
        ({"business": "A", "account": "12 34; drop"}, Refused),
        ({"business": "A", "issued_by": "nobody"}, NotFound),
    ],
)
def test_bad_issue_changes_nothing(hall: Hall, kwargs: dict[str, Any], error: type) -> None:
    rest = dict(kwargs)  # the parameter is shared by the test's runs on each backend
    business = rest.pop("business")
    refused(hall, error, ops.issue_ticket, business, **rest)
    assert issue(hall, "A") == ["A001"]  # no number was used up by the refusal


# -- calling ----------------------------------------------------------------------------


def test_call_next_follows_profile_then_priority_then_age(hall: Hall, clock: ManualClock) -> None:
    # Counter 1 serves A then E.
    issue(hall, "E")
    clock.advance(minutes=1)
    issue(hall, "A")
    clock.advance(minutes=1)
    issue(hall, "A", priority="elderly")
    clock.advance(minutes=1)
    issue(hall, "A", priority="appointment")
    order = []
    for _ in range(4):
        ticket = run(hall, ops.call_next, 1)
        order.append(ticket.number)
        run(hall, ops.no_show, 1)
    assert order == ["A003", "A002", "A001", "E001"]


def test_a_customer_overdue_is_called_before_the_profile_order(
        hall: Hall, clock: ManualClock) -> None:
    # Counter 1 serves A then E: an E who has waited `overdue_minutes` (30) goes before the
    # A customers, the longest-waiting first whatever the priority; until then the profile.
    assert hall.config.overdue_minutes == 30
    issue(hall, "E")
    clock.advance(minutes=10)
    issue(hall, "E", priority="elderly")
    clock.advance(minutes=19)
    issue(hall, "A", "A")
    assert run(hall, ops.call_next, 1).number == "A001"  # E001 has waited 29 min
    run(hall, ops.no_show, 1)
    clock.advance(minutes=1)
    order = []
    for _ in range(3):
        order.append(run(hall, ops.call_next, 1).number)
        run(hall, ops.no_show, 1)
    assert order == ["E001", "A002", "E002"]  # E002 has waited 20 min: not yet overdue
    hall.config = replace(hall.config, overdue_minutes=0)  # off: the profile order only
    issue(hall, "E")
    clock.advance(minutes=60)
    issue(hall, "A")
    assert run(hall, ops.call_next, 1).number == "A003"


def test_first_caller_becomes_handler_and_keeps_it(hall: Hall) -> None:
    issue(hall, "A")
    called = run(hall, ops.call_next, 1)
    assert (called.status, called.counter, called.handler) == ("called", 1, "C01")
    run(hall, ops.start, 1)
    moved = run(hall, ops.transfer, 1, "B")
    assert (moved.status, moved.business, moved.handler, moved.counter) == (
        "waiting", "B", "C01", None)
    again = run(hall, ops.call_next, 4)  # C02's counter serves B first
    assert again.number == "A001" and again.handler == "C01" and again.counter == 4
    run(hall, ops.start, 4)
    done = run(hall, ops.complete, 4)
    assert done.handler == "C01"
    with hall.read() as tx:
        staff_of = dict(
            tx.conn.execute(select(E.c.kind, E.c.staff_id).where(E.c.kind.in_(["complete"])))
            .all()
        )
    assert staff_of["complete"] == "C02"  # the step is recorded as C02's, the matter C01's


def test_two_counters_never_get_the_same_ticket(hall: Hall) -> None:
    run(hall, counters.set_profile, 4, ["A"])
    issue(hall, "A")
    assert run(hall, ops.call_next, 1).number == "A001"
    refused(hall, ops.QueueEmpty, ops.call_next, 4)


def test_call_refusals(hall: Hall) -> None:
    issue(hall, "A", "A")
    refused(hall, NotFound, ops.call_next, 99)
    refused(hall, Refused, ops.call_next, 2)  # no one signed in
    run(hall, ops.call_next, 1)
    assert "still holds A001" in refused(hall, Refused, ops.call_next, 1)
    run(hall, ops.no_show, 1)
    run(hall, counters.set_state, 1, "paused")
    assert "paused" in refused(hall, Refused, ops.call_next, 1)
    refused(hall, ops.QueueEmpty, ops.call_next, 4)  # counter 4 does not serve A


def test_call_named_number(hall: Hall) -> None:
    issue(hall, "A", "A", "B")
    assert run(hall, ops.call_number, 1, "a2").number == "A002"
    run(hall, ops.start, 1)
    refused(hall, Refused, ops.call_number, 4, "A002")  # serving elsewhere
    refused(hall, NotFound, ops.call_number, 4, "A009")
    refused(hall, NotFound, ops.call_number, 4, "not-a-number")
    # A named call may reach outside the counter's profile (the clerk chose it).
    assert run(hall, ops.call_number, 4, "A001").counter == 4


def test_recall_is_counted(hall: Hall) -> None:
    issue(hall, "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.recall, 1)
    assert run(hall, ops.recall, 1).recalls == 2
    with hall.read() as tx:
        calls = queries.recent_calls(tx)
    assert [c.recall for c in calls] == [True, True, False]
    with hall.read() as tx:  # only what came after a given event (a display catching up)
        since_first = queries.recent_calls(tx, 100, after=calls[-1].event_id)
    assert [c.event_id for c in since_first] == [c.event_id for c in calls[:2]]
    run(hall, ops.start, 1)
    refused(hall, Refused, ops.recall, 1)  # only a called ticket is recalled


def test_auto_no_show_after_n_recalls(hall: Hall) -> None:
    hall.config = replace(hall.config, auto_no_show_after_recalls=2)
    issue(hall, "A", "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.recall, 1)
    assert run(hall, ops.recall, 1).status == "called"  # two recalls, as many as allowed
    with hall.read() as tx:
        before = events_of(tx, "recall"), events_of(tx, "no_show")
    missed = run(hall, ops.recall, 1)  # the third: a no-show by itself
    assert (missed.number, missed.status, missed.recalls) == ("A001", "no_show", 2)
    with hall.read() as tx:
        assert (events_of(tx, "recall"), events_of(tx, "no_show")) == (before[0],
                                                                        before[1] + 1)
        [event] = tx.conn.execute(select(E).where(E.c.kind == "no_show")).all()
    assert (event.counter_number, event.detail) == (1, {"auto": True, "recalls": 2})
    assert run(hall, ops.call_next, 1).number == "A002"  # the counter is free again
    assert run(hall, ops.requeue, "A001").status == "waiting"  # within the grace, as ever


def test_recall_without_limit_never_marks_no_show(hall: Hall) -> None:
    assert hall.config.auto_no_show_after_recalls == 0  # off unless configured
    issue(hall, "A")
    run(hall, ops.call_next, 1)
    for _ in range(5):
        assert run(hall, ops.recall, 1).status == "called"


def test_no_show_requeue_within_grace(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A")
    run(hall, ops.call_next, 1)
    assert run(hall, ops.no_show, 1).status == "no_show"
    clock.advance(minutes=29)
    back = run(hall, ops.requeue, "A001")
    assert back.status == "waiting"
    with hall.read() as tx:
        # Re-queued from now: the customer who kept their turn goes first.
        assert queries.ticket_info(tx, "A001").ahead == 1


def test_no_show_past_grace_cannot_return(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.no_show, 1)
    clock.advance(minutes=31)
    assert "grace" in refused(hall, Refused, ops.requeue, "A001")
    assert "grace" in refused(hall, Refused, ops.call_number, 1, "A001")


def test_named_call_of_no_show_within_grace(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.no_show, 1)
    clock.advance(minutes=5)
    assert run(hall, ops.call_number, 1, "A001").status == "called"


# -- serving ----------------------------------------------------------------------------


def test_stale_counter_cannot_complete_a_ticket_it_no_longer_holds(hall: Hall) -> None:
    issue(hall, "A", "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    run(hall, ops.transfer, 1, "B")  # A001 left counter 1
    run(hall, ops.call_next, 1)  # counter 1 now holds A002
    run(hall, ops.start, 1)
    # A client that still believes it holds A001 is refused, and A002 is untouched.
    assert "no longer holds A001" in refused(hall, Refused, ops.complete, 1, "A001")
    assert run(hall, ops.complete, 1, "A002").status == "done"


def test_steps_expect_their_state(hall: Hall) -> None:
    issue(hall, "A")
    refused(hall, Refused, ops.start, 1)  # holds nothing
    run(hall, ops.call_next, 1)
    assert "called, not serving" in refused(hall, Refused, ops.complete, 1)
    refused(hall, Refused, ops.refer, 1)  # not serving yet
    run(hall, ops.start, 1)
    refused(hall, Refused, ops.no_show, 1)  # already serving
    refused(hall, Refused, ops.transfer, 1, "A")  # same business
    refused(hall, NotFound, ops.transfer, 1, "Q")


def test_add_next_service_keeps_owner_and_counts(hall: Hall) -> None:
    issue(hall, "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    nxt = run(hall, ops.add_next_service, 1, "E")
    assert (nxt.status, nxt.business, nxt.origin_business, nxt.services) == ("waiting", "E", "A", 2)
    assert nxt.handler == "C01"


def test_next_service_to_its_own_business_is_refused(hall: Hall) -> None:
    issue(hall, "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    with pytest.raises(Refused) as refusal, hall.write() as tx:
        ops.add_next_service(tx, 1, "A")
    assert "\n" not in str(refusal.value)
    assert "a next service is another business" in str(refusal.value)
    assert refusal.value.zh == "A001 刚办理的就是缴费业务：续办须选择其他业务"
    with hall.read() as tx:  # nothing changed: still served at counter 1
        assert (queries.ticket_info(tx, "A001").status, events_of(tx, "next_service")) == (
            "serving", 0)


def test_transferred_customer_keeps_place_by_arrival(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A")
    clock.advance(minutes=5)
    issue(hall, "B")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    run(hall, ops.transfer, 1, "B")
    assert run(hall, ops.call_next, 4).number == "A001"  # ahead of B001, who came later


def test_referral_keeps_owner_and_frees_counter(hall: Hall) -> None:
    issue(hall, "A", "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    referred = run(hall, ops.refer, 1, "S01", note="meter check")
    assert (referred.status, referred.support, referred.counter) == ("with_support", "S01", None)
    assert run(hall, ops.call_next, 1).number == "A002"  # the counter goes on
    refused(hall, Refused, ops.refer, 1, "C02")  # C02 is not support
    assert "still with support" in refused(hall, Refused, ops.complete, 1, "A001")
    refused(hall, AuthFailed, ops.return_from_support, "A001", "C02")
    back = run(hall, ops.return_from_support, "A001", "S01", note="meter fine")
    assert (back.status, back.handler, back.note) == ("serving", "C01", "meter fine")
    with hall.read() as tx:
        assert [t.number for t in queries.open_matters(tx, "C01")] == ["A001"]
    # Only the handler closes it: C02 may not, C01 may even while holding another ticket.
    refused(hall, Refused, ops.complete, 4, "A001")
    assert run(hall, ops.complete, 1, "A001").status == "done"


def test_pool_referral_is_taken_by_support(hall: Hall) -> None:
    issue(hall, "B")
    run(hall, ops.call_next, 4)
    run(hall, ops.start, 4)
    run(hall, ops.refer, 4, None)
    with hall.read() as tx:
        assert [t.number for t in queries.support_queue(tx, "S01")] == ["B001"]
    assert run(hall, ops.take_referral, "B001", "S01").support == "S01"
    refused(hall, Refused, ops.take_referral, "B001", "S01")


def test_walk_in_makes_the_clerk_handler_at_once(hall: Hall) -> None:
    ticket = run(hall, ops.walk_in, 4, "F", account="88001")
    assert (ticket.number, ticket.status, ticket.handler, ticket.counter) == (
        "F001", "serving", "C02", 4)
    refused(hall, Refused, ops.walk_in, 4, "F")  # counter busy
    refused(hall, Refused, ops.walk_in, 2, "F")  # no one there
    assert issue(hall, "F") == ["F002"]  # walk-ins share the day's numbering


def test_cancel_is_for_the_leader_only(hall: Hall) -> None:
    issue(hall, "A", "A")
    refused(hall, AuthFailed, ops.cancel, "A001", "C01")
    assert run(hall, ops.cancel, "A001", "L01", reason="duplicate").status == "cancelled"
    run(hall, ops.call_next, 1)
    assert run(hall, ops.cancel, "A002", "L01").status == "cancelled"
    refused(hall, ops.QueueEmpty, ops.call_next, 1)  # the voided call freed the counter
    refused(hall, Refused, ops.cancel, "A001", "L01")


def test_rate_once_and_only_after_completion(hall: Hall) -> None:
    issue(hall, "A")
    refused(hall, Refused, ops.rate, "A001", 4)
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    run(hall, ops.complete, 1)
    refused(hall, Refused, ops.rate, "A001", 5)
    assert run(hall, ops.rate, "A001", 4).rating == 4
    assert "already" in refused(hall, Refused, ops.rate, "A001", 1)


def test_every_step_appends_exactly_one_event(hall: Hall) -> None:
    with hall.read() as tx:
        start = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    issue(hall, "A")
    for step in (ops.call_next, ops.recall, ops.start, ops.complete):
        run(hall, step, 1)
    run(hall, ops.rate, "A001", 3)
    with hall.read() as tx:
        kinds = [e.kind for e in queries.history(tx, "A001")]
        total = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    assert kinds == ["issue", "call", "recall", "start", "complete", "rate"]
    assert total - start == 6


def test_earlier_days_never_reach_todays_counters(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A", "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.no_show, 1)
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    clock.advance(minutes=24 * 60)
    assert issue(hall, "A") == ["A001"]
    # Yesterday's A003 is still waiting, but today's A001 is called.
    run(hall, ops.complete, 1)  # yesterday's customer at the counter is finished first
    today = run(hall, ops.call_next, 1)
    assert (today.number, today.business_day.isoformat()) == ("A001", "2026-11-28")
    with hall.read() as tx:
        assert queries.snapshot(tx).waiting["A"] == 0
    voided = run(hall, ops.expire_leftovers, staff="L01")
    assert sorted(t.number for t in voided) == ["A001", "A003"]  # yesterday's no-show and waiting
    assert {t.status for t in voided} == {"cancelled"}
    assert run(hall, ops.expire_leftovers) == []

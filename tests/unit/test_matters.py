"""A counter's sign-in sessions (never two live clients at one counter) and a handler's open
matters away from the counter: handed back by support (done, or with a question), set aside
waiting on the customer, referred again, resumed at the counter, closed away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from db.errors import Refused, SessionEnded
from db.rules import counters, evaluation, ops, queries, remedies
from db.rules.ops import E
from db.store.session import Hall, ManualClock
from db.store.views import MatterView
from tests.unit.test_ops import issue, refused, run

FRESH = dt.timedelta(minutes=5)


def client(hall: Hall, counter: int, staff: str) -> Hall:
    """A second process's view of the same database, signed in at `counter` as a counter
    client is (its session token kept by the hall)."""
    other = Hall(hall.engine, hall.config, hall.clock)
    with other.write() as tx:
        other.sessions[counter] = counters.sign_in(tx, counter, staff)
    return other


# -- sessions ------------------------------------------------------------------------------


def test_a_second_sign_in_ends_the_first_clients_session(hall: Hall) -> None:
    issue(hall, "A", "A")
    first = client(hall, 1, "C01")
    assert run(first, ops.call_next, 1).number == "A001"
    second = client(hall, 1, "C01")  # the same clerk, from a second client (or a restart)
    # Every step of the first client is refused now, the fast paths too, and changes nothing.
    steps: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (ops.start, (1, "A001")), (ops.recall, (1, "A001")), (ops.no_show, (1, "A001")),
        (ops.complete, (1, "A001")), (ops.call_number, (1, "A002")), (ops.walk_in, (1, "A")),
        (ops.refer, (1, None, "A001")), (ops.transfer, (1, "B", "A001")),
        (counters.set_state, (1, "paused")), (counters.sign_out, (1,))]
    for step, args in steps:
        message = refused(first, SessionEnded, step, *args)
        assert "sign in again" in message
    refused(first, SessionEnded, remedies.grant_at_counter, 1, "late_fee_waiver", 100, "x",
            "A001")
    # The new client goes on where the counter stands.
    assert run(second, ops.start, 1, "A001").status == "serving"
    run(second, ops.complete, 1, "A001")
    refused(first, SessionEnded, ops.call_next, 1)
    assert run(second, ops.call_next, 1).number == "A002"


def test_a_client_left_open_cannot_act_for_the_next_clerk(hall: Hall) -> None:
    issue(hall, "A")
    stale = client(hall, 1, "C01")
    run(hall, counters.sign_out, 1)  # C01 signed out from elsewhere (the CLI)
    run(hall, counters.sign_in, 1, "L01")
    refused(stale, SessionEnded, ops.call_next, 1)
    refused(stale, SessionEnded, counters.sign_out, 1)  # cannot sign L01 out either
    with hall.read() as tx:
        assert next(c for c in queries.counter_views(tx) if c.number == 1).staff == "L01"


def test_the_cli_holds_no_session_and_is_not_checked(hall: Hall) -> None:
    issue(hall, "A")
    client(hall, 1, "C01")
    assert run(hall, ops.call_next, 1).number == "A001"  # `hall call --counter 1` still works


def test_signing_in_again_keeps_a_paused_counter_paused(hall: Hall) -> None:
    run(hall, counters.set_state, 1, "paused")
    run(hall, counters.sign_in, 1, "C01")  # a restart of the paused clerk's client
    with hall.read() as tx:
        desk = next(c for c in queries.counter_views(tx) if c.number == 1)
        assert desk.state == "paused"
        again = tx.conn.execute(select(E.c.detail).where(E.c.kind == "sign_in")
                                .order_by(E.c.id.desc())).scalars().first()
    assert again == {"again": True}


# -- open matters ----------------------------------------------------------------------------


def _referred(hall: Hall, number: str = "A001") -> None:
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    run(hall, ops.refer, 1, "S01", note="请核对表计")
    assert queries_matters(hall)[0].ticket.number == number


def queries_matters(hall: Hall, staff: str = "C01") -> list[MatterView]:
    with hall.read() as tx:
        return queries.matters(tx, staff)


def test_each_stage_of_a_matter_with_what_was_said(hall: Hall, clock: ManualClock) -> None:
    issue(hall, "A", "A")
    _referred(hall)
    [m] = queries_matters(hall)
    assert (m.stage, m.note, m.by) == ("with_support", "请核对表计", "C01")
    clock.advance(minutes=5)
    run(hall, ops.return_from_support, "A001", "S01", note="户号对不上，请确认", outcome="question")
    [m] = queries_matters(hall)
    assert (m.stage, m.note, m.by) == ("question", "户号对不上，请确认", "S01")
    assert m.since == clock.now.astimezone(dt.UTC).replace(tzinfo=None)
    # The handler answers by referring it again, from wherever they are.
    run(hall, ops.call_next, 1)  # busy with A002 at the counter meanwhile
    again = run(hall, ops.refer, 1, "S01", "A001", note="户号是 3100001234")
    assert (again.status, again.counter) == ("with_support", None)
    with hall.read() as tx:
        held = ops.current_ticket(tx, 1)
    assert held is not None and held.number == "A002"  # the counter's own ticket stays
    [m] = queries_matters(hall)
    assert (m.stage, m.note) == ("with_support", "户号是 3100001234")
    run(hall, ops.return_from_support, "A001", "S01", note="已核对")
    [m] = queries_matters(hall)
    assert (m.stage, m.note) == ("returned", "已核对")


def test_a_matter_set_aside_waits_on_the_customer_and_resumes(hall: Hall) -> None:
    issue(hall, "B", "B")
    run(hall, ops.call_next, 4)
    run(hall, ops.start, 4)
    refused(hall, Refused, ops.set_aside, 4, "  ", "B001")  # what is missing must be said
    aside = run(hall, ops.set_aside, 4, "请带房产证原件", "B001")
    assert (aside.status, aside.counter, aside.handler) == ("serving", None, "C02")
    [m] = queries_matters(hall, "C02")
    assert (m.stage, m.note) == ("awaiting_customer", "请带房产证原件")
    assert run(hall, ops.call_next, 4).number == "B002"  # the counter goes on
    refused(hall, Refused, ops.resume, 4, "B001")  # still holding B002
    run(hall, ops.start, 4)
    run(hall, ops.complete, 4, "B002")
    assert "belongs to handler C02" in refused(hall, Refused, ops.resume, 1, "B001")
    back = run(hall, ops.resume, 4, "B001")
    assert (back.status, back.counter, back.handler) == ("serving", 4, "C02")
    assert queries_matters(hall, "C02") == []
    done = run(hall, ops.complete, 4, "B001", note="已受理")
    assert done.status == "done"
    with hall.read() as tx:  # completed at the counter: its evaluator offers it
        offered = evaluation.awaiting_rating(tx, 4, FRESH)
    assert offered is not None and offered.number == "B001"


def test_closing_a_matter_away_leaves_the_evaluator_to_the_customer_at_the_counter(
        hall: Hall) -> None:
    issue(hall, "A", "A")
    _referred(hall)
    run(hall, ops.return_from_support, "A001", "S01", note="已处理")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    run(hall, ops.complete, 1, "A002")  # the customer at the counter is asked to rate A002
    closed = run(hall, ops.complete, 1, "A001", note="已电话告知客户")
    assert (closed.status, closed.counter) == ("done", None)
    with hall.read() as tx:
        offered = evaluation.awaiting_rating(tx, 1, FRESH)
        detail, counter = tx.conn.execute(
            select(E.c.detail, E.c.counter_number).where(E.c.kind == "complete")
            .order_by(E.c.id.desc()).limit(1)).one()
    assert offered is not None and offered.number == "A002"
    assert (detail["away"], counter) == (True, None)
    # The customer rates A002 at the evaluator; A001 can be rated later (a follow-up call).
    with hall.write() as tx:
        evaluation.rate_at_counter(tx, 1, offered.id, 4)
    assert run(hall, ops.rate, "A001", 3).rating == 3


def test_a_matter_still_with_support_cannot_be_resumed_or_closed(hall: Hall) -> None:
    issue(hall, "A")
    _referred(hall)
    assert "still with support" in refused(hall, Refused, ops.resume, 1, "A001")
    assert "still with support" in refused(hall, Refused, ops.complete, 1, "A001")
    assert "still with support" in refused(hall, Refused, ops.refer, 1, None, "A001")


@pytest.mark.parametrize("step", ["resume", "refer", "complete"])
def test_only_the_handler_acts_on_their_matter(hall: Hall, step: str) -> None:
    issue(hall, "A")
    _referred(hall)
    run(hall, ops.return_from_support, "A001", "S01")
    calls: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
        "resume": (ops.resume, (4, "A001")), "refer": (ops.refer, (4, None, "A001")),
        "complete": (ops.complete, (4, "A001"))}
    call = calls[step]
    assert "belongs to handler C01" in refused(hall, Refused, call[0], *call[1])

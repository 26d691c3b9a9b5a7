"""Complaints to the duty leader (投诉): recording, and each outcome and correction, with
every refusal changing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from db.config import HallConfig
from db.errors import AuthFailed, HallError, NotFound, Refused
from db.rules import complaints, ops, queries, remedies
from db.rules.complaints import K
from db.rules.ops import E, T
from db.rules.remedies import R
from db.store.engine import create_database
from db.store.schema import alembic_config, current_revision, init_db
from db.store.session import Hall, ManualClock
from db.store.views import ComplaintView


def run(hall: Hall, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with hall.write() as tx:
        return step(tx, *args, **kwargs)


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    """Tickets, counters, remedies, complaints and the number of events."""
    with hall.read() as tx:
        rows = tuple(
            tuple(tx.conn.execute(select(table).order_by(*table.primary_key.columns)).all())
            for table in (T, ops.C, R, K)
        )
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    return rows, events


def refused(hall: Hall, error: type[HallError], step: Callable[..., Any], *args: Any,
            **kwargs: Any) -> HallError:
    before = fingerprint(hall)
    with pytest.raises(error) as info:
        run(hall, step, *args, **kwargs)
    assert fingerprint(hall) == before
    assert str(info.value) and "\n" not in str(info.value)
    assert info.value.zh
    return info.value


def last_event(hall: Hall) -> Any:
    with hall.read() as tx:
        return tx.conn.execute(select(E).order_by(E.c.id.desc()).limit(1)).one()


def serving(hall: Hall, counter: int = 1, business: str = "A") -> str:
    """A ticket issued, called and started at `counter`; its number."""
    number: str = run(hall, ops.issue_ticket, business).number
    run(hall, ops.call_next, counter)
    run(hall, ops.start, counter)
    return number


def done(hall: Hall) -> str:
    number = serving(hall)
    run(hall, ops.complete, 1)
    return number


def complain(hall: Hall, number: str, **kwargs: Any) -> ComplaintView:
    body = "态度不好，办理太慢"
    view: ComplaintView = run(hall, complaints.record_complaint, "L01", number, body, **kwargs)
    return view


# -- recording -------------------------------------------------------------------------------


def test_the_leader_records_a_complaint_against_the_ticket_and_its_handler(hall: Hall) -> None:
    number = done(hall)
    view = complain(hall, number, customer_name=" 赵  先生 ", customer_phone="138-0000-1234")
    assert (view.ticket, view.handler, view.status) == (number, "C01", "open")
    assert (view.customer_name, view.customer_phone) == ("赵 先生", "138-0000-1234")
    assert (view.recorded_by, view.outcome, view.correction) == ("L01", None, None)
    event = last_event(hall)
    assert (event.kind, event.staff_id, event.detail) == (
        "complaint", "L01", {"complaint": view.id, "handler": "C01"})
    with hall.read() as tx:
        assert complaints.open_complaints(tx) == [view]


def test_a_complaint_about_a_ticket_still_waiting_has_no_handler(hall: Hall) -> None:
    number = run(hall, ops.issue_ticket, "B").number
    assert complain(hall, number).handler is None


@pytest.mark.parametrize(("who", "body", "kwargs", "error", "says"), [
    ("C01", "太慢", {}, AuthFailed, "only a duty leader records a complaint"),
    ("L01", "   ", {}, Refused, "please write the complaint"),
    ("L01", "长" * 501, {}, Refused, "at most 500 characters"),
    ("L01", "太慢", {"customer_phone": "call me"}, Refused, "phone number"),
    ("L01", "太慢", {"customer_name": "名" * 41}, Refused, "name is at most 40"),
    ("L01", "太慢", {"number": "A999"}, NotFound, "no ticket A999"),
    ("ZZZ", "太慢", {}, NotFound, "unknown staff id"),
])
def test_recording_refusals_change_nothing(hall: Hall, who: str, body: str,
                                           kwargs: dict[str, Any], error: type[HallError],
                                           says: str) -> None:
    kwargs = dict(kwargs)  # the parameter is shared by the test's runs on each backend
    number = kwargs.pop("number", None) or done(hall)
    message = refused(hall, error, complaints.record_complaint, who, number, body, **kwargs)
    assert says in str(message)


def test_a_second_open_complaint_on_one_ticket_is_refused(hall: Hall) -> None:
    number = done(hall)
    first = complain(hall, number)
    error = refused(hall, Refused, complaints.record_complaint, "L01", number, "又来了")
    assert f"already has an open complaint (#{first.id})" in str(error)


# -- resolving: the outcome ------------------------------------------------------------------


def test_resolving_with_no_correction_records_the_outcome(hall: Hall, clock: ManualClock) -> None:
    view = complain(hall, done(hall))
    clock.advance(minutes=5)
    out = run(hall, complaints.resolve, view.id, "L01", "not_upheld", "已解释收费依据")
    assert (out.status, out.outcome, out.correction, out.resolution) == (
        "resolved", "not_upheld", "none", "已解释收费依据")
    assert out.resolved_by == "L01" and out.resolved_at == clock.now.replace(tzinfo=None)
    event = last_event(hall)
    assert (event.kind, event.staff_id) == ("complaint_resolve", "L01")
    assert event.detail["complaint"] == view.id and event.detail["outcome"] == "not_upheld"
    with hall.read() as tx:
        assert complaints.open_complaints(tx) == []


def test_a_resolved_complaint_cannot_be_resolved_again(hall: Hall) -> None:
    view = complain(hall, done(hall))
    run(hall, complaints.resolve, view.id, "L01", "upheld", "批评教育")
    error = refused(hall, Refused, complaints.resolve, view.id, "L01", "not_upheld", "改判")
    assert f"complaint #{view.id} is already resolved by L01" == str(error)


@pytest.mark.parametrize(("who", "args", "kwargs", "error", "says"), [
    ("C02", ("upheld", "x"), {}, AuthFailed, "only a duty leader resolves a complaint"),
    ("L01", ("maybe", "x"), {}, Refused, "upheld or not_upheld"),
    ("L01", ("upheld", "x"), {"correction": "fire"}, Refused, "a correction is one of"),
    ("L01", ("upheld", "  "), {}, Refused, "please write the reason"),
    ("L01", ("upheld", "x"), {"correction": "reassign"}, Refused, "names the new handler"),
    ("L01", ("upheld", "x"), {"correction": "remedy"}, Refused, "names the request"),
    ("L01", ("upheld", "x"), {"correction": "void", "to": "C02"}, Refused,
     "reassign or reopen only"),
    ("L01", ("upheld", "x"), {"remedy": 1}, Refused, "remedy correction only"),
])
def test_resolving_refusals_change_nothing(hall: Hall, who: str, args: tuple[str, str],
                                           kwargs: dict[str, Any], error: type[HallError],
                                           says: str) -> None:
    view = complain(hall, done(hall))
    assert says in str(refused(hall, error, complaints.resolve, view.id, who, *args, **kwargs))


def test_an_unknown_complaint_is_not_found(hall: Hall) -> None:
    assert "no complaint #9" in str(refused(hall, NotFound, complaints.complaint, 9))


# -- reassign ---------------------------------------------------------------------------------


def test_reassigning_a_ticket_at_the_counter_frees_it_for_the_new_handler(hall: Hall) -> None:
    number = serving(hall)
    view = complain(hall, number)
    out = run(hall, complaints.resolve, view.id, "L01", "upheld", "客户要求换人办理",
              correction="reassign", to="c02")
    assert (out.correction, out.new_handler, out.handler) == ("reassign", "C02", "C01")
    event = last_event(hall)
    assert (event.kind, event.staff_id, event.counter_number) == ("reassign", "L01", 1)
    assert (event.detail["from_handler"], event.detail["to_handler"]) == ("C01", "C02")
    with hall.read() as tx:
        ticket = queries.ticket_info(tx, number)
        assert (ticket.status, ticket.handler, ticket.counter) == ("serving", "C02", None)
        assert [t.number for t in queries.open_matters(tx, "C02")] == [number]
        assert ops.current_ticket(tx, 1) is None  # counter 1 calls its next customer
    closed = run(hall, ops.complete, 4, number)  # the new handler closes it at counter 4
    assert (closed.status, closed.handler) == ("done", "C02")


def test_reassigning_a_waiting_ticket_keeps_its_place(hall: Hall) -> None:
    number = serving(hall)
    run(hall, ops.transfer, 1, "B")
    view = complain(hall, number)
    run(hall, complaints.resolve, view.id, "L01", "upheld", "换人", correction="reassign",
        to="C03")
    with hall.read() as tx:
        ticket = queries.ticket_info(tx, number)
    assert (ticket.status, ticket.business, ticket.handler, ticket.ahead) == (
        "waiting", "B", "C03", 0)


@pytest.mark.parametrize(("to", "says"), [
    ("S01", "a handler is a clerk or a duty leader"),
    ("C01", "C01 is already the handler"),
    ("NOBODY", "unknown staff id"),
])
def test_reassigning_to_the_wrong_person_is_refused(hall: Hall, to: str, says: str) -> None:
    view = complain(hall, serving(hall))
    error = refused(hall, HallError, complaints.resolve, view.id, "L01", "upheld", "x",
                    correction="reassign", to=to)
    assert says in str(error)


def test_a_completed_or_unowned_ticket_is_not_reassigned(hall: Hall) -> None:
    view = complain(hall, done(hall))
    error = refused(hall, Refused, complaints.resolve, view.id, "L01", "upheld", "x",
                    correction="reassign", to="C02")
    assert "only an open matter is reassigned; reopen it" in str(error)
    waiting = complain(hall, run(hall, ops.issue_ticket, "A").number)
    error = refused(hall, Refused, complaints.resolve, waiting.id, "L01", "upheld", "x",
                    correction="reassign", to="C02")
    assert "has no handler yet" in str(error)


# -- reopen -----------------------------------------------------------------------------------


def test_reopening_puts_a_completed_ticket_among_its_handlers_open_matters(hall: Hall) -> None:
    number = done(hall)
    run(hall, ops.rate, number, 1)
    view = complain(hall, number)
    run(hall, complaints.resolve, view.id, "L01", "upheld", "未办妥，重新办理",
        correction="reopen")
    with hall.read() as tx:
        ticket = queries.ticket_info(tx, number)
        assert (ticket.status, ticket.counter, ticket.completed_at) == ("serving", None, None)
        assert [t.number for t in queries.open_matters(tx, "C01")] == [number]
    assert last_event(hall).kind == "reopen"
    again = run(hall, ops.complete, 1, number)
    assert (again.status, again.rating) == ("done", 1)


def test_reopening_to_another_handler_reassigns_in_the_same_step(hall: Hall) -> None:
    number = done(hall)
    view = complain(hall, number)
    out = run(hall, complaints.resolve, view.id, "L01", "upheld", "换人重办",
              correction="reopen", to="C02")
    assert out.new_handler == "C02"
    event = last_event(hall)
    assert (event.kind, event.detail["from_handler"], event.detail["to_handler"]) == (
        "reopen", "C01", "C02")
    with hall.read() as tx:
        assert [t.number for t in queries.open_matters(tx, "C02")] == [number]


def test_only_a_completed_ticket_is_reopened(hall: Hall) -> None:
    view = complain(hall, serving(hall))
    error = refused(hall, Refused, complaints.resolve, view.id, "L01", "upheld", "x",
                    correction="reopen")
    assert "only a completed ticket is reopened" in str(error)


# -- void -------------------------------------------------------------------------------------


def test_voiding_a_waiting_ticket_cancels_it(hall: Hall) -> None:
    number = run(hall, ops.issue_ticket, "A").number
    view = complain(hall, number)
    run(hall, complaints.resolve, view.id, "L01", "not_upheld", "重复取号", correction="void")
    with hall.read() as tx:
        assert queries.ticket_info(tx, number).status == "cancelled"
    event = last_event(hall)
    assert (event.kind, event.staff_id, event.detail["complaint"]) == ("cancel", "L01", view.id)


@pytest.mark.parametrize("make", [serving, done])
def test_a_matter_served_or_done_is_not_voided(hall: Hall, make: Callable[[Hall], str]) -> None:
    view = complain(hall, make(hall))
    error = refused(hall, Refused, complaints.resolve, view.id, "L01", "upheld", "x",
                    correction="void")
    assert "only a ticket waiting, called or missed is voided" in str(error)


# -- remedy -----------------------------------------------------------------------------------


def pending_remedy(hall: Hall, number: str) -> int:
    view = run(hall, remedies.grant, number, "C01", "late_fee_waiver", 50_000, "系统故障导致")
    assert view.status == "pending"
    return int(view.id)


def test_approving_a_pending_remedy_as_the_correction(hall: Hall) -> None:
    number = serving(hall)
    remedy_id = pending_remedy(hall, number)
    view = complain(hall, number)
    out = run(hall, complaints.resolve, view.id, "L01", "upheld", "同意减免",
              correction="remedy", remedy=remedy_id)
    assert (out.correction, out.remedy_id) == ("remedy", remedy_id)
    with hall.read() as tx:
        decided = remedies.remedy(tx, remedy_id)
        assert remedies.pending_requests(tx) == []
    assert (decided.status, decided.decided_by, decided.decision_reason) == (
        "approved", "L01", "同意减免")
    event = last_event(hall)
    assert (event.kind, event.detail["remedy"], event.detail["complaint"]) == (
        "remedy_approve", remedy_id, view.id)


def test_a_remedy_of_another_ticket_or_already_decided_is_refused(hall: Hall) -> None:
    first = serving(hall)
    remedy_id = pending_remedy(hall, first)
    run(hall, ops.complete, 1)
    second = serving(hall)
    view = complain(hall, second)
    error = refused(hall, NotFound, complaints.resolve, view.id, "L01", "upheld", "x",
                    correction="remedy", remedy=remedy_id)
    assert f"{second} has no remedy request #{remedy_id}" in str(error)
    run(hall, remedies.refuse, remedy_id, "L01", "超出范围")
    other = complain(hall, first)
    error = refused(hall, Refused, complaints.resolve, other.id, "L01", "upheld", "x",
                    correction="remedy", remedy=remedy_id)
    assert "is refused, not pending" in str(error)


# -- figures and the schema -------------------------------------------------------------------


def test_upheld_complaints_count_per_handler(hall: Hall) -> None:
    for outcome in ("upheld", "upheld", "not_upheld"):
        view = complain(hall, done(hall))
        run(hall, complaints.resolve, view.id, "L01", outcome, "x")
    day = dt.date(2026, 11, 27)
    with hall.read() as tx:
        assert complaints.upheld_by_handler(tx, day, day) == {"C01": 2}
        assert complaints.upheld_by_handler(tx, day + dt.timedelta(1), day + dt.timedelta(9)) == {}
        assert len(complaints.day_complaints(tx)) == 3


def test_upgrade_from_0004_adds_complaints_and_keeps_tickets(
    db_url: str, config: HallConfig, clock: ManualClock
) -> None:
    create_database(db_url)  # as init does: nothing else creates a database
    hall = Hall.open(db_url, config, clock)
    cfg = alembic_config(hall.engine)
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    with hall.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO business_types VALUES ('A', '缴费', 'Bill payment', 4)")
        conn.exec_driver_sql(
            "INSERT INTO tickets (business_day, number, business, origin_business, priority, "
            "priority_rank, status, issued_at, queued_at, recalls, services) VALUES "
            "('2026-11-27', 'A001', 'A', 'A', 'normal', 9, 'waiting', "
            "'2026-11-27 01:00:00', '2026-11-27 01:00:00', 0, 1)")
        assert "complaints" not in inspect(conn).get_table_names()
    init_db(hall)
    assert current_revision(hall.engine) != "0004"
    with hall.engine.connect() as conn:
        assert "complaints" in inspect(conn).get_table_names()
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with hall.engine.connect() as conn:
        assert "complaints" not in inspect(conn).get_table_names()
        assert conn.exec_driver_sql("SELECT number FROM tickets").scalar() == "A001"
    hall.dispose()

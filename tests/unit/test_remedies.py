"""Remedies within authority (授权): every rule and every refusal; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from db.config import HallConfig
from db.errors import AuthFailed, HallError, NotFound, Refused
from db.rules import ops, queries, remedies
from db.rules.ops import E
from db.rules.remedies import R
from db.store.engine import create_database
from db.store.schema import alembic_config, current_revision, head_revision, init_db
from db.store.session import Hall, ManualClock
from tests.unit.test_ops import fingerprint as ticket_fingerprint
from tests.unit.test_ops import issue, run


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    """Tickets, events, counters and remedies: what a refused step must leave as it was."""
    with hall.read() as tx:
        rows = tx.conn.execute(select(R).order_by(R.c.id)).all()
    return ticket_fingerprint(hall), tuple(rows)


def refused(hall: Hall, error: type[HallError], step: Any, *args: Any, **kwargs: Any) -> str:
    """Run a step that must be refused, prove it changed nothing, return its one line."""
    before = fingerprint(hall)
    with pytest.raises(error) as info:
        run(hall, step, *args, **kwargs)
    assert fingerprint(hall) == before
    message = str(info.value)
    assert message and "\n" not in message
    return message


def serving(hall: Hall, counter: int = 1, business: str = "A") -> str:
    """A ticket called and started at `counter` (C01 at 1, C02 at 4): its number."""
    (number,) = issue(hall, business)
    run(hall, ops.call_number, counter, number)
    run(hall, ops.start, counter)
    return number


def kinds(hall: Hall) -> list[str]:
    with hall.read() as tx:
        return list(tx.conn.execute(
            select(E.c.kind).where(E.c.kind.like("remedy_%")).order_by(E.c.id)).scalars())


# -- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fen"), [
    ("50", 5000), ("12.5", 1250), ("12.50", 1250), ("0", 0), ("¥30", 3000), ("1,200", 120000),
    (" 0.01 ", 1), ("１２", 1200), ("1000000", 100_000_000),
])
def test_amounts_are_yuan_kept_as_whole_fen(text: str, fen: int) -> None:
    assert remedies.parse_amount(text) == fen


@pytest.mark.parametrize("text", ["-5", "12.345", "abc", "", "nan", "inf", "1e4", "12.",
                                  "1000000.01"])
def test_bad_amounts_are_one_line_errors(text: str) -> None:
    with pytest.raises(Refused) as info:
        remedies.parse_amount(text)
    assert "\n" not in str(info.value) and info.value.zh


# -- granting ---------------------------------------------------------------------------------


def test_within_authority_the_handler_grants_at_once(hall: Hall) -> None:
    number = serving(hall)
    view = run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 15050, " 系统  故障 ",
               number)
    assert (view.ticket, view.status, view.requested_by, view.amount) == (
        number, "granted", "C01", "150.50")
    assert view.reason == "系统 故障"
    assert view.decided_by is None
    assert kinds(hall) == ["remedy_grant"]
    with hall.read() as tx:
        assert remedies.ticket_remedies(tx, view.ticket_id) == [view]
        event = queries.events(tx, kind="remedy_grant")[0]
    assert (event.ticket, event.staff, event.counter) == (number, "C01", 1)
    assert event.detail == {"remedy": view.id, "remedy_kind": "late_fee_waiver",
                            "amount_fen": 15050, "reason": "系统 故障"}


def test_exactly_the_limit_is_within_authority(hall: Hall) -> None:
    serving(hall)
    assert run(hall, remedies.grant_at_counter, 1, "compensation", 20000, "r").status == "granted"


def test_above_the_limit_the_request_waits_for_the_duty_leader(hall: Hall) -> None:
    number = serving(hall)
    view = run(hall, remedies.grant_at_counter, 1, "compensation", 20001, "停电损失")
    assert view.status == "pending"
    assert kinds(hall) == ["remedy_request"]
    with hall.read() as tx:
        assert [p.id for p in remedies.pending_requests(tx)] == [view.id]
        assert remedies.pending_requests(tx)[0].ticket == number


def test_own_grants_on_one_ticket_count_together(hall: Hall) -> None:
    serving(hall)
    first = run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 15000, "a")
    second = run(hall, remedies.grant_at_counter, 1, "compensation", 15000, "b")
    assert (first.status, second.status) == ("granted", "pending")
    third = run(hall, remedies.grant_at_counter, 1, "home_visit", 5000, "c")
    assert third.status == "granted"  # 150 + 50 = 200: the limit, not above it


def test_a_service_without_money_is_granted(hall: Hall) -> None:
    serving(hall)
    assert run(hall, remedies.grant_at_counter, 1, "home_visit", 0, "上门抄表").status == "granted"


def test_the_handler_grants_by_number_on_a_completed_ticket(hall: Hall) -> None:
    number = serving(hall)
    run(hall, ops.complete, 1, number)
    view = run(hall, remedies.grant, number, "C01", "late_fee_waiver", 1000, "事后核实")
    assert (view.status, view.ticket) == ("granted", number)


def test_the_handler_grants_on_a_ticket_with_support(hall: Hall) -> None:
    number = serving(hall)
    run(hall, ops.refer, 1, None, number)
    assert run(hall, remedies.grant, number, "C01", "expedite", 0, "加急").status == "granted"


def test_a_duty_leader_grants_on_any_ticket_without_a_limit(hall: Hall) -> None:
    number = serving(hall)
    view = run(hall, remedies.grant, number, "L01", "compensation", 5_000_00, "投诉纠正")
    assert (view.status, view.requested_by) == ("granted", "L01")


def test_only_the_handler_or_a_leader_grants(hall: Hall) -> None:
    number = serving(hall)
    message = refused(hall, AuthFailed, remedies.grant, number, "C02", "compensation", 100, "r")
    assert message == (f"only the handler of {number} (C01) or a duty leader grants a remedy "
                       "on it")


def test_a_transferred_ticket_stays_its_handlers_to_grant_on(hall: Hall) -> None:
    number = serving(hall)
    run(hall, ops.transfer, 1, "B", number)
    run(hall, ops.call_number, 4, number)
    run(hall, ops.start, 4)
    # C02 serves it now, but C01 is its first-responsible handler.
    refused(hall, AuthFailed, remedies.grant_at_counter, 4, "compensation", 100, "r")
    assert run(hall, remedies.grant, number, "C01", "compensation", 100, "r").status == "granted"


@pytest.mark.parametrize("step", ["waiting", "called", "no_show", "cancelled"])
def test_no_remedy_on_a_ticket_not_being_handled(hall: Hall, step: str) -> None:
    (number,) = issue(hall, "A")
    if step in ("called", "no_show"):
        run(hall, ops.call_number, 1, number)
    if step == "no_show":
        run(hall, ops.no_show, 1)
    if step == "cancelled":
        run(hall, ops.cancel, number, "L01")
    message = refused(hall, Refused, remedies.grant, number, "L01", "compensation", 100, "r")
    assert message.startswith(f"{number} is {step}: a remedy is granted on a ticket being")


def test_refusals_of_a_grant(hall: Hall) -> None:
    number = serving(hall)
    assert "unknown remedy kind 'gift'" in refused(
        hall, NotFound, remedies.grant_at_counter, 1, "gift", 100, "r")
    assert refused(hall, Refused, remedies.grant_at_counter, 1, "compensation", 100, "  ") == (
        "a remedy needs a reason")
    assert "0 to 1000000.00 yuan" in refused(
        hall, Refused, remedies.grant_at_counter, 1, "compensation", -1, "r")
    assert "at most 500" in refused(
        hall, Refused, remedies.grant_at_counter, 1, "compensation", 1, "x" * 501)
    assert "unknown staff id 'X99'" in refused(
        hall, NotFound, remedies.grant, number, "X99", "compensation", 1, "r")
    assert "no ticket A099" in refused(
        hall, NotFound, remedies.grant, "A99", "C01", "compensation", 1, "r")
    assert "not a ticket number" in refused(
        hall, NotFound, remedies.grant, "??", "C01", "compensation", 1, "r")


def test_refusals_at_the_counter(hall: Hall) -> None:
    assert refused(hall, Refused, remedies.grant_at_counter, 1, "compensation", 1, "r") == (
        "counter 1 holds no ticket")
    assert refused(hall, Refused, remedies.grant_at_counter, 2, "compensation", 1, "r") == (
        "no one is signed in at counter 2")
    assert "unknown counter 99" in refused(
        hall, NotFound, remedies.grant_at_counter, 99, "compensation", 1, "r")
    serving(hall)
    assert refused(hall, Refused, remedies.grant_at_counter, 1, "compensation", 1, "r",
                   "A007") == "counter 1 no longer holds A007 (it holds A001)"


def test_a_called_customer_gets_no_remedy_yet(hall: Hall) -> None:
    (number,) = issue(hall, "A")
    run(hall, ops.call_number, 1, number)
    assert "is called" in refused(
        hall, Refused, remedies.grant_at_counter, 1, "compensation", 1, "r")


def test_a_second_request_of_a_kind_while_one_is_pending_is_refused(hall: Hall) -> None:
    number = serving(hall)
    first = run(hall, remedies.grant_at_counter, 1, "compensation", 50000, "r")
    message = refused(hall, Refused, remedies.grant_at_counter, 1, "compensation", 60000, "r")
    assert message == (f"{number} already has a compensation request pending the duty "
                       f"leader (#{first.id})")
    # Another kind is another matter.
    assert run(hall, remedies.grant_at_counter, 1, "home_visit", 0, "r").status == "granted"


# -- the duty leader's decision -------------------------------------------------------------------


def pending(hall: Hall, amount: int = 50000) -> int:
    serving(hall)
    return int(run(hall, remedies.grant_at_counter, 1, "compensation", amount, "停电损失").id)


def test_the_leader_approves_a_request(hall: Hall, clock: ManualClock) -> None:
    remedy_id = pending(hall)
    clock.advance(minutes=3)
    view = run(hall, remedies.approve, remedy_id, "L01", "情况属实")
    assert (view.status, view.decided_by, view.decision_reason) == ("approved", "L01", "情况属实")
    assert view.decided_at is not None and view.decided_at > view.requested_at
    assert kinds(hall) == ["remedy_request", "remedy_approve"]
    with hall.read() as tx:
        assert remedies.pending_requests(tx) == []
        assert queries.events(tx, kind="remedy_approve")[0].detail == {
            "remedy": remedy_id, "reason": "情况属实"}


def test_approval_needs_no_reason(hall: Hall) -> None:
    view = run(hall, remedies.approve, pending(hall), "L01")
    assert (view.status, view.decision_reason) == ("approved", None)


def test_the_leader_refuses_a_request_with_a_reason(hall: Hall) -> None:
    remedy_id = pending(hall)
    assert refused(hall, Refused, remedies.refuse, remedy_id, "L01", " ") == (
        "a refusal needs a reason for the handler")
    view = run(hall, remedies.refuse, remedy_id, "L01", "不属于供电责任")
    assert (view.status, view.decision_reason) == ("refused", "不属于供电责任")
    assert kinds(hall) == ["remedy_request", "remedy_refuse"]


def test_only_a_leader_decides(hall: Hall) -> None:
    remedy_id = pending(hall)
    for who in ("C01", "C02", "S01"):
        assert refused(hall, AuthFailed, remedies.approve, remedy_id, who) == (
            f"only a duty leader approves or refuses a remedy; {who} is not one")
        refused(hall, AuthFailed, remedies.refuse, remedy_id, who, "r")
    refused(hall, NotFound, remedies.approve, remedy_id, "X99")


def test_a_decided_request_cannot_be_decided_again(hall: Hall) -> None:
    remedy_id = pending(hall)
    run(hall, remedies.approve, remedy_id, "L01")
    assert refused(hall, Refused, remedies.approve, remedy_id, "L01") == (
        f"remedy #{remedy_id} is already approved by L01")
    assert refused(hall, Refused, remedies.refuse, remedy_id, "L01", "r") == (
        f"remedy #{remedy_id} is already approved by L01")


def test_a_grant_within_authority_is_not_for_the_leader(hall: Hall) -> None:
    serving(hall)
    view = run(hall, remedies.grant_at_counter, 1, "compensation", 100, "r")
    message = refused(hall, Refused, remedies.approve, view.id, "L01")
    assert "granted within authority, so there is nothing" in message


def test_an_unknown_remedy(hall: Hall) -> None:
    assert refused(hall, NotFound, remedies.approve, 99, "L01") == "there is no remedy #99"


def test_a_refused_request_may_be_asked_again(hall: Hall) -> None:
    remedy_id = pending(hall)
    run(hall, remedies.refuse, remedy_id, "L01", "金额过高")
    assert run(hall, remedies.grant_at_counter, 1, "compensation", 30000, "r").status == "pending"


def test_approved_amounts_do_not_use_up_the_handlers_own_authority(hall: Hall) -> None:
    run(hall, remedies.approve, pending(hall), "L01")
    assert run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 20000, "r").status == (
        "granted")


# -- reading --------------------------------------------------------------------------------------


def test_a_staff_members_remedies_of_a_day(hall: Hall, clock: ManualClock) -> None:
    serving(hall)
    run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 100, "r")
    serving(hall, counter=4, business="B")
    run(hall, remedies.grant_at_counter, 4, "home_visit", 0, "r")
    with hall.read() as tx:
        assert [v.kind for v in remedies.staff_remedies(tx, "C01")] == ["late_fee_waiver"]
        assert [v.requested_by for v in remedies.day_remedies(tx)] == ["C01", "C02"]
    clock.advance(minutes=24 * 60)
    with hall.read() as tx:
        assert remedies.staff_remedies(tx, "C01") == []
        assert len(remedies.staff_remedies(tx, "C01", tx.day.replace(day=27))) == 1


def test_remedies_to_json_carry_yuan_as_text(hall: Hall) -> None:
    serving(hall)
    view = run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 1205, "r")
    data = view.to_json()
    assert (data["amount_fen"], data["amount_yuan"], data["ticket"]) == (1205, "12.05", "A001")
    assert data["requested_at"].endswith("+00:00")


def test_remedy_rows_are_checked_by_the_database(hall: Hall) -> None:
    serving(hall)
    view = run(hall, remedies.grant_at_counter, 1, "late_fee_waiver", 100, "r")
    from sqlalchemy import exc, update

    for values in ({"status": "maybe"}, {"amount_fen": -1}):
        with pytest.raises(exc.IntegrityError), hall.write() as tx:
            tx.conn.execute(update(R).where(R.c.id == view.id).values(**values))
    with hall.read() as tx:
        assert tx.conn.execute(select(func.count()).select_from(R)).scalar_one() == 1


# -- the migration ------------------------------------------------------------------------------


def _migrate(hall: Hall, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config(hall.engine)
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_upgrade_from_0002_keeps_history_and_adds_remedies(
    db_url: str, config: HallConfig, clock: ManualClock
) -> None:
    create_database(db_url)  # as init does: nothing else creates a database
    hall = Hall.open(db_url, config, clock)
    _migrate(hall, "0002")
    with hall.engine.begin() as conn:  # a hall's day on the 0002 schema, in its own SQL
        conn.exec_driver_sql("INSERT INTO business_types VALUES ('A', '缴费', 'Bill payment', 4)")
        conn.exec_driver_sql(
            "INSERT INTO tickets (business_day, number, business, origin_business, priority, "
            "priority_rank, status, issued_at, queued_at, recalls, services) VALUES "
            "('2026-11-26', 'A001', 'A', 'A', 'normal', 9, 'done', "
            "'2026-11-26 01:00:00', '2026-11-26 01:00:00', 0, 1)")
    assert init_db(hall) == head_revision(hall.engine)
    with hall.read() as tx:
        old = ops.ticket_row(tx, "A001", dt.date(2026, 11, 26))
        assert (old.number, old.status) == ("A001", "done")
        assert remedies.ticket_remedies(tx, old.id) == []
        assert remedies.pending_requests(tx) == []
    hall.dispose()


def test_downgrade_to_0002_drops_only_the_remedies(hall: Hall) -> None:
    serving(hall)
    run(hall, remedies.grant_at_counter, 1, "compensation", 100, "r")
    _migrate(hall, "0002", down=True)
    with hall.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert "remedies" not in tables and {"tickets", "events", "feedback"} <= tables
    assert current_revision(hall.engine) == "0002"
    assert init_db(hall) == head_revision(hall.engine)

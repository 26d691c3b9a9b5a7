"""`audit verify` beyond the chain: SQLite's own check of the file, and every ticket, counter,
remedy and complaint replayed from its events, naming the first row that is not what its
events say."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from db.config import HallConfig
from db.figures import simulation as sim
from db.rules import complaints, counters, ops, remedies
from db.store import audit
from db.store.engine import make_engine
from db.store.schema import init_db
from db.store.session import Hall, ManualClock
from tests.unit.test_simulation import small


def verify(hall: Hall) -> audit.AuditResult:
    hall.seal()  # as `hall audit verify`: PostgreSQL's sealer may still be at work
    with hall.read() as tx:
        return audit.verify(tx.conn)


def busy_morning(hall: Hall, clock: ManualClock) -> None:
    """Every kind of step a ticket takes, on several tickets (C01 at counter 1, A and E;
    C02 at counter 4, B, F and C)."""
    with hall.write() as tx:
        for business in ("A", "A", "A", "A", "A", "B"):
            ops.issue_ticket(tx, business)
        ops.call_next(tx, 1)  # A001: referred, back, resumed, set aside
        ops.recall(tx, 1)
        ops.start(tx, 1)
        ops.refer(tx, 1, note="勘查")
        ops.take_referral(tx, "A001", "S01")
        ops.return_from_support(tx, "A001", "S01")
        ops.resume(tx, 1, "A001")
        ops.set_aside(tx, 1, "房产证")
        ops.call_next(tx, 1)  # A002: missed, requeued
        ops.no_show(tx, 1)
        ops.requeue(tx, "A002")
        ops.call_next(tx, 1)  # A003: transferred to B, done at counter 4
        ops.start(tx, 1)
        ops.transfer(tx, 1, "B")
        ops.call_next(tx, 4)
        ops.start(tx, 4)
        ops.complete(tx, 4)
        ops.call_number(tx, 1, "A004")  # A004: a next service, done, rated, reopened
        ops.start(tx, 1)
        ops.add_next_service(tx, 1, "E")
        ops.call_number(tx, 1, "A004")
        ops.start(tx, 1)
        ops.complete(tx, 1)
        ops.rate(tx, "A004", 4)
        ops.cancel(tx, "A005", "L01")
        walked = ops.walk_in(tx, 1, "A")  # served on: remedies granted, asked, refused
        complaint = complaints.record_complaint(tx, "L01", "A004", "太慢")
        complaints.resolve(tx, complaint.id, "L01", "upheld", "属实", correction="reopen",
                           to="C03")
        again = complaints.record_complaint(tx, "L01", "A001", "没人管")
        complaints.resolve(tx, again.id, "L01", "upheld", "属实", correction="reassign",
                           to="C03")
        counters.set_state(tx, 4, "paused")
        counters.sign_in(tx, 4, "C02")  # again, from a second client: stays paused
        counters.sign_in(tx, 2, "C03")
        counters.set_state(tx, 2, "closed")
        counters.sign_in(tx, 3, "L01")
        counters.sign_out(tx, 3)
        remedies.grant_at_counter(tx, 1, "late_fee_waiver", 100, "系统故障")
        asked = remedies.grant_at_counter(tx, 1, "compensation", 90_000, "停电损失")
        remedies.refuse(tx, asked.id, "L01", "超出标准")
        again_asked = remedies.grant_at_counter(tx, 1, "compensation", 80_000, "停电损失")
        third = complaints.record_complaint(tx, "L01", walked.number, "等太久")
        complaints.resolve(tx, third.id, "L01", "upheld", "属实", correction="remedy",
                           remedy=again_asked.id)
        complaints.record_complaint(tx, "L01", "A003", "态度差", customer_phone="13800000000")


def test_a_hall_as_its_steps_left_it_passes(hall: Hall, clock: ManualClock) -> None:
    busy_morning(hall, clock)
    result = verify(hall)
    assert result.ok, result.problem
    assert result.tickets == 7
    sqlite = hall.engine.dialect.name == "sqlite"  # the server checks its own pages
    assert result.integrity == "ok" if sqlite else result.integrity.startswith("not checked")
    with hall.read() as tx:
        counted = sum(tx.conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                      for table in ("counters", "remedies", "complaints"))
    assert result.rows == counted > 4 + 3
    with hall.read() as tx:  # the full check of the file (every index against its table)
        assert audit.verify(tx.conn, full=True).integrity == result.integrity


def test_the_quick_pass_writes_every_canonical_text_itself(
    hall: Hall, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On an intact log the pass's own canonical text matches every hash: nothing is sent to
    # the slow diagnosis (Chinese details, events without a ticket, staff or counter).
    busy_morning(hall, clock)

    def slow(*args: object) -> None:
        raise AssertionError(f"sent to diagnosis: {args[1:]}")

    monkeypatch.setattr(audit, "_diagnose_at", slow)
    result = verify(hall)
    assert result.ok and result.events > 50


def test_a_simulated_day_passes(tmp_path: Path, config: HallConfig) -> None:
    scenario = small(config)
    made = sim.simulation_config(config, scenario)
    hall = Hall(make_engine(f"sqlite:///{tmp_path / 'sim.db'}", synchronous="OFF"), made,
                sim.clock_for(made, scenario))
    init_db(hall)
    sim.run_day(hall, scenario)
    result = verify(hall)
    assert result.ok, result.problem
    assert result.tickets > 50
    hall.dispose()


@pytest.mark.parametrize(("edit", "column"), [
    ("UPDATE tickets SET handler_id = 'C02' WHERE number = 'A001'", "handler_id"),
    ("UPDATE tickets SET status = 'waiting' WHERE number = 'A004'", "status"),
    ("UPDATE tickets SET counter_number = 2 WHERE number = 'A004'", "counter_number"),
    ("UPDATE tickets SET business = 'C' WHERE number = 'A001'", "business"),
])
def test_an_edited_ticket_row_is_named(
    hall: Hall, clock: ManualClock, edit: str, column: str
) -> None:
    busy_morning(hall, clock)
    number = edit.split("number = '")[1][:4]
    with hall.engine.begin() as conn:  # the raw file: only the log has triggers
        conn.execute(text(edit))
    result = verify(hall)
    assert not result.ok and result.problem is not None
    assert result.problem.kind == "row"
    assert f"ticket {number} of 2026-11-27" in result.problem.message
    assert f"{column} is" in result.problem.message
    assert "\n" not in result.problem.message and result.problem.message_zh


@pytest.mark.parametrize(("edit", "named", "said"), [
    ("UPDATE counters SET state = 'open' WHERE number = 2", "counter 2 ", "state is 'open'"),
    ("UPDATE counters SET staff_id = 'G01', state = 'open' WHERE number = 3", "counter 3 ",
     "state is 'open'"),
    ("UPDATE counters SET staff_id = 'G01' WHERE number = 4", "counter 4 ", "staff_id is"),
    ("UPDATE remedies SET amount_fen = 1 WHERE id = 1", "remedy #1 ", "amount_fen is 1,"),
    ("UPDATE remedies SET status = 'approved', decided_by = 'L01' WHERE id = 2", "remedy #2 ",
     "status is 'approved'"),
    ("UPDATE remedies SET requested_by = 'C02' WHERE id = 3", "remedy #3 ", "requested_by"),
    ("UPDATE complaints SET handler_id = 'C02' WHERE id = 1", "complaint #1 ", "handler_id"),
    ("UPDATE complaints SET status = 'resolved' WHERE id = 4", "complaint #4 ",
     "status is 'resolved'"),
    ("UPDATE complaints SET correction = 'none' WHERE id = 3", "complaint #3 ", "correction"),
    ("DELETE FROM complaints WHERE id = 4", "complaint #4 ", "has no row"),
    ("INSERT INTO remedies (ticket_id, business_day, kind, amount_fen, reason, status, "
     "requested_by, requested_at) VALUES (1, '2026-11-27', 'compensation', 50000, 'x', "
     "'granted', 'C01', '2026-11-27 02:00:00')", "remedy #4 ", "no events"),
])
def test_an_edited_counter_remedy_or_complaint_is_named(
    hall: Hall, clock: ManualClock, edit: str, named: str, said: str
) -> None:
    busy_morning(hall, clock)
    assert verify(hall).ok
    with hall.engine.begin() as conn:  # the references not checked, as by hand
        off = ("PRAGMA foreign_keys = OFF" if hall.engine.dialect.name == "sqlite"
               else "SET LOCAL session_replication_role = replica")
        conn.execute(text(off))
        conn.execute(text(edit))
    result = verify(hall)
    assert not result.ok and result.problem is not None
    assert result.problem.kind == "row"
    assert result.problem.message.startswith(named), result.problem.message
    assert said in result.problem.message
    assert "\n" not in result.problem.message and result.problem.message_zh


def test_a_ticket_with_a_step_replayed_alone_is_checked_in_full(
    hall: Hall, clock: ManualClock
) -> None:
    # A004's reopen (a complaint's correction) is not in the summary in SQL: it is replayed.
    busy_morning(hall, clock)
    result = verify(hall)
    assert result.ok, result.problem
    assert result.tickets == 7
    with hall.engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET handler_id = 'C01' WHERE number = 'A004'"))
    problem = verify(hall).problem
    assert problem is not None and "ticket A004" in problem.message
    assert "handler_id is 'C01', its events say 'C03'" in problem.message


def test_a_ticket_without_events_is_named(hall: Hall) -> None:
    with hall.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tickets (business_day, number, business, origin_business, priority, "
            "priority_rank, status, issued_at, queued_at, recalls, services) VALUES "
            "('2026-11-27', 'A999', 'A', 'A', 'normal', 9, 'waiting', "
            "'2026-11-27 01:00:00', '2026-11-27 01:00:00', 0, 1)"))
    problem = verify(hall).problem
    assert problem is not None and "A999" in problem.message and "no events" in problem.message


@pytest.mark.sqlite_only("a damaged page of SQLite's file")
def test_a_zeroed_page_fails_the_file_check(
    hall: Hall, clock: ManualClock, tmp_path: Path, config: HallConfig
) -> None:
    with hall.write() as tx:
        for _ in range(300):  # enough rows for the tables to span many pages
            ops.issue_ticket(tx, "A", account="5100123")
    hall.dispose()
    path = Path(str(hall.engine.url.database))
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    # The tickets table's root page: the schema (page 1) stays readable, so the file opens.
    root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets'").fetchone()[0]
    raw.close()
    damaged = tmp_path / "damaged.db"
    shutil.copyfile(path, damaged)
    data = bytearray(damaged.read_bytes())
    assert len(data) // page_size > 8 and root > 1
    page = root - 1
    data[page * page_size:(page + 1) * page_size] = bytes(page_size)
    damaged.write_bytes(bytes(data))
    broken = Hall.open(f"sqlite:///{damaged}", config, clock)
    with broken.engine.connect().execution_options(hall_read_only=True) as conn:
        result = audit.verify(conn)
    assert not result.ok and result.problem is not None
    assert result.problem.kind == "damaged" and result.integrity != "ok"
    assert result.problem.message.startswith("the database file is damaged: ")
    # Through the hall (as `hall audit verify` reads), the damage is one line too: the
    # file's check (run beside the read of the log) names it.
    with broken.read() as tx:
        through = audit.verify(tx.conn)
    assert through.problem is not None and through.problem.kind == "damaged"
    broken.dispose()


def test_the_summary_in_sql_vouches_only_for_what_the_replay_says() -> None:
    """Random step sequences: where the summary in SQL (`audit._TICKETS_SQL`) matches a row,
    `TicketReplay` matches it too (so nothing the replay would refuse passes), and for every
    ticket with no step replayed alone it matches exactly the rows the replay matches."""
    import json
    import random

    from db.rules.handler import SETS

    rng = random.Random(18)
    kinds = sorted({*audit._STATUS, *SETS, *audit._REPLAYED_ALONE, "rate", "take",
                    "support_note"})
    details = [None, "{}", '{"business":"B"}', '{"business":null}', '{"business":"E","n":1}',
               '{"to_business":"C"}', '{"to_handler":"C09"}']
    raw = sqlite3.connect(":memory:")
    raw.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, ticket_id INTEGER, kind TEXT, "
                "staff_id TEXT, counter_number INTEGER, detail TEXT)")
    raw.execute("CREATE INDEX ix_events_ticket_id ON events (ticket_id)")
    raw.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, status TEXT, business TEXT, "
                "counter_number INTEGER, handler_id TEXT, number TEXT)")
    replays: dict[int, audit.TicketReplay] = {}
    # First the cases a summary could get wrong: a call by no one named ("") before C01's
    # (the replay's handler is C01), a second issue naming no business, a reopen's handler.
    Step = tuple[str, str | None, int | None, str | None]
    fixed: list[tuple[list[Step], dict[int, str]]] = [
        ([("call", "", 1, None), ("call", "C01", 1, None)], {3: ""}),
        ([("issue", None, None, '{"business":"B"}'), ("issue", None, None, "{}")],
         {1: "A"}),
        ([("call", "C01", 1, None), ("reopen", "L01", None, '{"to_handler":"C09"}')],
         {3: "C01"})]
    for ticket in range(1, 3001):
        replay = replays[ticket] = audit.TicketReplay(business="A")
        steps, edits = fixed[ticket - 1] if ticket <= len(fixed) else ([], {})
        for index in range(len(steps) if steps else rng.randint(1, 6)):
            any_kind = rng.random() < 0.3  # most tickets have no step replayed alone
            kind = rng.choice([k for k in kinds if any_kind or k not in audit._REPLAYED_ALONE])
            staff = rng.choice([None, "C01", "C02", ""])
            counter = rng.choice([None, 1, 2])
            detail = rng.choice(details)
            if steps:
                kind, staff, counter, detail = steps[index]
            raw.execute("INSERT INTO events (ticket_id, kind, staff_id, counter_number, detail) "
                        "VALUES (?, ?, ?, ?, ?)", (ticket, kind, staff, counter, detail))
            replay.step(kind, staff, counter, json.loads(detail) if detail else None)
        row = [replay.status, replay.business or "A", replay.counter_number, replay.handler_id]
        for column, value in edits.items():  # the rows a wrong summary would vouch for
            row[column] = value
        if not edits and rng.random() < 0.5:  # a row edited by hand
            column = rng.randrange(4)
            row[column] = rng.choice([None, "waiting", "done", "A", "B", 1, 2, "C01", "C02", ""])
        raw.execute("INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?)", (ticket, *row, "A001"))
    flagged: set[int] = set()
    assert audit.summary_differs(raw, flagged) == 3000
    for ticket, replay in replays.items():
        status, business, counter, handler, alone = raw.execute(
            "SELECT t.status, t.business, t.counter_number, t.handler_id, EXISTS (SELECT 1 "
            f"FROM events WHERE ticket_id = t.id AND (kind IN {audit._in(audit._REPLAYED_ALONE)}"
            " OR (kind IN ('call', 'walk_in') AND staff_id = ''))) FROM tickets t WHERE t.id = ?",
            (ticket,)).fetchone()
        matches = (replay.status, replay.business or "A", replay.counter_number,
                   replay.handler_id) == (status, business, counter, handler)
        if ticket not in flagged:
            assert matches, ticket
        if ticket <= len(fixed):
            assert ticket in flagged and not matches
        if not alone:
            assert (ticket not in flagged) == matches, ticket
    assert 500 < len(flagged) < 2900

"""The sealed event log: verify finds exactly the event an attacker with the raw file edited,
inserted or deleted."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from db import audit, ops
from db.config import HallConfig
from db.errors import Refused
from db.schema import alembic_config, init_db
from db.session import Hall, ManualClock


def day_of_work(hall: Hall, clock: ManualClock, tickets: int = 4) -> None:
    for _ in range(tickets):
        clock.advance(minutes=1)
        with hall.write() as tx:
            ops.issue_ticket(tx, "A")
    clock.advance(minutes=1)
    with hall.write() as tx:
        ops.call_next(tx, 1)
    clock.advance(minutes=1)
    with hall.write() as tx:
        ops.start(tx, 1)
    clock.advance(minutes=1)
    with hall.write() as tx:
        ops.complete(tx, 1)


def seal(hall: Hall) -> audit.AuditResult:
    with hall.write() as tx:
        return audit.seal(tx.conn, tx.now)


def verify(hall: Hall) -> audit.AuditResult:
    with hall.read() as tx:
        return audit.verify(tx.conn)


@pytest.fixture
def sealed(hall: Hall, clock: ManualClock) -> Hall:
    """A hall whose events (sign-ins, six tickets' steps) are all sealed."""
    day_of_work(hall, clock)
    result = seal(hall)
    assert result.ok and result.unsealed == 0 and result.sealed >= 7
    return hall


@pytest.fixture
def raw(sealed: Hall, db_url: str) -> Iterator[sqlite3.Connection]:
    """The attacker: the database file opened with plain sqlite3, triggers dropped."""
    sealed.dispose()
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    for name in ("events_no_update", "events_no_delete", "event_seals_no_update",
                 "event_seals_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    yield conn
    conn.close()


def test_a_fresh_seal_verifies_and_tells_the_head(sealed: Hall) -> None:
    result = verify(sealed)
    assert result.ok and result.problem is None
    assert result.head_id == result.sealed and result.head_hash is not None
    assert len(result.head_hash) == 64


def test_sealing_again_seals_only_the_new_events(sealed: Hall, clock: ManualClock) -> None:
    before = verify(sealed)
    day_of_work(sealed, clock, tickets=2)
    assert verify(sealed).unsealed == 5  # two issues, a call, a start, a completion
    after = seal(sealed)
    assert after.ok and after.sealed == before.sealed + 5 and after.unsealed == 0
    assert seal(sealed).head_hash == after.head_hash


def test_an_edited_event_is_found(sealed: Hall, raw: sqlite3.Connection) -> None:
    raw.execute("UPDATE events SET staff_id = 'C02' WHERE id = 5")
    problem = verify(sealed).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("edited", 5)


def test_an_edited_detail_is_found(sealed: Hall, raw: sqlite3.Connection) -> None:
    last = raw.execute("SELECT max(id) FROM events WHERE detail IS NOT NULL").fetchone()[0]
    raw.execute("UPDATE events SET detail = json_set(detail, '$.number', 'A999') WHERE id = ?",
                (last,))
    problem = verify(sealed).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("edited", last)


def test_a_deleted_event_is_found(sealed: Hall, raw: sqlite3.Connection) -> None:
    raw.execute("DELETE FROM events WHERE id = 4")
    problem = verify(sealed).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("deleted", 4)


def test_a_deleted_event_and_its_seal_are_found(sealed: Hall, raw: sqlite3.Connection) -> None:
    raw.execute("DELETE FROM events WHERE id = 4")
    raw.execute("DELETE FROM event_seals WHERE event_id = 4")
    problem = verify(sealed).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("deleted", 4)


def test_an_event_inserted_into_the_history_is_found(
    sealed: Hall, raw: sqlite3.Connection
) -> None:
    # Make room at id 5 by moving every later event up one, then slip a rating in.
    raw.execute("UPDATE events SET id = id + 1000000 WHERE id >= 5")
    raw.execute("UPDATE events SET id = id - 999999 WHERE id >= 1000000")
    raw.execute("INSERT INTO events (id, at, business_day, kind, ticket_id, detail) "
                "SELECT 5, at, business_day, 'rate', ticket_id, '{\"score\": 4}' "
                "FROM events WHERE id = 4")
    problem = verify(sealed).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("inserted", 5)


def test_an_event_backdated_after_the_seal_is_found(
    sealed: Hall, raw: sqlite3.Connection
) -> None:
    raw.execute("INSERT INTO events (at, business_day, kind, ticket_id, detail) "
                "SELECT datetime(at, '-1 hour'), business_day, 'rate', ticket_id, "
                "'{\"score\": 4}' FROM events WHERE id = 3")
    new = raw.execute("SELECT max(id) FROM events").fetchone()[0]
    problem = verify(sealed).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("inserted", new)


def test_a_tampered_log_is_never_sealed(sealed: Hall, raw: sqlite3.Connection) -> None:
    raw.execute("UPDATE events SET kind = 'complete' WHERE id = 6")
    before = raw.execute("SELECT count(*) FROM event_seals").fetchone()[0]
    with pytest.raises(Refused, match="event 6 was edited"):
        seal(sealed)
    assert raw.execute("SELECT count(*) FROM event_seals").fetchone()[0] == before


def test_the_seals_are_append_only(sealed: Hall) -> None:
    from sqlalchemy import exc, text

    for statement in ("UPDATE event_seals SET hash = 'x'", "DELETE FROM event_seals"):
        with pytest.raises(exc.DatabaseError, match="append-only"), sealed.write() as tx:
            tx.conn.execute(text(statement))


def test_the_migration_seals_the_history_it_finds(
    tmp_path: Path, config: HallConfig, clock: ManualClock
) -> None:
    hall = Hall.open(f"sqlite:///{tmp_path / 'old.db'}", config, clock)
    cfg = alembic_config(hall.engine)
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with hall.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO business_types VALUES ('A', '缴费', 'Bill payment', 4)")
        for minute in range(3):
            conn.exec_driver_sql(
                "INSERT INTO events (at, business_day, kind, detail) VALUES "
                f"('2026-11-26 01:0{minute}:00', '2026-11-26', 'open', NULL)")
    init_db(hall)
    result = verify(hall)
    assert result.ok and (result.sealed, result.unsealed) == (3, 0)
    with hall.read() as tx:
        assert tx.conn.execute(select(func.count()).select_from(audit.SEALS)).scalar() == 3
    hall.dispose()


def test_the_canonical_text_covers_every_field() -> None:
    class Row:
        id, kind, at = 7, "call", dt.datetime(2026, 11, 27, 1, 2, 3)
        business_day = dt.date(2026, 11, 27)
        ticket_id, staff_id, counter_number, detail = 3, "C01", 1, {"b": 1, "a": "叫"}

    assert audit.canonical(Row) == (
        '[7,"2026-11-27 01:02:03","2026-11-27","call",3,"C01",1,{"a":"叫","b":1}]'
    )
    assert audit.link(audit.GENESIS, Row) != audit.link("1" * 64, Row)


def quick_seal(hall: Hall) -> audit.AuditResult:
    with hall.write() as tx:
        return audit.seal(tx.conn, tx.now, thorough=False)


def test_the_day_close_seal_checks_only_the_head_and_the_new_events(
    sealed: Hall, clock: ManualClock, db_url: str
) -> None:
    day_of_work(sealed, clock, tickets=1)
    result = quick_seal(sealed)
    assert result.ok and result.unsealed == 0
    assert verify(sealed).head_hash == result.head_hash
    sealed.dispose()
    raw = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("UPDATE events SET kind = 'cancel' WHERE id = 3")  # deep in the history
    raw.close()
    day_of_work(sealed, clock, tickets=1)
    assert quick_seal(sealed).unsealed == 0  # the quick seal does not walk the history...
    problem = verify(sealed).problem  # ...the full verification still finds it
    assert problem is not None and (problem.kind, problem.event_id) == ("edited", 3)


def test_the_day_close_seal_refuses_an_edited_head(sealed: Hall, raw: sqlite3.Connection) -> None:
    head = raw.execute("SELECT max(event_id) FROM event_seals").fetchone()[0]
    raw.execute("UPDATE events SET kind = 'cancel' WHERE id = ?", (head,))
    with pytest.raises(Refused, match=f"event {head} was edited"):
        quick_seal(sealed)
    raw.execute("DELETE FROM events WHERE id = ?", (head,))
    with pytest.raises(Refused, match=f"event {head} was sealed and is gone"):
        quick_seal(sealed)


def test_the_day_close_seal_refuses_a_backdated_event(
    sealed: Hall, raw: sqlite3.Connection
) -> None:
    raw.execute("INSERT INTO events (at, business_day, kind) "
                "SELECT datetime(at, '-2 hours'), business_day, 'rate' FROM events WHERE id = 2")
    with pytest.raises(Refused, match="dated before the sealed history"):
        quick_seal(sealed)

"""The database set-up: migrations, SQLite settings and the append-only event log."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from alembic import command
from sqlalchemy import exc, func, select, text

from db.config import HallConfig
from db.rules import ops
from db.store.engine import create_database
from db.store.schema import alembic_config, current_revision, head_revision, init_db
from db.store.session import Hall, ManualClock
from tests.unit.test_ops import fingerprint, issue


def test_init_is_idempotent_and_keeps_history(hall: Hall) -> None:
    issue(hall, "A", "B")
    before = fingerprint(hall)
    assert init_db(hall) == head_revision(hall.engine)
    assert init_db(hall) == head_revision(hall.engine)
    assert fingerprint(hall) == before
    assert issue(hall, "A") == ["A002"]


def test_new_database_is_at_the_newest_revision(empty_hall: Hall) -> None:
    assert current_revision(empty_hall.engine) == head_revision(empty_hall.engine) is not None


@pytest.mark.sqlite_only("SQLite's pragmas")
def test_sqlite_settings(hall: Hall) -> None:
    with hall.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 30_000}


@pytest.mark.sqlite_only("SQLite's BEGIN IMMEDIATE lock")
def test_write_transactions_take_the_lock_up_front(hall: Hall, db_url: str) -> None:
    other = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    # BEGIN IMMEDIATE: the write lock is held before the first statement.
    with hall.write(), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    with hall.read():
        other.execute("BEGIN IMMEDIATE")  # a reader never blocks a writer
        other.execute("ROLLBACK")
    other.close()


def test_event_log_is_append_only(hall: Hall) -> None:
    issue(hall, "A")
    for statement in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
        with pytest.raises(exc.DatabaseError, match="append-only"), hall.write() as tx:
            tx.conn.execute(text(statement))
    with hall.read() as tx:
        assert tx.conn.execute(select(func.count()).select_from(ops.E)).scalar_one() > 0


def test_numbers_are_unique_in_the_database(hall: Hall) -> None:
    issue(hall, "A")
    with pytest.raises(exc.IntegrityError), hall.write() as tx:
        tx.conn.execute(text(
            "INSERT INTO tickets (business_day, number, business, origin_business, priority, "
            "priority_rank, status, issued_at, queued_at, recalls, services) "
            "SELECT business_day, number, business, origin_business, priority, priority_rank, "
            "status, issued_at, queued_at, 0, 1 FROM tickets"
        ))


def test_one_current_ticket_per_counter_in_the_database(hall: Hall) -> None:
    issue(hall, "A", "A")
    with hall.write() as tx:
        ops.call_next(tx, 1)
    with pytest.raises(exc.IntegrityError), hall.write() as tx:
        tx.conn.execute(text("UPDATE tickets SET status='called', counter_number=1 "
                             "WHERE number='A002'"))


def test_upgrade_from_the_first_revision_keeps_history(
    db_url: str, config: HallConfig, clock: ManualClock
) -> None:
    create_database(db_url)  # as init does: nothing else creates a database
    hall = Hall.open(db_url, config, clock)
    cfg = alembic_config(hall.engine)
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with hall.engine.begin() as conn:  # a hall's day on the first schema, in its own SQL
        conn.exec_driver_sql(
            "INSERT INTO business_types VALUES ('A', '缴费', 'Bill payment', 4)")
        conn.exec_driver_sql(
            "INSERT INTO tickets (business_day, number, business, origin_business, priority, "
            "priority_rank, status, issued_at, queued_at, recalls, services) VALUES "
            "('2026-11-26', 'A001', 'A', 'A', 'normal', 9, 'waiting', "
            "'2026-11-26 01:00:00', '2026-11-26 01:00:00', 0, 1)")
    assert init_db(hall) == head_revision(hall.engine) != "0001"
    with hall.read() as tx:
        old = ops.ticket_row(tx, "A001", dt.date(2026, 11, 26))
    assert (old.number, old.status, old.directed_to) == ("A001", "waiting", None)
    hall.dispose()


def test_an_event_without_details_stores_null(hall: Hall) -> None:
    issue(hall, "A")
    with hall.write() as tx:
        ops.call_next(tx, 1)
    with hall.read() as tx:
        nulls = tx.conn.execute(text("SELECT count(*) FROM events WHERE detail IS NULL")).scalar()
    assert nulls and nulls >= 1  # the call carries no details

"""Engine set-up: every dialect-specific setting of the project lives in this module.

SQLite is the embedded default. Its settings follow from two promises: a number given out
survives a power cut (WAL with `synchronous=FULL`), and two processes never see a write
half-done or race on a claim (`BEGIN IMMEDIATE` for every write transaction, so the write
lock is taken up front and a busy writer waits instead of failing on upgrade).
"""

from __future__ import annotations

import json
import os
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Select, Table, create_engine, event, exc
from sqlalchemy.engine import Connection

BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another process's write lock before giving up."""

READ_ONLY = "hall_read_only"
"""Execution option: open the transaction with a plain (deferred) BEGIN: a consistent read."""


def default_db_url() -> str:
    """`$HALL_DB`, else a SQLite file in the platform's user data directory."""
    url = os.environ.get("HALL_DB")
    if url:
        return url
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("onestop-hall", appauthor=False))
    return f"sqlite:///{folder / 'hall.db'}"


def make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    """An engine for `url`, with the project's settings for its dialect."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, synchronous)
    return _server_engine(url)


CHAIN_LOCK = 0x4841_4C4C
"""PostgreSQL advisory lock every write transaction takes first: events are chained one
after another (`db.store.audit`), so writers append in turn, as SQLite's BEGIN IMMEDIATE makes
them. Taken at the start, never mid-way, so that it cannot deadlock with a row lock."""


def _server_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(READ_ONLY) or options.get("isolation_level") == "AUTOCOMMIT":
            return
        # Straight to the driver (psycopg opens its transaction on this first statement):
        # a statement through `conn` here would begin the transaction being begun.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
        cursor.close()

    return engine


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    _ensure_folder(url)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite: we emit BEGIN ourselves below.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        # Straight to the driver: this runs before every write, under the hall's write
        # lock, and SQLAlchemy's execution path would cost more than SQLite's BEGIN.
        begin = "BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE"
        try:
            conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]
        except sqlite3.Error as error:  # as SQLAlchemy would have raised it ("locked", ...)
            raise exc.DBAPIError.instance(begin, None, error, sqlite3.Error) from error

    return engine


def _ensure_folder(url: str) -> None:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine speaks to SQLite (claims then rely on BEGIN IMMEDIATE)."""
    return engine.dialect.name == "sqlite"


def chain_head(conn: Connection) -> tuple[int, str | None] | None:
    """The id and hash of the newest event (None on an empty log), read under the write
    lock by every event appended (`db.rules.ops.log`)."""
    query = "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1"
    if conn.dialect.name == "sqlite":  # straight to the driver: it runs on every step
        row = conn.connection.driver_connection.execute(query).fetchone()  # type: ignore[union-attr]
    else:
        row = conn.exec_driver_sql(query).first()
    return (row[0], row[1]) if row is not None else None


EVENT_COLUMNS = ("id", "at", "business_day", "kind", "ticket_id", "staff_id", "counter_number",
                 "detail", "prev_hash", "hash")
"""What `append_event` writes: every column of the log."""
_SQLITE_APPEND = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")


def append_event(conn: Connection, values: dict[str, Any]) -> None:
    """Insert one event row (`values` keyed by `EVENT_COLUMNS`). On SQLite straight to the
    driver, in the forms SQLAlchemy's types store and read back (a timestamp with six
    decimals, an ISO date, JSON text): every step appends an event, and SQLAlchemy's
    statement execution cost more than SQLite's insert."""
    if conn.dialect.name != "sqlite":
        conn.execute(_insert_event(), values)
        return
    at, detail = values["at"], values["detail"]
    row = (values["id"], f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond:06d}",
           values["business_day"].isoformat(), values["kind"], values["ticket_id"],
           values["staff_id"], values["counter_number"],
           json.dumps(detail) if detail is not None else None, values["prev_hash"],
           values["hash"])
    try:
        conn.connection.driver_connection.execute(_SQLITE_APPEND, row)  # type: ignore[union-attr]
    except sqlite3.Error as error:  # as SQLAlchemy would have raised it
        raise exc.DBAPIError.instance(_SQLITE_APPEND, row, error, sqlite3.Error) from error


@lru_cache(maxsize=1)
def _insert_event() -> Any:
    # Built once: the INSERT of `append_event` on a database server.
    from sqlalchemy import insert

    from db.store.models import Event

    return insert(cast(Table, Event.__table__))


def next_sequence(conn: Connection, day: object, prefix: str) -> int:
    """Take the next number of `prefix` on `day`: one atomic upsert on the per-day counter."""
    params = {"business_day": day, "prefix": prefix, "last_seq": 1}
    return int(conn.execute(_sequence_upsert(conn.dialect.name), params).scalar_one())


@lru_cache(maxsize=4)
def _sequence_upsert(dialect: str) -> Any:
    # Built once per dialect: statement building would cost more than SQLite's own work.
    from db.store.models import DaySequence

    table = cast(Table, DaySequence.__table__)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    return (
        insert(table)
        .on_conflict_do_update(
            index_elements=["business_day", "prefix"], set_={"last_seq": table.c.last_seq + 1}
        )
        .returning(table.c.last_seq)
    )


def lock_candidate(dialect: str, query: Select[Any]) -> Select[Any]:
    """The candidate row of a claim: SQLite already holds the write lock (BEGIN IMMEDIATE);
    elsewhere skip rows another transaction is claiming."""
    if dialect == "sqlite":
        return query
    return query.with_for_update(skip_locked=True)


def seconds_between(dialect: str, start: Any, end: Any) -> Any:
    """The SQL expression for the seconds from `start` to `end` (two timestamp columns), so
    that a sum or a mean of durations is computed by the database, not row by row here."""
    from sqlalchemy import extract, func

    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return extract("epoch", end - start)

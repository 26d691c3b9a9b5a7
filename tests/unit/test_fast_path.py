"""The hot steps' statements sent straight to SQLite's driver (`db.store.engine.first_returned`)
store and return exactly what SQLAlchemy's execution of the same statements does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from dataclasses import FrozenInstanceError, fields, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from db.config import HallConfig
from db.rules import ops
from db.rules.ops import E, T
from db.store.session import Hall, ManualClock
from db.store.views import TicketView


def through_sqlalchemy(conn: Connection, stmt: Any,
                       params: dict[str, Any]) -> Mapping[str, Any] | None:
    """`first_returned` the long way: SQLAlchemy's own execution of the statement."""
    row = conn.execute(stmt, params).first()
    return None if row is None else dict(row._mapping)


@pytest.fixture
def twin(hall: Hall, db_url: str, tmp_path: Path, config: HallConfig,
         clock: ManualClock) -> Iterator[Hall]:
    """A second hall on a copy of `hall`'s database (copied before anything was written),
    on the same clock."""
    copy = tmp_path / "twin.db"
    shutil.copyfile(db_url.removeprefix("sqlite:///"), copy)
    other = Hall.open(f"sqlite:///{copy}", config, clock)
    yield other
    other.dispose()


def play(hall: Hall, clock: ManualClock) -> list[Any]:
    """Issue, claim, free, claim again, serve and complete: every hot step on the counter."""
    views: list[Any] = []
    for business, priority in (("A", "normal"), ("A", "elderly"), ("E", "normal")):
        with hall.write() as tx:
            ops.issue_ticket(tx, business, priority=priority)
        clock.advance(seconds=7.123457)
    # Whole seconds too: a time without microseconds is where stored texts could differ.
    clock.now = clock.now.replace(microsecond=0)
    for k, step in enumerate((ops.call_next, ops.no_show, ops.call_next, ops.start,
                              ops.complete, ops.call_next, ops.recall)):
        clock.advance(seconds=2.250001 if k % 2 else 3)
        with hall.write() as tx:
            views.append(step(tx, 1))
    return views


def everything(hall: Hall) -> tuple[list[Any], list[Any], list[Any]]:
    """Every ticket and event as read back, and every ticket as stored (the raw texts)."""
    with hall.read() as tx:
        tickets = [tuple(r) for r in tx.conn.execute(select(T).order_by(T.c.id))]
        events = [tuple(r) for r in tx.conn.execute(select(E).order_by(E.c.id))]
        stored = [tuple(r) for r in tx.conn.exec_driver_sql("SELECT * FROM tickets ORDER BY id")]
    return tickets, events, stored


@pytest.mark.sqlite_only("the sqlite3 driver fast path")
def test_driver_path_stores_and_returns_what_sqlalchemy_does(
    hall: Hall, twin: Hall, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.now
    fast = play(hall, clock)
    clock.now = start
    with monkeypatch.context() as patch:
        patch.setattr(ops, "first_returned", through_sqlalchemy)
        slow = play(twin, clock)
    assert fast == slow  # the views returned, every field (times, dates, ids)
    fast_rows, slow_rows = everything(hall), everything(twin)
    assert fast_rows == slow_rows  # every column of every ticket and event, hashes included
    tickets, events, _ = fast_rows
    assert any(t[T.c.keys().index("called_at")] is not None for t in tickets)
    assert [e[E.c.keys().index("kind")] for e in events][-7:] == [
        "call", "no_show", "call", "start", "complete", "call", "recall"]


@pytest.mark.sqlite_only("the sqlite3 driver fast path")
def test_driver_path_claim_reads_back_as_the_long_path_claim(
    hall: Hall, twin: Hall, clock: ManualClock
) -> None:
    """call_next (the one guarded UPDATE on the driver) and call_number (a SELECT, then the
    guarded transition through SQLAlchemy) claiming the same ticket at the same clock store
    the same row, column by column."""
    for h in (hall, twin):
        with h.write() as tx:
            ops.issue_ticket(tx, "A")
    clock.advance(minutes=2, seconds=0.5)
    with hall.write() as tx:
        by_next = ops.call_next(tx, 1)
    with twin.write() as tx:
        by_number = ops.call_number(tx, 1, "A001")
    assert by_next == by_number
    assert everything(hall)[::2] == everything(twin)[::2]


def test_view_built_from_values_is_the_dataclass(hall: Hall) -> None:
    """TicketView.from_mapping fills the frozen fields directly: every field is there, and
    it equals the view the generated __init__ makes from the same values."""
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    with hall.write() as tx:
        view = ops.call_next(tx, 1)
    assert set(vars(view)) == {f.name for f in fields(TicketView)}
    assert replace(view) == view  # through __init__, with every field taken from the view
    assert (view.counter, view.last_counter, view.handler, view.ahead) == (1, 1, "C01", None)
    with pytest.raises(FrozenInstanceError):
        view.status = "done"  # type: ignore[misc]

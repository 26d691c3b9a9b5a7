"""The same core on PostgreSQL: the migrations, the life cycle, the append-only log and the
watcher. (Counters racing for one queue, where claims use FOR UPDATE SKIP LOCKED, and kiosks
racing to check an appointment in are the `[pg]` halves of test_multiprocess.py and
test_appointments.py.)

On the worker's throw-away cluster (initdb + pg_ctl, as a non-root user, on a Unix socket in a
temporary folder: `pg` in tests/conftest.py); the tests skip when the server binaries or the
driver are missing. The rest of the suite runs on PostgreSQL too (its `[pg]` half); these are
the tests of what only PostgreSQL has.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db.errors import Refused
from db.rules import counters, ops, queries, staff
from db.rules.ops import E
from db.store import audit
from db.store.schema import current_revision, head_revision, init_db
from db.store.session import Hall
from db.store.watch import ChangeWatcher, HallUnavailable, PostgresWatcher
from tests import pg_cluster as _pg
from tests.conftest import PgClusterForTests
from tests.unit.test_multiprocess import cheap_pins, open_hall

pytest.importorskip("psycopg", reason="the PostgreSQL driver (psycopg) is not installed")


def _server_bin() -> Path | None:
    return _pg.server_bin()


def _as_user() -> list[str] | None:
    return _pg.run_as()


@pytest.fixture
def cluster(pg: PgClusterForTests) -> str:
    """The worker's cluster (tests/conftest.py); the URL of its databases ({db} to fill)."""
    return pg.url


@pytest.fixture
def pg_url(pg: PgClusterForTests) -> Iterator[str]:
    """A fresh, empty database in the cluster."""
    url = pg.database()
    yield url
    pg.drop(url)


@pytest.fixture
def pg_hall(pg_url: str) -> Iterator[Hall]:
    """A hall on PostgreSQL with C01 signed in at counter 1 (A, E)."""
    hall = open_hall(pg_url)
    init_db(hall)
    with cheap_pins(), hall.write() as tx:
        staff.add_staff(tx, "C01", "张伟", "clerk", "2468")
        staff.add_staff(tx, "L01", "王芳", "leader", "246813")
        counters.sign_in(tx, 1, "C01")
    yield hall
    hall.dispose()


def test_migrations_reach_the_head_and_are_idempotent(pg_url: str) -> None:
    hall = open_hall(pg_url)
    init_db(hall)
    init_db(hall)  # a second run changes nothing and does not fail
    assert current_revision(hall.engine) == head_revision(hall.engine)
    hall.dispose()


def test_a_ticket_lives_its_whole_life_on_postgres(pg_hall: Hall) -> None:
    with pg_hall.write() as tx:
        assert ops.issue_ticket(tx, "A", account="3301").number == "A001"
        ops.issue_ticket(tx, "A")
    with pg_hall.write() as tx:
        called = ops.call_next(tx, 1)
    assert (called.number, called.handler, called.counter) == ("A001", "C01", 1)
    with pytest.raises(Refused), pg_hall.write() as tx:
        ops.call_next(tx, 1)  # the counter still holds A001: refused, nothing changes
    with pg_hall.write() as tx:
        ops.start(tx, 1, "A001")
        done = ops.complete(tx, 1, "A001", note="已办结")
    with pg_hall.write() as tx:
        rated = ops.rate(tx, "A001", 4)
    assert (done.status, rated.rating) == ("done", 4)
    with pg_hall.read() as tx:
        snapshot = queries.snapshot(tx)
        kinds = [e.kind for e in queries.history(tx, "A001")]
        visits = queries.visits(tx, "3301")
    assert snapshot.waiting["A"] == 1
    assert kinds == ["issue", "call", "start", "complete", "rate"]
    assert [v.number for v in visits] == ["A001"]


def test_the_event_log_is_chained_and_append_only_on_postgres(pg_hall: Hall) -> None:
    pg_hall.seal()  # what the process's sealer may still be at
    with pg_hall.read() as tx:
        before = tx.conn.execute(select(E.c.id, E.c.kind, E.c.hash).order_by(E.c.id)).all()
        result = audit.verify(tx.conn)
    assert result.ok and result.events == len(before) and result.head_hash == before[-1].hash
    for statement in ("UPDATE events SET kind = 'forged'", "DELETE FROM events",
                      "TRUNCATE events CASCADE"):
        with pytest.raises(DBAPIError), pg_hall.write() as tx:
            tx.conn.execute(text(statement))
    with pg_hall.read() as tx:
        assert tx.conn.execute(select(E.c.id, E.c.kind, E.c.hash).order_by(E.c.id)).all() == before
    assert [row.kind for row in before][-1] == "sign_in"
    with pg_hall.write() as tx:  # the owner lifts the guard: verify still sees the edit
        tx.conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_no_change"))
        tx.conn.execute(text("UPDATE events SET staff_id = NULL WHERE id = :id"),
                        {"id": before[-1].id})
        tx.conn.execute(text("ALTER TABLE events ENABLE TRIGGER events_no_change"))
    with pg_hall.read() as tx:
        problem = audit.verify(tx.conn).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("edited", before[-1].id)


def test_the_watcher_hears_other_processes_commits_on_postgres(pg_hall: Hall) -> None:
    watcher = ChangeWatcher.for_hall(pg_hall)
    assert isinstance(watcher, PostgresWatcher)
    try:
        assert watcher.changed()  # the first check: nothing seen yet
        assert not watcher.changed()
        other = open_hall(str(pg_hall.engine.url.render_as_string(hide_password=False)))
        with other.write() as tx:  # another process's commit
            ops.issue_ticket(tx, "A")
        other.dispose()
        assert _eventually(watcher.changed)
        assert not watcher.changed()
        with pg_hall.read() as tx:  # reading commits nothing: no news
            queries.snapshot(tx)
        assert not watcher.changed()
    finally:
        watcher.close()


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """A notification travels through the server's socket: give it a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def test_the_watcher_reconnects_after_losing_its_connection(pg_hall: Hall) -> None:
    watcher = ChangeWatcher.for_hall(pg_hall)
    try:
        assert watcher.changed()
        with pg_hall.engine.connect() as conn:  # the server ends the listening session
            ended = conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
        assert ended == [True]
        with pytest.raises(HallUnavailable):
            _eventually(watcher.changed)
        assert watcher.changed()  # reconnected: reload everything
        assert not watcher.changed()
    finally:
        watcher.close()

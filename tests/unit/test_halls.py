"""Many halls in one database (issue 17): on PostgreSQL each hall has its own numbering,
queues, counters and sign-in sessions, kept apart by row-level security; a customer's
visits by account span the halls; the event log stays one verified chain. On SQLite a
database is one hall: a second one is refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from db.config import load_config
from db.errors import Misuse, NotFound, Refused
from db.figures import reports
from db.rules import counters, ops, queries, staff
from db.rules.ops import T
from db.store import halls
from db.store.schema import init_db
from db.store.session import Hall, ManualClock
from tests import pg_cluster as _pg
from tests.conftest import OPENING, PgClusterForTests
from tests.unit.test_multiprocess import cheap_pins

APP_ROLE = "hall_app"
"""A plain role (no superuser, no BYPASSRLS), as the halls' apps must use."""


# -- SQLite: one hall per database ---------------------------------------------------------


@pytest.mark.sqlite_only("a SQLite file holds one hall")
def test_sqlite_holds_one_hall(hall: Hall, db_url: str) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
        assert tx.hall_id == 1
        with pytest.raises(Refused, match="SQLite database holds one hall"):
            halls.add(tx.conn, "north", "北区营业厅")
    with hall.read() as tx:
        assert [h.code for h in halls.halls(tx.conn)] == ["main"]
    other = Hall.open(db_url, hall.config, hall.clock, hall="north")
    with (pytest.raises(Misuse, match=r"no hall 'north' in this database \(it holds: main\)"),
          other.write() as tx):
        ops.issue_ticket(tx, "A")
    other.dispose()
    with hall.read() as tx:  # the refused step changed nothing
        assert tx.conn.execute(select(func.count()).select_from(T)).scalar_one() == 1


def test_a_new_sqlite_hall_takes_its_code_at_init(tmp_path: object, monkeypatch:
                                                  pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/new.db"
    monkeypatch.setenv("HALL_CODE", "HZ01")
    fresh = Hall.open(url, load_config(), ManualClock(OPENING))
    init_db(fresh)
    with fresh.write() as tx:
        ops.issue_ticket(tx, "A")
        assert [h.code for h in halls.halls(tx.conn)] == ["HZ01"]
    fresh.dispose()
    used = Hall.open(url, load_config(), ManualClock(OPENING), hall="HZ02")
    with pytest.raises(Refused, match="SQLite database holds one hall"):
        init_db(used)
    used.dispose()


# -- PostgreSQL: many halls ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(pg: PgClusterForTests) -> str:
    """The run's shared cluster (its URL with `{db}` to fill)."""
    return pg.url


def _as_app(url: str) -> str:
    """The same database, through the plain role."""
    return url.replace("://hall@", f"://{APP_ROLE}@", 1)


@pytest.fixture
def two_halls(cluster: str) -> Iterator[tuple[Hall, Hall, str]]:
    """Halls `main` and `north` in one database, each with a clerk signed in at its counter
    1 (C01 in main, C02 in north), opened through a plain role."""
    url = _pg.new_database(cluster)
    admin = Hall.open(url, load_config(), ManualClock(OPENING))
    init_db(admin)  # the database's first hall, `main`, made by its owner
    admin.dispose()
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN; "
                          "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        conn.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"))
        conn.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
    owner.dispose()
    main = Hall.open(_as_app(url), load_config(), ManualClock(OPENING), hall="main")
    north = Hall.open(_as_app(url), load_config(), ManualClock(OPENING), hall="north")
    init_db(north)  # adds the hall and its counters
    with cheap_pins():
        with main.write() as tx:
            staff.add_staff(tx, "C01", "张伟", "clerk", "2468")
            counters.sign_in(tx, 1, "C01")
        with north.write() as tx:
            staff.add_staff(tx, "C02", "王芳", "clerk", "2468")
            counters.sign_in(tx, 1, "C02")
    yield main, north, url
    main.dispose()
    north.dispose()


def test_halls_number_queue_and_call_on_their_own(two_halls: tuple[Hall, Hall, str]) -> None:
    main, north, _ = two_halls
    with main.write() as tx:
        first = ops.issue_ticket(tx, "A", account="1234567890")
        second = ops.issue_ticket(tx, "A")
    with north.write() as tx:
        theirs = ops.issue_ticket(tx, "A", account="1234567890")
    # Numbering per hall and day: both halls' first A ticket is A001.
    assert (first.number, second.number, theirs.number) == ("A001", "A002", "A001")
    # Queues per hall: north's counter 1 calls north's A001, not main's.
    with north.write() as tx:
        called = ops.call_next(tx, 1)
        assert called.id == theirs.id
        assert queries.snapshot(tx) is not None
        assert tx.conn.execute(select(func.count()).select_from(T)).scalar_one() == 1
    with main.write() as tx:
        assert ops.call_next(tx, 1).id == first.id
        waiting = tx.conn.execute(select(T.c.number).where(T.c.status == "waiting")).all()
        assert [w.number for w in waiting] == ["A002"]
        # Counters per hall: main's counter 1 holds main's ticket, with main's clerk.
        assert ops.counter_row(tx, 1).staff_id == "C01"
    with north.read() as tx:
        assert ops.counter_row(tx, 1).staff_id == "C02"
        assert ops.current_ticket(tx, 1).id == theirs.id  # type: ignore[union-attr]


def test_staff_and_sessions_are_the_halls(two_halls: tuple[Hall, Hall, str]) -> None:
    main, north, _ = two_halls
    with main.read() as tx:  # north's clerk is not main's
        assert tx.conn.execute(select(ops.S.c.id)).scalars().all() == ["C01"]
    # An id is the utility's: not taken twice.
    with (cheap_pins(), north.write() as tx,
          pytest.raises(Refused, match="C01 already exists in another hall")):
        staff.add_staff(tx, "C01", "李娜", "clerk", "2468")
    # Main's clerk cannot sign in at north's counter 1: north does not know C01.
    with north.write() as tx, pytest.raises(NotFound, match="C01"):
        counters.sign_in(tx, 1, "C01")
    # Signing in again at north's counter 1 ends north's session only.
    with main.read() as tx:
        kept = ops.counter_row(tx, 1).session
    with north.write() as tx:
        counters.sign_in(tx, 1, "C02")
    with main.read() as tx:
        assert ops.counter_row(tx, 1).session == kept


def test_visits_by_account_span_the_halls(two_halls: tuple[Hall, Hall, str]) -> None:
    main, north, _ = two_halls
    with main.write() as tx:
        here = ops.issue_ticket(tx, "A", account="1234567890")
    with north.write() as tx:
        there = ops.issue_ticket(tx, "B", account="1234567890")
    with main.read() as tx:
        seen = queries.visits(tx, "1234567890")
        # …and the transaction is kept to main again afterwards.
        assert tx.conn.execute(select(func.count()).select_from(T)).scalar_one() == 1
    assert [(v.id, v.hall) for v in seen] == [(there.id, "north"), (here.id, None)]
    assert "hall" not in seen[1].to_json() and seen[0].to_json()["hall"] == "north"


def test_the_chain_spans_the_halls_and_each_verifies(two_halls: tuple[Hall, Hall, str]) -> None:
    main, north, _ = two_halls
    for hall in (main, north, main, north):
        with hall.write() as tx:
            ops.issue_ticket(tx, "A")
        with hall.write() as tx:
            ops.call_next(tx, 1)
            ops.start(tx, 1)
            ops.complete(tx, 1)
    for hall in (main, north):
        with hall.read() as tx:
            result = halls.verify(tx.conn, tx.hall_id)
        assert result.problem is None, result.problem
        assert result.tickets == 2


def test_unknown_hall_or_unheld_role_is_one_line(two_halls: tuple[Hall, Hall, str]) -> None:
    _, _, url = two_halls
    nowhere = Hall.open(_as_app(url), load_config(), ManualClock(OPENING), hall="south")
    with (pytest.raises(Misuse, match=r"no hall 'south' in this database \(it holds: main, "
                                      r"north\)"),
          nowhere.write() as tx):
        ops.issue_ticket(tx, "A")
    nowhere.dispose()
    unnamed = Hall.open(_as_app(url), load_config(), ManualClock(OPENING))
    with pytest.raises(Misuse, match="holds 2 halls"), unnamed.read():
        pass
    unnamed.dispose()
    # The superuser would see every hall's rows: refused on a database of several halls.
    owner = Hall.open(url, load_config(), ManualClock(OPENING), hall="main")
    with pytest.raises(Misuse, match="not held by row-level security"), owner.read():
        pass
    owner.dispose()
    check = create_engine(url)
    with check.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T)).scalar_one() == 0
    check.dispose()


def test_reports_per_hall_and_across_halls(two_halls: tuple[Hall, Hall, str]) -> None:
    main, north, _ = two_halls
    for hall, served in ((main, 2), (north, 1)):
        for _ in range(served):
            with hall.write() as tx:
                ops.issue_ticket(tx, "A")
                ops.call_next(tx, 1)
                ops.start(tx, 1)
                ops.complete(tx, 1)
    with north.write() as tx:
        ops.issue_ticket(tx, "B")
    day = OPENING.date()
    with main.read() as tx:
        own = reports.period_report(tx, day, day)
        every = reports.all_halls_report(tx, day, day)
        # …and the transaction is kept to main again afterwards.
        assert tx.conn.execute(select(func.count()).select_from(T)).scalar_one() == 2
    with north.read() as tx:
        theirs = reports.period_report(tx, day, day)
    assert (own.totals.tickets, own.totals.services) == (2, 2)
    assert (theirs.totals.tickets, theirs.totals.services) == (2, 1)
    assert (every.totals.tickets, every.totals.services) == (4, 3)
    assert {p.staff: p.services for p in every.staff} == {"C01": 2, "C02": 1}


def test_one_halls_writers_never_wait_for_anothers(two_halls: tuple[Hall, Hall, str]) -> None:
    main, north, _ = two_halls
    done = threading.Event()

    def north_issues() -> None:
        with north.write() as tx:  # a write that runs alone in its hall (the hall lock)
            ops.issue_ticket(tx, "A")
        done.set()

    with main.write() as tx:  # main's hall lock held until this commits
        ops.issue_ticket(tx, "A")
        worker = threading.Thread(target=north_issues)
        worker.start()
        assert done.wait(timeout=60), "north waited for main's write"
    worker.join()


def test_a_commit_tells_the_halls_it_changed(two_halls: tuple[Hall, Hall, str]) -> None:
    """The notification's payload is the hall of the events appended, so a display wakes for
    its own hall's steps only (migration 0015; the watcher's side: tests/unit/test_watch.py)."""
    main, north, _ = two_halls
    raw = main.engine.raw_connection()
    listening: Any = raw.driver_connection
    listening.rollback()
    listening.autocommit = True
    listening.execute("LISTEN hall_changes")
    with north.write() as tx:
        ops.issue_ticket(tx, "A")
    with main.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.issue_ticket(tx, "B")  # one notification per hall and transaction
    told = [n.payload for n in listening.notifies(timeout=30, stop_after=2)]
    raw.invalidate()
    assert main.hall is not None and north.hall is not None
    assert told == [str(north.hall.id), str(main.hall.id)]


def test_listing_the_halls_needs_no_hall_chosen(two_halls: tuple[Hall, Hall, str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from hall.cli import main as hall_main

    _, _, url = two_halls
    assert hall_main(["--db", _as_app(url), "--json", "halls"]) == 0
    listed = json.loads(capsys.readouterr().out)["halls"]
    assert [(h["code"], h["selected"]) for h in listed] == [("main", False), ("north", False)]
    assert hall_main(["--db", _as_app(url), "--hall", "north", "--json", "halls"]) == 0
    listed = json.loads(capsys.readouterr().out)["halls"]
    assert [(h["code"], h["selected"]) for h in listed] == [("main", False), ("north", True)]
    assert hall_main(["--db", _as_app(url), "--hall", "south", "halls"]) == 2
    assert "no hall 'south'" in capsys.readouterr().err

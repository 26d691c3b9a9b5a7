"""The event chain on PostgreSQL, where writers append side by side (`db.store.audit.seal`):
the steps of different counters do not wait for one another, events are written unsealed
and chained by one sealer after commit, and `audit verify` walks the seals, finds an edited,
inserted or deleted sealed event, and reports the unsealed tail.

On the worker's throw-away cluster (tests/conftest.py, `pg`); skipped where the server
binaries are missing.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.rules import ops
from db.rules.ops import E
from db.store import audit, session
from db.store.schema import alembic_config, init_db
from db.store.session import SEAL_LEAD, Hall
from tests.unit.test_multiprocess import (
    drain,
    issue_many,
    issue_one_by_one,
    open_hall,
    prepare,
    run_workers,
)
from tests.unit.test_postgres import cluster, pg_url

pytest.importorskip("psycopg", reason="the PostgreSQL driver (psycopg) is not installed")


__all__ = ["cluster", "pg_url"]  # the fixtures of test_postgres (the worker's cluster)


@pytest.fixture
def pg_hall(pg_url: str) -> Iterator[Hall]:
    """Eight counters signed in, serving every business, and 12 tickets waiting."""
    hall = prepare(pg_url)
    issue_many(hall, 12)
    yield hall
    hall.dispose()


def chain(hall: Hall) -> list[tuple[int, int | None]]:
    """(id, seal) of every event, in id order."""
    with hall.read() as tx:
        return [tuple(r) for r in tx.conn.execute(select(E.c.id, E.c.seal).order_by(E.c.id))]


def verify(hall: Hall, **options: object) -> audit.AuditResult:
    with hall.read() as tx:
        return audit.verify(tx.conn, **options)  # type: ignore[arg-type]


def attack(hall: Hall, *statements: str) -> None:
    """The owner lifts the append-only guard, changes the log, and puts the guard back."""
    with hall.engine.begin() as conn:
        conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_no_change"))
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("ALTER TABLE events ENABLE TRIGGER events_no_change"))


def found(hall: Hall) -> tuple[str, int] | None:
    problem = verify(hall, tables=False).problem
    return None if problem is None else (problem.kind, problem.event_id)


def sealed(hall: Hall, seconds: float = 30.0) -> list[tuple[int, int | None]]:
    """The chain once the process's sealer has sealed every event (it works beside the
    steps, after their commits)."""
    deadline = time.monotonic() + seconds
    while True:
        seals = chain(hall)
        if all(seal is not None for _, seal in seals) or time.monotonic() > deadline:
            return seals
        time.sleep(0.01)


def test_every_committed_event_is_sealed_in_place_after_commit(pg_hall: Hall) -> None:
    with pg_hall.write(1) as tx:
        ops.call_next(tx, 1)
        ops.no_show(tx, 1)
    seals = sealed(pg_hall)  # by the sealer the commit woke, nobody asking
    assert [seal for _, seal in seals] == list(range(1, len(seals) + 1))
    result = verify(pg_hall)
    assert result.ok and result.unsealed == 0 and result.events == len(seals)
    assert result.head_id == seals[-1][0]


def test_steps_at_different_counters_do_not_wait_for_each_other(pg_hall: Hall,
                                                                pg_url: str) -> None:
    other = open_hall(pg_url)
    done = threading.Event()
    try:
        with pg_hall.write(1) as tx:  # counter 1's step, still open ...
            ops.call_next(tx, 1)

            def at_counter_2() -> None:
                with other.write(2) as tx2:
                    ops.call_next(tx2, 2)
                done.set()

            worker = threading.Thread(target=at_counter_2)
            worker.start()
            assert done.wait(30), "counter 2 waited for counter 1's open step"  # ... not waited for
            worker.join()
        lone = threading.Event()  # a step of no counter (the hall's lock) runs alone
        with pg_hall.write(1) as tx:
            ops.no_show(tx, 1)

            def hall_step() -> None:
                with other.write() as tx2:
                    ops.issue_ticket(tx2, "A")
                lone.set()

            worker = threading.Thread(target=hall_step)
            worker.start()
            assert not lone.wait(0.5)
        worker.join(30)
        assert lone.is_set()
    finally:
        other.dispose()
    assert verify(pg_hall).ok


def leader_pid(hall: Hall) -> int | None:
    """The server process of the connection that holds the sealing lead of the hall's
    database, if any (pg_locks lists the whole cluster's: the pytest workers share one)."""
    with hall.engine.connect() as conn:
        return conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND "
                                 "classid = 0 AND objid = :key AND objsubid = 1 AND granted "
                                 "AND database = (SELECT oid FROM pg_database "
                                 "WHERE datname = current_database())"),
                            {"key": SEAL_LEAD}).scalar()


def until(what: Callable[[], object], seconds: float = 30.0) -> object:
    deadline = time.monotonic() + seconds
    while not (found := what()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_one_process_seals_every_writers_events(pg_hall: Hall, pg_url: str) -> None:
    sealed(pg_hall)
    leader = leader_pid(pg_hall)
    assert leader is not None and pg_hall._sealer is not None and pg_hall._sealer.leading
    other = open_hall(pg_url)  # another process's hall: it follows, and is sealed for
    try:
        for _ in range(3):
            with other.write(2) as tx:
                ops.call_next(tx, 2)
            with other.write(2) as tx:
                ops.no_show(tx, 2)
        assert other._sealer is not None and not other._sealer.leading
        assert all(seal is not None for _, seal in sealed(pg_hall))
        assert leader_pid(pg_hall) == leader
    finally:
        other.dispose()
    assert verify(pg_hall).ok


def test_a_dead_sealing_process_is_replaced(pg_hall: Hall, pg_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "LEAD_TURN", 0.1)
    sealed(pg_hall)
    other = open_hall(pg_url)
    try:
        with other.write(2) as tx:
            ops.call_next(tx, 2)
        first = leader_pid(pg_hall)
        pg_hall.dispose()  # the leading process goes (its last seal made)
        assert until(lambda: leader_pid(other) not in (None, first))  # another leads
        sealer = other._sealer
        assert sealer is not None and until(lambda: sealer.leading)
        with other.write(2) as tx:
            ops.no_show(tx, 2)
        assert all(seal is not None for _, seal in sealed(other))
        with other.engine.connect() as conn:  # its connection cut: it leads again
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": leader_pid(other)})
        with other.write(3) as tx:
            ops.call_next(tx, 3)
        assert all(seal is not None for _, seal in sealed(other))
        assert verify(other).ok
    finally:
        other.dispose()


def test_a_stalled_sealing_process_is_sealed_for(pg_hall: Hall,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "LEAD_TURN", 0.1)
    sealed(pg_hall)
    pg_hall.dispose()
    with pg_hall.engine.connect() as holder:  # a leader that never seals
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SEAL_LEAD})
        holder.commit()
        with pg_hall.write(1) as tx:
            ops.call_next(tx, 1)
        assert pg_hall._sealer is not None and not pg_hall._sealer.leading
        assert all(seal is not None for _, seal in sealed(pg_hall))  # a follower did
        holder.execute(text("SELECT pg_advisory_unlock_all()"))
        holder.commit()
    assert verify(pg_hall).ok


def test_a_sealer_whose_server_is_away_tries_less_and_less(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(session, "LEAD_TURN", 0.1)
    tries: list[float] = []

    class Away:
        def raw_connection(self) -> None:
            tries.append(time.monotonic())
            raise OSError("connection refused")

    sealer = session.Sealer(Away())  # type: ignore[arg-type]
    time.sleep(0.55)  # tries at 0, 0.1, 0.3 (then 0.7): no spinning
    sealer.close()
    assert 3 <= len(tries) <= 5  # (and once more to seal at the end)
    assert not sealer._thread.is_alive()
    told = [r for r in caplog.records if r.name == "db.seal"]
    # Said twice, not once per try: the first failure of the streak, and the last seal's.
    assert [r.getMessage() for r in told] == [
        "events not sealed now (they are sealed later): connection refused"] * 2


def test_a_hall_dropped_without_dispose_stops_its_sealer(pg_hall: Hall, pg_url: str) -> None:
    other = open_hall(pg_url)
    with other.write(1) as tx:
        ops.call_next(tx, 1)
    sealer = other._sealer
    assert sealer is not None and sealer._thread.is_alive()
    del other, tx
    import gc

    gc.collect()
    sealer._thread.join(10)
    assert not sealer._thread.is_alive()


@pytest.mark.slow
def test_writers_in_several_processes_leave_a_chain_that_verifies(pg_url: str) -> None:
    hall = prepare(pg_url)
    issue_many(hall, 150)
    jobs: list[tuple[object, ...]] = [(pg_url, n) for n in range(1, 5)]
    jobs += [(pg_url, 20, k) for k in range(2)]  # two kiosks issuing meanwhile
    results, _ = run_workers(_either, jobs, meanwhile=lambda: None)
    claims = [ticket for _, claimed in results[:4] for ticket, _, _ in claimed]
    assert len(claims) == len(set(claims)) >= 150
    hall.seal()
    result = verify(hall)
    seals = sorted(seal for _, seal in chain(hall) if seal is not None)
    assert result.ok and result.unsealed == 0, result.problem
    assert seals == list(range(1, len(chain(hall)) + 1)) and result.events == len(seals)
    hall.dispose()


def _either(url: str, a: int, *kiosk: int) -> object:
    """A counter draining the queue, or (given a kiosk number) a kiosk issuing `a` tickets."""
    return issue_one_by_one(url, a, kiosk[0]) if kiosk else drain(url, a)


def test_an_edited_sealed_event_is_found(pg_hall: Hall) -> None:
    target = sealed(pg_hall)[5][0]
    attack(pg_hall, f"UPDATE events SET kind = 'cancel' WHERE id = {target}")
    assert found(pg_hall) == ("edited", target)


def test_an_edited_sealed_event_with_its_hash_recomputed_is_found(pg_hall: Hall) -> None:
    target = sealed(pg_hall)[5][0]
    attack(pg_hall, f"UPDATE events SET kind = 'cancel', detail = NULL WHERE id = {target}")
    with pg_hall.read() as tx:
        row = tx.conn.execute(select(E).where(E.c.id == target)).one()
    attack(pg_hall, f"UPDATE events SET hash = '{audit.link(row.prev_hash, row)}' "
                    f"WHERE id = {target}")
    assert found(pg_hall) == ("edited", target)


def test_a_deleted_sealed_event_is_found(pg_hall: Hall) -> None:
    target = sealed(pg_hall)[5]
    attack(pg_hall, f"DELETE FROM events WHERE id = {target[0]}")
    assert found(pg_hall) == ("deleted", target[1])
    attack(pg_hall, f"UPDATE events SET seal = seal - 1 WHERE seal > {target[1]}")
    problem = verify(pg_hall, tables=False).problem  # the places closed up: still found
    assert problem is not None and not verify(pg_hall).ok


def test_an_event_slipped_in_among_the_sealed_is_found(pg_hall: Hall) -> None:
    event_id, place = sealed(pg_hall)[4]
    assert place is not None
    with pg_hall.read() as tx:
        row = tx.conn.execute(select(E).where(E.c.id == event_id)).one()
    attack(pg_hall,
           f"UPDATE events SET seal = seal + 1000000 WHERE seal > {place}",
           "UPDATE events SET seal = seal - 999999 WHERE seal > 1000000",
           "INSERT INTO events (at, business_day, kind, detail, prev_hash, hash, seal) "
           f"VALUES ('{row.at}', '{row.business_day}', 'rate', NULL, '{row.hash}', "
           f"'{'1' * 64}', {place + 1})")
    problem = verify(pg_hall, tables=False).problem
    assert problem is not None and problem.kind == "inserted"


def test_the_unsealed_tail_is_reported_and_sealed_later(pg_hall: Hall) -> None:
    sealed(pg_hall)
    pg_hall.dispose()  # no sealer left to be told of the commit below
    with pg_hall.engine.connect() as conn, conn.begin():  # a writer that died after commit
        conn.execute(text("INSERT INTO events (at, business_day, kind) "
                          "VALUES (now(), current_date, 'open')"))
    result = verify(pg_hall)
    assert result.ok and result.unsealed == 1
    assert pg_hall.seal() == 1
    result = verify(pg_hall)
    assert result.ok and result.unsealed == 0 and result.head_id == chain(pg_hall)[-1][0]


def test_the_database_allows_an_event_only_its_sealing(pg_hall: Hall) -> None:
    sealed(pg_hall)
    pg_hall.dispose()  # no sealer left to be told of the commit below
    with pg_hall.engine.connect() as conn, conn.begin():
        new = conn.execute(text("INSERT INTO events (at, business_day, kind) VALUES "
                                "(now(), current_date, 'open') RETURNING id")).scalar_one()
    for statement in (f"UPDATE events SET kind = 'close' WHERE id = {new}",
                      f"UPDATE events SET kind = 'close', seal = 999 WHERE id = {new}",
                      f"DELETE FROM events WHERE id = {new}"):
        with pytest.raises(DBAPIError), pg_hall.engine.begin() as conn:
            conn.execute(text(statement))
    assert pg_hall.seal() == 1
    with pytest.raises(DBAPIError), pg_hall.engine.begin() as conn:  # sealed once, for good
        conn.execute(text(f"UPDATE events SET seal = NULL, hash = NULL WHERE id = {new}"))
    assert verify(pg_hall).ok


def test_a_chained_history_upgraded_to_seals_still_verifies(pg_url: str) -> None:
    from alembic import command

    hall = open_hall(pg_url)
    cfg = alembic_config(hall.engine)
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0012")
    with hall.engine.begin() as conn:  # three events chained the old way, ids given by hand
        previous, at, day = audit.GENESIS, dt.datetime(2026, 12, 1, 1), dt.date(2026, 12, 1)
        for n in range(1, 4):
            own = audit.digest(previous, audit.canonical_text(n, at, day, "open", None, None,
                                                              None, None))
            conn.execute(text("INSERT INTO events (id, at, business_day, kind, prev_hash, hash) "
                              "VALUES (:id, :at, :day, 'open', :p, :h)"),
                         {"id": n, "at": at, "day": day, "p": previous, "h": own})
            previous = own
    init_db(hall)  # 0013: their places are their ids; the id sequence moves past them
    assert chain(hall) == [(1, 1), (2, 2), (3, 3)]
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    sealed(hall)
    result = verify(hall)
    assert result.ok and result.events == 4 and result.head_id == 4
    with hall.read() as tx:
        assert tx.conn.execute(select(func.max(E.c.seal))).scalar_one() == 4
    hall.dispose()


def test_a_process_that_ends_without_closing_its_hall_leaves_nothing_unsealed(
    pg_hall: Hall, pg_url: str
) -> None:
    sealed(pg_hall)
    script = ("from tests.unit.test_multiprocess import open_hall\n"
              "from db.rules import ops\n"
              f"hall = open_hall({pg_url!r})\n"
              "with hall.write() as tx:\n"
              "    ops.issue_ticket(tx, 'A')\n")  # and out, without hall.dispose()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    result = verify(pg_hall)
    assert result.ok and result.unsealed == 0 and result.events == len(chain(pg_hall))

"""Many processes on one hall database: a claim is exclusive and a number is given out once.

Each worker is a separate process (the 'spawn' start method, so nothing inherits a live
connection) that opens its own `Hall` on the same database, as the counter apps do: a SQLite
file (`[sqlite]`) or a database of the worker's throw-away PostgreSQL cluster (`[pg]`,
tests/conftest.py), where the claim is FOR UPDATE SKIP LOCKED and counters commit side by
side. The workers wait at a start barrier, so they all race from the same moment. (The
expected-state race of four terminals on one ticket uses threads, each with a connection of
its own: to the database that is the same race, without four processes' start.)
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.synchronize import Barrier
from typing import Any, TypeVar
from unittest import mock

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from db.config import load_config
from db.errors import HallError
from db.rules import counters, ops, staff
from db.rules.ops import E, T
from db.store import audit
from db.store.engine import make_engine
from db.store.schema import init_db
from db.store.session import Hall, ManualClock
from tests.conftest import OPENING, PIN

BUSINESSES = ("A", "E")
"""Payments and invoices, the bulk of a hall's traffic. Every counter serves them in the
same order, so all of them race for the head of the same queue (the hardest case for the
claim), and a short work profile keeps each call_next to few probes."""
WORKERS = 8
TICKETS = {"sqlite": 3_000, "pg": 400}
"""All of them wait before the first call. Every claim is a race of the 8 counters for the
head of one queue, so 3,000 claims are 3,000 races: the size only lengthens the run (95 s of
a quiet full run at 6,000, 364 s of a loaded one; 20,000 took 13 min at load 12). On
PostgreSQL a claim costs about three times SQLite's, and 400 races prove the same. The
full-size drains are benchmarks/claims.py's and pg_claims.py's (which check the same: none
claimed twice, none lost, queue order) and benchmarks/reliability.py's."""
KIOSKS = {"sqlite": 500, "pg": 100}
"""Tickets each of the 4 racing kiosks issues, one transaction each."""
R = TypeVar("R")
TIMEOUT_S = 900
"""Give up on the workers after this long instead of hanging the suite."""
_start: Barrier | None = None
"""In a worker process: the barrier every worker and the test pass before the race."""


def open_hall(url: str) -> Hall:
    """Each process's own hall on the shared file. synchronous=NORMAL only decides whether
    the last commits survive a power cut (in WAL mode); it does not touch atomicity or
    isolation, which come from BEGIN IMMEDIATE and the WAL, so the claims are still tested
    exactly as they run in the hall."""
    return Hall(make_engine(url, synchronous="NORMAL"), load_config(), ManualClock(OPENING))


@contextmanager
def cheap_pins() -> Iterator[None]:
    """argon2id at its lowest cost while the team is added: nobody here checks a PIN."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with mock.patch.object(staff, "_hasher", lambda: cheap):
        yield


def clerk(counter: int) -> str:
    return f"C{counter:02d}"


def prepare(url: str) -> Hall:
    """A hall with a clerk signed in at each of the workers' counters, all of them serving
    the businesses issued."""
    hall = open_hall(url)
    init_db(hall)
    with cheap_pins(), hall.write() as tx:
        for n in range(1, WORKERS + 1):
            staff.add_staff(tx, clerk(n), f"柜员{n}", "clerk", PIN)
            counters.sign_in(tx, n, clerk(n))
            counters.set_profile(tx, n, list(BUSINESSES))
    return hall


def issue_many(hall: Hall, count: int) -> dict[int, str]:
    """`count` tickets with the real `issue_ticket`, round the business types, in one
    transaction (no counter calls yet; ~0.5 ms a ticket); returns each one's number by id."""
    with hall.write() as tx:
        views = [ops.issue_ticket(tx, BUSINESSES[i % len(BUSINESSES)]) for i in range(count)]
    return {view.id: view.number for view in views}


def verified(hall: Hall) -> audit.AuditResult:
    """`audit verify` of the whole log, every event sealed first (on PostgreSQL the workers'
    sealers chain their commits after them; a worker may end before its last seal)."""
    hall.seal()
    with hall.read() as tx:
        result = audit.verify(tx.conn)
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    assert result.ok and result.unsealed == 0, result.problem
    assert result.events == events
    return result


def waiting(hall: Hall) -> int:
    """How many tickets are waiting."""
    with hall.read() as tx:
        query = select(func.count()).select_from(T).where(T.c.status == "waiting")
        return int(tx.conn.execute(query).scalar_one())


def issue_one_by_one(url: str, count: int, worker: int) -> list[tuple[int, str]]:
    """`count` tickets, each in its own transaction, as kiosks issue them."""
    wait_for_start()
    hall = open_hall(url)
    try:
        issued = []
        for i in range(count):
            with hall.write() as tx:
                view = ops.issue_ticket(tx, "ABC"[(worker + i) % 3])
            issued.append((view.id, view.number))
        return issued
    finally:
        hall.dispose()


Claimed = tuple[int, list[tuple[int, str, str | None]]]
"""What a counter's process did: its process id, and (id, number, handler) of every ticket
it claimed."""


def drain(url: str, counter: int) -> Claimed:
    """A counter calling the next customer until the queue is empty; each one called is
    marked a no-show (the cheapest step that frees the counter)."""
    # The loop makes garbage faster than it matters: the collector's passes would be ~15%
    # of the run, and the process ends with the test.
    gc.disable()
    wait_for_start()
    hall = open_hall(url)
    claimed: list[tuple[int, str, str | None]] = []
    try:
        while True:
            try:  # steps of the counter, as its app writes them (side by side on PostgreSQL)
                with hall.write(counter) as tx:
                    view = ops.call_next(tx, counter)
            except ops.QueueEmpty:
                return os.getpid(), claimed
            claimed.append((view.id, view.number, view.handler))
            with hall.write(counter) as tx:
                ops.no_show(tx, counter, view.number)
    finally:
        hall.dispose()
        gc.enable()


def ready(start: Barrier) -> None:
    """A worker process's start: unpickling this imports the test module and the core."""
    global _start
    _start = start


def wait_for_start() -> None:
    """Wait until every worker has started and the test has done its part."""
    assert _start is not None, "not in a worker of run_workers"
    _start.wait(TIMEOUT_S)


def run_workers(target: Any, jobs: list[tuple[Any, ...]],
                meanwhile: Callable[[], R]) -> tuple[list[Any], R]:
    """Run `target(*job)` for every job, each in its own spawned process. `meanwhile` runs
    here while they start (a spawned process takes a while to import everything); the jobs
    wait at a barrier until it is done and all of them are running, one per process."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(jobs) + 1)
    with context.Pool(len(jobs), initializer=ready, initargs=(start,)) as pool:
        pending = pool.starmap_async(target, jobs)
        done_meanwhile = meanwhile()
        start.wait(TIMEOUT_S)
        return pending.get(timeout=TIMEOUT_S), done_meanwhile


@pytest.mark.slow
def test_every_ticket_is_claimed_exactly_once_by_concurrent_counters(db_url: str,
                                                                     backend: str) -> None:
    url, tickets = db_url, TICKETS[backend]
    began = time.perf_counter()
    hall = prepare(url)
    lap: list[float] = []

    def issue_all() -> dict[int, str]:
        issued = issue_many(hall, tickets)
        assert waiting(hall) == tickets  # all of them, before the first call
        lap.append(time.perf_counter())
        return issued

    jobs = [(url, n) for n in range(1, WORKERS + 1)]
    results, issued = run_workers(drain, jobs, meanwhile=issue_all)
    # Printed for `pytest -s`. On the shared 2-core machine this was written on (load ~4):
    # 16.5 s issuing, while the workers start, then 32.6 s for the counters to call them
    # all (issued in batches while they called: 18 s, then 68 s). The floor is the core's
    # CPU per step (~0.5 ms an issue, ~1.6 ms a call plus a no-show), all of it spent
    # inside the write lock, so more processes cannot make it faster.
    print(f"\n{tickets} tickets issued in {lap[0] - began:.1f} s; {WORKERS} counters called "
          f"them all in {time.perf_counter() - lap[0]:.1f} s "
          f"({[len(claimed) for _, claimed in results]})")

    assert len({pid for pid, _ in results}) == WORKERS, "two counters shared a process"
    assert all(claimed for _, claimed in results), "a counter claimed no ticket"
    claims = [ticket_id for _, claimed in results for ticket_id, _, _ in claimed]
    assert len(claims) == len(set(claims)), "a ticket was claimed twice"
    assert set(claims) == set(issued), "a ticket was lost"
    for n, (_, claimed) in enumerate(results, start=1):
        assert all(handler == clerk(n) for _, _, handler in claimed)
        assert all(issued[ticket_id] == number for ticket_id, number, _ in claimed)
    with hall.read() as tx:
        rows = tx.conn.execute(
            select(T.c.id, T.c.status, T.c.counter_number, T.c.handler_id)).all()
        assert len(rows) == tickets
        for ticket_id, status, counter, handler in rows:  # none left waiting, none stray
            assert (status, handler) == ("no_show", clerk(counter)), ticket_id
        calls = Tally(tx.conn.execute(select(E.c.ticket_id).where(E.c.kind == "call")).scalars())
        no_shows = tx.conn.execute(
            select(func.count()).select_from(E).where(E.c.kind == "no_show")).scalar_one()
    assert set(calls) == set(issued) and set(calls.values()) == {1}
    assert no_shows == tickets
    verified(hall)  # nine processes appended, one after another or side by side
    hall.dispose()


@pytest.mark.slow
def test_concurrent_issuing_gives_unique_contiguous_numbers(db_url: str, backend: str) -> None:
    url, each = db_url, KIOSKS[backend]
    hall = open_hall(url)
    init_db(hall)
    results, _ = run_workers(issue_one_by_one, [(url, each, w) for w in range(4)], lambda: None)
    numbers = [number for result in results for _, number in result]
    assert len(numbers) == len(set(numbers)) == 4 * each
    for result in results:  # each kiosk sees its own numbers rise
        for prefix in "ABC":
            mine = [int(n[1:]) for _, n in result if n[0] == prefix]
            assert mine == sorted(mine)
    per_prefix: dict[str, list[int]] = {}
    for number in numbers:
        per_prefix.setdefault(number[0], []).append(int(number[1:]))
    for prefix, seqs in per_prefix.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"gap in {prefix}"
    with hall.read() as tx:
        stored = tx.conn.execute(select(T.c.business_day, T.c.number)).all()
        issues = tx.conn.execute(
            select(func.count()).select_from(E).where(E.c.kind == "issue")).scalar_one()
    assert verified(hall).events == 4 * each
    assert sorted(n for _, n in stored) == sorted(numbers)
    assert {day for day, _ in stored} == {load_config().business_day(OPENING)}
    assert issues == 4 * each
    hall.dispose()



def test_racing_steps_on_one_called_ticket_move_it_once(hall: Hall, db_url: str) -> None:
    # The expected-state check between writers: four terminals, each on its own connection
    # (threads here: to the database a connection is a writer, whatever runs it), press
    # start or no-show on the same called A001 at one moment. One step moves it; the others
    # are refused and change nothing.
    with hall.write(1) as tx:
        number = ops.issue_ticket(tx, "A").number
        ops.call_next(tx, 1)
    with hall.read() as tx:
        events_before = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    steps = [ops.start, ops.no_show, ops.start, ops.no_show]
    terminals = [open_hall(db_url) for _ in steps]
    start = threading.Barrier(len(steps))

    def press(n: int) -> str:
        start.wait(60)
        try:
            with terminals[n].write(1) as tx:
                return steps[n](tx, 1, number).status
        except HallError as refused:
            return f"refused: {refused}"

    try:
        with ThreadPoolExecutor(len(steps)) as pool:
            outcomes = list(pool.map(press, range(len(steps))))
    finally:
        for terminal in terminals:
            terminal.dispose()
    moved = [o for o in outcomes if not o.startswith("refused")]
    assert len(moved) == 1, outcomes
    with hall.read() as tx:
        row = tx.conn.execute(select(T.c.status).where(T.c.number == number)).scalar_one()
        kinds = list(tx.conn.execute(select(E.c.kind).order_by(E.c.id)).scalars())[events_before:]
    assert row == moved[0] and kinds == [{"serving": "start", "no_show": "no_show"}[row]]
    verified(hall)

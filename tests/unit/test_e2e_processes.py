"""The apps as separate processes on one database file, as in the hall: the real kiosk
issues a number, the real counter client (driven headless by its Pilot) calls, serves and
completes it, and the real evaluator beside counter 1 learns of it through its change
watcher and takes the customer's rating. The rating lands on that ticket, once.

Two real counter clients racing for one customer run on PostgreSQL too (`db_url`'s `[pg]`):
there the loser's claim skips the ticket the winner is claiming (SKIP LOCKED) instead of
waiting for SQLite's lock, and its desk must say so. The issue-to-rating flow stays on a
SQLite file: the watcher's PostgreSQL half (LISTEN) is what test_postgres.py and the apps'
`pg_too` flows (the displays', the evaluator's reconnecting) test, at a fraction of the
cost of three spawned Textual apps."""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.config import load_config
from db.errors import Refused
from db.rules import evaluation, ops
from db.rules.ops import E
from db.store.session import Hall, ManualClock
from db.store.views import TicketView
from tests.conftest import OPENING, PIN

TIMEOUT_S = 90
"""Give up on a process after this long instead of hanging the suite (a spawned process
imports Textual and the core first; on a loaded machine that alone takes seconds)."""


def open_hall(url: str) -> Hall:
    """Each process's own hall on the shared file, at the tests' opening time."""
    return Hall.open(url, load_config(), ManualClock(OPENING))


async def _until(pilot: Any, check: Callable[[], bool], timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened; {pilot.app.screen!r} is showing")


def _drive(url: str, build: Callable[[Hall], Any],
           steps: Callable[[Any], Awaitable[str]]) -> str:
    """Run an app headless in this process, drive it, and return what it showed."""
    hall = open_hall(url)

    async def main() -> str:
        app = build(hall)
        async with app.run_test(size=(100, 30)) as pilot:
            return await steps(pilot)

    try:
        return asyncio.run(main())
    finally:
        hall.dispose()


class _NoPrinter:
    """The kiosk without a receipt printer (`[printer] kind = "none"`)."""

    enabled = False

    def print_ticket(self, slip: object) -> None:
        """Nothing to print on."""


def kiosk(url: str) -> str:
    """The real kiosk app: a customer presses 1 (bill payment) and reads their number."""
    from textual.widgets import Digits, Label

    from kiosk.app import make_app
    from kiosk.screens.confirm import ConfirmScreen

    async def steps(pilot: Any) -> str:
        await pilot.press("1")
        await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen)
                     and bool(pilot.app.screen.query("#card-number")))
        await pilot.pause()
        screen = pilot.app.screen
        letters = screen.query("#card-letter").results(Label)
        letter = "".join(str(label.content) for label in letters)
        return letter + str(screen.query_one("#card-number", Digits).value)

    return _drive(url, lambda hall: make_app(hall.config, hall, printer=_NoPrinter()), steps)


def counter_client(url: str) -> str:
    """Clerk C01 signs in at counter 1, calls the next customer, serves and completes."""
    from textual.widgets import Label

    from counter.app import make_app
    from counter.screens.desk import DeskScreen
    from tests.apps.conftest import workers_done

    async def steps(pilot: Any) -> str:
        await pilot.press(*"c01", "enter", *PIN, "enter")
        await _until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen))
        for key in ("f1", "s", "d", "enter"):
            await pilot.press(key)
            await workers_done(pilot)
            await pilot.pause()
        await _until(pilot, lambda: "已办结" in _status(pilot))
        return _status(pilot)

    def _status(pilot: Any) -> str:
        return str(pilot.app.screen.query_one("#desk-status", Label).content)

    return _drive(url, lambda hall: make_app(hall.config, hall, counter=1),
                  steps)


def racing_counter(url: str, counter: int, staff: str, start: Any) -> str:
    """A clerk signs in at `counter`, waits for the other counter, and calls the next
    customer at the same moment; returns the desk's status line."""
    from textual.widgets import Label

    from counter.app import make_app
    from counter.screens.desk import DeskScreen
    from tests.apps.conftest import workers_done

    def status(pilot: Any) -> str:
        return str(pilot.app.screen.query_one("#desk-status", Label).content)

    async def steps(pilot: Any) -> str:
        await pilot.press(*staff, "enter", *PIN, "enter")
        await _until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen))
        await workers_done(pilot)
        await pilot.pause()
        start.wait(TIMEOUT_S)
        await pilot.press("f1")
        await _until(pilot, lambda: status(pilot) != "")
        return status(pilot)

    return _drive(url, lambda hall: make_app(hall.config, hall, counter=counter), steps)


def evaluator(url: str, ready: Any) -> str:
    """The evaluator beside counter 1: waits for the question, the customer presses 3
    (满意), the thanks show; then nothing more is offered."""
    from textual.widgets import Label

    from counter.evaluator.app import make_app
    from counter.evaluator.screens.idle import IdleScreen
    from counter.evaluator.screens.rating import RatingScreen
    from counter.evaluator.screens.thanks import ThanksScreen

    async def steps(pilot: Any) -> str:
        app = pilot.app
        watcher = app.watcher
        await _until(pilot, lambda: app.idle.view is not None)
        ready.set()
        await _until(pilot, lambda: isinstance(app.screen, RatingScreen)
                     and bool(app.screen.query("#language")), timeout=2 * TIMEOUT_S)
        asked = str(app.screen.query_one("#rating-ticket", Label).content)
        seen = watcher.changes  # the completion was seen; the rating is a commit too
        await pilot.press("3")  # 满意: the key is the stored score (4 非常满意 … 1 不满意)
        await _until(pilot, lambda: isinstance(app.screen, ThanksScreen))
        await _until(pilot, lambda: isinstance(app.screen, IdleScreen))
        # The rating seen and read (the watcher asked again after): not offered again.
        await _until(pilot, lambda: watcher.changes > seen
                     and watcher.checks > watcher.last_change)
        await pilot.pause()
        assert isinstance(app.screen, IdleScreen) and app.offered is None
        return asked

    def build(hall: Hall) -> Any:
        from dataclasses import replace

        from db.store.watch import ChangeWatcher
        from tests.apps.conftest import CountingWatcher

        timings = replace(hall.config.evaluator, thanks_seconds=2)  # seen under load
        return make_app(replace(hall.config, evaluator=timings), hall, counter=1,
                        watcher=CountingWatcher(ChangeWatcher.for_hall(hall)))

    return _drive(url, build, steps)


@pytest.fixture
def url(tmp_path: Path, templates: dict[str, Path]) -> str:
    """A copy of the staffed test hall (C01 signed in at counter 1) on a file."""
    shutil.copyfile(templates["staffed"], tmp_path / "hall.db")
    return f"sqlite:///{tmp_path / 'hall.db'}"


@pytest.fixture
def shared_url(hall: Hall, db_url: str) -> str:
    """The staffed test hall (C01 signed in at counter 1) on the test's database: a SQLite
    file, or a database of the worker's PostgreSQL cluster."""
    return db_url


@pytest.mark.slow
@pytest.mark.sqlite_only("three spawned Textual apps on a file; the watcher's PostgreSQL half "
                         "is test_postgres.py's and the apps' pg_too flows'")
def test_issue_call_complete_rate_across_processes(url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(3) as pool:
        ready = manager.Event()
        asked = pool.apply_async(evaluator, (url, ready))
        assert ready.wait(TIMEOUT_S), "the evaluator never came up"
        began = time.perf_counter()
        number = pool.apply_async(kiosk, (url,)).get(TIMEOUT_S)
        status = pool.apply_async(counter_client, (url,)).get(TIMEOUT_S)
        completed = time.perf_counter()
        shown = asked.get(TIMEOUT_S)
        rated = time.perf_counter()
    # Printed for `pytest -s`: from the number to the completion, and on to the rating.
    print(f"\nissue to completion {completed - began:.1f} s; "
          f"completion to rating {rated - completed:.1f} s")
    assert number == "A001"
    assert status == "A001 已办结"
    assert shown == "A001 · 张伟（工号 C01）"
    hall = open_hall(url)
    try:
        with hall.read() as tx:
            done = TicketView.from_row(ops.ticket_row(tx, "A001"))
            rates = tx.conn.execute(
                select(E.c.ticket_id, E.c.counter_number, E.c.detail).where(E.c.kind == "rate")
            ).all()
        assert (done.status, done.rating, done.handler) == ("done", 3, "C01")
        assert rates == [(done.id, 1, {"score": 3})]
        with pytest.raises(Refused), hall.write() as tx:
            ops.rate(tx, "A001", 4)
        with pytest.raises(Refused), hall.write() as tx:
            evaluation.rate_at_counter(tx, 1, done.id, 1)
    finally:
        hall.dispose()


@pytest.mark.slow
def test_two_counter_clients_race_for_one_customer(shared_url: str) -> None:
    url = shared_url
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(2) as pool:
        start = manager.Barrier(2)
        hall = open_hall(url)
        with hall.write() as tx:  # a number taken (the kiosk app has its own test above)
            number = ops.issue_ticket(tx, "A").number
        hall.dispose()
        racing = [pool.apply_async(racing_counter, (url, counter, staff, start))
                  for counter, staff in ((1, "c01"), (2, "c03"))]
        statuses = [r.get(TIMEOUT_S) for r in racing]
    assert sorted(s == f"已呼叫 {number}" for s in statuses) == [False, True], statuses
    hall = open_hall(url)
    try:
        with hall.read() as tx:
            called = TicketView.from_row(ops.ticket_row(tx, number))
            calls = tx.conn.execute(select(E.c.counter_number).where(E.c.kind == "call")).all()
        winner = 1 if statuses[0] == f"已呼叫 {number}" else 2
        assert (called.status, called.counter, calls) == ("called", winner, [(winner,)])
    finally:
        hall.dispose()

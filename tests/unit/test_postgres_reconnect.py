"""A process whose PostgreSQL connections die carries on (issue 17): after every session is
terminated, and after a server restart, a claim loop's next steps succeed, nothing it was told
was saved is lost, at most the step in flight fails (one line, HallUnavailable), and the
change watcher hears commits again. On a cluster of the module's own (`own_pg`): it restarts
the server."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from db.errors import Refused
from db.rules import counters, ops, staff
from db.rules.ops import T
from db.store.schema import init_db
from db.store.session import Hall
from db.store.watch import ChangeWatcher, HallUnavailable
from tests.conftest import PgClusterForTests
from tests.unit.test_multiprocess import cheap_pins, open_hall
from tests.unit.test_postgres import _as_user, _server_bin, cluster, pg_url

__all__ = ["cluster", "pg_url"]  # the fixtures, used by name

pytest.importorskip("psycopg", reason="the PostgreSQL driver (psycopg) is not installed")


@pytest.fixture(scope="module")
def pg(own_pg: PgClusterForTests) -> PgClusterForTests:
    """The server is restarted here: a cluster of the module's own, not the one the other
    pytest workers share."""
    return own_pg


@pytest.fixture
def pg_hall(pg_url: str) -> Iterator[Hall]:
    """A hall on PostgreSQL with C01 signed in at counter 1."""
    hall = open_hall(pg_url)
    init_db(hall)
    with cheap_pins(), hall.write() as tx:
        staff.add_staff(tx, "C01", "张伟", "clerk", "246813")
        counters.sign_in(tx, 1, "C01")
    yield hall
    hall.dispose()


@dataclass
class ClaimLoop:
    """Issue a ticket, then call the next one at counter 1 (a no-show for the last), in a
    loop on a thread of its own, as a counter and a kiosk would; a failed step is noted and
    the loop carries on after a short pause, as the apps do."""

    hall: Hall
    issued: list[str] = field(default_factory=list)
    """The numbers the loop was told were saved."""
    called: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    steps: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with self.hall.write() as tx:
                    number = ops.issue_ticket(tx, "A").number
                self.issued.append(number)
                with self.hall.write() as tx:
                    # nothing held: the first call, or a call that was not saved
                    with contextlib.suppress(Refused):
                        ops.no_show(tx, 1)
                    called = ops.call_next(tx, 1).number
                self.called.append(called)
                self.steps += 2
            except Exception as error:  # noqa: BLE001 (judged by the test)
                self.errors.append(error)
                time.sleep(0.05)

    def advance(self, steps: int, seconds: float = 15.0) -> bool:
        """Wait until the loop has done `steps` more steps."""
        goal, deadline = self.steps + steps, time.monotonic() + seconds
        while self.steps < goal and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.steps >= goal


@pytest.fixture
def loop(pg_hall: Hall) -> Iterator[ClaimLoop]:
    claims = ClaimLoop(pg_hall)
    thread = threading.Thread(target=claims.run, daemon=True)
    thread.start()
    try:
        assert claims.advance(20), claims.errors
        yield claims
    finally:
        claims.stop.set()
        thread.join(10)


def _terminate_others(url: str) -> int:
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalars().all()
    admin.dispose()
    return sum(ended)


def _restart(url: str) -> None:
    server, prefix = _server_bin(), _as_user()
    assert server is not None and prefix is not None
    folder = Path(parse_qs(make_url(url).render_as_string().split("?", 1)[1])["host"][0])
    subprocess.run([*prefix, str(server / "pg_ctl"), "-D", str(folder / "data"), "-l",
                    str(folder / "log"), "-m", "fast", "-w", "restart"],
                   check=True, capture_output=True, timeout=60)


def _url(hall: Hall) -> str:
    return hall.engine.url.render_as_string(hide_password=False)


def _nothing_lost(loop: ClaimLoop) -> None:
    issued, calls = list(loop.issued), list(loop.called)  # told before the read: all saved
    with loop.hall.read() as tx:
        saved = set(tx.conn.execute(select(T.c.number)).scalars())
        called = set(tx.conn.execute(
            select(T.c.number).where(T.c.status.in_(("called", "no_show")))).scalars())
    assert set(issued) <= saved, f"acknowledged tickets missing: {set(issued) - saved}"
    assert set(calls) <= called, f"acknowledged calls missing: {set(calls) - called}"
    for error in list(loop.errors):
        assert isinstance(error, HallUnavailable), repr(error)
        assert "\n" not in str(error) and error.zh


def _eventually_changed(watcher: ChangeWatcher, seconds: float = 15.0) -> list[str]:
    """Ask until the watcher says "changed"; what it raised meanwhile, as one line each."""
    said: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if watcher.changed():
                return said
        except HallUnavailable as error:
            said.append(str(error))
        time.sleep(0.02)
    raise AssertionError(f"the watcher never recovered: {said}")


def test_terminated_sessions_are_replaced_and_the_loop_goes_on(loop: ClaimLoop) -> None:
    watcher = ChangeWatcher.for_hall(loop.hall)
    try:
        assert watcher.changed()
        for _ in range(3):
            assert _terminate_others(_url(loop.hall)) >= 1
            assert loop.advance(10), loop.errors
        _nothing_lost(loop)
        assert len(loop.errors) <= 3, loop.errors  # at most the step in flight, each time
        said = _eventually_changed(watcher)  # lost its connection: reconnected, reload
        assert len(said) <= 1 and all("\n" not in line for line in said)
        assert loop.advance(2)
        assert _eventually_changed(watcher) == []  # hears the loop's commits again
    finally:
        watcher.close()


def test_a_server_restart_is_survived(loop: ClaimLoop) -> None:
    watcher = ChangeWatcher.for_hall(loop.hall)
    try:
        assert watcher.changed()
        _restart(_url(loop.hall))
        assert loop.advance(10), loop.errors
        _nothing_lost(loop)
        # Steps tried while the server was down are refused too, each in one line; of the
        # refusals at most one is a step that died during its COMMIT (the one in flight).
        assert sum("while saving" in str(e) for e in loop.errors) <= 1, loop.errors
        said = _eventually_changed(watcher)
        assert all("\n" not in line for line in said)
        assert loop.advance(2)
        assert _eventually_changed(watcher) == []
    finally:
        watcher.close()


def test_a_read_on_a_dead_connection_is_one_line_and_the_next_works(pg_hall: Hall) -> None:
    with pg_hall.write() as tx:
        ops.issue_ticket(tx, "A")
    _terminate_others(_url(pg_hall))
    with pg_hall.write() as tx:  # the kept writer died idle: BEGIN tried again, unseen
        ops.issue_ticket(tx, "A")
    with pg_hall.read() as tx:  # the pool pings before it lends
        assert len(tx.conn.execute(select(T.c.number)).all()) == 2
    with pytest.raises(HallUnavailable) as refused, pg_hall.write() as tx:
        ops.issue_ticket(tx, "A")
        _terminate_others(_url(pg_hall))  # dies mid-step, before COMMIT
        tx.conn.execute(text("SELECT 1"))
    assert "not saved" in str(refused.value) and "\n" not in str(refused.value)
    with pg_hall.write() as tx:
        assert ops.issue_ticket(tx, "A").number == "A003"

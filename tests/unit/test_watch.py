"""The change check: True exactly after another connection (or process) commits."""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.rules import ops
from db.store.session import Hall
from db.store.watch import (
    ChangeWatcher,
    HallUnavailable,
    IntervalWatcher,
    SqliteWatcher,
    _Listener,
)

ROOT = Path(__file__).resolve().parents[2]


def changed_soon(watcher: ChangeWatcher, seconds: float = 10.0) -> bool:
    """Whether the watcher says "changed" within `seconds`: PostgreSQL's notification comes
    on the listener's own connection a moment after the commit, not within it."""
    deadline = time.monotonic() + seconds
    while not watcher.changed():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def watcher(hall: Hall) -> Iterator[ChangeWatcher]:
    found = ChangeWatcher.for_hall(hall)
    yield found
    found.close()


@pytest.mark.sqlite_only("the SQLite file's watcher (PostgreSQL's: test_postgres.py)")
def test_a_file_hall_gets_the_sqlite_watcher(watcher: ChangeWatcher) -> None:
    assert isinstance(watcher, SqliteWatcher)


def test_changed_only_after_another_commit(hall: Hall, watcher: ChangeWatcher) -> None:
    assert watcher.changed()  # the first check: nothing seen yet
    assert not watcher.changed()
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    assert changed_soon(watcher)
    assert not watcher.changed()
    with hall.read() as tx:  # a read commits nothing
        ops.ticket_row(tx, "A001")
    assert not watcher.changed()


def test_changed_after_another_process_commits(
    hall: Hall, watcher: ChangeWatcher, db_url: str
) -> None:
    watcher.changed()
    script = (
        "import sys\nfrom db.rules import ops\nfrom db.config import load_config\n"
        "from db.store.session import Hall\nhall = Hall.open(sys.argv[1], load_config())\n"
        "with hall.write() as tx:\n    ops.issue_ticket(tx, 'B')\n"
    )
    subprocess.run([sys.executable, "-c", script, db_url], cwd=ROOT, check=True, timeout=60)
    assert changed_soon(watcher)
    assert not watcher.changed()


@pytest.mark.sqlite_only("SQLite's file removed")
def test_a_missing_file_is_unavailable_until_it_returns(hall: Hall, db_url: str) -> None:
    path = Path(db_url.removeprefix("sqlite:///"))
    watcher = ChangeWatcher.for_hall(hall)
    assert watcher.changed()
    hall.dispose()
    moved = path.with_name("away.db")
    path.rename(moved)
    with pytest.raises(HallUnavailable, match="unavailable"):
        watcher.changed()
    with pytest.raises(HallUnavailable):
        watcher.changed()
    moved.rename(path)
    assert watcher.changed()  # reconnected: reload everything
    assert not watcher.changed()
    watcher.close()


def test_a_missing_file_is_never_created(tmp_path: Path) -> None:
    watcher = SqliteWatcher(str(tmp_path / "none.db"))
    with pytest.raises(HallUnavailable):
        watcher.changed()
    assert not (tmp_path / "none.db").exists()


def test_interval_watcher_says_changed_every_interval() -> None:
    now = [100.0]
    watcher = IntervalWatcher(2.0, clock=lambda: now[0])
    assert watcher.changed()
    assert not watcher.changed()
    now[0] += 2.5
    assert watcher.changed()
    assert not watcher.changed()


class _Told:
    def __init__(self, payload: str) -> None:
        self.payload = payload


class _Notifying:
    """A listening connection whose notifications the test hands in one by one: `told`
    returns once the listener has taken the notification in (asked for the next one)."""

    def __init__(self) -> None:
        self.waiting: queue.Queue[str] = queue.Queue()

    def notifies(self, timeout: float) -> Iterator[_Told]:
        try:
            payload = self.waiting.get(timeout=timeout)
        except queue.Empty:
            return
        yield _Told(payload)
        self.waiting.task_done()  # resumed: the listener is done with it

    def told(self, payload: str) -> None:
        self.waiting.put(payload)
        self.waiting.join()

    def close(self) -> None:
        pass


@pytest.mark.parametrize("ours", ["1", None])
def test_another_halls_notifications_do_not_wake_a_display(ours: str | None) -> None:
    """On PostgreSQL the payload is the hall that changed (migration 0015): a watcher of hall
    1 lets hall 2's pass; an empty payload (before that migration) counts for every hall, and
    so does any while the watcher does not yet know its hall."""
    conn = _Notifying()
    listener = _Listener(conn, lambda: ours)
    try:
        assert listener.take()  # the first check reads everything
        conn.told("2")
        assert listener.take() is (ours is None)
        conn.told("1")
        assert listener.take()
        conn.told("")
        assert listener.take()
        assert not listener.take()
    finally:
        listener.stop()

"""A cheap check for other processes' commits, so that a display reloads only after one.

On SQLite a dedicated connection reads `PRAGMA data_version`, a number that changes when
another connection commits: one read of the database header per check, no query of the
tickets. On PostgreSQL the database pushes: every committed step's event fires a NOTIFY
whose payload is the event's hall (a trigger, migration 0015) that a dedicated autocommit
connection LISTENs for (a notification of another hall of the database is let pass),
with a thread of the watcher blocked on it: a check only looks at what already arrived, and
`wait()` returns as soon as something does. Any other database gets `IntervalWatcher` (a reload
every few seconds). The apps see only the `ChangeWatcher` interface.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from db.store.engine import NOTIFY_CHANNEL
from db.store.session import Hall, HallUnavailable

__all__ = ["ChangeWatcher", "HallUnavailable", "IntervalWatcher", "PostgresWatcher",
           "SqliteWatcher"]


class ChangeWatcher(ABC):
    """Tells whether the hall's data may have changed since the last check."""

    @abstractmethod
    def changed(self) -> bool:
        """True when another process committed since the last call (and on the first call,
        and after a reconnection); raises HallUnavailable while the database is away."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the watcher's connection."""

    pushed = False
    """Whether `wait()` returns as soon as a change arrives (the database pushes it), so a
    watching thread may wait long between checks instead of checking often."""

    def wait(self, seconds: float) -> None:
        """Block for at most `seconds`, less when a change arrives (a pushed watcher): the
        pause of a watching thread between two checks. Never raises."""
        time.sleep(seconds)

    def wake(self) -> None:  # noqa: B027 (a hook: most watchers have nothing to wake)
        """End a `wait()` under way now (a read was asked for); nothing to do here."""

    @staticmethod
    def for_hall(hall: Hall) -> ChangeWatcher:
        """The cheapest watcher the hall's database allows."""
        url = hall.engine.url
        path = url.database or ""
        if url.get_backend_name() == "sqlite" and path and path != ":memory:":
            return SqliteWatcher(path)
        if url.get_backend_name() == "postgresql":
            return PostgresWatcher(hall.engine, hall)
        return IntervalWatcher()


class SqliteWatcher(ChangeWatcher):
    """`PRAGMA data_version` on a connection of its own to the SQLite file at `path`."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))
        self._conn: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._version: int | None = None

    def changed(self) -> bool:
        """Compare the data version with the last one seen."""
        if self._conn is None or not self._same_file():
            self._connect()
            return True
        try:
            version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as error:
            self.close()
            raise HallUnavailable(f"the database is unavailable: {error}") from error
        changed, self._version = version != self._version, version
        return changed

    def close(self) -> None:
        """Close the connection; the next check reconnects."""
        if self._conn is not None:
            self._conn.close()
        self._conn, self._inode, self._version = None, None, None

    def _connect(self) -> None:
        """Open the file (never create it: a missing file is an unavailable database)."""
        self.close()
        try:
            inode = self._stat()
            # check_same_thread off: an app may build the watcher on one thread and check on
            # another; it is never used by two at once.
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=1,
                                   isolation_level=None, check_same_thread=False)
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        except (OSError, sqlite3.Error) as error:
            raise HallUnavailable(f"the database is unavailable: {error}") from error
        self._conn, self._inode, self._version = conn, inode, version

    def _stat(self) -> tuple[int, int]:
        info = os.stat(self.path)
        return info.st_dev, info.st_ino

    def _same_file(self) -> bool:
        """Whether the file is still the one the connection has open (a restored backup or a
        remounted share is a new file, whose commits the old connection would never see)."""
        try:
            return self._stat() == self._inode
        except OSError:
            return False




LISTEN_TURN = 0.25
"""The longest the listening thread blocks in one wait for a notification: how soon it sees
that it was told to stop (a notification wakes it at once)."""


class _Listener:
    """A thread blocked on the notifications of its own autocommit connection: each one
    marks the hall changed and rings the bell; a failure is kept for `changed()` to raise."""

    def __init__(self, conn: Any, hall: Callable[[], str | None]) -> None:
        self.conn = conn
        self.hall = hall
        """The payload of this hall's notifications (its id), None while not known yet."""
        self.arrived = True  # the first check after connecting reads everything
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.bell = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="hall-listen", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stopped.is_set():
                for told in self.conn.notifies(timeout=LISTEN_TURN):
                    ours = self.hall()
                    if ours is not None and told.payload not in (ours, ""):
                        continue  # another hall of the database changed
                    with self.lock:
                        self.arrived = True
                    self.bell.set()
        except Exception as error:  # noqa: BLE001 (the driver's own: the server went away)
            if not self.stopped.is_set():
                self.error = error
        finally:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.bell.set()

    def take(self) -> bool:
        """Whether a notification arrived since the last call."""
        with self.lock:
            arrived, self.arrived = self.arrived, False
        return arrived

    def stop(self) -> None:
        self.stopped.set()
        self.bell.set()
        if self.thread is not threading.current_thread():
            self.thread.join(LISTEN_TURN * 4)


class PostgresWatcher(ChangeWatcher):
    """LISTEN on a connection of its own, taken out of the engine's pool for good, on which
    a thread of the watcher blocks until a notification comes (no polling): `changed()`
    only looks at what arrived, and `wait()` returns as soon as something does."""

    pushed = True

    def __init__(self, engine: Engine, hall: Hall | None = None) -> None:
        self.engine = engine
        self.hall = hall
        """The hall watched; None: any hall of the database."""
        self._listener: _Listener | None = None

    def _payload(self) -> str | None:
        """The payload of the watched hall's notifications (None: every one counts): known
        once a transaction of the hall has found it."""
        found = self.hall.hall if self.hall is not None else None
        return str(found.id) if found is not None else None

    def changed(self) -> bool:
        """Whether a notification arrived since the last check (never waits for one)."""
        listener = self._listener
        if listener is None:
            self._listener = _Listener(self._connect(), self._payload)
            return self._listener.take()
        if listener.error is not None:
            error = listener.error
            self.close()
            raise HallUnavailable(f"the database is unavailable: {_first_line(error)}",
                                  zh="无法连接数据库，正在重新连接") from error
        return listener.take()

    def wait(self, seconds: float) -> None:
        """Return when a notification arrives (or the connection fails), or after
        `seconds`."""
        listener = self._listener
        if listener is None:
            time.sleep(seconds)
            return
        listener.bell.wait(seconds)
        listener.bell.clear()

    def wake(self) -> None:
        """End a `wait()` under way now."""
        listener = self._listener
        if listener is not None:
            listener.bell.set()

    def close(self) -> None:
        """Stop listening and close the connection; the next check reconnects."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def _connect(self) -> Any:
        conn: Any = None
        try:
            pooled = self.engine.raw_connection()  # pinged first: never a dead one
            conn = pooled.driver_connection
            pooled.detach()  # ours alone from now on; the pool opens another when it needs one
            conn.rollback()  # out of any transaction the pool left open, then autocommit
            conn.autocommit = True
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except Exception as error:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            raise HallUnavailable(f"the database is unavailable: {_first_line(error)}",
                                  zh="无法连接数据库，正在重新连接") from error
        return conn


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(error).__name__


class IntervalWatcher(ChangeWatcher):
    """Says "changed" every `seconds`: the fallback where no cheap check exists yet."""

    def __init__(self, seconds: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: float | None = None

    def changed(self) -> bool:
        """True on the first call and then once every `seconds`."""
        now = self.clock()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True

    def close(self) -> None:
        """Nothing to close."""

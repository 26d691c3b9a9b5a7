"""A cheap check for other processes' commits, so that a display reloads only after one.

On SQLite a dedicated connection reads `PRAGMA data_version`, a number that changes when
another connection commits: one read of the database header per check, no query of the
tickets. On PostgreSQL the database pushes: every committed step's event fires a NOTIFY
(a trigger made by the first migration) that a dedicated connection LISTENs for, so a check
only looks at what already arrived. Any other database gets `IntervalWatcher` (a reload
every few seconds). The apps see only the `ChangeWatcher` interface.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from db.errors import HallError
from db.store.session import Hall


class HallUnavailable(HallError):
    """The database cannot be reached now; a display says "reconnecting" and keeps trying."""


class ChangeWatcher(ABC):
    """Tells whether the hall's data may have changed since the last check."""

    @abstractmethod
    def changed(self) -> bool:
        """True when another process committed since the last call (and on the first call,
        and after a reconnection); raises HallUnavailable while the database is away."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the watcher's connection."""

    @staticmethod
    def for_hall(hall: Hall) -> ChangeWatcher:
        """The cheapest watcher the hall's database allows."""
        url = hall.engine.url
        path = url.database or ""
        if url.get_backend_name() == "sqlite" and path and path != ":memory:":
            return SqliteWatcher(path)
        if url.get_backend_name() == "postgresql":
            return PostgresWatcher(hall.engine)
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


NOTIFY_CHANNEL = "hall_changes"
"""The channel the `events_notify` trigger (migration 0001) notifies on every commit."""


class PostgresWatcher(ChangeWatcher):
    """LISTEN on a connection of its own, taken out of the engine's pool for good."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Any = None

    def changed(self) -> bool:
        """Whether a notification arrived since the last check (never waits for one)."""
        if self._conn is None:
            self._connect()
            return True
        try:
            arrived = list(self._conn.notifies(timeout=0))
        except Exception as error:  # the driver's own errors: the server went away
            self.close()
            raise HallUnavailable(f"the database is unavailable: {error}") from error
        return bool(arrived)

    def close(self) -> None:
        """Close the listening connection; the next check reconnects."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def _connect(self) -> None:
        try:
            pooled = self.engine.raw_connection()
            conn: Any = pooled.driver_connection
            pooled.detach()  # ours alone from now on; the pool opens another when it needs one
            conn.rollback()  # out of any transaction the pool left open, then autocommit
            conn.autocommit = True
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except Exception as error:
            raise HallUnavailable(f"the database is unavailable: {error}") from error
        self._conn = conn


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

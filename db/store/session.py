"""The hall handle: an engine, the hall config and a clock, and the units of work on them.

Callers own the transaction (one short transaction per user action); the operations in
`db.rules.ops` take the `Tx` they are given and never commit or open one themselves.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import os
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from db.config import HallConfig
from db.errors import HallError
from db.store import halls
from db.store.engine import (
    LOCK_HALL,
    NOTIFY_CHANNEL,
    READ_ONLY,
    WRITE_LOCK,
    engine_file_problem,
    make_engine,
    missing_database,
    sqlite_file,
)
from db.store.halls import HallInfo


class HallUnavailable(HallError):
    """The database cannot be reached now (the connection died: a terminated session, a
    restarted server); a display says "reconnecting" and keeps trying, a step may be tried
    again: the next one opens a new connection."""


def lost_connection(error: BaseException, *, saving: bool = False) -> HallUnavailable:
    """The one line for a step whose connection died: not saved, or (`saving`: it died
    during COMMIT) perhaps saved."""
    why = _first_line(error)
    if saving:
        return HallUnavailable(
            f"the connection to the database was lost while saving ({why}): the step may or "
            "may not have been saved; look before trying again",
            zh="保存时与数据库的连接中断：此步可能已保存，也可能未保存，请查看后再试")
    return HallUnavailable(
        f"the connection to the database was lost ({why}): the step was not saved; "
        "reconnecting, try again", zh="与数据库的连接中断，此步未保存；正在重新连接，请重试")


def unreachable(error: BaseException) -> HallUnavailable:
    """The one line for a database server that does not answer a new connection."""
    return HallUnavailable(f"the database cannot be reached ({_first_line(error)}); "
                           "reconnecting, try again",
                           zh="无法连接数据库；正在重新连接，请重试")


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(error).__name__


Clock = Callable[[], dt.datetime]
"""Returns the current time as an aware datetime; tests and simulations inject their own."""


SEALS = logging.getLogger("db.seal")
"""A sealer that could not run after a commit (the events wait for the next one)."""
STEPS = logging.getLogger("db.steps")
"""One line per committed event (`Tx.said`): what every app and command did, for the log."""


def _tell(tx: Tx) -> None:
    """Log the events a committed transaction appended."""
    for line in tx.said:
        STEPS.info("%s", line)


def utc_now() -> dt.datetime:
    """The real clock."""
    return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock that moves only when told: tests and simulations run a day in seconds."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: float = 0, seconds: float = 0) -> dt.datetime:
        """Move the clock forward and return the new time."""
        self.now += dt.timedelta(minutes=minutes, seconds=seconds)
        return self.now


@dataclass(frozen=True)
class Tx:
    """One open transaction with what the rules need to know about 'now'."""

    conn: Connection
    """The connection inside the transaction."""
    config: HallConfig
    """The hall's configuration."""
    now: dt.datetime
    """The time of this unit of work, naive UTC as stored in the database."""
    day: dt.date
    """The business day `now` falls in, in the hall's time zone."""
    hints: dict[Any, Any] = field(default_factory=dict)
    """What this process last saw of the hall (a counter's work profile), shared by the
    transactions of one `Hall`: only ever a guess that a guarded statement checks."""
    chain: list[Any] = field(default_factory=list)
    """The id and hash of the last event this transaction appended (`db.rules.ops.log`)."""
    sessions: dict[int, str] = field(default_factory=dict)
    """The sign-in sessions this process holds, by counter: a step at such a counter is
    refused once the session has ended (`db.rules.counters`). Shared by the `Hall`'s
    transactions."""

    said: list[str] = field(default_factory=list)
    """One line per event this transaction appended, logged once it has committed
    (`db.steps`); filled only while that logger writes."""
    hall_id: int = 1
    """The hall of the database this transaction is kept to (`db.store.halls`)."""

    def session(self, counter: int) -> str | None:
        """This process's session at `counter`, if it holds one."""
        return self.sessions.get(counter)


SEAL_PAUSE = 0.005
"""Seconds the sealing process waits once woken, so that the commits that follow within it
(on a busy hall, every process's) are sealed in one batch."""
SEAL_LEAD = 0x4841_4C44
"""PostgreSQL session advisory lock held by the one process that seals a database's events
(`Sealer`): the first to take it, until its connection ends."""
LEAD_TURN = 1.0
"""Seconds between a following sealer's tries to take the lead: how soon the events of a
database whose sealing process died (or stalled) are sealed by another."""
LONGEST_TURN = 30.0
"""Seconds a sealer whose server has been away a while waits between its tries."""
_TRY_LEAD = (f"SELECT pg_try_advisory_lock({SEAL_LEAD}), "
             "(SELECT min(id) FROM events WHERE seal IS NULL)")


class Sealer:
    """A process's sealer on a database server: a thread with a connection of its own (out
    of the pool for good). Of all the processes writing to one database, one leads (it
    holds `SEAL_LEAD`): it LISTENs for the notification every commit that appends an event
    sends (the `events_notify` trigger, migration 0001) and, woken, chains the committed
    events not yet sealed, every process's (`db.store.audit.seal`), so that a step returns at
    its commit and the commits that come while it seals are sealed in one batch. The others
    follow: once a `LEAD_TURN` they try to take the lead (a leader that died has let it
    go), and seal themselves when the oldest unsealed event they saw a turn ago is still
    unsealed (a leader that stalled). A sealer that fails (the connection lost) leaves the
    events to the next turn, another process's sealer, or `hall audit verify`; the steps
    were saved whatever happens here. Stopping (`close`, at exit too), it seals once more."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pid = os.getpid()
        self.leading = False
        """Whether this process seals the database's events (holds `SEAL_LEAD`)."""
        self._stop = False
        self._bell, self._ring = socket.socketpair()  # `close` rings: the thread wakes
        self._bell.setblocking(False)
        self._ring.setblocking(False)
        self._conn: Any = None
        self._thread = threading.Thread(target=self._run, name="hall-sealer", daemon=True)
        self._thread.start()
        atexit.register(self.close)  # a process ending without `Hall.dispose` seals too

    def _run(self) -> None:
        from db.store.audit import seal

        next_try = 0.0
        seen: Any = None  # the oldest unsealed event at the last turn
        failures = 0  # in a row: the server away is tried less and less often, told once
        while not self._stop:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                conn = self._conn
                if self.leading:
                    if self._changes(conn, None):
                        time.sleep(SEAL_PAUSE)  # the next few ms' commits: the same batch
                        list(conn.notifies(timeout=0))  # (told of those already)
                        seal(conn, told=True)
                    continue
                self._changes(None, max(0.0, next_try - time.monotonic()))
                if self._stop:
                    break
                next_try = time.monotonic() + LEAD_TURN
                won, oldest = conn.execute(_TRY_LEAD).fetchone()
                conn.commit()
                if won:  # told of every commit from now on; seals what is there
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    conn.commit()
                    self.leading = True
                    seal(conn, told=True)
                elif oldest is not None and oldest == seen:
                    seal(conn)
                seen = oldest
                failures = 0
            except Exception as error:  # noqa: BLE001 (the thread must live on)
                if not failures:
                    SEALS.warning("events not sealed now (they are sealed later): %s",
                                  _first_line(error))
                failures += 1
                self._drop()
                self._changes(None, min(LEAD_TURN * 2 ** (failures - 1), LONGEST_TURN))
                next_try = 0.0
        try:  # the last seal: what this process wrote (another sealer's, if it is busy)
            if self._conn is None:
                self._conn = self._connect()
            seal(self._conn)
        except Exception as error:  # noqa: BLE001
            SEALS.warning("events not sealed now (they are sealed later): %s",
                          _first_line(error))
        self._drop()

    def _changes(self, conn: Any, seconds: float | None) -> bool:
        """Wait for a notification on `conn` (None: only for the bell), `seconds` at most
        (None: as long as it takes), or for `close`'s bell; whether one came."""
        while True:
            if conn is not None and list(conn.notifies(timeout=0)):  # come, or kept
                return True
            watched = [self._bell] if conn is None else [self._bell, conn.fileno()]
            ready, _, _ = select.select(watched, [], [], seconds)
            if self._bell in ready or self._stop:
                with contextlib.suppress(OSError):
                    self._bell.recv(64)
                return False
            if not ready:
                return False

    def _connect(self) -> Any:
        pooled = self.engine.raw_connection()  # pinged first: never a dead one
        conn: Any = pooled.driver_connection
        pooled.detach()  # its own for good: its LISTEN and lock never go back to the pool
        conn.rollback()
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self.leading = False  # its lock ends with its session
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def stop(self) -> None:
        """Tell the thread to seal once more and stop (not waiting for it)."""
        self._stop = True
        with contextlib.suppress(OSError):
            self._ring.send(b"\0")

    def close(self) -> None:
        """Seal once more and stop (waiting at most 10 s: the server may be gone)."""
        atexit.unregister(self.close)
        self.stop()
        self._thread.join(10)
        if not self._thread.is_alive():
            self._bell.close()
            self._ring.close()


class Hall:
    """What every app, the CLI and the tests hold: where the hall's database is, and its rules."""

    def __init__(self, engine: Engine, config: HallConfig, clock: Clock = utc_now, *,
                 hall: str | None = None) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock
        self.code = hall if hall is not None else os.environ.get("HALL_CODE") or None
        """The code of the hall this handle works on (`--hall`, `$HALL_CODE`); None: the
        database's only hall."""
        self.hall: HallInfo | None = None
        """That hall, once a transaction has found it (`db.store.halls.resolve`)."""
        self.hints: dict[Any, Any] = {}
        self.sessions: dict[int, str] = {}
        """Counter → the session token this process signed in with (a counter client)."""
        self._writer: Connection | None = None
        self._writer_free = threading.Lock()
        self._writing: set[int] = set()
        """The threads with a write transaction of this hall open (`writing`)."""
        self._file = sqlite_file(engine.url)
        self._inode: tuple[int, int] | None = None
        self._sealer: Sealer | None = None

    @classmethod
    def open(cls, url: str, config: HallConfig, clock: Clock = utc_now, *,
             hall: str | None = None) -> Hall:
        """The hall `hall` (a code; None: `$HALL_CODE`, else the database's only hall) on
        the database at `url` (which `db.store.schema.init_db` must have prepared)."""
        return cls(make_engine(url), config, clock, hall=hall)

    def _tx(self, conn: Connection) -> Tx:
        aware = self.clock()
        now = aware.astimezone(dt.UTC).replace(tzinfo=None)
        return Tx(conn, self.config, now, self.config.business_day(aware), self.hints,
                  sessions=self.sessions, hall_id=self._scope(conn))

    def _locks(self, counter: int | None) -> dict[str, Any]:
        """The execution options of a write's locks on PostgreSQL: `counter`'s, in this
        hall (each hall of a database locks on its own keys: `db.store.engine.LOCK_HALL`)."""
        if self._file is not None or self.engine.dialect.name == "sqlite":
            return {WRITE_LOCK: counter}  # (not read there)
        if self.hall is None:
            with self.read():  # the hall, found before the first write takes its lock
                pass
        return {WRITE_LOCK: counter, LOCK_HALL: self.hall.id if self.hall is not None else 1}

    def _scope(self, conn: Connection) -> int:
        """Keep the transaction to this handle's hall (found on the first transaction); on
        a database before migration 0014, which has no halls yet, there is only the one."""
        if self.hall is None:
            if not halls.has_halls(conn):
                return 1
            self.hall = halls.resolve(conn, self.code)
        elif conn.get_execution_options().get(LOCK_HALL) == self.hall.id:
            return self.hall.id  # a write: kept to it by the statement that took its locks
        halls.scope(conn, self.hall.id)
        return self.hall.id

    @contextmanager
    def write(self, counter: int | None = None) -> Iterator[Tx]:
        """A write transaction (BEGIN IMMEDIATE on SQLite): committed on success, else undone.
        `counter`: a step of that counter's own (its calls, its ticket's outcomes), which on
        PostgreSQL runs side by side with the steps of other counters (`HALL_LOCK`); any
        other write there runs alone. On PostgreSQL the events written are sealed into the
        chain after commit (`db.store.audit.seal`)."""
        # One connection is kept for writes and reused by whichever thread writes next: a
        # pool checkout and check-in per transaction would cost more than SQLite's own work.
        # A second writer at the same moment takes a pooled connection as before.
        # A connection that died (a terminated session, a restarted server) is dropped by
        # SQLAlchemy (invalidated) and the step refused as HallUnavailable; a step that died
        # before it ran anything (at BEGIN, on the kept writer) is tried once more on a new
        # connection, and the next step opens a new one: the pool pings before it lends.
        thread = threading.get_ident()
        self._writing.add(thread)
        saving = False
        try:
            if not self._writer_free.acquire(blocking=False):
                self._check_file()
                with (self._connect() as conn,
                      conn.execution_options(**self._locks(counter)).begin()):
                    tx = self._tx(conn)
                    yield tx
                    saving = True
                self._seal()
                _tell(tx)
                return
            try:
                if self._check_file(note=True):
                    self._reconnect()
                kept, transaction = self._begin_writer(counter)
                with transaction:
                    tx = self._tx(kept)
                    yield tx
                    saving = True
            finally:
                self._writer_free.release()
            self._seal()
            _tell(tx)
        except DBAPIError as error:
            problem = engine_file_problem(self.engine, error)
            if problem is not None:
                raise problem from error
            if error.connection_invalidated:
                raise lost_connection(error, saving=saving) from error
            raise
        finally:
            self._writing.discard(thread)

    def _begin_writer(self, counter: int | None) -> tuple[Connection, Any]:
        """The kept writer with its transaction begun (under `_writer_free`); a writer whose
        connection died is replaced, and BEGIN tried once more (nothing of the step ran)."""
        for attempt in range(2):
            kept = self._writer
            if kept is None or kept.closed or kept.invalidated:
                if kept is not None:
                    kept.close()
                kept = self._writer = self._connect()
            try:
                return kept, kept.execution_options(**self._locks(counter)).begin()
            except DBAPIError as error:
                if not error.connection_invalidated or attempt:
                    raise
        raise AssertionError("unreachable")

    def seal(self) -> int:
        """Chain every event committed so far that is not yet sealed (PostgreSQL; waits for
        a sealer at work), before the chain's head is read (`hall audit verify`, the day's
        close). Returns how many this call sealed; 0 on SQLite."""
        if self._file is not None or self.engine.dialect.name == "sqlite":
            return 0
        from db.store.audit import seal

        try:
            raw = self.engine.raw_connection()
        except DBAPIError as error:
            raise unreachable(error) from error
        try:
            return seal(raw.driver_connection, wait=True)
        except self.engine.dialect.loaded_dbapi.Error as error:
            raw.invalidate()
            raise lost_connection(error) from error
        finally:
            raw.close()

    def _seal(self) -> None:
        """After a commit on a database server: make sure this process has its sealer
        (`Sealer`): the database's sealing process, told of the commit, chains its events
        (`db.store.audit.seal`) beside the next steps; nothing to do on SQLite, where events
        are chained as they are written."""
        if self._file is not None or self.engine.dialect.name == "sqlite":
            return
        sealer = self._sealer
        if sealer is None or sealer.pid != os.getpid():  # none yet, or a forked copy's
            sealer = self._sealer = Sealer(self.engine)
            weakref.finalize(self, sealer.stop)  # a hall dropped without `dispose` too

    def _connect(self) -> Connection:
        """A connection from the pool (pinged first on a server: a dead one is replaced); a
        server that does not answer is HallUnavailable (a SQLite file's problems are said by
        the caller, `engine_file_problem`)."""
        try:
            return self.engine.connect()
        except DBAPIError as error:
            if self.engine.dialect.name == "sqlite":
                raise
            raise unreachable(error) from error

    def _check_file(self, *, note: bool = False) -> bool:
        """Refuse a step on a SQLite file that is gone (deleted under the running app: the
        open connections would write on into the deleted file, and a new one must never
        create an empty database in its place); whether the file at the path is another one
        than before (a restored backup), whose connections must be opened again."""
        if self._file is None:
            return False
        try:
            info = os.stat(self._file)
        except FileNotFoundError:
            raise missing_database(self._file) from None
        inode = (info.st_dev, info.st_ino)
        changed = self._inode is not None and inode != self._inode
        if note:
            self._inode = inode
        return changed

    def _reconnect(self) -> None:
        # Under `_writer_free`: the kept writer is this thread's to close.
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.engine.dispose()

    def writing(self) -> bool:
        """Whether the calling thread has a write transaction of this hall open: slow work
        (a PIN check) must never run inside one, since it holds the hall's write lock."""
        return threading.get_ident() in self._writing

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Tx]:
        """A read-only transaction that never takes the write lock. On SQLite it reads one
        snapshot (WAL); on PostgreSQL each statement reads what is committed when it starts
        (READ COMMITTED), unless `snapshot`: then the whole transaction reads the one
        snapshot of its first statement (REPEATABLE READ, READ ONLY), for a reader whose
        statements must agree with one another (`hall audit verify`: the chain walked and
        the unsealed tail counted)."""
        self._check_file()
        options: dict[str, Any] = {READ_ONLY: True}
        if snapshot and self._file is None and self.engine.dialect.name == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        try:
            with (
                self._connect().execution_options(**options) as conn,
                conn.begin(),
            ):
                yield self._tx(conn)
        except DBAPIError as error:
            problem = engine_file_problem(self.engine, error)
            if problem is not None:
                raise problem from error
            if error.connection_invalidated:
                raise lost_connection(error) from error
            raise

    def dispose(self) -> None:
        """Close the pooled connections (before a fork, or at exit); the sealer seals what
        this process wrote and stops."""
        if self._sealer is not None and self._sealer.pid == os.getpid():
            self._sealer.close()
        self._sealer = None
        with self._writer_free:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()

"""Engine set-up: every dialect-specific setting of the project lives in this module.

SQLite is the embedded default. Its settings follow from two promises: a number given out
survives a power cut (WAL with `synchronous=FULL`), and two processes never see a write
half-done or race on a claim (`BEGIN IMMEDIATE` for every write transaction, so the write
lock is taken up front and a busy writer waits instead of failing on upgrade).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, unquote

from sqlalchemy import Engine, Select, Table, create_engine, event, exc
from sqlalchemy.engine import URL, Connection, make_url

from db.errors import (
    DamagedDatabase,
    DatabaseUnusable,
    HallError,
    Misuse,
    NoDatabase,
    ReadOnlyDatabase,
)

BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another process's write lock before giving up."""

READ_ONLY = "hall_read_only"
"""Execution option: open the transaction with a plain (deferred) BEGIN: a consistent read."""


def data_folder() -> Path:
    """The platform's user data folder of the program, where the default database lives."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("onestop-hall", appauthor=False))


def default_db_url() -> str:
    """`$HALL_DB`, else a SQLite file in the platform's user data directory."""
    url = os.environ.get("HALL_DB")
    if url:
        return url
    return f"sqlite:///{data_folder() / 'hall.db'}"


def make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    """An engine for `url`, with the project's settings for its dialect. A SQLite file is
    opened only if it exists (`mode=rw`): nothing but `create_database` (`hall init`) makes
    one. A URL option the driver cannot take (`?timeout=abc`) is Misuse."""
    try:
        if url.startswith("sqlite"):
            return _sqlite_engine(url, synchronous)
        return _server_engine(url)
    except (ValueError, TypeError) as error:
        raise Misuse(f"bad database URL {_masked(url)}: {_first_line(error)}",
                     zh=f"数据库地址 {_masked(url)} 有误：{_first_line(error)}") from None


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return url


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(error).__name__


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL (also of a `file:` URI); None for another dialect or an
    in-memory database."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if name.startswith("file:"):
        name = unquote(name[len("file:"):].split("?", 1)[0])
        if name.startswith("//"):  # file://host/path: only an empty or local host
            name = "/" + name[2:].split("/", 1)[-1]
    if not name or name == ":memory:" or "mode=memory" in (parsed.database or ""):
        return None
    return Path(name)


def _rw_uri(path: Path) -> str:
    """A URI that opens `path` for reading and writing, never creating it."""
    return f"file:{quote(os.path.abspath(path), safe='/')}?mode=rw"


HALL_LOCK = 0x4841_4C4C
"""PostgreSQL advisory lock every write transaction takes first, before any row lock (so
that it cannot deadlock with one). A step at a counter (`Hall.write(counter=N)`: the calls
and the outcomes of the counter's ticket) takes it shared, with that counter's own lock
(`COUNTER_LOCKS`, N) exclusive: steps at different counters run side by side, those at one
counter in turn. Every other step takes it exclusive and runs alone, as SQLite's BEGIN
IMMEDIATE makes every writer. Events are not chained by the writers (`db.store.audit.seal`),
so nothing else makes them wait for one another."""
NOTIFY_CHANNEL = "hall_changes"
"""The channel the `events_notify` trigger (migration 0001) notifies on every commit that
appends an event: the displays' watchers and the sealing process (`db.store.session.Sealer`)
LISTEN on it."""
COUNTER_LOCKS = 0x4843
"""The first key of a counter's advisory lock (the two-key form: its own key space)."""
WRITE_LOCK = "hall_write_lock"
"""Execution option: which lock the write transaction takes on PostgreSQL: None (the hall's
lock, exclusive), or a counter number (shared, with the counter's lock). The sealer
(`db.store.audit.seal`) works on the driver's connection and takes only its own."""
LOCK_HALL = "hall_lock_hall"
"""Execution option: the id of the hall whose locks a write transaction takes (default 1):
the halls of one database (`db.store.halls`) each have their own hall lock and counter
locks, so that one hall's writers never wait for another's. Given, the statement that takes
the locks also keeps the transaction to that hall (`db.store.halls.scope`)."""


@lru_cache(maxsize=1024)
def _lock_sql(mode: object, hall: int = 1, scoped: bool = False) -> str:
    # Hall 1's keys are those of a database of one hall; each further hall its own.
    # `scoped`: the same statement keeps the transaction to the hall (`db.store.halls.scope`,
    # one round trip less for every write).
    hall_key = HALL_LOCK + ((hall - 1) << 32)
    scope = f", set_config('hall.id', '{int(hall)}', true)" if scoped else ""
    if mode is None:
        return f"SELECT pg_advisory_xact_lock({hall_key}){scope}"
    return (f"SELECT pg_advisory_xact_lock_shared({hall_key}), "
            f"pg_advisory_xact_lock({COUNTER_LOCKS + (((hall - 1) % 32768) << 16)}, "
            f"{int(cast(int, mode))}){scope}")


def _server_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(READ_ONLY) or options.get("isolation_level") == "AUTOCOMMIT":
            return
        hall = options.get(LOCK_HALL)
        statement = _lock_sql(options.get(WRITE_LOCK), hall or 1, hall is not None)
        # Straight to the driver (psycopg opens its transaction on this first statement):
        # a statement through `conn` here would begin the transaction being begun.
        driver_first(conn, statement, None)

    return engine


def driver_first(conn: Connection, statement: str, values: Any) -> Any:
    """Run `statement` on `conn`'s driver connection, past SQLAlchemy's execution path; its
    first row (None when it returns none). A driver error is raised as SQLAlchemy raises
    it, and a dead connection is invalidated: SQLAlchemy never sees an error raised here,
    so it is told, and the next step opens a new connection (a terminated session, a
    restarted server) instead of failing on this one forever."""
    dbapi_conn = conn.connection.dbapi_connection
    cursor = None
    try:
        cursor = dbapi_conn.cursor()  # type: ignore[union-attr]
        cursor.execute(statement, values)
        # `rownumber`: whether there is a result set (`description` builds every column's
        # description: a tenth of a claim's CPU for the claim's 31 columns).
        row = cursor.fetchone() if cursor.rownumber is not None else None
        cursor.close()
        return row
    except conn.dialect.loaded_dbapi.Error as error:
        lost = conn.dialect.is_disconnect(error, dbapi_conn, cursor)
        if lost:
            conn.invalidate(error)
        raise exc.DBAPIError.instance(
            statement, values, error, conn.dialect.loaded_dbapi.Error,
            connection_invalidated=lost, dialect=conn.dialect) from error


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    path = sqlite_file(engine.url)
    plain = path is not None and not (engine.url.database or "").startswith("file:")

    if plain and path is not None:
        @event.listens_for(engine, "do_connect")
        def _open(_dialect: Any, _record: Any, cargs: list[Any],
                  cparams: dict[str, Any]) -> Any:
            # mode=rw: a missing file is an error, never a new empty database (the driver's
            # own connect would create it: a file deleted under a running app, a mistyped
            # path). A `file:` URI given by the caller is the caller's to word.
            try:
                return sqlite3.connect(_rw_uri(path), *cargs[1:], **{**cparams, "uri": True})
            except sqlite3.Error as error:
                raise file_problem(error, path) or error from None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite: we emit BEGIN ourselves below.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlite3.Error as error:
            problem = file_problem(error, path) if path is not None else None
            if problem is None:
                raise
            raise problem from None
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        # Straight to the driver: this runs before every write, under the hall's write
        # lock, and SQLAlchemy's execution path would cost more than SQLite's BEGIN.
        begin = "BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE"
        try:
            conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]
        except sqlite3.Error as error:  # as SQLAlchemy would have raised it ("locked", ...)
            raise exc.DBAPIError.instance(begin, None, error, sqlite3.Error) from error

    return engine


def missing_database(path: Path) -> NoDatabase:
    """The one line for a hall database that is not there."""
    return NoDatabase(f"no hall database at {path}: run `hall init`",
                      zh=f"{path} 没有营业厅数据库：请先运行 hall init")


def file_problem(error: BaseException, path: Path) -> HallError | None:
    """What a SQLite error says about the hall's file at `path`, as one line: missing (run
    `hall init`), read-only, or damaged; None when it is about something else (a lock)."""
    said = getattr(error, "orig", None) or error
    if not isinstance(said, sqlite3.Error):
        return None
    name = getattr(said, "sqlite_errorname", "") or ""
    text = str(said).lower()
    if not path.exists():
        return missing_database(path)
    if name.startswith("SQLITE_READONLY") or "readonly" in text or (
        name.startswith("SQLITE_CANTOPEN") and not os.access(path, os.W_OK)
    ):
        return ReadOnlyDatabase(
            f"the hall database {path} is read-only (the file, its folder or its disk "
            "does not allow writing)",
            zh=f"营业厅数据库 {path} 只读（文件、所在文件夹或磁盘不允许写入）")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or name.startswith("SQLITE_CORRUPT") or (
        "not a database" in text or "malformed" in text
    ):
        return DamagedDatabase(
            f"the hall database {path} is damaged ({_first_line(said)}): restore it from a "
            "backup", zh=f"营业厅数据库 {path} 已损坏（{_first_line(said)}）：请从备份恢复")
    if name.startswith("SQLITE_CANTOPEN"):
        return DatabaseUnusable(f"cannot open the hall database {path}: {_first_line(said)}",
                                zh=f"无法打开营业厅数据库 {path}：{_first_line(said)}")
    return None


def engine_file_problem(engine: Engine, error: BaseException) -> HallError | None:
    """`file_problem` for the engine's SQLite file; None on another dialect."""
    path = sqlite_file(engine.url)
    return file_problem(error, path) if path is not None else None


OWNER_FILE = 0o600
OWNER_FOLDER = 0o700
SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite keeps beside the database file; it creates them with the file's permissions."""


def create_database(url: str | URL) -> bool:
    """Create the SQLite file of `url` if it is missing, owner-only (0600), with any folder
    it needs (0700): the one way a hall's database comes to exist (`init_db`). Returns whether
    it created the file. Other dialects: nothing to do."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return False
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=OWNER_FOLDER)
        os.chmod(made, OWNER_FOLDER)  # mkdir's mode is cut by the umask, never widened
    handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_FILE)
    try:
        os.fchmod(handle, OWNER_FILE)
    finally:
        os.close(handle)
    return True  # an empty file is an empty SQLite database


def tighten_files(url: str | URL) -> list[str]:
    """Make an existing hall's database owner-only: the file and its -wal, -shm and -journal
    0600 (group and others lose every right), and the program's own data folder 0700 when the
    database is in it (a folder the caller chose is left as it is). Returns one line per
    change made, e.g. "/…/hall.db: 0644 → 0600"; empty when all was already so."""
    path = sqlite_file(url)
    if path is None:
        return []
    changed = []
    targets = [(Path(f"{path}{suffix}"), OWNER_FILE) for suffix in ("", *SIDE_FILES)]
    with contextlib.suppress(OSError):
        if path.parent.resolve() == data_folder().resolve():
            targets.append((path.parent, OWNER_FOLDER))
    for target, wanted in targets:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            tightened = mode & wanted
            os.chmod(target, tightened)
            changed.append(f"{target}: {mode:04o} → {tightened:04o}")
    return changed


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine speaks to SQLite (claims then rely on BEGIN IMMEDIATE)."""
    return engine.dialect.name == "sqlite"


def chain_head(conn: Connection) -> tuple[int, str | None] | None:
    """The id and hash of the newest event (None on an empty log), read under the write
    lock by every event appended on SQLite (`db.rules.ops.log`)."""
    query = "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1"
    if conn.dialect.name == "sqlite":  # straight to the driver: it runs on every step
        row = conn.connection.driver_connection.execute(query).fetchone()  # type: ignore[union-attr]
    else:
        row = conn.exec_driver_sql(query).first()
    return (row[0], row[1]) if row is not None else None


EVENT_COLUMNS = ("id", "at", "business_day", "kind", "ticket_id", "staff_id", "counter_number",
                 "detail", "prev_hash", "hash", "seal")
"""What `append_event` writes on SQLite: every column of the log."""
_SQLITE_APPEND = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")


def append_event(conn: Connection, values: dict[str, Any]) -> int:
    """Insert one event row (`values` keyed by `EVENT_COLUMNS`); returns its id. On SQLite
    straight to the driver, in the forms SQLAlchemy's types store and read back (a timestamp
    with six decimals, an ISO date, JSON text): every step appends an event, and
    SQLAlchemy's statement execution cost more than SQLite's insert. On a database server
    the row is written unsealed (no id given: the sequence's; no hashes, no seal: the
    sealer's, after commit); with psycopg straight to the driver too (`_PsycopgStatement`)."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        inserted = _psycopg_statement(_insert_event(), conn.dialect).first(conn, values)
        return int(cast(dict[str, Any], inserted)["id"])
    if conn.dialect.name != "sqlite":
        return int(conn.execute(_insert_event(), values).scalar_one())
    at, detail = values["at"], values["detail"]
    row = (values["id"], f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond:06d}",
           values["business_day"].isoformat(), values["kind"], values["ticket_id"],
           values["staff_id"], values["counter_number"],
           json.dumps(detail) if detail is not None else None, values["prev_hash"],
           values["hash"], values["seal"])
    try:
        conn.connection.driver_connection.execute(_SQLITE_APPEND, row)  # type: ignore[union-attr]
    except sqlite3.Error as error:  # as SQLAlchemy would have raised it
        raise exc.DBAPIError.instance(_SQLITE_APPEND, row, error, sqlite3.Error) from error
    return int(values["id"])


class DriverStatement:
    """A SQLAlchemy statement compiled once for SQLite's driver: its SQL text, where each
    bound value comes from (in order) with the type's bind processor, and its RETURNING
    columns' names with their result processors. The processors are the ones SQLAlchemy
    itself applies, so the driver receives, and the caller gets back, exactly the values a
    `conn.execute(stmt, params)` would send and return."""

    __slots__ = ("text", "processors", "fixed", "pick", "names", "results")

    text: str
    processors: dict[str, Any]
    """Each parameter's bind processor (None: the value is sent as it is)."""
    fixed: dict[str, Any]
    """The statement's own constants (a literal SET value, LIMIT 1 ...), processed."""
    pick: Callable[[dict[str, Any]], tuple[Any, ...]]
    """The values for each `?` of the text, in order, from the processed values by name."""
    names: list[str]
    """The returned columns, in order."""
    results: list[tuple[str, Any]]
    """The returned columns that have a result processor (dates, times), with it."""

    def __init__(self, stmt: Any, dialect: Any) -> None:
        compiled = stmt.compile(dialect=dialect)
        order = compiled.positiontup
        if not order or compiled.post_compile_params:
            raise ValueError("not a statement with plain positional parameters")
        self.text = compiled.string
        self.processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                           for name, bind in compiled.binds.items()}
        self.fixed = {}
        for name, bind in compiled.binds.items():
            if not bind.required:
                process, value = self.processors[name], bind.effective_value
                self.fixed[name] = value if process is None else process(value)
        pick = itemgetter(*order)
        self.pick = pick if len(order) > 1 else lambda values: (pick(values),)
        columns = list(stmt.exported_columns)
        self.names = [column.name for column in columns]
        processors = [(column.name, column.type.dialect_impl(dialect)
                       .result_processor(dialect, None)) for column in columns]
        self.results = [(name, process) for name, process in processors if process is not None]

    def bound(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """The values the driver is given for `params`, in the order of the text (each
        parameter processed once, however often the text names it)."""
        values = self.fixed.copy()
        processors = self.processors
        for name, value in params.items():
            process = processors.get(name)
            values[name] = value if process is None else process(value)
        return self.pick(values)

    def first(self, driver: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any] | None:
        """The first returned row by column name (None when the statement returned none)."""
        row = self.bound(params)
        try:
            rows = driver.execute(self.text, row).fetchall()
        except sqlite3.Error as error:  # as SQLAlchemy would have raised it
            raise exc.DBAPIError.instance(self.text, row, error, sqlite3.Error) from error
        if not rows:
            return None
        values = dict(zip(self.names, rows[0], strict=True))
        for name, process in self.results:
            values[name] = process(values[name])
        return values


@lru_cache(maxsize=256)
def driver_statement(stmt: Any, dialect: Any) -> DriverStatement:
    """`stmt` compiled for `dialect` once (the hot paths' statements are built once,
    `db.store.sql`, so they are the same objects every time)."""
    return DriverStatement(stmt, dialect)


def first_returned(conn: Connection, stmt: Any,
                   params: dict[str, Any]) -> Mapping[str, Any] | None:
    """The first row an UPDATE ... RETURNING (or a SELECT) gives with `params`, by column
    name; None when it gives none. On SQLite straight to the driver with the statement
    compiled once (`DriverStatement`): the claim and the step that frees a counter run under
    the hall's write lock, and SQLAlchemy's execution path cost more than SQLite's work.
    Elsewhere through SQLAlchemy as usual."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        return _psycopg_statement(stmt, conn.dialect).first(conn, params)
    if conn.dialect.name != "sqlite":
        row = conn.execute(stmt, params).first()
        return None if row is None else cast(Mapping[str, Any], row._mapping)
    driver = conn.connection.driver_connection
    return driver_statement(stmt, conn.dialect).first(driver, params)  # type: ignore[arg-type]


class _PsycopgStatement:
    """A statement compiled once for psycopg (`%(name)s` parameters), run on the driver's
    connection inside the caller's transaction: the claim and the held step run on every
    counter step, and SQLAlchemy's execution path cost more than PostgreSQL's work. The
    values go through the bind processors SQLAlchemy itself would apply (for psycopg, none
    of the hot statements' types has one), and an error is raised as SQLAlchemy raises it
    (a lost connection invalidated, so that the next step opens a new one)."""

    def __init__(self, stmt: Any, dialect: Any) -> None:
        self.compiled = stmt.compile(dialect=dialect)
        if self.compiled.post_compile_params:
            raise ValueError("not a statement with plain parameters")
        self.text = self.compiled.string
        self.processors = self.compiled._bind_processors
        self.results: list[tuple[str, Any]]
        self.names = [column.name for column in stmt.exported_columns]
        self.results = []
        for column in stmt.exported_columns:
            try:
                process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            except TypeError:  # a number type, which psycopg returns as Python's own
                process = None
            if process is not None:
                self.results.append((column.name, process))

    def first(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any] | None:
        values = self.compiled.construct_params(params)
        for name, process in self.processors.items():
            if name in values:
                values[name] = process(values[name])
        row = driver_first(conn, self.text, values)
        if row is None:
            return None
        found = dict(zip(self.names, row, strict=True))
        for name, process in self.results:
            found[name] = process(found[name])
        return found


@lru_cache(maxsize=256)
def _psycopg_statement(stmt: Any, dialect: Any) -> _PsycopgStatement:
    return _PsycopgStatement(stmt, dialect)


def driver_rows(conn: Connection, stmt: Any, params: dict[str, Any]) -> Iterable[Sequence[Any]]:
    """The rows of a SELECT built once (`stmt`) with `params`, to unpack by position. On
    SQLite straight from the driver, values as stored (no result processing: a time is its
    text, a JSON column its text), the statement compiled once (`DriverStatement`): a long
    report reads millions of rows, and SQLAlchemy's row handling cost more than SQLite's
    reading. Elsewhere SQLAlchemy's rows, values as its types give them."""
    if conn.dialect.name != "sqlite":
        return conn.execute(stmt, params)
    statement = driver_statement(stmt, conn.dialect)
    row = statement.bound(params)
    driver = conn.connection.driver_connection
    try:
        return cast(Iterable[Sequence[Any]],
                    driver.execute(statement.text, row))  # type: ignore[union-attr]
    except sqlite3.Error as error:  # as SQLAlchemy would have raised it
        raise exc.DBAPIError.instance(statement.text, row, error, sqlite3.Error) from error


@lru_cache(maxsize=1)
def _insert_event() -> Any:
    # Built once: the INSERT of `append_event` on a database server (unsealed): the columns
    # named, so that compiled once (`_PsycopgStatement`) it writes those and no others.
    from sqlalchemy import bindparam, insert

    from db.store.models import Event

    table = cast(Table, Event.__table__)
    named = ("at", "business_day", "kind", "ticket_id", "staff_id", "counter_number", "detail")
    return insert(table).values({name: bindparam(name, type_=table.c[name].type)
                                 for name in named}).returning(table.c.id)


def next_sequence(conn: Connection, day: object, prefix: str) -> int:
    """Take the next number of `prefix` on `day`: one atomic upsert on the per-day counter."""
    params = {"business_day": day, "prefix": prefix, "last_seq": 1}
    return int(conn.execute(_sequence_upsert(conn.dialect.name), params).scalar_one())


@lru_cache(maxsize=4)
def _sequence_upsert(dialect: str) -> Any:
    # Built once per dialect: statement building would cost more than SQLite's own work.
    from db.store.models import DaySequence

    table = cast(Table, DaySequence.__table__)
    # The key: per day and prefix, and on PostgreSQL per hall too (migration 0014; the
    # hall is the row's default, the transaction's hall).
    key = ["business_day", "prefix"]
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]

        key.insert(0, "hall_id")
    return (
        insert(table)
        .on_conflict_do_update(index_elements=key, set_={"last_seq": table.c.last_seq + 1})
        .returning(table.c.last_seq)
    )


def lock_candidate(dialect: str, query: Select[Any]) -> Select[Any]:
    """The candidate row of a claim: SQLite already holds the write lock (BEGIN IMMEDIATE);
    elsewhere skip rows another transaction is claiming."""
    if dialect == "sqlite":
        return query
    return query.with_for_update(skip_locked=True)


def seconds_between(dialect: str, start: Any, end: Any) -> Any:
    """The SQL expression for the seconds from `start` to `end` (two timestamp columns), so
    that a sum or a mean of durations is computed by the database, not row by row here."""
    from sqlalchemy import extract, func

    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return extract("epoch", end - start)

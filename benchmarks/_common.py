"""Shared helpers of the hand-run benchmarks (not a test module; pytest never collects it).

Every benchmark compares the project's path (db.store.session.Hall + db.rules.ops, through
SQLAlchemy) with a *floor*: the bare `sqlite3` module doing the same transaction shape on the
same kind of database file. Both sides work on a schema made by `db.store.schema.init_db`, so
tables, indexes, triggers and constraints are identical; the floor sets the same pragmas as
`db.store.engine.make_engine` (WAL, the same `synchronous`, `foreign_keys=ON`, busy_timeout).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db.config import HallConfig, load_config  # noqa: E402
from db.rules import counters, staff  # noqa: E402
from db.store.engine import BUSY_TIMEOUT_MS, make_engine  # noqa: E402
from db.store.schema import init_db  # noqa: E402
from db.store.session import Hall, Tx, utc_now  # noqa: E402

PIN = "2468"
LEADER_PIN = "246813"  # a duty leader's PIN has at least 6 digits

from db.store.models import Ticket  # noqa: E402

TICKET_COLUMNS = ", ".join(c.name for c in Ticket.__table__.columns)
"""What the project's statements return (`RETURNING *T.c`); the floor returns the same."""


# -- the floor's statements: the project's hot-path statements (db/store/sql.py), written by hand --


def _probe(where: str) -> str:
    return (f"(SELECT id FROM tickets WHERE status = 'waiting' AND business_day = ? AND {where} "
            "ORDER BY priority_rank, queued_at, id LIMIT ? OFFSET ?)")


def claim_sql(profile: Sequence[str]) -> str:
    """The claim of call_next as db.store.sql.claim() builds it: one guarded UPDATE whose WHERE is
    `id = COALESCE(<waiting ticket sent to this counter>, <first waiting ticket of business 1
    of the profile>, <business 2>, ...) AND status = 'waiting'`, states written as literals,
    the same SET list, `RETURNING` every ticket column. Parameters: `claim_params`."""
    for prefix in profile:
        if not (len(prefix) == 1 and prefix.isalpha() and prefix.isupper()):
            raise ValueError(f"not a business prefix: {prefix!r}")
    probes = [_probe("directed_to = ?")]
    probes += [_probe(f"business = '{p}' AND directed_to IS NULL") for p in profile]
    return (
        "UPDATE tickets SET status = ?, counter_number = ?, handler_id = coalesce(handler_id, ?), "
        "called_at = ?, first_called_at = coalesce(first_called_at, ?), no_show_at = ?, "
        f"directed_to = ? WHERE id = coalesce({', '.join(probes)}) AND status = 'waiting' "
        f"RETURNING {TICKET_COLUMNS}"
    )


def claim_params(profile: Sequence[str], counter: int, staff_id: str, now: str,
                 day: str) -> tuple[object, ...]:
    """The values call_next binds, in the order of `claim_sql(profile)`."""
    params: list[object] = ["called", counter, staff_id, now, now, None, None, day, counter, 1, 0]
    for _ in profile:
        params += [day, 1, 0]
    return tuple(params)


FREE_SQL = (
    "UPDATE tickets SET status = ?, no_show_at = ? WHERE id = ? AND status = 'called' "
    f"RETURNING {TICKET_COLUMNS}"
)
"""no_show's guarded transition, as db.store.sql.transition(('called',), ...) builds it;
parameters ('no_show', now, ticket id)."""

EVENT_SQL = (
    "INSERT INTO events (id, at, business_day, kind, ticket_id, staff_id, counter_number, "
    "detail, prev_hash, hash, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
"""db.rules.ops.log(); an event without details has detail NULL (as the project stores it now)."""
HEAD_SQL = "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1"
"""The newest event, whose hash the next one carries (db.store.audit)."""
GENESIS = "0" * 64


def chain_text(event_id: int, at: dt.datetime, day: dt.date, kind: str, ticket: int | None,
               staff: str | None, counter: int | None, detail: dict[str, Any] | None) -> str:
    """An event's canonical text, written out by hand (db.store.audit.canonical_text)."""
    return json.dumps([event_id, at.isoformat(sep=" "), day.isoformat(), kind, ticket, staff,
                       counter, detail], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


def chain_hash(previous: str, text: str) -> str:
    """sha256 over the previous event's hash and this event's canonical text (db.store.audit)."""
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def append_event(conn: sqlite3.Connection, at: dt.datetime, day: dt.date, kind: str,
                 ticket: int | None, staff: str | None = None, counter: int | None = None,
                 detail: dict[str, Any] | None = None) -> None:
    """The floor's db.rules.ops.log: read the newest event, chain the new one to it (sha256 over
    its hash and the canonical text), insert, inside the caller's transaction."""
    head = conn.execute(HEAD_SQL).fetchone()
    last_id, previous = (head[0], head[1] or GENESIS) if head else (0, GENESIS)
    text = chain_text(last_id + 1, at, day, kind, ticket, staff, counter, detail)
    chained = chain_hash(previous, text)
    conn.execute(EVENT_SQL, (last_id + 1, ts(at), day.isoformat(), kind, ticket, staff, counter,
                             json.dumps(detail) if detail is not None else None, previous,
                             chained, last_id + 1))


# -- time and value formats, exactly as SQLAlchemy stores them in SQLite ------------------


def ts(value: dt.datetime) -> str:
    """A naive UTC datetime as SQLAlchemy's SQLite DateTime stores it."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def now_naive() -> dt.datetime:
    """Now, naive UTC (what `Tx.now` is)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def business_day(config: HallConfig, at: dt.datetime | None = None) -> dt.date:
    """The hall's business day of `at` (default now)."""
    return config.business_day(at or utc_now())


# -- databases ------------------------------------------------------------------------------


def workdir(given: str | None, tag: str) -> Path:
    """Where the benchmark's database files go (default: a fresh folder under $TMPDIR).

    Keep it on the disk the hall would use: fsync cost is part of every figure."""
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{tag}-", dir=path))
    return Path(tempfile.mkdtemp(prefix=f"hall-bench-{tag}-"))


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def create_hall_db(path: Path, config: HallConfig, *, clerks: int = 0,
                   profile: Sequence[str] | None = None) -> None:
    """A database made by init_db, with `clerks` clerks C01.. signed in at counters 1..
    (and, when given, every counter's work profile set to `profile`)."""
    remove_db(path)
    hall = Hall(make_engine(url_of(path)), config)
    init_db(hall)
    if clerks:
        with hall.write() as tx:
            for i in range(1, clerks + 1):
                staff.add_staff(tx, f"C{i:02d}", f"clerk {i}", "clerk", PIN)
                counters.sign_in(tx, i, f"C{i:02d}")
                if profile is not None:
                    counters.set_profile(tx, i, list(profile))
    hall.dispose()
    checkpoint(path)


def raw_connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    """The floor's connection: the same pragmas as db.store.engine, nothing else; autocommit mode,
    transactions are opened and closed by hand."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so that copying the .db file alone copies it all."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_db(template: Path, target: Path) -> Path:
    """A fresh copy of a checkpointed template database."""
    remove_db(target)
    shutil.copyfile(template, target)
    return target


def file_size_mb(path: Path) -> float:
    total = sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal")
                if os.path.exists(f"{path}{s}"))
    return total / 1e6


# -- seeding with raw sqlite3 (fast; not what is being measured) ----------------------------


def seed_waiting(conn: sqlite3.Connection, day: dt.date, start: dt.datetime,
                 plan: Iterable[tuple[str, str, int]], *, first_seq: dict[str, int] | None = None,
                 step_s: float = 1.0) -> int:
    """Insert waiting tickets of `day` (each with its 'issue' event) inside the caller's
    transaction. `plan` yields (business, priority code, priority rank) per ticket.
    Returns how many were inserted; the day's sequences are set to match."""
    seq = dict(first_seq or {})
    tickets = []
    events = []
    day_s = day.isoformat()
    row = conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()
    next_id = int(row[0]) + 1
    head = conn.execute(HEAD_SQL).fetchone()
    event_id, previous = (head[0], head[1] or GENESIS) if head else (0, GENESIS)
    for i, (business, priority, rank) in enumerate(plan):
        seq[business] = seq.get(business, 0) + 1
        number = f"{business}{seq[business]:03d}"
        when = start + dt.timedelta(seconds=i * step_s)
        at = ts(when)
        tickets.append((next_id, day_s, number, business, business, priority, rank,
                        "waiting", at, at))
        detail = {"business": business, "number": number}
        event_id += 1
        text = chain_text(event_id, when, day, "issue", next_id, None, None, detail)
        chained = chain_hash(previous, text)
        events.append((event_id, at, day_s, "issue", next_id, None, None, json.dumps(detail),
                       previous, chained, event_id))
        previous = chained
        next_id += 1
    conn.executemany(
        "INSERT INTO tickets (id, business_day, number, business, origin_business, priority, "
        "priority_rank, status, issued_at, queued_at, recalls, services) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1)",
        tickets,
    )
    conn.executemany(EVENT_SQL, events)  # chained like the project's, so verify holds
    conn.executemany(
        "INSERT INTO day_sequences (business_day, prefix, last_seq) VALUES (?, ?, ?) "
        "ON CONFLICT (business_day, prefix) DO UPDATE SET last_seq = excluded.last_seq",
        [(day_s, b, n) for b, n in seq.items()],
    )
    return len(tickets)


# -- where a project transaction's time goes --------------------------------------------------


class StatementTimer:
    """Times a Hall's write transactions split into SQLite executing their statements (BEGIN
    included), COMMIT, and the rest (Python: SQLAlchemy, db.rules.ops), by engine events around
    each statement and a wrapper around the dialect's COMMIT. For the breakdowns."""

    def __init__(self, hall: Hall) -> None:
        from sqlalchemy import event

        self.hall = hall
        self.sql: list[float] = []
        """Each statement's execution in the last transaction, seconds."""
        self.commit: list[float] = []
        """The last transaction's COMMIT, seconds."""
        self._mark = 0.0
        event.listen(hall.engine, "before_cursor_execute", self._before)
        event.listen(hall.engine, "after_cursor_execute", self._after)
        real_commit = hall.engine.dialect.do_commit

        def timed_commit(dbapi_conn: Any) -> None:
            t = time.perf_counter()
            real_commit(dbapi_conn)
            self.commit.append(time.perf_counter() - t)

        hall.engine.dialect.do_commit = timed_commit  # type: ignore[method-assign,assignment]

    def _before(self, *_: object) -> None:
        self._mark = time.perf_counter()

    def _after(self, *_: object) -> None:
        self.sql.append(time.perf_counter() - self._mark)

    def transaction(self, step: Callable[[Tx], object]) -> tuple[float, float, float]:
        """Run `step` in one write transaction: (total, SQLite executing, COMMIT) seconds;
        `len(self.sql)` is then the number of statements it sent."""
        self.sql.clear()
        self.commit.clear()
        t = time.perf_counter()
        with self.hall.write() as tx:
            step(tx)
        return time.perf_counter() - t, sum(self.sql), sum(self.commit)


def medians_ms(rows: Sequence[tuple[float, ...]]) -> tuple[float, ...]:
    """The median of each column of `rows` (seconds), in milliseconds."""
    return tuple(statistics.median(column) * 1e3 for column in zip(*rows, strict=True))


# -- statistics -----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def finished(ok: bool) -> int:
    """Print the closing line (the load now, the state of the measured code) and give the exit
    status: 0 only if every target passed."""
    print(f"finished; {load_line()}; {code_line()}")
    return 0 if ok else 1


def load_line() -> str:
    """The load averages (1, 5, 15 min) now: printed at the start and the end of a run."""
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def code_line() -> str:
    """When the measured code (db/, kiosk/) last changed: the core is edited while benchmarks
    run, so every figure says which state of it it measured."""
    files = [f for d in ("db", "kiosk") for f in (ROOT / d).rglob("*.py")]
    newest = max(files, key=lambda f: f.stat().st_mtime)
    at = dt.datetime.fromtimestamp(newest.stat().st_mtime).isoformat(timespec="seconds")
    return f"code: newest change {at} ({newest.relative_to(ROOT)})"


def paired_ratio(project: Sequence[float], floor: Sequence[float]) -> float:
    """The headline of a benchmark: the median of each round's own project/floor ratio (the
    two sides of a round ran back to back, so the machine's drift cancels out in each pair;
    a ratio of two unpaired medians does not have that)."""
    return statistics.median(p / f for p, f in zip(project, floor, strict=True))


def commit_latency_ms(folder: Path, synchronous: str = "FULL", count: int = 40) -> float:
    """The median time of a bare one-row write transaction (BEGIN IMMEDIATE, INSERT, COMMIT)
    on a scratch file in `folder`: what this disk charges every commit during the run, so
    that runs on different days and disks can be told apart."""
    path = folder / "commit-probe.db"
    conn = raw_connect(path, synchronous)
    conn.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    times = []
    for n in range(count):
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO probe VALUES (?)", (n,))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t)
    conn.close()
    remove_db(path)
    return statistics.median(times) * 1e3


def machine_line() -> str:
    """One line saying where the figures come from."""
    return (f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
            f"{os.cpu_count()} cores, {load_line()}, "
            f"{dt.datetime.now().isoformat(timespec='minutes')}; {code_line()}")


__all__ = [
    "EVENT_SQL", "FREE_SQL", "append_event", "LEADER_PIN", "PIN", "ROOT", "TICKET_COLUMNS",
    "Hall", "HallConfig",
    "StatementTimer", "business_day", "checkpoint", "claim_params", "claim_sql", "code_line",
    "copy_db", "create_hall_db", "file_size_mb", "finished", "load_config", "load_line",
    "commit_latency_ms", "machine_line", "make_engine", "median", "medians_ms", "now_naive",
    "paired_ratio", "pct", "raw_connect",
    "remove_db", "seed_waiting", "ts", "url_of", "verdict", "workdir",
]


def take(budget: Any) -> bool:
    """Take one claim from a run's shared budget (an mp.Value); False once it is spent."""
    with budget.get_lock():
        if budget.value <= 0:
            return False
        budget.value -= 1
        return True

"""The tamper-evident event log: every event carries the hash of the one before it.

When `db.rules.ops.log` appends an event it reads the newest event's `hash` (under the write lock)
and stores it as the new event's `prev_hash`, with the new event's own
`hash = sha256(prev_hash + "\\n" + canonical text)`; the canonical text is the JSON array
[id, at, business_day, kind, ticket, staff, counter, detail] (keys sorted, no spaces). The
first event's `prev_hash` is `GENESIS`. Ids are given out one after another under the same
lock, so the log has no gaps of its own.

`verify` walks the log in id order and names the first event that was edited (its hash no
longer matches what it says), inserted (the next event still chains to the one before it, or
the later events were renumbered to make room), deleted (a gap, or the later events
renumbered to close it) or moved (its place changed, its hashes kept: `moved`). What a chain
without a secret cannot see: someone who cuts events off the end, or rewrites every hash
from an event on with this program's own code. For that the head hash (`verify` and `hall
close-day` print it) is written down outside the database, e.g. on the day's closing report,
and `verify --anchor HASH` checks it is still in the log.

Each event's place in the chain is its `seal` (1, 2, 3 ...). On SQLite, where one writer
appends at a time, an event is chained as it is written and its seal is its id. On
PostgreSQL writers append side by side: an event is written unsealed (seal, prev_hash and
hash NULL, its id from the sequence), and one process seals for the database: of the
writing processes' sealer threads (`db.store.session.Sealer`, `seal`), the one holding the
sealing lead (a session advisory lock) LISTENs for the notification of every commit that
appends an event and, under its own advisory lock, chains every committed unsealed event,
in id order, onto the newest sealed one; the others try to take the lead once a second (a
leader that died is replaced) and seal by themselves when an event they saw unsealed a
second before still is (a leader that stalled). `verify` walks the log in seal
order and reports the
unsealed tail (after sealing what it can); the database's append-only trigger allows that
one change, sealing, of an unsealed event. What sealing after commit gives up: an event
is covered by the chain only once sealed, normally milliseconds after its commit (a
second or two while another process takes over a sealing process that died or stalled; with
no writing process left running, until the next write, `verify` or `close-day`), and in
that window someone able to lift the database's append-only guard could change or remove it
unseen.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from db.rules.handler import MOVES, SETS, handler_after
from db.store.models import Event
from db.store.views import _Json

E = cast(Table, Event.__table__)

GENESIS = "0" * 64
"""The `prev_hash` of the first event."""
CHUNK = 5000
"""Events read per statement: memory stays flat on a log of millions."""

Progress = Callable[[int, int], None]

_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
"""One encoder made once: `json.dumps` with options builds a new one on every call, and
this runs on every step."""


def canonical_text(
    event_id: int, at: dt.datetime, day: dt.date | None, kind: str, ticket: int | None,
    staff: str | None, counter: int | None, detail: Any,
) -> str:
    """The text of an event that its hash covers (`detail` as stored: a JSON object or None)."""
    fields = [event_id, at.isoformat(sep=" "), day.isoformat() if day is not None else None,
              kind, ticket, staff, counter, detail]
    return _ENCODE(fields)


def canonical(row: Any) -> str:
    """The canonical text of an event row (or anything with its attributes)."""
    return canonical_text(row.id, row.at, row.business_day, row.kind, row.ticket_id,
                          row.staff_id, row.counter_number, row.detail)


def digest(previous: str, text: str) -> str:
    """sha256 over the previous event's hash and this event's canonical text."""
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def link(previous: str, row: Any) -> str:
    """The hash of an event chained onto `previous`."""
    return digest(previous, canonical(row))


@dataclass(frozen=True)
class Problem(_Json):
    """The first place where the log breaks its chain."""

    kind: str
    """edited, inserted, deleted or moved (an event); damaged (the file); row (a ticket
    that is not what its events say)."""
    event_id: int
    """The event (or, for a deletion, the missing id)."""
    message: str
    """One line for a person."""
    message_zh: str = ""
    """The same in Chinese."""


WORDING = {
    "edited": ("edited", "event {id} was edited: it no longer matches its hash",
               "第 {id} 条事件被修改：与其哈希值不符"),
    "rehashed": ("edited", "event {id} was edited and its hash recomputed: the next event "
                 "does not chain to it", "第 {id} 条事件被修改并重算哈希：下一条事件与其链不上"),
    "inserted": ("inserted", "event {id} was inserted: the next event chains to the one "
                 "before it", "第 {id} 条事件被插入：下一条事件链接的是它之前的事件"),
    "renumbered": ("inserted", "event {id} was inserted (the later events renumbered)",
                   "第 {id} 条事件被插入（其后的事件被重新编号）"),
    "gap": ("deleted", "event {id} was deleted", "第 {id} 条事件被删除"),
    "closed_up": ("deleted", "event {id} was deleted (the later events renumbered)",
                  "第 {id} 条事件被删除（其后的事件被重新编号）"),
    "head": ("deleted", "the log does not begin at the first event: event {id} and those "
             "before it were deleted", "事件记录不是从第一条开始：第 {id} 条及之前的事件被删除"),
    "resealed": ("edited", "event {id}'s place in the chain (its seal) was changed",
                 "第 {id} 条事件在链中的位置（封存序号）被修改"),
    "sealed_gap": ("deleted", "the event sealed in place {id} of the chain was deleted",
                   "链中第 {id} 位封存的事件被删除"),
    "anchor": ("deleted", "the recorded head is not in the log: events up to it were deleted "
               "or rewritten (the log now ends at event {id})",
               "抄录的链头不在事件记录中：此前的事件被删除或改写（记录现止于第 {id} 条）"),
}
"""What a problem is called, and its message in English and Chinese."""


def problem_at(what: str, event_id: int) -> Problem:
    """The problem `what` (a key of `WORDING`) at event `event_id`."""
    kind, en, zh = WORDING[what]
    return Problem(kind, event_id, en.format(id=event_id), zh.format(id=event_id))


@dataclass(frozen=True)
class AuditResult(_Json):
    """What a verification found."""

    ok: bool
    """True when the file passes its own check, every event chains to the one before it
    (and the anchor, if given, is in), and every ticket, counter, remedy and complaint is
    what its events say."""
    events: int
    """Events checked."""
    head_id: int | None
    """The newest event."""
    head_hash: str | None
    """Its hash: write it down outside the database."""
    problem: Problem | None
    """The first problem, when not ok."""
    integrity: str = "not checked"
    """SQLite's own check of the file (`PRAGMA quick_check`, or `integrity_check` when asked
    for in full): "ok", its first complaint, or why it was not run (PostgreSQL checks its
    pages itself)."""
    tickets: int = 0
    """Tickets replayed against their events."""
    rows: int = 0
    """Counters, remedies and complaints replayed against their events."""
    unsealed: int = 0
    """Events committed but not yet chained by the sealer (PostgreSQL: those written after
    the verification's own sealing), not covered by the chain check."""


STORED = sa.table(
    "events", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
    sa.column("business_day", sa.Date), sa.column("kind", sa.String),
    sa.column("ticket_id", sa.Integer), sa.column("staff_id", sa.String),
    sa.column("counter_number", sa.Integer), sa.column("detail", sa.JSON),
)
"""The columns the canonical text covers, as every schema since the first has them: the
migrations that chain an existing history read it through this."""


def stored_events(conn: Connection, *extra: Any, source: Any = STORED) -> Iterator[Any]:
    """Every event's canonical columns (and `extra` columns, from `source`: the events
    joined to another table) in id order: for the migrations, whatever the model says
    today."""
    return _in_chunks(conn, [*STORED.c, *extra], source, STORED.c.id)


def _events(conn: Connection) -> Iterator[Any]:
    """Every sealed event with its hashes, in seal order."""
    columns = [E.c.id, E.c.at, E.c.business_day, E.c.kind, E.c.ticket_id, E.c.staff_id,
               E.c.counter_number, E.c.detail, E.c.prev_hash, E.c.hash, E.c.seal]
    return _in_chunks(conn, columns, E, E.c.seal)


def _in_chunks(conn: Connection, columns: list[Any], source: Any, key: Any) -> Iterator[Any]:
    """The rows in `key` order, CHUNK per statement: memory stays flat on a long log."""
    after = 0
    while True:
        rows = conn.execute(
            select(*columns).select_from(source).where(key > after).order_by(key).limit(CHUNK)
        ).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        after = getattr(rows[-1], key.name)


def _holds(row: Any, event_id: int | None = None) -> bool:
    """Whether the row's hash matches what it says (as if it stood at `event_id`)."""
    if row.hash is None or row.prev_hash is None:
        return False
    if event_id is not None:
        row = SimpleNamespace(**{**row._asdict(), "id": event_id})
    return bool(link(row.prev_hash, row) == row.hash)


def _chains(row: Any, previous: str) -> bool:
    """Whether `row` chains to `previous`, where it stands or one place up (moved to make
    room for an insertion)."""
    return row.prev_hash == previous and (_holds(row) or _holds(row, row.id - 1))


Lookup = Callable[[str, str], list[Any]]
"""The events (at most 2) whose column ("hash" or "prev_hash") holds a value: where
`moved` looks for an event that left its place."""


def moved(before: Any, row: Any, lookup: Lookup | None, place: str) -> Problem | None:
    """Whether `row`, as written but not chained to `before`, shows an event moved to
    another place in the chain (its `place`, "seal" or "id", changed; its hashes kept): the
    event `row` chains onto is elsewhere, and either it chains to `before` (it left this
    place: its hashes are this place's, whatever its id says now) or only `row`, as written,
    chains onto it (`row` left the place after it). None otherwise, or without `lookup`."""
    if lookup is None or row.prev_hash is None:
        return None
    found = [e for e in lookup("hash", row.prev_hash) if e.id != row.id]
    if len(found) != 1:
        return None
    lost = found[0]
    previous = before.hash if before is not None else GENESIS
    here = (getattr(before, place) if before is not None else 0) + 1
    if lost.prev_hash == previous:  # its hashes are this place's (its id may have changed)
        return _moved_problem(lost.id, here, getattr(lost, place))
    belongs = getattr(lost, place) + 1
    if len(lookup("prev_hash", lost.hash)) == 1 and _stood(row, belongs, place):
        return _moved_problem(row.id, belongs, getattr(row, place))  # no fork: row left
    return None


def _stood(row: Any, there: int, place: str) -> bool:
    """Whether the row is as written (where the place is its id: as written at `there`)."""
    return _holds(row) or (place == "id" and _holds(row, there))


def _moved_problem(event_id: int, belongs: int, stands: int) -> Problem:
    return Problem(
        "moved", event_id,
        f"event {event_id} was moved in the chain: it chains at place {belongs} but stands "
        f"at place {stands} (its place, id or seal, was changed; its hashes were not)",
        f"第 {event_id} 条事件在链中被挪动：它应链在第 {belongs} 位，现位于第 {stands} 位"
        "（其位置即编号或封存序号被修改，哈希未变）")


def diagnose(before: Any, row: Any, after: Any, lookup: Lookup | None = None) -> Problem | None:
    """Whether `row` chains to `before` (None: the log begins here); if not, what was done.
    `after` (or None) is the event that follows, to tell an insertion from an edit;
    `lookup`, to tell an event moved from one deleted or inserted (`moved`)."""
    previous = before.hash if before is not None else GENESIS
    last_id = before.id if before is not None else 0
    holds = _holds(row)
    if holds and row.prev_hash == previous:
        return None
    if not holds:
        if row.hash is None or row.prev_hash is None:  # never written by `db.rules.ops.log`
            return problem_at("inserted", row.id)
        if (shifted := moved(before, row, lookup, "id")) is not None:
            return shifted  # its id changed with its place
        if _holds(row, row.id - 1):  # it stood one place up: room was made before it
            if before is not None and row.prev_hash == before.prev_hash:
                return problem_at("renumbered", before.id)
            return problem_at("renumbered", row.id - 1)
        if _holds(row, row.id + 1):  # it stood one place down: the gap was closed up
            return problem_at("closed_up", row.id)
        if after is not None and _chains(after, previous):
            return problem_at("inserted", row.id)
        if row.id > last_id + 1:
            return problem_at("gap", last_id + 1)
        return problem_at("edited", row.id)
    # The row is as written, but chains to something other than the event before it.
    if before is not None and row.prev_hash == before.prev_hash:
        return problem_at("inserted", before.id)
    if (shifted := moved(before, row, lookup, "id")) is not None:
        return shifted
    if row.id > last_id + 1:
        return problem_at("gap", last_id + 1)
    if after is not None and _chains(after, previous):
        return problem_at("inserted", row.id)
    if before is None:
        return problem_at("head", row.id - 1 if row.id > 1 else 1)
    return problem_at("rehashed", before.id)


def diagnose_sealed(before: Any, row: Any, after: Any,
                    lookup: Lookup | None = None) -> Problem | None:
    """`diagnose` for a walk in seal order (PostgreSQL's, where ids have gaps of their own
    and an event's place is its seal): whether `row` is the next sealed event after `before`
    (None: the log begins here); if not, what was done."""
    previous = before.hash if before is not None else GENESIS
    last = before.seal if before is not None else 0
    holds = _holds(row)
    if holds and row.prev_hash == previous:
        return None if row.seal == last + 1 else problem_at(
            "sealed_gap" if row.seal > last + 1 else "edited", last + 1 if row.seal > last + 1
            else row.id)
    if not holds:
        if row.hash is None or row.prev_hash is None:
            return problem_at("inserted", row.id)
        if after is not None and after.prev_hash == previous and _holds(after):
            return problem_at("inserted", row.id)
        if row.seal > last + 1:
            return problem_at("sealed_gap", last + 1)
        return problem_at("edited", row.id)
    if before is not None and row.prev_hash == before.prev_hash:
        return problem_at("inserted", before.id)
    if (shifted := moved(before, row, lookup, "seal")) is not None:
        return shifted
    if row.seal > last + 1:
        return problem_at("sealed_gap", last + 1)
    if after is not None and after.prev_hash == previous and _holds(after):
        return problem_at("inserted", row.id)
    if before is None:
        return problem_at("sealed_gap", 1)
    return problem_at("rehashed", before.id)


def unsealed(conn: Connection) -> int:
    """Events committed and not yet sealed."""
    return int(conn.execute(select(sa.func.count()).select_from(E)
                            .where(E.c.seal.is_(None))).scalar() or 0)


def may_seal(conn: Connection) -> bool:
    """Whether the connection's database user may seal events (PostgreSQL: UPDATE on the
    columns sealing writes; a role granted SELECT alone may verify, not seal); True on
    SQLite, where events are chained as they are written."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.exec_driver_sql(
        "SELECT has_table_privilege('events', 'UPDATE') OR "
        "(has_column_privilege('events', 'seal', 'UPDATE') "
        "AND has_column_privilege('events', 'prev_hash', 'UPDATE') "
        "AND has_column_privilege('events', 'hash', 'UPDATE'))").scalar())


SEAL_LOCK = 0x4841_5345
"""PostgreSQL advisory lock of the one sealer at a time (`seal`)."""
SEAL_BATCH = 2000
"""Events chained per sealing transaction."""


_UNSEALED_EXIST = "EXISTS (SELECT 1 FROM events WHERE seal IS NULL)"
_CLAIM_WAITING = (f"SELECT true FROM (SELECT pg_advisory_xact_lock({SEAL_LOCK})) AS waited "
                  f"WHERE {_UNSEALED_EXIST}")
_CLAIM_TRYING = ("SELECT set_config('synchronous_commit', 'off', true) IS NOT NULL AND "
                 f"pg_try_advisory_xact_lock({SEAL_LOCK}) WHERE {_UNSEALED_EXIST}")
_PENDING = ("SELECT e.id, e.at, e.business_day, e.kind, e.ticket_id, e.staff_id, "
            "e.counter_number, e.detail, newest.seal, newest.hash FROM events AS e "
            "LEFT JOIN (SELECT seal, hash FROM events WHERE seal IS NOT NULL "
            "ORDER BY seal DESC LIMIT 1) AS newest ON true "
            f"WHERE e.seal IS NULL ORDER BY e.id LIMIT {SEAL_BATCH}")
_SEALING = "UPDATE events SET seal = %s, prev_hash = %s, hash = %s WHERE id = %s"


def seal(driver: Any, *, wait: bool = False, told: bool = False) -> int:
    """Chain the committed unsealed events (PostgreSQL), in id order, onto the newest sealed
    one; returns how many. One sealer at a time: without `wait`, when another process is
    sealing, return at once (it looks again once it is done, so an event committed before
    this call is sealed by it or by a later sealer); with `wait`, wait for it, so that every
    event committed before the call is sealed, and on disk, on return. `driver`: the
    driver's own connection (psycopg), with no transaction open: this runs after the
    commits, and SQLAlchemy's execution path cost more than the statements. Each batch is a
    transaction of its own, which takes only the sealer's lock.

    A writer's sealing does not wait for the disk (`synchronous_commit` off for its own
    transaction): a seal is derived, and one lost in a crash (with every later one: the log
    is written in order) is made again by the next sealer. `wait` (before a head is shown)
    does wait.

    `told`: the caller LISTENs for every commit that appends an event (the sealing process,
    `db.store.session.Sealer`), so it need not look again after a batch that was not full:
    whatever was committed after the batch's read, it is told of."""
    total = 0
    with driver.cursor() as cursor:
        while True:
            try:
                found = cursor.execute(_CLAIM_WAITING if wait else _CLAIM_TRYING).fetchone()
                if not (found and found[0]):
                    if wait:  # every seal made so far on disk before the head is read
                        cursor.execute("SELECT pg_current_xact_id()")
                    driver.commit()
                    return total
                # Read under the lock: the newest seal is final.
                rows = cursor.execute(_PENDING).fetchall()
                values = []
                if rows:
                    place = rows[0][8] or 0
                    previous = (rows[0][9] or GENESIS) if place else GENESIS
                    for event_id, at, day, kind, ticket, staff, counter, detail, _, _ in rows:
                        place += 1
                        own = digest(previous, canonical_text(
                            event_id, at, day, kind, ticket, staff, counter, detail))
                        values.append((place, previous, own, event_id))
                        previous = own
                    cursor.executemany(_SEALING, values)
                driver.commit()
            except BaseException:
                driver.rollback()
                raise
            total += len(values)
            if told and len(values) < SEAL_BATCH:
                return total


def verify(conn: Connection, progress: Progress | None = None,
           anchor: str | None = None, *, tables: bool = True, full: bool = False) -> AuditResult:
    """The file's own check (SQLite: `PRAGMA quick_check`, or with `full` the slower
    `integrity_check`, which also checks every index against its table), then the whole log:
    the first event that breaks the chain; then, with `tables`, each ticket, counter, remedy
    and complaint replayed from its events. `anchor`: a head hash written down earlier,
    which must still be in the log."""
    raw = _raw_sqlite(conn)
    beside = _check_beside(raw, full) if raw is not None else None
    if beside is None:
        integrity = integrity_check(conn, full=full)
        if integrity not in ("ok", SKIPPED):
            return _damaged(conn, integrity)
    try:
        if raw is not None:  # one pass over the log through the driver (`_scan_sqlite`)
            chain, problem, count = _scan_sqlite(conn, raw, progress, anchor, tables=tables)
        else:
            chain = _verify_chain(conn, progress, anchor)
            problem, count = (None, 0) if not tables or chain.problem is not None \
                else check_tickets(conn)
    except (sa.exc.DBAPIError, sqlite3.Error):
        if beside is not None and (integrity := beside.result()) != "ok":
            return _damaged(conn, integrity)  # the file's own check says why the read failed
        raise
    if beside is not None:
        integrity = beside.result()
        if integrity != "ok":
            return _damaged(conn, integrity)
    if not tables or chain.problem is not None:
        return replace(chain, integrity=integrity)
    rows = 0
    if problem is None:
        problem, rows = check_tables(conn)
    return replace(chain, ok=problem is None, problem=problem, integrity=integrity,
                   tickets=count, rows=rows)


def _damaged(conn: Connection, integrity: str) -> AuditResult:
    """The answer for a file that fails its own check: that, and the newest event if it can
    still be read."""
    newest = None
    with contextlib.suppress(sa.exc.DBAPIError, sqlite3.Error):
        newest = head(conn)
    return AuditResult(
        ok=False, events=0, head_id=newest[0] if newest else None,
        head_hash=newest[1] if newest else None,
        problem=Problem("damaged", 0, f"the database file is damaged: {integrity}",
                        f"数据库文件已损坏：{integrity}"),
        integrity=integrity)


def _check_beside(raw: Any, full: bool) -> Future[str] | None:
    """SQLite's check of the file (`integrity_check`'s answer) run on a connection of its
    own in a thread while the log is read: SQLite does it without holding Python's lock, so
    it takes a second core rather than adding its time. None for a database with no file
    (in memory): checked before the read then."""
    path = _file_of(raw)
    if not path:
        return None

    def check() -> str:
        try:
            own = sqlite3.connect(path, timeout=30)
        except sqlite3.Error as error:
            return " ".join(str(error).split()) or "unreadable"
        try:
            first = own.execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}"
                                ).fetchone()
        except sqlite3.Error as error:
            return " ".join(str(error).split()) or "unreadable"
        finally:
            own.close()
        said = str(first[0]) if first is not None else "no answer"
        return "ok" if said == "ok" else " ".join(said.split())

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quick-check")
    found = pool.submit(check)
    pool.shutdown(wait=False)
    return found


SKIPPED = "not checked on PostgreSQL (the server checks its own pages)"


def integrity_check(conn: Connection, *, full: bool = True) -> str:
    """SQLite's own check of the file: "ok", or its first complaint (a file damaged beyond
    reading is named too); on another database, why it was skipped. `full`: `PRAGMA
    integrity_check`; else `PRAGMA quick_check` (every page, record and constraint, but not
    each index's entries against its table: a third of the time)."""
    if conn.dialect.name != "sqlite":
        return SKIPPED if conn.dialect.name == "postgresql" else \
            f"not checked on {conn.dialect.name}"
    try:
        first = conn.exec_driver_sql(
            f"PRAGMA {'integrity_check' if full else 'quick_check'}").first()
    except sa.exc.DBAPIError as error:
        return " ".join(str(error.orig).split()) or "unreadable"
    said = str(first[0]) if first is not None else "no answer"
    return "ok" if said == "ok" else " ".join(said.split())


def _verify_chain(conn: Connection, progress: Progress | None,
                  anchor: str | None) -> AuditResult:
    """Walk the whole log; the first event that breaks the chain, or None."""
    newest = head(conn)
    total = newest[0] if newest is not None else 0
    events = _events(conn)
    before: Any = None
    row = next(events, None)
    count = 0
    anchored = anchor is None
    problem: Problem | None = None
    while row is not None:
        after = next(events, None)
        problem = diagnose_sealed(before, row, after, _lookup(conn))
        if problem is not None:
            break
        anchored = anchored or row.hash == anchor
        before, row = row, after
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count, total)
    if problem is None and not anchored:
        problem = problem_at("anchor", newest[0] if newest is not None else 0)
    return AuditResult(
        ok=problem is None,
        events=count,
        head_id=newest[0] if newest is not None else None,
        head_hash=newest[1] if newest is not None else None,
        problem=problem,
        unsealed=unsealed(conn),
    )


def _lookup(conn: Connection) -> Lookup:
    """`Lookup` on `conn` (a problem's path only: the hashes have no index)."""
    columns = [E.c.id, E.c.at, E.c.business_day, E.c.kind, E.c.ticket_id, E.c.staff_id,
               E.c.counter_number, E.c.detail, E.c.prev_hash, E.c.hash, E.c.seal]

    def find(column: str, value: str) -> list[Any]:
        return list(conn.execute(select(*columns).where(E.c[column] == value).limit(2)).all())

    return find


def head(conn: Connection) -> tuple[int, str] | None:
    """The newest sealed event's id and hash, without walking the log."""
    row = conn.execute(select(E.c.id, E.c.hash).where(E.c.seal.is_not(None))
                       .order_by(E.c.seal.desc()).limit(1)).first()
    return (row.id, row.hash) if row is not None else None


# -- the tables against the log ------------------------------------------------------------

T = sa.table(
    "tickets", sa.column("id", sa.Integer), sa.column("business_day", sa.Date),
    sa.column("number", sa.String), sa.column("business", sa.String),
    sa.column("status", sa.String), sa.column("counter_number", sa.Integer),
    sa.column("handler_id", sa.String),
)
"""The columns of a ticket whose value follows from its events."""

REPLAYED = ("status", "business", "counter_number", "handler_id")

_STATUS = {
    "issue": "waiting", "walk_in": "serving", "call": "called", "recall": "called",
    "no_show": "no_show", "requeue": "waiting", "start": "serving", "complete": "done",
    "transfer": "waiting", "next_service": "waiting", "refer": "with_support",
    "return": "serving", "set_aside": "serving", "resume": "serving", "cancel": "cancelled",
    "expire": "cancelled", "reopen": "serving",
}
"""The state each step leaves a ticket in (docs/design.md §3); other steps keep it."""
_HANDLER_STEPS = frozenset((*SETS, *MOVES))
_TAKES_COUNTER = ("call", "walk_in", "resume")
_LEAVES_COUNTER = ("transfer", "next_service", "refer", "set_aside", "reopen")


@dataclass(slots=True)
class TicketReplay:
    """Where a ticket's events put it: its state, queue, counter and handler (the handler by
    the rule the reports replay by, `db.rules.handler`)."""

    status: str | None = None
    business: str | None = None
    counter_number: int | None = None
    handler_id: str | None = None

    def step(self, kind: str, staff: str | None, counter: int | None,
             detail: dict[str, Any] | None) -> None:
        """Apply one event."""
        if detail:
            if kind == "issue":
                self.business = detail.get("business", self.business)
            elif kind in ("transfer", "next_service"):
                self.business = detail.get("to_business", self.business)
        if kind in _HANDLER_STEPS:
            self.handler_id = handler_after(self.handler_id, kind, staff, detail)
        if kind == "reassign" and self.status in ("called", "serving") \
                and self.counter_number is not None:
            self.status, self.counter_number = "serving", None
        if kind in _TAKES_COUNTER:
            self.counter_number = counter
        elif kind in _LEAVES_COUNTER:
            self.counter_number = None
        self.status = _STATUS.get(kind, self.status)


def _of_hall(hall_id: int | None) -> Any:
    """The condition keeping a statement to hall `hall_id` (None: no condition): row-level
    security does it for a plain role, and this for one it does not hold (the database's
    owner in `hall migrate`, a superuser)."""
    return sa.column("hall_id") == hall_id if hall_id is not None else sa.true()


def check_tickets(conn: Connection, hall_id: int | None = None) -> tuple[Problem | None, int]:
    """Replay every ticket's events (of hall `hall_id`, when given) and compare with its
    row: the first ticket whose state, business, counter or handler is not what its events
    say (a row edited by hand: the triggers guard only the log), and how many tickets were
    checked."""
    after, count = 0, 0
    while True:
        rows = conn.execute(select(T).where(T.c.id > after, _of_hall(hall_id))
                            .order_by(T.c.id).limit(CHUNK)).all()
        if not rows:
            return None, count
        # A number's letter is the business it was issued for (a walk-in's event names only
        # the number); transfers and next services move it on from there.
        replays = {row.id: TicketReplay(business=row.number[:1]) for row in rows}
        steps = conn.execute(
            select(E.c.ticket_id, E.c.kind, E.c.staff_id, E.c.counter_number, E.c.detail)
            .where(E.c.ticket_id.between(rows[0].id, rows[-1].id))
            .order_by(E.c.ticket_id, E.c.id))
        for step in steps:
            replay = replays.get(step.ticket_id)
            if replay is not None:
                replay.step(step.kind, step.staff_id, step.counter_number, step.detail)
        for row in rows:
            problem = _differs(row, replays[row.id])
            if problem is not None:
                return problem, count
            count += 1
        after = rows[-1].id


def _differs(row: Any, replay: TicketReplay) -> Problem | None:
    name = f"ticket {row.number} of {row.business_day} (id {row.id})"
    name_zh = f"{row.business_day} 的 {row.number} 号（id {row.id}）"
    if replay.status is None:
        return Problem("row", row.id,
                       f"{name} has no events: the row was inserted, or its events deleted, "
                       "by hand", f"{name_zh} 没有任何事件：该行为手工插入，或其事件被手工删除")
    for column in REPLAYED:
        stored, told = getattr(row, column), getattr(replay, column)
        if stored != told:
            return Problem(
                "row", row.id,
                f"{name} differs from its events: {column} is {stored!r}, its events say "
                f"{told!r}",
                f"{name_zh} 与其事件不符：{column} 为 {stored!r}，事件记录为 {told!r}")
    return None


# -- counters, remedies and complaints against the log ---------------------------------------

CT = sa.table(
    "counters", sa.column("number", sa.Integer), sa.column("state", sa.String),
    sa.column("staff_id", sa.String), sa.column("signed_in_at", sa.DateTime),
)
"""A counter's columns that follow from its sign-in, sign-out, open, pause and close events
(its names and profile come from the config, which `hall init` loads without an event)."""
RT = sa.table(
    "remedies", *(sa.column(name) for name in (
        "id", "ticket_id", "kind", "amount_fen", "reason", "status", "requested_by",
        "decided_by", "decision_reason")),
    sa.column("business_day", sa.Date), sa.column("requested_at", sa.DateTime),
    sa.column("decided_at", sa.DateTime),
)
"""A remedy's columns: all follow from its grant or request and its decision."""
KT = sa.table(
    "complaints", *(sa.column(name) for name in (
        "id", "ticket_id", "handler_id", "status", "recorded_by", "outcome", "correction",
        "resolution", "resolved_by", "new_handler_id", "remedy_id")),
    sa.column("business_day", sa.Date), sa.column("recorded_at", sa.DateTime),
    sa.column("resolved_at", sa.DateTime),
)
"""A complaint's columns that its events carry (what the customer said and their phone
number are not in the log)."""

_COUNTER_STEPS = ("sign_in", "sign_out", "open", "pause", "close")
_REMEDY_STEPS = ("remedy_grant", "remedy_request", "remedy_approve", "remedy_refuse")
_CORRECTIONS = {"complaint_resolve": "none", "reassign": "reassign", "reopen": "reopen",
                "cancel": "void", "remedy_approve": "remedy"}
"""The event a complaint's resolution appends, by the correction it made
(`db.rules.complaints`)."""
_OTHER_STEPS = sorted({*_COUNTER_STEPS, *_REMEDY_STEPS, "complaint", *_CORRECTIONS})

Expected = dict[str, Any]
"""A row's columns as its events say they are."""


def _counter_step(row: Expected, kind: str, event: Any) -> None:
    if kind == "sign_in":
        again = (event.detail or {}).get("again", False)
        if not (again and row["state"] == "paused"):
            row["state"] = "open"
        if not again:
            row["signed_in_at"] = event.at
        row["staff_id"] = event.staff_id
    elif kind == "sign_out":
        row.update(state="closed", staff_id=None, signed_in_at=None)
    else:
        row["state"] = {"open": "open", "pause": "paused", "close": "closed"}[kind]


def _remedy_step(rows: dict[int, Expected], event: Any, detail: dict[str, Any]) -> None:
    number = detail.get("remedy")
    if number is None:
        return
    if event.kind in ("remedy_grant", "remedy_request"):
        rows[number] = {
            "ticket_id": event.ticket_id, "business_day": event.business_day,
            "kind": detail.get("remedy_kind"), "amount_fen": detail.get("amount_fen"),
            "reason": detail.get("reason"),
            "status": "granted" if event.kind == "remedy_grant" else "pending",
            "requested_by": event.staff_id, "requested_at": event.at, "decided_by": None,
            "decided_at": None, "decision_reason": None,
        }
    elif number in rows:
        rows[number].update(
            status="approved" if event.kind == "remedy_approve" else "refused",
            decided_by=event.staff_id, decided_at=event.at,
            decision_reason=detail.get("reason"))
    else:  # decided without a grant or request in the log: the row cannot be right
        rows[number] = {"status": None}


def _complaint_step(rows: dict[int, Expected], event: Any, detail: dict[str, Any]) -> None:
    number = detail.get("complaint")
    if number is None:
        return
    if event.kind == "complaint":
        rows[number] = {
            "ticket_id": event.ticket_id, "business_day": event.business_day,
            "handler_id": detail.get("handler"), "status": "open",
            "recorded_by": event.staff_id, "recorded_at": event.at, "outcome": None,
            "correction": None, "resolution": None, "resolved_by": None, "resolved_at": None,
            "new_handler_id": None, "remedy_id": None,
        }
        return
    correction = _CORRECTIONS[event.kind]
    rows.setdefault(number, {"status": None}).update(
        status="resolved", outcome=detail.get("outcome"), correction=correction,
        resolution=detail.get("reason"), resolved_by=event.staff_id, resolved_at=event.at,
        new_handler_id=detail.get("to_handler"),
        remedy_id=detail.get("remedy") if correction == "remedy" else None)


@dataclass
class TableReplay:
    """Counters, remedies and complaints as their events leave them."""

    counters: dict[int, Expected]
    remedies: dict[int, Expected]
    complaints: dict[int, Expected]

    def step(self, event: Any) -> None:
        """Apply one event (of any kind: those of other steps change nothing here)."""
        kind = event.kind
        if kind in _COUNTER_STEPS and event.counter_number is not None:
            row = self.counters.setdefault(
                event.counter_number, {"state": "closed", "staff_id": None,
                                       "signed_in_at": None})
            _counter_step(row, kind, event)
        detail = event.detail or {}
        if kind in _REMEDY_STEPS:
            _remedy_step(self.remedies, event, detail)
        if kind == "complaint" or kind in _CORRECTIONS:
            _complaint_step(self.complaints, event, detail)


def replay_tables(conn: Connection, hall_id: int | None = None) -> TableReplay:
    """Replay the events of counters, remedies and complaints (read by their kind: the
    index on kind keeps this a small part of the log), of hall `hall_id` when given."""
    replay = TableReplay({}, {}, {})
    events = conn.execute(
        select(E.c.id, E.c.at, E.c.business_day, E.c.kind, E.c.ticket_id, E.c.staff_id,
               E.c.counter_number, E.c.detail)
        .where(E.c.kind.in_(_OTHER_STEPS), _of_hall(hall_id)).order_by(E.c.id))
    for event in events:
        replay.step(event)
    return replay


def _names(what: str, key: int) -> tuple[str, str]:
    if what == "counter":
        return f"counter {key}", f"{key} 号窗口"
    return f"{what} #{key}", f"第 {key} 号{'补救' if what == 'remedy' else '投诉'}"


def _compare(what: str, key: int, stored: Any, told: Expected | None) -> Problem | None:
    """The first column of a row (None: no row) that is not what its events say."""
    name, name_zh = _names(what, key)
    if told is None or told.get("status", "") is None:
        return Problem("row", key, f"{name} has no events that made it: the row was inserted "
                       "by hand, or its events deleted",
                       f"{name_zh} 没有产生它的事件：该行为手工插入，或其事件被手工删除")
    if stored is None:
        return Problem("row", key, f"{name} is in the event log but has no row: it was "
                       "deleted by hand", f"事件记录中有{name_zh}，但数据表中没有：该行被手工删除")
    for column, value in told.items():
        if getattr(stored, column) != value:
            return Problem(
                "row", key,
                f"{name} differs from its events: {column} is {getattr(stored, column)!r}, "
                f"its events say {value!r}",
                f"{name_zh} 与其事件不符：{column} 为 {getattr(stored, column)!r}，"
                f"事件记录为 {value!r}")
    return None


def check_tables(conn: Connection, hall_id: int | None = None) -> tuple[Problem | None, int]:
    """Counters, remedies and complaints against their events: the first row (counters by
    number, then remedies and complaints by id) that is not what its events say, and how
    many rows were checked. A counter no one ever signed in to stays closed."""
    replay = replay_tables(conn, hall_id)
    count = 0
    for what, table, key, told in (
        ("counter", CT, CT.c.number, replay.counters),
        ("remedy", RT, RT.c.id, replay.remedies),
        ("complaint", KT, KT.c.id, replay.complaints),
    ):
        rows = {getattr(row, key.name): row
                for row in conn.execute(select(table).where(_of_hall(hall_id)).order_by(key))}
        for number in sorted(rows.keys() | told.keys()):
            expected = told.get(number)
            if what == "counter" and expected is None:
                expected = {"state": "closed", "staff_id": None, "signed_in_at": None}
            problem = _compare(what, number, rows.get(number), expected)
            if problem is not None:
                return problem, count
            count += 1
    return None, count


# -- the one pass over a SQLite log ----------------------------------------------------------

CANONICAL_SQL = (
    "CASE WHEN detail IS NULL OR json_valid(detail) THEN json_array(id, "
    "CASE WHEN substr(at, 20) = '.000000' THEN substr(at, 1, 19) ELSE at END, business_day, "
    "kind, ticket_id, staff_id, counter_number, json(detail)) END"
)
"""`canonical_text` as SQLite writes it from the stored values (in C: a tenth of the time of
writing it in Python), right for the usual stored forms: the time as SQLAlchemy stores it,
and a detail whose keys are sorted and whose text has no escaped characters (the usual
issue and call details). Any other form gives another text (or NULL), and that event's text
is then written in Python (`_stored_text`) and hashed again.

A text from here that hashes to the stored hash proves the row unedited as well as the
exact one does: `json_array` escapes every string and keeps integers, texts and NULLs
apart, so the text equals the one hashed at append time only if every stored value reads
back as the value then written."""

_EVENT_SQL = (f"SELECT {CANONICAL_SQL}, id, ticket_id, prev_hash, hash, seal FROM events "
              "ORDER BY id")
_STORED_SQL = ("SELECT id, at, business_day, kind, ticket_id, staff_id, counter_number, "
               "detail FROM events WHERE id = ?")


def _number(value: Any) -> str:
    """The JSON of a stored integer column's value (as stored: SQLite may hold any type)."""
    return str(value) if value.__class__ is int else _ENCODE(value)


def _raw_sqlite(conn: Connection) -> Any:
    """The driver's own connection when it is the standard sqlite3 module, else None."""
    if conn.dialect.name != "sqlite" or conn.dialect.driver != "pysqlite":
        return None
    return conn.connection.dbapi_connection


def _stored_time(text: str) -> str:
    """`datetime.isoformat(sep=" ")` of a time as SQLAlchemy stores it in SQLite
    ("YYYY-MM-DD HH:MM:SS.ffffff"), without parsing it when it has that form."""
    if len(text) == 26 and text[19] == ".":
        return text[:19] if text.endswith(".000000") else text
    return dt.datetime.fromisoformat(text).isoformat(sep=" ")


def _stored_text(raw: Any, event_id: int) -> str:
    """The canonical text of an event whose stored values `CANONICAL_SQL` does not write as
    `canonical_text` would: written out from the stored values in Python (the time and the
    detail parsed and written again)."""
    _, at, day, kind, ticket, staff, counter, detail = raw.execute(
        _STORED_SQL, (event_id,)).fetchone()
    return (f"[{_number(event_id)},{_ENCODE(_stored_time(at))},{_ENCODE(day)},{_ENCODE(kind)},"
            f"{'null' if ticket is None else _number(ticket)},{_ENCODE(staff)},"
            f"{'null' if counter is None else _number(counter)},"
            f"{'null' if detail is None else _ENCODE(json.loads(detail))}]")


# -- the tickets against their events, in SQL where a ticket's steps allow ----------------------

_REPLAYED_ALONE = frozenset(("transfer", "next_service", *MOVES, "reassign"))
"""Steps the summary in SQL (`_TICKETS_SQL`) does not follow: a ticket with one of them is
replayed in Python (`TicketReplay`), as is any ticket whose summary differs from its row."""


def _in(kinds: Any) -> str:
    return "(" + ", ".join(f"'{kind}'" for kind in sorted(kinds)) + ")"


_STATUS_CODE = {kind: code for code, kind in enumerate(sorted(_STATUS), 1)}
_STATUS_OF_CODE = {code: _STATUS[kind] for kind, code in _STATUS_CODE.items()}
_TICKETS_SQL = f"""
SELECT t.id, t.status, t.business, t.counter_number, t.handler_id, t.number, s.alone,
       s.status_code & 63,
       (SELECT CASE WHEN kind IN {_in(_TAKES_COUNTER)} THEN counter_number END
          FROM events WHERE id = s.moved),
       (SELECT staff_id FROM events WHERE id = s.handled),
       s.issued IS NOT NULL,
       (SELECT json_extract(detail, '$.business') FROM events WHERE id = s.issued)
FROM (
    SELECT ticket_id,
           max(kind IN {_in(_REPLAYED_ALONE)}
               OR (kind IN {_in(SETS)} AND staff_id = '')) AS alone,
           max(CASE {" ".join(f"WHEN kind = '{k}' THEN id * 64 + {c}"
                              for k, c in _STATUS_CODE.items())} END) AS status_code,
           max(CASE WHEN kind IN {_in((*_TAKES_COUNTER, *_LEAVES_COUNTER))} THEN id END) AS moved,
           min(CASE WHEN kind IN {_in(SETS)} AND staff_id IS NOT NULL THEN id END) AS handled,
           max(CASE WHEN kind = 'issue' AND CASE WHEN json_valid(detail)
                    THEN json_type(detail, '$.business') END IS NOT NULL THEN id END) AS issued
    FROM events
    WHERE ticket_id IS NOT NULL
    GROUP BY ticket_id
) AS s JOIN tickets AS t ON t.id = s.ticket_id
"""
"""Each ticket with events, its row beside a summary of its steps that gives what
`TicketReplay` would make of them when none of them is a step it replays alone (a transfer,
a next service, a reassign, a reopen): the state of its last step that sets one, the
counter of its last step that takes or leaves one (taken: that counter; left: none), the
staff of its first call or walk-in that names one (the handler), the business its last
issue names (else the number's letter)."""
_TICKET_COUNT_SQL = "SELECT count(*) FROM tickets"
_NO_EVENTS_SQL = ("SELECT id FROM tickets WHERE NOT EXISTS "
                  "(SELECT 1 FROM events WHERE events.ticket_id = tickets.id) ORDER BY id")


def _check_tickets_sqlite(conn: Connection, raw: Any, again: set[int],
                          summary: _Summary | None = None) -> tuple[Problem | None, int]:
    """Every ticket against its events: the summary in SQL (`_TICKETS_SQL`, read beside the
    log by `summary` when given) where it applies, else (and wherever the summary and the
    row differ, and for the tickets in `again`: an event of theirs whose stored form SQLite
    does not read as Python does) the replay in Python (`check_ticket`), in id order. The
    first ticket that is not what its events say, and the tickets compared."""
    found = summary.result() if summary is not None else None
    if found is None or found[4] != _newest_id(raw):
        # The summary's own snapshot is not the walk's (a step committed between the two
        # first reads, SQLite having no way to share a snapshot between connections): read
        # it again here, in the walk's, so that what is reported is one moment's.
        found = _summarize(raw)
    flagged, seen, total, no_events, _ = found
    again |= flagged
    if seen != total:  # tickets with no events at all
        again.update(no_events())
    for number in sorted(again):
        problem = check_ticket(conn, number)
        if problem is not None:
            return problem, total
    return None, total


Summary = tuple[set[int], int, int, Callable[[], list[int]], int]
"""What `_summarize` found: the tickets its summary does not vouch for, the tickets with
events, the tickets, how to list the tickets with no events, and the newest event's id in
its snapshot (every step that changes a ticket appends an event in the same transaction:
two snapshots with the same newest event hold the same tickets)."""

_NEWEST_SQL = "SELECT coalesce(max(id), 0) FROM events"


def _newest_id(raw: Any) -> int:
    return int(raw.execute(_NEWEST_SQL).fetchone()[0])


def _summarize(raw: Any) -> Summary:
    """`summary_differs` on `raw`, with the counts, in one read transaction."""
    flagged: set[int] = set()
    newest = _newest_id(raw)
    seen = summary_differs(raw, flagged)
    total = int(raw.execute(_TICKET_COUNT_SQL).fetchone()[0])
    no_events = [number for (number,) in raw.execute(_NO_EVENTS_SQL)] if seen != total else []
    return flagged, seen, total, lambda: no_events, newest


class _Summary:
    """The tickets' summary (`_summarize`) read on a connection of its own in a thread while
    the log is walked: SQLite builds it without holding Python's lock, so on a second core
    it costs no time of the walk's. Its own read transaction: one snapshot of both tables."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                    check_same_thread=False)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ticket-summary")
        self.future = pool.submit(self._run)
        pool.shutdown(wait=False)

    def _run(self) -> Summary:
        try:
            self.conn.execute("BEGIN")
            found = _summarize(self.conn)
            self.conn.execute("COMMIT")
            return found
        finally:
            self.conn.close()

    def result(self) -> Summary:
        return self.future.result()

    def cancel(self) -> None:
        """Stop it (the walk found a problem first)."""
        if not self.future.done():
            with contextlib.suppress(sqlite3.Error):
                self.conn.interrupt()
        with contextlib.suppress(Exception):
            self.future.result()


def summary_differs(raw: Any, into: set[int]) -> int:
    """Add to `into` each ticket whose row the summary of its steps (`_TICKETS_SQL`) does
    not vouch for: it has a step replayed alone, or the summary differs from the row.
    Returns the tickets with events."""
    status_of = _STATUS_OF_CODE
    seen = 0
    rows = raw.cursor()
    rows.arraysize = CHUNK
    rows.execute(_TICKETS_SQL)
    while True:
        chunk = rows.fetchmany()
        if not chunk:
            break
        seen += len(chunk)
        for (number, status, business, counter, handler, label, alone, code, told_counter,
             told_handler, issued, told_business) in chunk:
            if alone or status_of.get(code) != status or told_counter != counter \
                    or told_handler != handler \
                    or ((told_business if issued else None) or label[:1]) != business:
                into.add(number)
    rows.close()
    return seen


def check_ticket(conn: Connection, ticket_id: int) -> Problem | None:
    """One ticket replayed from all its events and compared with its row."""
    row = conn.execute(select(T).where(T.c.id == ticket_id)).first()
    if row is None:
        return None
    replay = TicketReplay(business=row.number[:1])
    steps = conn.execute(
        select(E.c.kind, E.c.staff_id, E.c.counter_number, E.c.detail)
        .where(E.c.ticket_id == ticket_id).order_by(E.c.id))
    for step in steps:
        replay.step(step.kind, step.staff_id, step.counter_number, step.detail)
    return _differs(row, replay)


def _diagnose_at(conn: Connection, before_id: int | None, row_id: int) -> Problem | None:
    """`diagnose` where the quick check of the pass found something: the rows read again
    through SQLAlchemy, typed."""
    columns = [E.c.id, E.c.at, E.c.business_day, E.c.kind, E.c.ticket_id, E.c.staff_id,
               E.c.counter_number, E.c.detail, E.c.prev_hash, E.c.hash]
    before = (conn.execute(select(*columns).where(E.c.id == before_id)).first()
              if before_id is not None else None)
    rows = conn.execute(select(*columns).where(E.c.id >= row_id).order_by(E.c.id).limit(2)).all()
    return diagnose(before, rows[0], rows[1] if len(rows) > 1 else None, _lookup(conn))


def _scan_sqlite(conn: Connection, raw: Any, progress: Progress | None, anchor: str | None,
                 *, tables: bool) -> tuple[AuditResult, Problem | None, int]:
    """The chain in one pass over the log, read through the driver: each event's canonical
    text is written by SQLite (`CANONICAL_SQL`) and hashed; anything that does not match at
    once is written in Python and hashed again, then looked at by `diagnose`. Then, with
    `tables`, every ticket against its events (`_check_tickets_sqlite`; the summary in SQL
    it starts from is read beside the walk, `_Summary`). Returns the chain's result, the
    first ticket that is not what its events say, and the tickets compared."""
    newest = head(conn)
    path = _file_of(raw)
    summary = _Summary(path) if tables and path else None
    try:
        chain, again = _walk_sqlite(conn, raw, progress, anchor, newest)
    except BaseException:
        if summary is not None:
            summary.cancel()
        raise
    if chain.problem is not None or not tables:
        if summary is not None:
            summary.cancel()
        return chain, None, 0
    found, compared = _check_tickets_sqlite(conn, raw, again, summary)
    return chain, found, compared


def _file_of(raw: Any) -> str:
    """The main database's file ("" for one in memory)."""
    files = {name: path for _, name, path in raw.execute("PRAGMA database_list")}
    return str(files.get("main") or "")


def _walk_sqlite(conn: Connection, raw: Any, progress: Progress | None, anchor: str | None,
                 newest: tuple[int, str] | None) -> tuple[AuditResult, set[int]]:
    """The chain (`_scan_sqlite`): its result, and the tickets with an event whose text
    SQLite did not write canonically."""
    total = newest[0] if newest is not None else 0
    sha256 = hashlib.sha256
    again: set[int] = set()
    """Tickets with an event whose text SQLite did not write canonically: replayed in
    Python, which reads their details as the hash does."""
    events = raw.cursor()
    events.arraysize = CHUNK
    events.execute(_EVENT_SQL)
    previous, before_id, count = GENESIS, None, 0
    anchored = anchor is None
    problem: Problem | None = None
    misplaced: int | None = None
    """The first event whose seal is not its id (on SQLite its place in the chain is its id)."""
    while problem is None:
        rows = events.fetchmany()
        if not rows:
            break
        for fast, event_id, ticket, prev_hash, own, place in rows:
            if prev_hash != previous or own is None or fast is None \
                    or own != sha256(f"{previous}\n{fast}".encode()).hexdigest():
                # Not as SQLite wrote it: the text written in Python, then a closer look.
                text = _stored_text(raw, event_id)
                if prev_hash != previous or own is None \
                        or own != sha256(f"{previous}\n{text}".encode()).hexdigest():
                    problem = _diagnose_at(conn, before_id, event_id)
                    if problem is not None:
                        break
                if ticket is not None:
                    again.add(ticket)
            if place != event_id and misplaced is None:
                misplaced = event_id  # said last: what the hashes find explains it better
            previous, before_id = own, event_id
            count += 1
            if not anchored and own == anchor:
                anchored = True
        if progress is not None:
            progress(count, total)
    events.close()
    if problem is None and not anchored:
        problem = problem_at("anchor", total)
    if problem is None and misplaced is not None:
        problem = problem_at("resealed", misplaced)
    chain = AuditResult(ok=problem is None, events=count,
                        head_id=newest[0] if newest is not None else None,
                        head_hash=newest[1] if newest is not None else None, problem=problem)
    return chain, again

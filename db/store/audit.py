"""The tamper-evident event log: every event carries the hash of the one before it.

When `db.rules.ops.log` appends an event it reads the newest event's `hash` (under the write lock)
and stores it as the new event's `prev_hash`, with the new event's own
`hash = sha256(prev_hash + "\\n" + canonical text)`; the canonical text is the JSON array
[id, at, business_day, kind, ticket, staff, counter, detail] (keys sorted, no spaces). The
first event's `prev_hash` is `GENESIS`. Ids are given out one after another under the same
lock, so the log has no gaps of its own.

`verify` walks the log in id order and names the first event that was edited (its hash no
longer matches what it says), inserted (the next event still chains to the one before it,
or the later events were renumbered to make room) or deleted (a gap, or the later events
renumbered to close it). What a chain without a secret cannot see: someone who cuts events
off the end, or rewrites every hash from an event on with this program's own code. For that
the head hash (`verify` and `hall close-day` print it) is written down outside the database,
e.g. on the day's closing report, and `verify --anchor HASH` checks it is still in the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

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
    """edited, inserted or deleted."""
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
    """True when every event chains to the one before it (and the anchor, if given, is in)."""
    events: int
    """Events checked."""
    head_id: int | None
    """The newest event."""
    head_hash: str | None
    """Its hash: write it down outside the database."""
    problem: Problem | None
    """The first problem, when not ok."""


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
    """Every event with its hashes, in id order."""
    columns = [E.c.id, E.c.at, E.c.business_day, E.c.kind, E.c.ticket_id, E.c.staff_id,
               E.c.counter_number, E.c.detail, E.c.prev_hash, E.c.hash]
    return _in_chunks(conn, columns, E, E.c.id)


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
        after = rows[-1].id


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


def diagnose(before: Any, row: Any, after: Any) -> Problem | None:
    """Whether `row` chains to `before` (None: the log begins here); if not, what was done.
    `after` (or None) is the event that follows, to tell an insertion from an edit."""
    previous = before.hash if before is not None else GENESIS
    last_id = before.id if before is not None else 0
    holds = _holds(row)
    if holds and row.prev_hash == previous:
        return None
    if not holds:
        if row.hash is None or row.prev_hash is None:  # never written by `db.rules.ops.log`
            return problem_at("inserted", row.id)
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
    if row.id > last_id + 1:
        return problem_at("gap", last_id + 1)
    if after is not None and _chains(after, previous):
        return problem_at("inserted", row.id)
    if before is None:
        return problem_at("head", row.id - 1 if row.id > 1 else 1)
    return problem_at("rehashed", before.id)


def verify(conn: Connection, progress: Progress | None = None,
           anchor: str | None = None) -> AuditResult:
    """Walk the whole log; the first event that breaks the chain, or None. `anchor`: a head
    hash written down earlier, which must still be in the log."""
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
        problem = diagnose(before, row, after)
        if problem is not None:
            break
        anchored = anchored or row.hash == anchor
        before, row = row, after
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count, total)
    if problem is None and not anchored:
        problem = problem_at("anchor", total)
    return AuditResult(
        ok=problem is None,
        events=count,
        head_id=newest[0] if newest is not None else None,
        head_hash=newest[1] if newest is not None else None,
        problem=problem,
    )


def head(conn: Connection) -> tuple[int, str] | None:
    """The newest event's id and hash, without walking the log."""
    row = conn.execute(select(E.c.id, E.c.hash).order_by(E.c.id.desc()).limit(1)).first()
    return (row.id, row.hash) if row is not None else None

"""The tamper-evident event log: a SHA-256 chain over the events, sealed after the fact.

Each sealed event has a row in `event_seals` whose hash is
`sha256(previous hash + "\\n" + the event's canonical text)`, the canonical text being the
JSON array [id, at, business_day, kind, ticket, staff, counter, detail] (keys sorted, no
spaces). Changing, inserting or removing any sealed event breaks every hash from it on.

Why sealing and not a hash computed on insert: `db.ops.log` runs on every step, inside the
write lock, and a chain there would cost a read of the previous hash and a second write on
each step (the claims benchmark's floor is bare SQLite doing one insert). Sealing reads the
new events once, in order, and writes their hashes in one transaction; `hall close-day`,
`hall audit seal` and `hall audit verify --seal` run it. Events after the last seal are
protected only by the append-only triggers until the next seal, and `verify` says how many
there are; an unsealed event dated before the sealed history is reported as inserted.

A hash chain without a secret proves nothing against someone who rewrites the whole chain
with the program's own code: the head hash (`verify` prints it) should also be written
down outside the database, e.g. on the day's closing report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection

from db.errors import Refused
from db.models import Event, EventSeal
from db.views import _Json

E = cast(Table, Event.__table__)
SEALS = cast(Table, EventSeal.__table__)

GENESIS = "0" * 64
"""The 'previous hash' of the first event."""
CHUNK = 5000
"""Events read per statement: memory stays flat on a log of millions."""
LATE_TOLERANCE = dt.timedelta(minutes=5)
"""An unsealed event dated this much before the last sealed one cannot have been logged
after it: it was inserted (clocks of several machines may differ by less)."""

Progress = Callable[[int, int], None]


def canonical(row: Any) -> str:
    """The text of an event that its hash covers."""
    day = row.business_day.isoformat() if row.business_day is not None else None
    fields = [row.id, row.at.isoformat(sep=" "), day, row.kind, row.ticket_id,
              row.staff_id, row.counter_number, row.detail]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link(previous: str, row: Any) -> str:
    """The hash of an event chained to the one before it."""
    return hashlib.sha256(f"{previous}\n{canonical(row)}".encode()).hexdigest()


@dataclass(frozen=True)
class Problem(_Json):
    """The first place where the log and its seals disagree."""

    kind: str
    """edited, inserted or deleted."""
    event_id: int
    """The event (or, for a deletion, the missing id)."""
    message: str
    """One line for a person."""
    message_zh: str = ""
    """The same in Chinese."""


WORDING = {
    "edited": ("edited", "event {id} was edited: it no longer matches its seal",
               "第 {id} 条事件被修改：与其封存值不符"),
    "gone": ("deleted", "event {id} was sealed and is gone: it was deleted",
             "第 {id} 条事件已封存却不见了：被删除"),
    "gap": ("deleted", "event {id} was deleted (with its seal)",
            "第 {id} 条事件连同其封存被删除"),
    "unsealed": ("inserted", "event {id} is not in the sealed chain: it was inserted",
                 "第 {id} 条事件不在封存链中：被插入"),
    "renumbered": ("inserted", "event {id} was inserted (the later events renumbered)",
                   "第 {id} 条事件被插入（其后的事件被重新编号）"),
    "backdated": ("inserted", "event {id} is dated before the sealed history: it was inserted",
                  "第 {id} 条事件的时间早于已封存的记录：被插入"),
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
    """True when every sealed event is as it was sealed and nothing was slipped in."""
    sealed: int
    """Events covered by seals."""
    unsealed: int
    """Events logged after the last seal."""
    head_id: int | None
    """Last sealed event."""
    head_hash: str | None
    """Its hash: write it down outside the database."""
    problem: Problem | None
    """The first problem, when not ok."""


def _columns() -> list[Any]:
    return [E.c.id, E.c.at, E.c.business_day, E.c.kind, E.c.ticket_id, E.c.staff_id,
            E.c.counter_number, E.c.detail]


def _events(conn: Connection, after: int, upto: int | None = None) -> Iterator[Any]:
    """Events with id > after (and <= upto), in id order, read in chunks."""
    while True:
        query = select(*_columns()).where(E.c.id > after).order_by(E.c.id).limit(CHUNK)
        if upto is not None:
            query = query.where(E.c.id <= upto)
        rows = conn.execute(query).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        after = rows[-1].id


def _seals(conn: Connection) -> Iterator[Any]:
    after = 0
    while True:
        rows = conn.execute(
            select(SEALS.c.event_id, SEALS.c.hash).where(SEALS.c.event_id > after)
            .order_by(SEALS.c.event_id).limit(CHUNK)
        ).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        after = rows[-1].event_id


def _head(conn: Connection) -> Any:
    return conn.execute(
        select(SEALS.c.event_id, SEALS.c.hash).order_by(SEALS.c.event_id.desc()).limit(1)
    ).first()


def _one(conn: Connection, after: int) -> Any:
    return next(_events(conn, after, None), None)


def _renumbered(row: Any, event_id: int) -> SimpleNamespace:
    """The event as it was before someone moved it to another id."""
    return SimpleNamespace(**{**row._asdict(), "id": event_id})


class _Walk:
    """One pass over the sealed events and their seals, side by side."""

    def __init__(self, conn: Connection, progress: Progress | None) -> None:
        self.conn = conn
        self.progress = progress
        head = _head(conn)
        self.head_id: int = head.event_id if head else 0
        self.previous = GENESIS
        self.last_id = 0
        self.last_at: dt.datetime | None = None
        self.count = 0

    def problem(self) -> Problem | None:
        """Walk the sealed range; the first disagreement, or None."""
        events = _events(self.conn, 0, self.head_id)
        event = next(events, None)
        for seal in _seals(self.conn):
            if event is not None and event.id < seal.event_id:
                return problem_at("unsealed", event.id)
            if event is None or event.id > seal.event_id:
                return problem_at("gone", seal.event_id)
            if link(self.previous, event) != seal.hash:
                return self._diagnose(event, seal)
            self.previous, self.last_id, self.last_at = seal.hash, event.id, event.at
            self.count += 1
            if self.progress is not None and self.count % CHUNK == 0:
                self.progress(self.count, self.head_id)
            event = next(events, None)
        return None

    def _diagnose(self, event: Any, seal: Any) -> Problem:
        # A gap in the ids just before the break: sealed events went, seals and all. (A
        # PostgreSQL sequence leaves harmless gaps too, but then the chain holds.)
        if event.id > self.last_id + 1:
            gone = self.last_id + 1
            return problem_at("gap", gone)
        after = _one(self.conn, event.id)
        if after is not None and link(self.previous, _renumbered(after, event.id)) == seal.hash:
            return problem_at("renumbered", event.id)
        return problem_at("edited", event.id)


def _late_insert(conn: Connection, head_id: int, head_at: dt.datetime | None) -> Problem | None:
    """An unsealed event dated before the sealed history was not logged after it."""
    if head_at is None:
        return None
    late = conn.execute(
        select(E.c.id).where(E.c.id > head_id, E.c.at < head_at - LATE_TOLERANCE)
        .order_by(E.c.id).limit(1)
    ).scalar()
    if late is None:
        return None
    return problem_at("backdated", late)


def verify(conn: Connection, progress: Progress | None = None) -> AuditResult:
    """Check every sealed event against its seal, and the unsealed tail's dates."""
    walk = _Walk(conn, progress)
    problem = walk.problem()
    head_at = walk.last_at if problem is None else None
    if problem is None:
        problem = _late_insert(conn, walk.head_id, head_at)
    total = conn.execute(select(func.count()).select_from(E)).scalar_one()
    sealed = conn.execute(select(func.count()).select_from(SEALS)).scalar_one()
    head = _head(conn)
    return AuditResult(
        ok=problem is None, sealed=sealed, unsealed=max(0, total - sealed),
        head_id=head.event_id if head else None, head_hash=head.hash if head else None,
        problem=problem,
    )


def seal(
    conn: Connection, now: dt.datetime, progress: Progress | None = None, *,
    thorough: bool = True,
) -> AuditResult:
    """Check, then chain the events logged since the last seal. Refused, sealing nothing,
    when the check fails: tampered events are never sealed in. `thorough` checks the whole
    log first; otherwise (the day close, whose cost must not grow with the years) only the
    last sealed event and the new ones, leaving the history to `verify`."""
    checked = verify(conn, progress) if thorough else _quick_check(conn)
    if checked.problem is not None:
        raise Refused(f"the event log fails verification: {checked.problem.message}",
                      zh=f"事件记录校验未通过：{checked.problem.message_zh}")
    seal_from(conn, checked.head_id or 0, checked.head_hash or GENESIS, now)
    head = _head(conn)
    return dataclasses.replace(
        checked, sealed=checked.sealed + checked.unsealed, unsealed=0,
        head_id=head.event_id if head else None, head_hash=head.hash if head else None,
    )


def _quick_check(conn: Connection) -> AuditResult:
    """The last sealed event against its seal, and the new events' dates."""
    last_two = conn.execute(
        select(SEALS.c.event_id, SEALS.c.hash).order_by(SEALS.c.event_id.desc()).limit(2)
    ).all()
    problem: Problem | None = None
    head_at = None
    if last_two:
        head = last_two[0]
        previous = last_two[1].hash if len(last_two) > 1 else GENESIS
        event = conn.execute(select(*_columns()).where(E.c.id == head.event_id)).first()
        if event is None:
            problem = problem_at("gone", head.event_id)
        elif link(previous, event) != head.hash:
            problem = problem_at("edited", head.event_id)
        else:
            head_at = event.at
    head_id = last_two[0].event_id if last_two else 0
    problem = problem or _late_insert(conn, head_id, head_at)
    total = conn.execute(select(func.count()).select_from(E)).scalar_one()
    sealed = conn.execute(select(func.count()).select_from(SEALS)).scalar_one()
    return AuditResult(problem is None, sealed, max(0, total - sealed), head_id or None,
                       last_two[0].hash if last_two else None, problem)


def seal_from(conn: Connection, after: int, previous: str, now: dt.datetime) -> int:
    """Chain the events after `after` onto `previous` and store their seals; returns how
    many were sealed. (Also the migration's way to seal the history it finds.)"""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in _events(conn, after):
        previous = link(previous, row)
        batch.append({"event_id": row.id, "hash": previous, "sealed_at": now})
        if len(batch) >= CHUNK:
            conn.execute(insert(SEALS), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(insert(SEALS), batch)
        count += len(batch)
    return count

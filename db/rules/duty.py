"""The duty leader's post (值班领导岗): signing in, the hall board, and the supervision box.

The board is what the leader watches: every counter with its current ticket and how long
it has been there, how long paused counters have been paused, the queues, the longest
waits measured against the SLA target (`[service] sla_minutes`), the printer faults of the
day, and arrivals and services per hour. Each is read through the indexes the other
queries use, so the board costs the same late in a long history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select, update

from db.errors import AuthFailed, NotFound, Refused, role_zh
from db.rules import queries
from db.rules.ops import E, T, log, staff_row
from db.rules.staff import authenticate
from db.rules.text import REPLY_MAX, check_length
from db.store.models import AT_COUNTER, Feedback
from db.store.session import Hall, Tx
from db.store.sql import status_in
from db.store.views import CounterView, EventView, QueueLine, StaffView, _Json

F = cast(Table, Feedback.__table__)

LONG_PAUSE_MINUTES = 15.0
"""A counter paused longer than this is flagged on the board."""


def authenticate_leader(hall: Hall, staff_id: str, pin: str, *,
                        terminal: str | None = None) -> StaffView:
    """Check the PIN (the lockout applies; `terminal` as `authenticate` takes it), then
    that the person is a duty leader."""
    person = authenticate(hall, staff_id.strip().upper(), pin, terminal=terminal)
    if person.role != "leader":
        raise AuthFailed(f"{person.id} is a {person.role}: only a duty leader signs in here",
                         zh=f"{person.id} 是{role_zh(person.role)}：只有值班领导可以登录")
    return person


@dataclass(frozen=True)
class DeskLine(_Json):
    """A counter on the board."""

    counter: CounterView
    """The counter with its staff and current ticket."""
    minutes_at_counter: float | None
    """Minutes since the current ticket was called to it; None without one."""
    paused_minutes: float | None
    """Minutes since it was paused, while paused (today's pause)."""


@dataclass(frozen=True)
class WaitLine(_Json):
    """A waiting ticket among the longest waits."""

    number: str
    """Ticket number."""
    business: str
    """Its queue now."""
    minutes: float
    """Minutes since the number was taken (the wait clock starts at issue)."""
    over_sla: bool
    """Waited longer than the SLA target."""


@dataclass(frozen=True)
class Board(_Json):
    """The hall as the duty leader watches it."""

    at: dt.datetime
    """When it was read (UTC)."""
    sla_minutes: float
    """The SLA target: customers called within this many minutes."""
    desks: tuple[DeskLine, ...]
    """Every counter, in number order."""
    queues: tuple[QueueLine, ...]
    """Every business type's queue, in config order."""
    longest: tuple[WaitLine, ...]
    """The longest-waiting tickets, longest first."""
    over_sla: int
    """How many waiting tickets are past the SLA target."""
    printer_faults: tuple[EventView, ...]
    """Today's printer faults, newest first."""
    arrivals: tuple[int, ...]
    """Numbers taken per hour of the day, local time, 0 to 23."""
    served: tuple[int, ...]
    """Services completed per hour of the day."""
    waiting: tuple[int, ...] = (0,) * 24
    """Customers waiting at the end of each hour of the day so far (up to now for this hour),
    from the event log: a ticket waits from its issue, transfer, next service or requeue
    until its next call or void; 0 for hours to come."""


def board(tx: Tx, longest: int = 8, faults: int = 5) -> Board:
    """Read the board (see the module docstring)."""
    sla = float(tx.config.sla_minutes)
    waits = _longest(tx, longest, sla)
    over = int(tx.conn.execute(
        select(func.count()).where(
            status_in("waiting"), T.c.business_day == tx.day,
            T.c.issued_at < tx.now - dt.timedelta(minutes=sla),
        )
    ).scalar_one())
    prefixes = tuple(b.prefix for b in tx.config.businesses)
    fault_events = queries.events(tx, limit=faults, kind="printer_fault")[::-1]
    return Board(
        at=tx.now, sla_minutes=sla, desks=_desks(tx),
        queues=tuple(queries.queue_lines(tx, prefixes)),
        longest=waits, over_sla=over, printer_faults=tuple(fault_events),
        arrivals=_per_hour(tx, ("issue", "walk_in")), served=_per_hour(tx, ("complete",)),
        waiting=_waiting_per_hour(tx),
    )


def _minutes(tx: Tx, since: dt.datetime | None) -> float | None:
    return None if since is None else round((tx.now - since).total_seconds() / 60, 1)


def _desks(tx: Tx) -> tuple[DeskLine, ...]:
    called = dict(tx.conn.execute(
        select(T.c.counter_number, T.c.called_at)
        .where(status_in(*AT_COUNTER), T.c.counter_number.is_not(None))
    ).all())
    paused = dict(tx.conn.execute(
        select(E.c.counter_number, func.max(E.c.at))
        .where(E.c.kind == "pause", E.c.business_day == tx.day)
        .group_by(E.c.counter_number)
    ).all())
    lines = []
    for view in queries.counter_views(tx):
        pause = _minutes(tx, paused.get(view.number)) if view.state == "paused" else None
        lines.append(DeskLine(view, _minutes(tx, called.get(view.number)), pause))
    return tuple(lines)


def _longest(tx: Tx, limit: int, sla: float) -> tuple[WaitLine, ...]:
    rows = tx.conn.execute(
        select(T.c.number, T.c.business, T.c.issued_at)
        .where(status_in("waiting"), T.c.business_day == tx.day)
        .order_by(T.c.issued_at, T.c.id)
        .limit(limit)
    ).all()
    lines = []
    for number, business, issued_at in rows:
        minutes = _minutes(tx, issued_at) or 0.0
        lines.append(WaitLine(number, business, minutes, minutes > sla))
    return tuple(lines)


def _per_hour(tx: Tx, kinds: tuple[str, ...]) -> tuple[int, ...]:
    counts = [0] * 24
    for kind in kinds:
        stamps = tx.conn.execute(
            select(E.c.at).where(E.c.kind == kind, E.c.business_day == tx.day)
        ).scalars()
        for at in stamps:
            counts[at.replace(tzinfo=dt.UTC).astimezone(tx.config.tz).hour] += 1
    return tuple(counts)


WAIT_STARTS = ("issue", "transfer", "next_service", "requeue")
"""Events that put a ticket in a queue: a number taken, a transfer or a next service in the
same visit, a no-show put back."""

WAIT_ENDS = ("call", "cancel", "expire")
"""Events that take a waiting ticket out of its queue: called (by a counter or by number),
voided, or swept at day close."""


def _waiting_per_hour(tx: Tx) -> tuple[int, ...]:
    """Customers waiting at the end of each hour so far, from the day's event log: each
    ticket waits from an event of WAIT_STARTS until the next of WAIT_ENDS (one indexed read
    per kind; a call of a ticket that was not waiting, such as a no-show called back by
    number, ends nothing)."""
    rows = tx.conn.execute(
        select(E.c.ticket_id, E.c.kind, E.c.at)
        .where(E.c.kind.in_(WAIT_STARTS + WAIT_ENDS), E.c.business_day == tx.day)
        .order_by(E.c.id)
    ).all()
    changes = waiting_changes((ticket, kind in WAIT_STARTS, at) for ticket, kind, at in rows)
    changes.sort(key=lambda change: change[0])
    now = tx.now.replace(tzinfo=dt.UTC).astimezone(tx.config.tz)
    counts, level, seen = [0] * 24, 0, 0
    for hour in range(now.hour + 1):  # one sweep through the day's changes
        end = min(now.replace(hour=hour, minute=59, second=59, microsecond=999999), now)
        until = end.astimezone(dt.UTC).replace(tzinfo=None)
        while seen < len(changes) and changes[seen][0] <= until:
            level += changes[seen][1]
            seen += 1
        counts[hour] = level
    return tuple(counts)


def waiting_changes(
    events: Iterable[tuple[int, bool, dt.datetime]],
) -> list[tuple[dt.datetime, int]]:
    """(when, +1 or -1) for each ticket joining or leaving a queue, from (ticket, joins,
    when) in log order; a join of a ticket already waiting, or a leave of one not waiting,
    changes nothing."""
    waiting: set[int] = set()
    changes = []
    for ticket, joins, at in events:
        if joins != (ticket in waiting):
            changes.append((at, 1 if joins else -1))
            (waiting.add if joins else waiting.discard)(ticket)
    return changes


# -- the supervision box (监督箱) -------------------------------------------------------------


def _leader(tx: Tx, staff: str) -> None:
    person = staff_row(tx, staff)
    if person.role != "leader":
        raise AuthFailed(f"only a duty leader answers the supervision box; {staff} is not one",
                         zh=f"只有值班领导可以处理监督箱意见；{staff} 不是值班领导")


def reply_feedback(tx: Tx, leader: str, feedback_id: int, reply: str) -> None:
    """The duty leader answers a note (it becomes answered); a later reply replaces it."""
    _leader(tx, leader)
    text = " ".join(reply.split())
    if not text:
        raise Refused("please write the reply", zh="请填写回复内容")
    check_length(text, REPLY_MAX, "a reply", "回复")
    _change(tx, feedback_id, ("new", "answered"), status="answered", reply=text,
            replied_by=leader, replied_at=tx.now)
    log(tx, "feedback_reply", staff=leader, feedback=feedback_id)


def close_feedback(tx: Tx, leader: str, feedback_id: int) -> None:
    """The duty leader marks a note handled (closed), answered or not."""
    _leader(tx, leader)
    _change(tx, feedback_id, ("new", "answered"), status="closed")
    log(tx, "feedback_close", staff=leader, feedback=feedback_id)


def _change(tx: Tx, feedback_id: int, states: tuple[str, ...], **values: object) -> None:
    done = tx.conn.execute(
        update(F).where(F.c.id == feedback_id, F.c.status.in_(states)).values(**values)
        .returning(F.c.id)
    ).first()
    if done is not None:
        return
    exists = tx.conn.execute(select(F.c.status).where(F.c.id == feedback_id)).scalar()
    if exists is None:
        raise NotFound(f"there is no feedback #{feedback_id}", zh=f"没有第 {feedback_id} 条意见")
    raise Refused(f"feedback #{feedback_id} is already {exists}",
                  zh=f"第 {feedback_id} 条意见已经处理完毕")


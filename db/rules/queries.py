"""Read-only questions about the hall. Each reads only waiting, current or recent rows through
an index, so answers cost the same with a million tickets of history as with a thousand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    bindparam,
    func,
    select,
    tuple_,
)

from db.rules import estimate
from db.rules.ops import C, E, S, T, ticket_row
from db.rules.remedies import R
from db.store.engine import seconds_between
from db.store.halls import H, across_halls
from db.store.models import AT_COUNTER
from db.store.session import Tx
from db.store.sql import literal, status_in
from db.store.views import (
    RATINGS,
    CallView,
    CounterView,
    DayFigures,
    EventView,
    HallSnapshot,
    MatterView,
    QueueLine,
    TicketView,
)

# The statements the wall display runs on every change, built once (building a statement
# costs more than SQLite's work for it; see db/store/sql.py).
_WAITING_COUNTS: Select[Any] = (
    select(T.c.business, func.count())
    .where(status_in("waiting"), T.c.business_day == bindparam("day", type_=Date()))
    .group_by(T.c.business)
)
_CURRENT = (
    select(T.c.counter_number, T.c.number, T.c.status)
    .where(status_in(*AT_COUNTER), T.c.counter_number.is_not(None))
    .subquery()
)
_COUNTER_VIEWS: Select[Any] = (
    select(
        C,
        S.c.name.label("staff_name"),
        _CURRENT.c.number.label("ticket_number"),
        _CURRENT.c.status.label("ticket_status"),
    )
    .outerjoin(S, S.c.id == C.c.staff_id)
    .outerjoin(_CURRENT, _CURRENT.c.counter_number == C.c.number)
    .order_by(C.c.number)
)
_LATEST_CALLS: dict[str, Select[Any]] = {
    kind: select(E.c.id, E.c.at, E.c.counter_number, T.c.number)
    .join(T, T.c.id == E.c.ticket_id)
    .where(E.c.kind == literal(kind), E.c.business_day == bindparam("day", type_=Date()),
           E.c.id > bindparam("after", type_=Integer()))
    .order_by(E.c.id.desc())
    .limit(bindparam("limit", type_=Integer()))
    for kind in ("call", "recall")
}


def people_ahead(tx: Tx, row: Row[Any]) -> int:
    """Waiting tickets of the same queue that will be called before this one."""
    mine = (row.priority_rank, row.queued_at, row.id)
    same_line = (
        T.c.directed_to == row.directed_to
        if row.directed_to is not None
        else (T.c.business == row.business) & T.c.directed_to.is_(None)
    )
    query = select(func.count()).where(
        status_in("waiting"),
        T.c.business_day == row.business_day,
        same_line,
        tuple_(T.c.priority_rank, T.c.queued_at, T.c.id) < mine,
    )
    return int(tx.conn.execute(query).scalar_one())


def ticket_info(tx: Tx, number: str, day: dt.date | None = None, *, live: bool = True
                ) -> TicketView:
    """A ticket with, while it waits, its place in the queue and the estimated wait (`live`:
    as the hall stands now; else what it was told at issue)."""
    return with_wait(tx, TicketView.from_row(ticket_row(tx, number, day)), live=live)


def with_wait(tx: Tx, view: TicketView, *, live: bool = True,
              memo: estimate.Memo | None = None) -> TicketView:
    """`view` with `ahead` filled in when it is waiting, and (`live`) the estimate of
    `db.rules.estimate` for it as the hall stands now (the phone page, `hall ticket`); the
    kiosk, right after the issue, shows what the ticket was told instead (`live=False`).
    `memo`: many readers asking again and again (the phone pages) share one read of the hall
    per change (`estimate.Memo`)."""
    if view.status != "waiting":
        return view
    row = tx.conn.execute(select(T).where(T.c.id == view.id)).one()
    ahead = people_ahead(tx, row)
    if not live:
        return view.with_wait(ahead, view.told_minutes, view.told_low, view.told_high)
    mine = estimate.Ticket(row.business, row.priority_rank, ahead, row.directed_to,
                           estimate.waited_since(tx, row.queued_at))
    if memo is not None:
        now = memo.predict(tx, mine)
    else:
        now = estimate.predict(estimate.gather(tx), mine)
    return view.with_wait(ahead, now.minutes, now.low, now.high)


def last_issued(tx: Tx, issued_by: str | None = None, *, live: bool = True
                ) -> TicketView | None:
    """Today's latest ticket given out (by `issued_by`, or by the kiosk when None): what a
    guide reprints for a customer whose slip did not come out (`live`: as `with_wait`)."""
    who = T.c.issued_by.is_(None) if issued_by is None else T.c.issued_by == issued_by
    row = tx.conn.execute(
        select(T).where(T.c.business_day == tx.day, who).order_by(T.c.id.desc()).limit(1)
    ).first()
    return with_wait(tx, TicketView.from_row(row), live=live) if row else None


def snapshot(tx: Tx, recent: int = 8, *, estimates: bool = True) -> HallSnapshot:
    """The whole hall at a glance: queues, counters and the latest `recent` calls (0: none).
    `estimates` False leaves the estimated waits out (empty): they are most of the cost of
    a snapshot (a play-out of the hall per business), and the wall display reads its calls
    without them, then the queues with them (`queues`)."""
    found = _snapshot(tx, recent, estimates, None)
    assert found is not None  # (nothing to give way to)
    return found


def queues(tx: Tx, give_way: Callable[[], bool]) -> HallSnapshot | None:
    """The snapshot with the estimated waits and no calls, as the wall's queue board shows
    it; None when `give_way()` said True, asked before each business's estimate (the wall
    gives way to a call committed meanwhile, and reads its queues again after it)."""
    return _snapshot(tx, 0, True, give_way)


def _snapshot(tx: Tx, recent: int, estimates: bool,
              give_way: Callable[[], bool] | None) -> HallSnapshot | None:
    counts: dict[str, int] = dict(tx.conn.execute(_WAITING_COUNTS, {"day": tx.day}).all())
    waiting = {b.prefix: int(counts.get(b.prefix, 0)) for b in tx.config.businesses}
    told: dict[str, estimate.Estimate] = {}
    if estimates:
        found = estimate.for_businesses(tx, tx.config.priority("normal").rank, give_way)
        if found is None:
            return None
        told = found
    return HallSnapshot(
        at=tx.now,
        business_day=tx.day,
        waiting=waiting,
        counters=counter_views(tx),
        recent_calls=recent_calls(tx, recent) if recent > 0 else (),
        estimated_wait_min={p: e.minutes for p, e in told.items()},
        estimated_range={p: (e.low, e.high) for p, e in told.items()
                         if e.low is not None and e.high is not None},
    )


_WAITING_IN_ORDER: Select[Any] = (
    select(T.c.number, T.c.business, T.c.directed_to, T.c.queued_at, T.c.id)
    .where(status_in("waiting"), T.c.business_day == bindparam("day", type_=Date()))
    .order_by(T.c.priority_rank, T.c.queued_at, T.c.id)
)
"""Every waiting ticket in call order (the reference `next_numbers` is tested against)."""


def _first_waiting() -> Select[Any]:
    line = (T.c.business, T.c.directed_to)  # one line per business, and per counter sent to
    ranked = (
        select(T.c.number, T.c.business, T.c.directed_to, T.c.queued_at, T.c.id,
               T.c.priority_rank,
               func.row_number().over(partition_by=line, order_by=(
                   T.c.priority_rank, T.c.queued_at, T.c.id)).label("by_rank"),
               func.row_number().over(partition_by=line, order_by=(
                   T.c.queued_at, T.c.id)).label("by_age"))
        .where(status_in("waiting"), T.c.business_day == bindparam("day", type_=Date()))
        .subquery()
    )
    first = bindparam("first", type_=Integer())
    return (
        select(ranked.c.number, ranked.c.business, ranked.c.directed_to, ranked.c.queued_at,
               ranked.c.id)
        .where(ranked.c.directed_to.is_not(None) | (ranked.c.by_rank <= first)
               | (ranked.c.by_age <= first))
        .order_by(ranked.c.priority_rank, ranked.c.queued_at, ranked.c.id)
    )


_FIRST_WAITING = _first_waiting()
"""The waiting tickets `next_numbers` can pick, in call order: those sent to a counter, and
of each business the first `:first` in call order and the `:first` longest-waiting (a
counter picks the first of them not foreseen for a counter before it, so with n counters
the first n of each order are enough). The database ranks them; the wall reads a few dozen
rows instead of every waiting ticket (2,000 rows cost it 8-20 ms a change)."""


def next_numbers(tx: Tx, counters: tuple[CounterView, ...]) -> dict[int, str]:
    """Counter number → the ticket it would call next, for each open, staffed counter of
    `counters` (in number order): by call-next's own order (customers sent to it, then its
    profile's overdue customers, the longest-waiting first, then its profile's businesses in
    order, priority first, then the oldest), a ticket already foreseen for a counter before
    it left to the next. What the wall shows as "请A008号准备" (read only: nothing is
    claimed)."""
    waiting = list(tx.conn.execute(_FIRST_WAITING, {"day": tx.day, "first": len(counters)}))
    return next_of(tx, waiting, counters)


def next_of(tx: Tx, waiting: list[Row[Any]], counters: tuple[CounterView, ...]
            ) -> dict[int, str]:
    """`next_numbers` from `waiting` (number, business, directed_to, queued_at, id, in call
    order)."""
    overdue = tx.config.overdue_minutes
    cutoff = tx.now - dt.timedelta(minutes=overdue) if overdue > 0 else None
    taken: set[str] = set()
    found: dict[int, str] = {}
    for counter in counters:
        if counter.state != "open" or counter.staff is None:
            continue
        free = [r for r in waiting if r.number not in taken]
        picks = [r for r in free if r.directed_to == counter.number]
        if cutoff is not None:  # `ops.call_next`'s overdue rule: the longest-waiting first
            picks += sorted((r for r in free if r.directed_to is None
                             and r.business in counter.profile and r.queued_at <= cutoff),
                            key=lambda r: (r.queued_at, r.id))
        for business in counter.profile:
            picks += [r for r in free if r.business == business and r.directed_to is None]
        if picks:
            found[counter.number] = picks[0].number
            taken.add(picks[0].number)
    return found


def counter_views(tx: Tx) -> tuple[CounterView, ...]:
    """Every counter with its staff and current ticket."""
    return tuple(
        CounterView(
            r.number, r.name_zh, r.name_en, r.state, tuple(r.profile.split(",")),
            r.staff_id, r.staff_name, r.ticket_number, r.ticket_status,
        )
        for r in tx.conn.execute(_COUNTER_VIEWS)
    )


def recent_calls(tx: Tx, limit: int = 8, after: int = 0) -> tuple[CallView, ...]:
    """Today's latest calls and recalls, newest first; only those after event `after` (a
    display catching up on what it has not announced yet)."""
    calls: list[CallView] = []
    for kind, query in _LATEST_CALLS.items():
        rows = tx.conn.execute(query, {"day": tx.day, "limit": limit, "after": after})
        calls += [CallView(r.number, r.counter_number, r.at, kind == "recall", r.id)
                  for r in rows]
    calls.sort(key=lambda c: c.event_id, reverse=True)
    return tuple(calls[:limit])


def _event_views(
    tx: Tx, where: list[Any], limit: int | None, newest_first: bool
) -> list[EventView]:
    order = E.c.id.desc() if newest_first else E.c.id
    query = (
        select(E, T.c.number)
        .outerjoin(T, T.c.id == E.c.ticket_id)
        .where(*where)
        .order_by(order)
        .limit(limit)
    )
    return [
        EventView(r.id, r.at, r.kind, r.number, r.staff_id, r.counter_number, r.detail)
        for r in tx.conn.execute(query)
    ]


def history(tx: Tx, number: str, day: dt.date | None = None) -> list[EventView]:
    """Every step of one ticket, oldest first."""
    row = ticket_row(tx, number, day)
    return _event_views(tx, [E.c.ticket_id == row.id], None, newest_first=False)


def events(
    tx: Tx, day: dt.date | None = None, limit: int | None = 100, kind: str | None = None
) -> list[EventView]:
    """The event log of one business day (default today), oldest first, at most `limit`
    latest events."""
    where = [E.c.business_day == (day or tx.day)]
    if kind:
        where.append(E.c.kind == kind)
    latest = _event_views(tx, where, limit, newest_first=True)
    return latest[::-1]


def visits(tx: Tx, account: str, limit: int = 20) -> list[TicketView]:
    """A customer's visits by account number (户号), newest first: earlier matters and
    open ones, for the handler to see (信息共享), in every hall of the database (a visit
    made in another hall says which: `hall`)."""
    query = (
        select(T, H.c.code.label("hall_code")).join(H, H.c.id == T.c.hall_id)
        .where(T.c.account == account).order_by(T.c.issued_at.desc(), T.c.id.desc())
        .limit(limit)
    )
    with across_halls(tx.conn, tx.hall_id):
        rows = tx.conn.execute(query).all()
    return [TicketView.from_row(r) if r.hall_id == tx.hall_id
            else replace(TicketView.from_row(r), hall=r.hall_code) for r in rows]


def day_tickets(tx: Tx, day: dt.date) -> list[TicketView]:
    """Every ticket of a business day, in number order within each business."""
    query = select(T).where(T.c.business_day == day).order_by(T.c.number)
    return [TicketView.from_row(r) for r in tx.conn.execute(query)]


def open_matters(tx: Tx, handler: str) -> list[TicketView]:
    """A handler's own tickets still open away from the counter: with support, handed back
    by support, or set aside waiting on the customer (`matters` says which)."""
    return _away(tx, T.c.handler_id == handler)


def _away(tx: Tx, whose: ColumnElement[bool]) -> list[TicketView]:
    query = select(T).where(
        whose,
        status_in("with_support", "serving"),
        T.c.counter_number.is_(None),
    ).order_by(T.c.issued_at, T.c.id)  # issued in one instant: in the order issued
    return [TicketView.from_row(r) for r in tx.conn.execute(query)]


MATTER_STEPS = ("refer", "take", "return", "set_aside")
"""The events that move an open matter between its stages."""


def matters(tx: Tx, handler: str) -> list[MatterView]:
    """The handler's open matters away from the counter, oldest first, each with its stage
    (`MATTER_STAGES`) read from the last step that moved it, and what that step said."""
    return _staged(tx, open_matters(tx, handler))


def account_matters(tx: Tx, account: str) -> list[MatterView]:
    """A customer's open matters away from the counter (by account number 户号), whoever
    handles them, however long ago they began: what the clerk must know of (信息共享)."""
    return _staged(tx, _away(tx, T.c.account == account))


def _staged(tx: Tx, tickets: list[TicketView]) -> list[MatterView]:
    if not tickets:
        return []
    steps = tx.conn.execute(
        select(E.c.ticket_id, E.c.kind, E.c.staff_id, E.c.at, E.c.detail)
        .where(E.c.ticket_id.in_([v.id for v in tickets]), E.c.kind.in_(MATTER_STEPS))
        .order_by(E.c.id)
    ).all()
    last = {row.ticket_id: row for row in steps}
    found = []
    for view in tickets:
        step = last.get(view.id)
        detail = (step.detail if step is not None else None) or {}
        if view.status == "with_support":
            stage = "with_support"
        elif step is not None and step.kind == "set_aside":
            stage = "awaiting_customer"
        elif detail.get("outcome") == "question":
            stage = "question"
        else:
            stage = "returned"
        found.append(MatterView(
            ticket=view, stage=stage, note=detail.get("note") or view.note,
            by=step.staff_id if step is not None else None,
            since=step.at if step is not None else None,
        ))
    return found


def support_queue(tx: Tx, staff: str | None = None) -> list[TicketView]:
    """Referrals waiting for support: for `staff` and for the pool."""
    who = T.c.support_id.is_(None) if staff is None else (
        (T.c.support_id == staff) | T.c.support_id.is_(None)
    )
    query = (select(T).where(status_in("with_support"), who)
             .order_by(T.c.issued_at, T.c.id))  # issued in one instant: in the order issued
    return [TicketView.from_row(r) for r in tx.conn.execute(query)]


def queue_lines(tx: Tx, businesses: tuple[str, ...]) -> list[QueueLine]:
    """Today's queue of each business in `businesses`, in that order: how many wait and how
    long the longest has waited (the counter's side panel)."""
    rows = tx.conn.execute(
        select(T.c.business, func.count(), func.min(T.c.queued_at))
        .where(status_in("waiting"), T.c.business_day == tx.day, T.c.business.in_(businesses))
        .group_by(T.c.business)
    ).all()
    found = {business: (int(count), oldest) for business, count, oldest in rows}
    lines = []
    for business in businesses:
        count, oldest = found.get(business, (0, None))
        longest = (tx.now - oldest).total_seconds() / 60 if oldest is not None else None
        lines.append(QueueLine(business, count, longest))
    return lines


def day_figures(tx: Tx, staff: str, day: dt.date | None = None) -> DayFigures:
    """One handler's own figures of a business day (default today): the tickets completed
    that day of which they are the first-responsible handler, their mean handling time
    (start of service to completion), the ratings those got, and remedies granted. Summed by
    the database, per rating: a clerk's desk reads this after every commit in the hall."""
    day = day or tx.day
    done = (
        select(E.c.ticket_id)
        .where(E.c.kind == "complete", E.c.business_day == day)
        .distinct()
        .subquery()
    )
    seconds = seconds_between(tx.conn.dialect.name, T.c.started_at, T.c.completed_at)
    rows = tx.conn.execute(
        select(T.c.rating, func.count(), func.sum(seconds), func.count(seconds))
        .join(done, done.c.ticket_id == T.c.id)
        .where(T.c.handler_id == staff, status_in("done"))
        .group_by(T.c.rating)
    ).all()
    served = sum(int(count) for _, count, _, _ in rows)
    timed = sum(int(n) for _, _, _, n in rows)
    total = sum(float(s or 0) for _, _, s, _ in rows)
    ratings = {score: 0 for score in sorted(RATINGS, reverse=True)}
    ratings.update({int(rating): int(count) for rating, count, _, _ in rows if rating})
    rated = sum(ratings.values())
    return DayFigures(
        staff=staff,
        business_day=day,
        served=served,
        average_handling_min=round(total / timed / 60, 1) if timed else None,
        ratings=ratings,
        satisfaction=round((ratings[4] + ratings[3]) / rated, 3) if rated else None,
        remedies_granted=_remedies_granted(tx, staff, day),
    )


def _remedies_granted(tx: Tx, staff: str, day: dt.date) -> int:
    query = select(func.count()).where(
        R.c.requested_by == staff, R.c.business_day == day,
        R.c.status.in_(("granted", "approved")),
    )
    return int(tx.conn.execute(query).scalar_one())


def callable_tickets(
    tx: Tx, counter: int, businesses: tuple[str, ...], limit: int = 60
) -> tuple[list[TicketView], list[TicketView]]:
    """What a counter may call by number (指呼), for the clerk to pick from: today's waiting
    tickets of `businesses` in calling order (priority, then the oldest), and today's
    no-shows still within the grace (named-called back), the latest first; neither those a
    guide sent to another counter."""
    free = T.c.directed_to.is_(None) | (T.c.directed_to == counter)
    waiting = tx.conn.execute(
        select(T)
        .where(status_in("waiting"), T.c.business_day == tx.day,
               T.c.business.in_(businesses), free)
        .order_by(T.c.priority_rank, T.c.queued_at, T.c.id).limit(limit)
    )
    since = tx.now - dt.timedelta(minutes=tx.config.no_show_grace_minutes)
    missed = tx.conn.execute(
        select(T)
        .where(status_in("no_show"), T.c.business_day == tx.day, T.c.no_show_at >= since,
               free)
        .order_by(T.c.no_show_at.desc(), T.c.id.desc()).limit(limit)
    )
    return ([TicketView.from_row(r) for r in waiting],
            [TicketView.from_row(r) for r in missed])

"""The period report: figures per business type and per staff member (奖惩), from the log.

Definitions (the README has them for people; the tests check each on hand-built tickets):

- A ticket belongs to the period when its business day is in it. It counts under the
  business it was issued for (`origin_business`); a transfer counts as a transfer out of
  the business the ticket was in when it was transferred.
- Wait: first call minus issue time, for tickets that were called; a walk-in never waits
  and is left out. A re-queued no-show still waited only until its first call.
- Within target: the share of those waits at most `sla_minutes` (the config's [service]).
- Handling: the time a ticket spends at a counter in one business type, summed over its
  visits there: each stretch opens at `start`, `walk_in` or support's `return`, and closes
  at `complete`, `transfer`, `next_service` or `refer`; the closing step's staff member
  did that work. Time with support is not handling.
- Counter time: from each call (or walk-in, or support's return) until the counter is
  free again (no-show, completion, transfer, referral, void), per ticket that entered the
  queue (issued for it or transferred in): the load Erlang C staffs for, walk-up time and
  no-shows included.
- Staff volume: the period's tickets of which the person is first-responsible handler
  (cancelled ones left out); satisfaction is their handled tickets' ratings. Handling
  against the standard is the person's own handling minutes over the standard minutes
  of the same services.
- 90th percentile: nearest rank (the smallest value with at least 90 % at or below it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from db.complaints import upheld_by_handler
from db.config import HallConfig
from db.config_score import composite, satisfaction
from db.models import Remedy
from db.ops import E, S, T
from db.session import Tx
from db.views import _Json

Progress = Callable[[int, int], None]
"""Told (days done, days in all) as a long report goes along."""

OPENS = ("start", "walk_in", "return")
"""Steps after which a counter is working on the ticket."""
CLOSES = ("complete", "transfer", "next_service", "refer")
"""Steps that end a stretch of handling at the counter."""
HOLDS = ("call", "walk_in", "return")
"""Steps from which a counter is held by the ticket (a recall keeps holding it)."""
RELEASES = ("no_show", "complete", "transfer", "next_service", "refer", "cancel")
"""Steps that free the counter."""
GRANTED = ("granted", "approved")
"""Remedy states that count as given to the customer."""


def percentile(values: Iterable[float], share: float = 0.9) -> float | None:
    """Nearest-rank percentile: the smallest value with `share` of all at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def mean(values: list[float]) -> float | None:
    """The average, or None for no values."""
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class BusinessFigures(_Json):
    """One business type over the period."""

    prefix: str
    """Business prefix."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    tickets: int
    """Tickets issued for it (walk-ins included), cancelled ones too."""
    called: int
    """Tickets that waited and were called: the base of the wait figures."""
    wait_avg_min: float | None
    """Mean wait in minutes (first call − issue)."""
    wait_p90_min: float | None
    """90th-percentile wait in minutes."""
    within_target: float | None
    """Share of waits at most the SLA minutes, 0-1."""
    services: int
    """Services handled in this business type (transferred-in tickets included)."""
    handling_avg_min: float | None
    """Mean handling minutes per service."""
    handling_p90_min: float | None
    """90th-percentile handling minutes."""
    counter_min_per_ticket: float | None
    """Counter time per ticket that entered this queue (issued or transferred in): the
    minutes counters were held from each call to its no-show, completion, transfer or
    referral, over those tickets. What Erlang C staffs for."""
    no_shows: int
    """Tickets marked no-show (过号) at least once while in this business."""
    transfers: int
    """Transfers (转办) out of this business."""
    referrals: int
    """Referrals to support (转后台) while in this business."""
    cancelled: int
    """Tickets voided (by the leader, or at day close)."""


@dataclass(frozen=True)
class StaffFigures(_Json):
    """One staff member over the period (奖惩)."""

    staff: str
    """Staff id."""
    name: str
    """Name."""
    volume: int
    """Tickets of the period the person is first-responsible handler of (not cancelled)."""
    completed: int
    """Of those, completed."""
    services: int
    """Services the person handled at a counter (any handler's tickets)."""
    handling_min: float
    """The person's handling minutes in all."""
    standard_min: float
    """The standard minutes of the same services."""
    handling_ratio: float | None
    """handling_min / standard_min: below 1 is faster than the standard."""
    ratings: dict[int, int]
    """Rating level (1-4) → count, over the person's handled tickets."""
    satisfaction: float | None
    """Mean of the ratings' points (config [score].rating_points), 0-100."""
    complaints_upheld: int
    """Complaints against the person (as handler) that the duty leader upheld, by the
    business day they were recorded."""
    remedies: int
    """Remedies the person granted (within authority, or approved by the leader)."""
    remedy_yuan: float
    """Their total amount in yuan."""
    composite: float
    """The weighted composite score (config [score])."""


@dataclass(frozen=True)
class Report(_Json):
    """The report of a period."""

    date_from: dt.date
    """First business day."""
    date_to: dt.date
    """Last business day."""
    sla_minutes: float
    """The target wait of the config."""
    sla_share: float
    """The share the target promises."""
    businesses: tuple[BusinessFigures, ...]
    """Every configured business type, in config order."""
    staff: tuple[StaffFigures, ...]
    """Everyone with a handled ticket or a service, by composite score, best first."""
    totals: BusinessFigures
    """The whole hall as one line."""


@dataclass
class _Samples:
    """Raw figures of one business type, gathered day by day."""

    tickets: int = 0
    waits: list[float] = field(default_factory=list)
    handling: list[float] = field(default_factory=list)
    entered: int = 0
    counter_min: float = 0.0
    no_shows: int = 0
    transfers: int = 0
    referrals: int = 0
    cancelled: int = 0


@dataclass
class _Person:
    """Raw figures of one staff member."""

    volume: int = 0
    completed: int = 0
    services: int = 0
    handling_min: float = 0.0
    standard_min: float = 0.0
    ratings: dict[int, int] = field(default_factory=lambda: {4: 0, 3: 0, 2: 0, 1: 0})


@dataclass
class _Gathered:
    businesses: dict[str, _Samples] = field(default_factory=lambda: defaultdict(_Samples))
    people: dict[str, _Person] = field(default_factory=lambda: defaultdict(_Person))


def _minutes(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 60


def business_days(tx: Tx, date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """The business days in the period that have tickets."""
    query = (
        select(T.c.business_day)
        .where(T.c.business_day.between(date_from, date_to))
        .distinct()
        .order_by(T.c.business_day)
    )
    return list(tx.conn.execute(query).scalars())


def _gather_day(tx: Tx, day: dt.date, into: _Gathered) -> None:
    tickets = tx.conn.execute(select(T).where(T.c.business_day == day)).all()
    walk_ins: set[int] = set()
    steps: dict[int, list[Any]] = defaultdict(list)
    query = (
        select(E.c.ticket_id, E.c.at, E.c.kind, E.c.staff_id, E.c.detail)
        .join(T, T.c.id == E.c.ticket_id)
        .where(T.c.business_day == day)
        .order_by(E.c.ticket_id, E.c.id)
    )
    for step in tx.conn.execute(query):
        steps[step.ticket_id].append(step)
        if step.kind == "walk_in":
            walk_ins.add(step.ticket_id)
    for row in tickets:
        _gather_ticket(tx.config, row, steps[row.id], row.id in walk_ins, into)


def _gather_ticket(
    config: HallConfig, row: Any, steps: list[Any], walk_in: bool, into: _Gathered
) -> None:
    origin = into.businesses[row.origin_business]
    origin.tickets += 1
    if row.status == "cancelled":
        origin.cancelled += 1
    if not walk_in and row.first_called_at is not None:
        origin.waits.append(_minutes(row.first_called_at, row.issued_at))
    if row.handler_id is not None and row.status != "cancelled":
        person = into.people[row.handler_id]
        person.volume += 1
        person.completed += row.status == "done"
        if row.rating is not None:
            person.ratings[row.rating] += 1
    _replay(config, row.origin_business, steps, into)


def _replay(config: HallConfig, business: str, steps: list[Any], into: _Gathered) -> None:
    """Walk one ticket's steps: stretches of handling and of counter time, no-shows,
    transfers, referrals."""
    opened: dt.datetime | None = None
    held: dt.datetime | None = None
    spent: dict[tuple[str, str | None], float] = defaultdict(float)
    no_show_in: set[str] = set()
    into.businesses[business].entered += 1
    for step in steps:
        if step.kind in OPENS:
            opened = step.at
        elif step.kind in CLOSES and opened is not None:
            spent[(business, step.staff_id)] += _minutes(step.at, opened)
            opened = None
        if step.kind in HOLDS:
            held = held or step.at
        elif step.kind in RELEASES and held is not None:
            into.businesses[business].counter_min += _minutes(step.at, held)
            held = None
        business = _count_step(step, business, no_show_in, into)
    for prefix in no_show_in:
        into.businesses[prefix].no_shows += 1
    per_business: dict[str, float] = defaultdict(float)
    for (prefix, staff), minutes in spent.items():
        per_business[prefix] += minutes
        if staff is not None:
            _credit_service(config, into.people[staff], prefix, minutes)
    for prefix, minutes in per_business.items():
        into.businesses[prefix].handling.append(minutes)


def _count_step(step: Any, business: str, no_show_in: set[str], into: _Gathered) -> str:
    """Count a no-show, referral or transfer; return the business the ticket is in after."""
    if step.kind == "no_show":
        no_show_in.add(business)
    elif step.kind == "refer":
        into.businesses[business].referrals += 1
    elif step.kind in ("transfer", "next_service"):
        into.businesses[business].transfers += step.kind == "transfer"
        business = (step.detail or {}).get("to_business", business)
        into.businesses[business].entered += 1
    return business


def _credit_service(config: HallConfig, person: _Person, prefix: str, minutes: float) -> None:
    person.services += 1
    person.handling_min += minutes
    person.standard_min += _standard(config, prefix)


def _standard(config: HallConfig, prefix: str) -> float:
    known = {b.prefix: b.standard_minutes for b in config.businesses}
    return float(known.get(prefix, 0.0))


def _business_figures(
    prefix: str, zh: str, en: str, s: _Samples, sla_minutes: float
) -> BusinessFigures:
    within = (
        sum(w <= sla_minutes for w in s.waits) / len(s.waits) if s.waits else None
    )
    return BusinessFigures(
        prefix=prefix, name_zh=zh, name_en=en, tickets=s.tickets, called=len(s.waits),
        wait_avg_min=mean(s.waits), wait_p90_min=percentile(s.waits),
        within_target=within, services=len(s.handling),
        handling_avg_min=mean(s.handling), handling_p90_min=percentile(s.handling),
        counter_min_per_ticket=s.counter_min / s.entered if s.entered else None,
        no_shows=s.no_shows, transfers=s.transfers, referrals=s.referrals,
        cancelled=s.cancelled,
    )


def _totals(gathered: _Gathered) -> _Samples:
    total = _Samples()
    for s in gathered.businesses.values():
        total.tickets += s.tickets
        total.waits += s.waits
        total.handling += s.handling
        total.entered += s.entered
        total.counter_min += s.counter_min
        total.no_shows += s.no_shows
        total.transfers += s.transfers
        total.referrals += s.referrals
        total.cancelled += s.cancelled
    return total


def _remedies(tx: Tx, date_from: dt.date, date_to: dt.date) -> dict[str, tuple[int, int]]:
    """Staff id → (remedies granted, fen in all) over the period."""
    R = Remedy.__table__
    query = (
        select(R.c.requested_by, func.count(), func.coalesce(func.sum(R.c.amount_fen), 0))
        .where(
            and_(R.c.business_day.between(date_from, date_to), R.c.status.in_(GRANTED))
        )
        .group_by(R.c.requested_by)
    )
    return {who: (int(n), int(fen)) for who, n, fen in tx.conn.execute(query)}


def _efficiency(ratio: float | None) -> float | None:
    """100 at or under the standard minutes, less in proportion above them."""
    if ratio is None:
        return None
    return 100.0 if ratio <= 1 else 100 / ratio


def _staff_figures(
    tx: Tx, gathered: _Gathered, remedies: dict[str, tuple[int, int]], upheld: dict[str, int]
) -> list[StaffFigures]:
    ids = set(gathered.people) | set(remedies) | set(upheld)
    names = dict(tx.conn.execute(select(S.c.id, S.c.name).where(S.c.id.in_(ids))).all())
    busiest = max((p.volume for p in gathered.people.values()), default=0)
    found = []
    for staff_id in sorted(ids):
        p = gathered.people[staff_id]
        granted, fen = remedies.get(staff_id, (0, 0))
        complaints = upheld.get(staff_id, 0)
        ratio = p.handling_min / p.standard_min if p.standard_min > 0 else None
        volume_score = 100 * p.volume / busiest if busiest else 0.0
        satisfied = satisfaction(tx.config.score, p.ratings)
        found.append(StaffFigures(
            staff=staff_id, name=names.get(staff_id, staff_id), volume=p.volume,
            completed=p.completed, services=p.services, handling_min=round(p.handling_min, 2),
            standard_min=round(p.standard_min, 2), handling_ratio=ratio,
            ratings=dict(p.ratings), satisfaction=satisfied, complaints_upheld=complaints,
            remedies=granted, remedy_yuan=fen / 100,
            composite=composite(tx.config.score, volume_score, _efficiency(ratio), satisfied,
                                complaints, granted),
        ))
    found.sort(key=lambda f: (-f.composite, f.staff))
    return found


def period_report(
    tx: Tx, date_from: dt.date, date_to: dt.date, progress: Progress | None = None
) -> Report:
    """The report of the business days `date_from` to `date_to`, both included."""
    if date_from > date_to:
        raise ValueError(f"the period starts ({date_from}) after it ends ({date_to})")
    gathered = _Gathered()
    days = business_days(tx, date_from, date_to)
    for done, day in enumerate(days, 1):
        _gather_day(tx, day, gathered)
        if progress is not None:
            progress(done, len(days))
    config = tx.config
    figures = tuple(
        _business_figures(b.prefix, b.name_zh, b.name_en, gathered.businesses[b.prefix],
                          config.sla_minutes)
        for b in config.businesses
    )
    totals = _business_figures("*", "全厅", "Whole hall", _totals(gathered), config.sla_minutes)
    staff = _staff_figures(tx, gathered, _remedies(tx, date_from, date_to),
                           upheld_by_handler(tx, date_from, date_to))
    return Report(date_from, date_to, config.sla_minutes, config.sla_share, figures,
                  tuple(staff), totals)

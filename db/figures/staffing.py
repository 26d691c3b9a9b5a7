"""Staffing (资源配置): counters needed per hour and business type, next to those that were open.

Arrivals per hour come from the log: numbers issued (and walk-ins) for a business type, and
tickets transferred or sent on to it, by the local hour they arrived, averaged over the
business days of the period that have tickets. The service time of a business type is its
counter time per ticket over the period (the report's: from the call until the counter is
free, so walk-up time and no-shows count), else its standard minutes. Erlang C then
gives the fewest counters that call `sla_share` of arrivals within `sla_minutes`, as if
each business type had counters of its own.

Open counters are replayed from the log too (sign-in, open, pause, close, sign-out, profile
changes): a counter open for 30 minutes of an hour counts ½ for that hour, for every
business type in its work profile, so a shared counter shows under each type it serves.
A counter left open ends its stretch when its business day ends (the day's last logged
step), so a clerk who forgets to sign out does not inflate the evening hours.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, case, func, select, type_coerce

from db.config import HallConfig
from db.figures import erlang
from db.figures.reports import (
    Progress,
    Report,
    _detail,
    _time,
    business_days,
    period_report,
)
from db.rules.ops import E, T
from db.store.session import Tx

if TYPE_CHECKING:
    from db.figures.days import DayStore
from db.store.views import _Json

ARRIVALS = ("issue", "walk_in", "transfer", "next_service")
"""Steps by which a customer arrives in a business type's queue."""
COUNTER_STEPS = ("sign_in", "sign_out", "open", "pause", "close", "profile")
"""Steps that open, close or reshape a counter."""
OPENING = ("sign_in", "open")
HALL = "*"
"""The business of an hour's total line: arrivals and counters needed summed over the
business types, counters open counted once each."""


@dataclass(frozen=True)
class HourNeed(_Json):
    """One hour of the day and one business type."""

    hour: int
    """Local hour of the day, 0-23 (9 means 09:00-10:00)."""
    business: str
    """Business prefix."""
    arrivals: float
    """Mean arrivals in that hour per business day."""
    counter_min: float
    """Counter minutes per ticket used for the business (Erlang C's service time)."""
    needed: int
    """Counters Erlang C says meet the target."""
    open_counters: float
    """Mean counters open serving the business in that hour (shared ones count for each)."""


@dataclass(frozen=True)
class Staffing(_Json):
    """The recommendation for a period."""

    date_from: dt.date
    """First business day."""
    date_to: dt.date
    """Last business day."""
    days: int
    """Business days with tickets, the divisor of the means."""
    sla_minutes: float
    """Target wait."""
    sla_share: float
    """Share promised within it."""
    hours: tuple[HourNeed, ...]
    """By hour, then business in config order, then the hour's total line (business
    `HALL`, "*"); hours with neither arrivals nor counters are left out."""

    def needed(self) -> dict[int, dict[str, int]]:
        """Hour → business → counters needed (only where some are; no total lines)."""
        plan: dict[int, dict[str, int]] = defaultdict(dict)
        for h in self.hours:
            if h.needed and h.business != HALL:
                plan[h.hour][h.business] = h.needed
        return dict(plan)


def local_hour(config: HallConfig, at: dt.datetime) -> int:
    """The hall's wall-clock hour of a stored (naive UTC) time."""
    return at.replace(tzinfo=dt.UTC).astimezone(config.tz).hour


def counters_needed(
    arrivals_per_hour: float, handling_min: float, sla_minutes: float, sla_share: float
) -> int:
    """Erlang C's fewest counters for one business type in one hour."""
    return erlang.servers_needed(arrivals_per_hour / 60, handling_min, sla_minutes, sla_share)


def _arrivals(tx: Tx, date_from: dt.date, date_to: dt.date) -> dict[tuple[int, str], int]:
    sent = ("transfer", "next_service")
    query = (
        select(type_coerce(E.c.at, String), E.c.kind,
               case((E.c.kind.in_(sent), type_coerce(E.c.detail, String)), else_=None),
               T.c.origin_business)
        .join(T, T.c.id == E.c.ticket_id)
        .where(E.c.business_day.between(date_from, date_to), E.c.kind.in_(ARRIVALS))
    )
    counts: dict[tuple[int, str], int] = defaultdict(int)
    hours = _HourOf(tx.config)
    for at, kind, detail, business in tx.conn.execute(query):
        if kind in sent:
            business = (_detail(detail) or {}).get("to_business", business)
        counts[(hours.of(at), business)] += 1
    return counts


class _HourOf:
    """`local_hour` of stored times, worked out once per UTC hour where the hall's offset is
    whole hours all through that hour (everywhere but a few half-hour zones, where each time
    is converted as it comes)."""

    def __init__(self, config: HallConfig) -> None:
        self.config = config
        self.known: dict[Any, int | None] = {}

    def of(self, stored: Any) -> int:
        """The local hour of a stored time (SQLite's text, or a datetime)."""
        key = stored[:13] if isinstance(stored, str) else stored.replace(
            minute=0, second=0, microsecond=0)
        hour = self.known.get(key, -1)
        if hour == -1:
            hour = self.known[key] = self._whole(_time(stored))
        return hour if hour is not None else local_hour(self.config, _time(stored))

    def _whole(self, at: dt.datetime) -> int | None:
        """The local hour of every moment in `at`'s UTC hour, if it is one."""
        top = at.replace(minute=0, second=0, microsecond=0, tzinfo=dt.UTC)
        start, end = top.astimezone(self.config.tz), (
            top + dt.timedelta(minutes=59, seconds=59, microseconds=999_999)
        ).astimezone(self.config.tz)
        offset = start.utcoffset()
        if offset != end.utcoffset() or offset is None or offset % dt.timedelta(hours=1):
            return None
        return start.hour


def day_arrivals(tx: Tx, day: dt.date) -> dict[tuple[int, str], int]:
    """One business day's arrivals per (local hour, business): what a stored day keeps."""
    return _arrivals(tx, day, day)


def _spread(
    config: HallConfig, start: dt.datetime, end: dt.datetime, profile: tuple[str, ...],
    into: dict[tuple[int, str], float],
) -> None:
    """Add counter-hours of one open stretch to each local hour it overlaps."""
    moment = start
    while moment < end:
        top = moment.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        piece = (min(top, end) - moment).total_seconds() / 3600
        hour = local_hour(config, moment)
        for business in (*profile, HALL):
            into[(hour, business)] += piece
        moment = min(top, end)


def _open_hours(tx: Tx, date_from: dt.date, date_to: dt.date) -> dict[tuple[int, str], float]:
    """(hour, business) → counter-hours open over the period. A stretch ends at the
    counter's next step, and at the latest when its business day ends (`_day_end`): a clerk
    who forgets to sign out leaves no counter open overnight."""
    config = tx.config
    profiles = {c.number: c.profile for c in config.counters}
    query = (
        select(E.c.at, E.c.kind, E.c.counter_number, E.c.detail, E.c.business_day)
        .where(E.c.business_day.between(date_from, date_to), E.c.kind.in_(COUNTER_STEPS))
        .order_by(E.c.id)
    )
    opened: dict[int, tuple[dt.datetime, dt.date]] = {}
    hours: dict[tuple[int, str], float] = defaultdict(float)
    ends: dict[dt.date, dt.datetime] = {}

    def close(number: int, at: dt.datetime | None) -> None:
        since, day = opened.pop(number)
        if day not in ends:
            ends[day] = _day_end(tx, day)
        end = ends[day] if at is None else min(at, ends[day])
        if end > since:
            _spread(config, since, end, profiles.get(number, ()), hours)

    for row in tx.conn.execute(query):
        number = row.counter_number
        if number is None:
            continue
        if number in opened:
            close(number, row.at)
        if row.kind == "profile":
            profiles[number] = tuple((row.detail or {}).get("profile", ()))
            opened[number] = (row.at, row.business_day)  # still open, with the new profile
        elif row.kind in OPENING:
            opened[number] = (row.at, row.business_day)
    for number in list(opened):
        close(number, None)
    return hours


def _day_end(tx: Tx, day: dt.date) -> dt.datetime:
    """When a business day ended, for the counters: its last logged step (the hall had
    closed by then: the config names no closing time), never after the next day's start
    (`day_start` 24 hours later). Naive UTC, as stored."""
    config = tx.config
    start = dt.datetime.combine(day + dt.timedelta(days=1), config.day_start, tzinfo=config.tz)
    cap = start.astimezone(dt.UTC).replace(tzinfo=None)
    last = tx.conn.execute(
        select(E.c.at).where(E.c.id == select(func.max(E.c.id))
                             .where(E.c.business_day == day).scalar_subquery())
    ).scalar()
    return cap if last is None else min(last, cap)


def _service_minutes(config: HallConfig, report: Report) -> dict[str, float]:
    return {
        b.prefix: b.counter_min_per_ticket or config.business(b.prefix).standard_minutes
        for b in report.businesses
    }


def recommend(
    tx: Tx, date_from: dt.date, date_to: dt.date, progress: Progress | None = None,
    store: DayStore | None = None,
) -> Staffing:
    """Counters needed per hour and business type over the period, and those open. With a
    `store`, the closed days' report figures and arrivals are the stored ones."""
    if store is None:
        report = period_report(tx, date_from, date_to, progress)
        arrivals = _arrivals(tx, date_from, date_to)
    else:
        report = period_report(tx, date_from, date_to, progress, store.samples)
        arrivals = dict(store.arrivals)
    days = max(1, len(business_days(tx, date_from, date_to)))
    opened = _open_hours(tx, date_from, date_to)
    handling = _service_minutes(tx.config, report)
    config = tx.config
    rows: list[HourNeed] = []
    for hour in sorted({h for h, _ in arrivals} | {h for h, _ in opened}):
        hour_rows = []
        for b in config.businesses:
            rate = arrivals.get((hour, b.prefix), 0) / days
            counters = opened.get((hour, b.prefix), 0.0) / days
            if rate == 0 and counters == 0:
                continue
            needed = counters_needed(rate, handling[b.prefix], config.sla_minutes,
                                     config.sla_share)
            hour_rows.append(HourNeed(hour, b.prefix, round(rate, 2),
                                      round(handling[b.prefix], 2), needed, round(counters, 2)))
        rows += hour_rows
        rows.append(_hour_total(hour, hour_rows, opened.get((hour, HALL), 0.0) / days))
    return Staffing(date_from, date_to, days, config.sla_minutes, config.sla_share, tuple(rows))


def _hour_total(hour: int, rows: list[HourNeed], counters: float) -> HourNeed:
    """The hall's line of an hour: arrivals and needs summed, open counters counted once,
    counter minutes weighted by arrivals."""
    arrivals = sum(r.arrivals for r in rows)
    minutes = sum(r.arrivals * r.counter_min for r in rows) / arrivals if arrivals else 0.0
    return HourNeed(hour, HALL, round(arrivals, 2), round(minutes, 2),
                    sum(r.needed for r in rows), round(counters, 2))

"""The period report: figures per business type and per staff member (奖惩), from the log.

Definitions (the README has them for people; the tests check each on hand-built tickets):

- A ticket belongs to the period when its business day is in it. It counts under the
  business it was issued for (`origin_business`); a transfer counts as a transfer out of
  the business the ticket was in when it was transferred.
- Wait: first call minus issue time, for tickets that were called; a walk-in never waits
  and is left out. A re-queued no-show still waited only until its first call.
- Within target: the share of those waits at most `sla_minutes` (the config's [service]).
- Handling: the time a ticket spends being served in one business type, summed over its
  stretches there: each opens at `start`, `walk_in` or `resume` (the customer at the
  counter, its clerk serving) and closes at `complete`, `transfer`, `next_service`,
  `refer`, `set_aside` or the leader's `reassign`; it is the work of whoever served in it.
  Support's `return` opens nothing: the matter waits away from the counter until it is
  resumed or closed away. A completion with no stretch open (closed away from the counter,
  or taken up after a reassign or a reopen: nothing says when) is a service of the
  completer with no minutes: untimed, unless it ends a service the completer already has
  minutes in (their stretches in that business since its last completion).
- Counter time: from each call (or walk-in, or resume) until the counter is free again
  (no-show, completion, transfer, referral, void, reassign, set aside), per ticket that
  entered the queue (issued for it or transferred in): the load Erlang C staffs for,
  walk-up time and no-shows included.
- Estimate accuracy (issue 16): for tickets that waited at least `TOLD_MIN_WAIT` minutes
  and were told an estimate at issue (`told_minutes`, kept with the ticket), the median of
  |told − actual| ÷ actual (percent, to 1/60 %), and the bias Σ(told − actual) ÷ Σ actual:
  above 0 customers were told too long a wait. Per business issued for.
- Staff figures (volume, ratings, support's and the guide's work, the composite): see
  `db.figures.staff`, which turns what this replay gathers per person into their line.
- 90th percentile: nearest rank (the smallest value with at least 90 % at or below it),
  over the waits and handling times to the whole second (`Tally`): a period's figures are
  then a fixed-size tally however many days it has, and the mean and the share within
  target stay exact.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from sqlalchemy import Date, String, bindparam, case, or_, select, type_coerce

from db.config import HallConfig
from db.figures.staff import StaffFigures, StaffSamples, credit_service, staff_figures
from db.rules import appointments
from db.rules.handler import MOVES, SETS, handler_after
from db.rules.ops import E, T
from db.store import halls
from db.store.engine import driver_rows
from db.store.session import Tx
from db.store.views import _Json

Progress = Callable[[int, int], None]
"""Told (days done, days in all) as a long report goes along."""

OPENS = ("start", "walk_in", "resume")
"""Steps after which someone is serving the ticket at a counter (support's `return` is not
one: the matter waits for its handler away from the counter)."""
CLOSES = ("complete", "transfer", "next_service", "refer", "reassign", "set_aside")
"""Steps that end a stretch of handling (a reassign takes the matter off whoever had it;
a matter set aside waits for its customer away from the counter)."""
HOLDS = ("call", "walk_in", "resume")
"""Steps from which a counter is held by the ticket (a recall keeps holding it)."""
RELEASES = ("no_show", "complete", "transfer", "next_service", "refer", "cancel", "reassign",
            "set_aside")
"""Steps that free the counter."""


TOLD_MIN_WAIT = 3.0
"""Only tickets that waited at least this many minutes count in the estimate's accuracy: a
one-minute error on a one-minute wait says nothing a customer minds."""


@dataclass
class Tally:
    """Minutes (waits, handling times) as a report needs them: how many, their exact sum,
    and how many fell on each whole second (for the percentile). Its size does not grow
    with the number of days it adds up, unlike the list of every value."""

    n: int = 0
    total: float = 0.0
    seconds: Counter[int] = field(default_factory=Counter)

    def add(self, minutes: float) -> None:
        self.n += 1
        self.total += minutes
        self.seconds[round(minutes * 60)] += 1

    def __iadd__(self, other: Tally) -> Tally:
        self.n += other.n
        self.total += other.total
        self.seconds.update(other.seconds)
        return self

    def __len__(self) -> int:
        return self.n

    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def percentile(self, share: float = 0.9) -> float | None:
        """Nearest rank, to the second, in minutes."""
        if not self.n:
            return None
        rank, seen = max(1, math.ceil(share * self.n)), 0
        for second in sorted(self.seconds):
            seen += self.seconds[second]
            if seen >= rank:
                return second / 60
        raise AssertionError("unreachable: the counts add up to n")

    def to_json(self) -> list[Any]:
        return [self.n, self.total, [[s, c] for s, c in self.seconds.items()]]

    @classmethod
    def from_json(cls, data: list[Any]) -> Tally:
        n, total, pairs = data
        return cls(int(n), float(total), Counter({int(s): int(c) for s, c in pairs}))


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
    minutes counters were held from each call to its no-show, completion, transfer,
    referral or reassign, over those tickets. What Erlang C staffs for."""
    no_shows: int
    """Tickets marked no-show (过号) at least once while in this business."""
    transfers: int
    """Transfers (转办) out of this business."""
    referrals: int
    """Referrals to support (转后台) while in this business."""
    cancelled: int
    """Tickets voided (by the leader, or at day close)."""
    enquiries: int
    """Questions the guide answered on the spot under this business, without a ticket."""
    told: int = 0
    """Tickets told an estimate at issue that waited at least `TOLD_MIN_WAIT` minutes: the
    base of the two figures below."""
    told_error_pct: float | None = None
    """Median of |told − actual wait| ÷ actual wait, in percent."""
    told_bias_pct: float | None = None
    """Σ(told − actual) ÷ Σ actual, in percent: above 0 the estimate promised too long."""


@dataclass(frozen=True)
class AppointmentFigures(_Json):
    """Appointments (预约) of one business type over the period, read from the appointments
    table itself (never the stored day figures, so a change is counted at once)."""

    prefix: str
    """Business prefix ("*" for the whole hall)."""
    name_zh: str
    name_en: str
    booked: int
    """Appointments booked for days of the period."""
    checked_in: int
    """Checked in at the kiosk (a number given)."""
    on_time: int
    """Checked in before the slot's end."""
    missed: int
    """Not checked in when the check-in window closed ([appointments] late_minutes after the
    slot's end)."""


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
    """Everyone with work or a figure in the period, by post (`report_staff.POST_ORDER`),
    then by composite score, best first."""
    totals: BusinessFigures
    """The whole hall as one line."""
    hall_zh: str
    """The hall's Chinese name (config [hall]), for the report's title."""
    hall_en: str
    """Its English name."""
    appointments: tuple[AppointmentFigures, ...] = ()
    """Appointments per business type in config order, then the whole hall ("*")."""


@dataclass
class _Samples:
    """Raw figures of one business type, gathered day by day."""

    tickets: int = 0
    waits: Tally = field(default_factory=Tally)
    within: int = 0
    """Waits at most the config's `sla_minutes` (counted exactly as they are gathered)."""
    handling: Tally = field(default_factory=Tally)
    entered: int = 0
    counter_min: float = 0.0
    no_shows: int = 0
    transfers: int = 0
    referrals: int = 0
    cancelled: int = 0
    enquiries: int = 0
    told_error: Tally = field(default_factory=Tally)
    """|told − actual| ÷ actual in percent (a tally of percents, to 1/60 %)."""
    told_sum: float = 0.0
    """Σ told minutes of those tickets."""
    told_actual: float = 0.0
    """Σ their actual waits."""


@dataclass
class _Gathered:
    businesses: dict[str, _Samples] = field(default_factory=lambda: defaultdict(_Samples))
    people: dict[str, StaffSamples] = field(default_factory=lambda: defaultdict(StaffSamples))


@dataclass
class _Walk:
    """Where one ticket stands as its steps are replayed."""

    business: str
    """The business it is in."""
    handler: str | None = None
    """Its first-responsible handler so far."""
    opened: dt.datetime | None = None
    """Start of the open stretch of handling."""
    serving: str | None = None
    """Who serves in that stretch."""
    served: set[str | None] = field(default_factory=set)
    """Who has had a stretch in the business since its last completion: a completion away
    from the counter ends their service rather than adding an untimed one."""
    held: dt.datetime | None = None
    """Since when a counter holds it."""
    with_support: dt.datetime | None = None
    """Since when support's clock runs."""
    completed_for: str | None = None
    """The handler at its latest completion."""
    rated_for: str | None = None
    """The handler at the completion the customer rated."""
    spent: dict[tuple[str, str | None], float] = field(default_factory=lambda: defaultdict(float))
    """(business, who served) → minutes."""
    no_show_in: set[str] = field(default_factory=set)
    """Businesses it was a no-show in."""


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


def day_samples(tx: Tx, day: dt.date) -> _Gathered:
    """One business day's raw figures, replayed from the log (enquiries apart: they are
    gathered over the period, `_gather_enquiries`)."""
    gathered = _Gathered()
    _gather_day(tx, day, gathered)
    return gathered


SampleSource = Callable[[Tx, dt.date], _Gathered]
"""Where a day's raw figures come from: `day_samples`, or the stored days
(`db.figures.days.DayStore.samples`)."""


def merge(into: _Gathered, day: _Gathered) -> None:
    """Add one day's raw figures to the period's: a period is its days combined in order,
    whether each day was replayed now or stored earlier, so both give the same report."""
    for prefix, s in day.businesses.items():
        t = into.businesses[prefix]
        t.tickets += s.tickets
        t.waits += s.waits
        t.within += s.within
        t.handling += s.handling
        t.entered += s.entered
        t.counter_min += s.counter_min
        t.no_shows += s.no_shows
        t.transfers += s.transfers
        t.referrals += s.referrals
        t.cancelled += s.cancelled
        t.enquiries += s.enquiries
        t.told_error += s.told_error
        t.told_sum += s.told_sum
        t.told_actual += s.told_actual
    for who, p in day.people.items():
        q = into.people[who]
        q.volume += p.volume
        q.completed += p.completed
        q.services += p.services
        q.untimed += p.untimed
        q.handling_min += p.handling_min
        q.standard_min += p.standard_min
        for level, n in p.ratings.items():
            q.ratings[level] = q.ratings.get(level, 0) + n
        q.taken += p.taken
        q.returned += p.returned
        q.support_min += p.support_min
        q.issued += p.issued
        for prefix, n in p.enquiries.items():
            q.enquiries[prefix] += n


DETAIL_KINDS = ("reassign", "reopen", "refer", "transfer", "next_service")
"""The steps whose detail the replay reads (the new handler, the named support colleague,
the business sent on to): only theirs is decoded."""


class _Step(NamedTuple):
    """One step of a ticket as the replay reads it."""

    at: Any
    """Its time (a datetime; left as stored for steps whose time is never read)."""
    kind: str
    staff_id: str | None
    detail: dict[str, Any] | None


def _time(value: Any) -> Any:
    """A stored time read raw: SQLite gives its text (parsed here, much faster than through
    SQLAlchemy's pattern), other drivers a datetime already."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _detail(value: Any) -> dict[str, Any] | None:
    """A detail read raw: JSON text on SQLite, already decoded by other drivers."""
    found: dict[str, Any] | None = json.loads(value) if isinstance(value, str) else value
    return found


_RAW_DETAIL = case((or_(*(E.c.kind == kind for kind in DETAIL_KINDS)),
                    type_coerce(E.c.detail, String)), else_=None)
_DAY = bindparam("day", type_=Date)
_TICKETS_OF_DAY = (
    select(T.c.id, T.c.origin_business, T.c.status, T.c.handler_id, T.c.issued_by, T.c.rating,
           T.c.told_minutes, type_coerce(T.c.issued_at, String).label("issued_at"),
           type_coerce(T.c.first_called_at, String).label("first_called_at"))
    .where(T.c.business_day == _DAY)
)
"""A day's tickets, read as stored (`driver_rows`; the times parsed by `_time`)."""
_STEPS_OF_DAY = (
    select(E.c.ticket_id, type_coerce(E.c.at, String).label("at"), E.c.kind, E.c.staff_id,
           _RAW_DETAIL.label("detail"))
    .join(T, T.c.id == E.c.ticket_id)
    .where(T.c.business_day == _DAY)
    .order_by(E.c.ticket_id, E.c.id)
)
"""The steps of a day's tickets, in order, read as stored."""

_TIMED = frozenset((*OPENS, *CLOSES, *HOLDS, *RELEASES, "refer", "take", "return"))
"""The steps whose time the replay reads: an issue's or a rating's is never parsed."""
_OWNS = frozenset((*SETS, *MOVES, "complete", "rate"))
_HANDLES = frozenset((*OPENS, *CLOSES))
_HOLDS = frozenset((*HOLDS, *RELEASES))
_SUPPORTS = frozenset(("refer", "take", "return"))
_COUNTS = frozenset(("no_show", "refer", "transfer", "next_service"))
"""The steps each part of the replay acts on (`_own`, `_handle`, `_hold`, `_support`,
`_count_step`): it is called for those alone, and does nothing for any other."""


def _gather_day(tx: Tx, day: dt.date, into: _Gathered) -> None:
    tickets = list(driver_rows(tx.conn, _TICKETS_OF_DAY, {"day": day}))
    walk_ins: set[int] = set()
    steps: dict[int, list[_Step]] = defaultdict(list)
    timed, when, decode = _TIMED, _time, _detail
    for ticket_id, at, kind, staff_id, detail in driver_rows(tx.conn, _STEPS_OF_DAY,
                                                             {"day": day}):
        steps[ticket_id].append(_Step(when(at) if kind in timed else at, kind, staff_id,
                                      None if detail is None else decode(detail)))
        if kind == "walk_in":
            walk_ins.add(ticket_id)
    empty: list[_Step] = []
    for row in tickets:
        _gather_ticket(tx.config, row, steps.get(row[0], empty), row[0] in walk_ins, into)


def _gather_ticket(
    config: HallConfig, row: Any, steps: list[_Step], walk_in: bool, into: _Gathered
) -> None:
    (_, business, status, handler, issued_by, rating, told, issued_at,
     first_called_at) = row
    origin = into.businesses[business]
    origin.tickets += 1
    if status == "cancelled":
        origin.cancelled += 1
    if not walk_in and first_called_at is not None:
        wait = _minutes(_time(first_called_at), _time(issued_at))
        origin.waits.add(wait)
        origin.within += wait <= config.sla_minutes
        if told is not None and wait >= TOLD_MIN_WAIT:
            origin.told_error.add(100 * abs(told - wait) / wait)
            origin.told_sum += told
            origin.told_actual += wait
    if issued_by is not None and not walk_in:
        into.people[issued_by].issued += 1
    if handler is not None and status != "cancelled":
        person = into.people[handler]
        person.volume += 1
        person.completed += status == "done"
    walk = _replay(config, business, steps, into)
    rated_for = walk.rated_for or walk.completed_for or handler
    if rating is not None and rated_for is not None:
        into.people[rated_for].ratings[rating] += 1


def _replay(config: HallConfig, business: str, steps: list[_Step], into: _Gathered) -> _Walk:
    """Walk one ticket's steps: stretches of handling and of counter time, support's work,
    who its handler was, no-shows, transfers, referrals."""
    walk = _Walk(business)
    into.businesses[business].entered += 1
    for step in steps:
        kind = step.kind
        if kind in _OWNS:
            _own(walk, step)
        if kind in _HANDLES:
            _handle(walk, step, into)
        if kind in _HOLDS:
            _hold(walk, step, into)
        if kind in _SUPPORTS:
            _support(walk, step, into)
        if kind in _COUNTS:
            walk.business = _count_step(step, walk.business, walk.no_show_in, into)
    for prefix in walk.no_show_in:
        into.businesses[prefix].no_shows += 1
    per_business: dict[str, float] = defaultdict(float)
    for (prefix, staff), minutes in walk.spent.items():
        per_business[prefix] += minutes
        if staff is not None:
            credit_service(config, into.people[staff], prefix, minutes)
    for prefix, minutes in per_business.items():
        into.businesses[prefix].handling.add(minutes)
    return walk


def _own(walk: _Walk, step: Any) -> None:
    """Follow the handler (`db.rules.handler`); remember who it was at each completion and
    at the rated one."""
    walk.handler = handler_after(walk.handler, step.kind, step.staff_id, step.detail)
    if step.kind == "complete":
        walk.completed_for = walk.handler
    elif step.kind == "rate" and walk.rated_for is None:
        walk.rated_for = walk.completed_for


def _handle(walk: _Walk, step: Any, into: _Gathered) -> None:
    """Open or close a stretch of handling; count an untimed completion."""
    if step.kind in OPENS:
        walk.opened, walk.serving = step.at, step.staff_id
    elif step.kind in CLOSES and walk.opened is not None:
        walk.spent[(walk.business, walk.serving)] += _minutes(step.at, walk.opened)
        walk.served.add(walk.serving)
        walk.opened = None
    elif step.kind == "complete" and step.staff_id not in walk.served | {None}:
        # Closed away from the counter by someone with no clock in it (after a reassign, a
        # reopen, or a transfer's handler): a service, no minutes.
        person = into.people[step.staff_id]
        person.services += 1
        person.untimed += 1
    if step.kind in ("complete", "transfer", "next_service"):
        walk.served.clear()


def _hold(walk: _Walk, step: Any, into: _Gathered) -> None:
    if step.kind in HOLDS:
        walk.held = walk.held or step.at
    elif step.kind in RELEASES and walk.held is not None:
        into.businesses[walk.business].counter_min += _minutes(step.at, walk.held)
        walk.held = None


def _support(walk: _Walk, step: Any, into: _Gathered) -> None:
    """Support's work: a referral taken (or named to someone), and handed back."""
    if step.kind == "refer":
        walk.with_support = step.at
        named = (step.detail or {}).get("to")
        if named is not None:
            into.people[named].taken += 1
    elif step.kind == "take" and step.staff_id is not None:
        walk.with_support = step.at
        into.people[step.staff_id].taken += 1
    elif step.kind == "return" and step.staff_id is not None:
        person = into.people[step.staff_id]
        person.returned += 1
        if walk.with_support is not None:
            person.support_min += _minutes(step.at, walk.with_support)
        walk.with_support = None


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


def _gather_enquiries(tx: Tx, date_from: dt.date, date_to: dt.date, into: _Gathered) -> None:
    """The guide's answers on the spot: no ticket, so by the event's own business day."""
    query = select(E.c.staff_id, E.c.detail).where(
        E.c.kind == "enquiry", E.c.business_day.between(date_from, date_to)
    )
    for staff, detail in tx.conn.execute(query):
        prefix = str((detail or {}).get("business", "?"))
        into.businesses[prefix].enquiries += 1
        if staff is not None:
            into.people[staff].enquiries[prefix] += 1


def _business_figures(
    prefix: str, zh: str, en: str, s: _Samples
) -> BusinessFigures:
    within = s.within / s.waits.n if s.waits.n else None
    return BusinessFigures(
        prefix=prefix, name_zh=zh, name_en=en, tickets=s.tickets, called=s.waits.n,
        wait_avg_min=s.waits.mean(), wait_p90_min=s.waits.percentile(),
        within_target=within, services=s.handling.n,
        handling_avg_min=s.handling.mean(), handling_p90_min=s.handling.percentile(),
        counter_min_per_ticket=s.counter_min / s.entered if s.entered else None,
        no_shows=s.no_shows, transfers=s.transfers, referrals=s.referrals,
        cancelled=s.cancelled, enquiries=s.enquiries, told=s.told_error.n,
        told_error_pct=s.told_error.percentile(0.5),
        told_bias_pct=(100 * (s.told_sum - s.told_actual) / s.told_actual
                       if s.told_actual else None),
    )


def _totals(gathered: _Gathered) -> _Samples:
    total = _Samples()
    for s in gathered.businesses.values():
        total.tickets += s.tickets
        total.waits += s.waits
        total.within += s.within
        total.handling += s.handling
        total.entered += s.entered
        total.counter_min += s.counter_min
        total.no_shows += s.no_shows
        total.transfers += s.transfers
        total.referrals += s.referrals
        total.cancelled += s.cancelled
        total.enquiries += s.enquiries
        total.told_error += s.told_error
        total.told_sum += s.told_sum
        total.told_actual += s.told_actual
    return total


def period_report(
    tx: Tx, date_from: dt.date, date_to: dt.date, progress: Progress | None = None,
    source: SampleSource = day_samples,
) -> Report:
    """The report of the business days `date_from` to `date_to`, both included: each day's
    raw figures (from `source`) combined."""
    gathered = _Gathered()
    _gather_days(tx, date_from, date_to, gathered, progress, source)
    return _finish(tx, date_from, date_to, gathered)


def all_halls_report(tx: Tx, date_from: dt.date, date_to: dt.date,
                     progress: Progress | None = None) -> Report:
    """`period_report` over every hall of the database (`hall report --all-halls`): each
    hall's days replayed in that hall (a counter's number is its hall's), their raw figures
    added up, then the staff, enquiries and appointments of all the halls read together
    (staff ids and business types are the database's). One hall's database: the same as
    `period_report`. Stored day figures are not used: they are each hall's own."""
    gathered = _Gathered()
    try:
        for hall in halls.halls(tx.conn):
            halls.scope(tx.conn, hall.id)
            _gather_days(tx, date_from, date_to, gathered, progress, day_samples)
        halls.scope(tx.conn, halls.ALL_HALLS)
        report = _finish(tx, date_from, date_to, gathered)
    finally:
        halls.scope(tx.conn, tx.hall_id)
    return replace(report, hall_zh="全部营业厅", hall_en="All halls")


def _gather_days(tx: Tx, date_from: dt.date, date_to: dt.date, gathered: _Gathered,
                 progress: Progress | None, source: SampleSource) -> None:
    if date_from > date_to:
        raise ValueError(f"the period starts ({date_from}) after it ends ({date_to})")
    days = business_days(tx, date_from, date_to)
    for done, day in enumerate(days, 1):
        merge(gathered, source(tx, day))
        if progress is not None:
            progress(done, len(days))


def _finish(tx: Tx, date_from: dt.date, date_to: dt.date, gathered: _Gathered) -> Report:
    _gather_enquiries(tx, date_from, date_to, gathered)
    config = tx.config
    figures = tuple(
        _business_figures(b.prefix, b.name_zh, b.name_en, gathered.businesses[b.prefix])
        for b in config.businesses
    )
    totals = _business_figures("*", "全厅", "Whole hall", _totals(gathered))
    staff = staff_figures(tx, gathered.people, date_from, date_to)
    return Report(date_from, date_to, config.sla_minutes, config.sla_share, figures,
                  tuple(staff), totals, config.name_zh, config.name_en,
                  appointment_figures(tx, date_from, date_to))


def appointment_figures(tx: Tx, date_from: dt.date, date_to: dt.date
                        ) -> tuple[AppointmentFigures, ...]:
    """Booked, checked in, on time and missed per business type, then the whole hall."""
    found = appointments.counts(tx, date_from, date_to)
    rows = [AppointmentFigures(b.prefix, b.name_zh, b.name_en, *_four(found.get(b.prefix)))
            for b in tx.config.businesses]
    total = [sum(r.booked for r in rows), sum(r.checked_in for r in rows),
             sum(r.on_time for r in rows), sum(r.missed for r in rows)]
    return (*rows, AppointmentFigures("*", "全厅", "Whole hall", *total))


def _four(c: appointments.AppointmentCounts | None) -> tuple[int, int, int, int]:
    if c is None:
        return 0, 0, 0, 0
    return c.booked, c.checked_in, c.on_time, c.missed

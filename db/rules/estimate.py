"""An honest wait (issue 16): the kiosk's estimate as a short forward simulation of the hall
as it stands, with the real call order and each business's recent counter time per call.

`gather` reads the present in one read transaction (a handful of indexed statements, never
a scan of history): how many wait per business and priority, the open counters with their
work profiles and the call they are on, and the day's latest events. From the events come
the counter time per call of each business (call → the counter is free again: walk-up,
handling, no-shows, the half service of a transfer or a referral; the back office is not
counter time) and the arrival rate of each business and priority over the last hour.
`predict` is pure: it plays the hall forward from that state, with the counters calling as
`db.rules.ops.call_next` does (customers a guide sent to the counter, then whoever of its
profile has waited `overdue_minutes`, the longest-waiting first, then its profile in order,
then priority rank, then queue time) and new customers arriving at the recent rates,
then at the day's mean rate (they overtake only where the rules let them: a business
earlier in a counter's profile, or a better priority), until the ticket is called. It
answers minutes (0: a free counter calls it now, 即将叫号) and a low–high range.

The point is the play-out with mean times (residual time of the call a counter is on: the
mean of the recent calls that outlasted it); when it makes 20–150 calls before the ticket's,
the mean of eight play-outs with drawn times instead (`predict` says why). The range comes
from the number of calls played before the ticket's: the time until the k-th call of c
counters has a relative spread of about cv/√k (cv: the spread of the counter time per
call), plus a floor for what the play-out cannot know (`MODEL_SPREAD`), so a customer with
few ahead gets a wide range and one with forty ahead a narrower one.
"""

from __future__ import annotations

import heapq
import math
import random
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Date, Integer, Select, Table, bindparam, func, select, tuple_

# -- everything this module takes from the core, in one place ---------------------------------
from db.rules.waits import wait_words, whole_range
from db.store.engine import seconds_between
from db.store.models import AT_COUNTER, DaySequence
from db.store.session import Tx
from db.store.sql import C, E, T, literal, status_in

Q = cast(Table, DaySequence.__table__)

# ----------------------------------------------------------------------------------------------

RECENT_EVENTS = 240
"""How many of the day's latest issues, calls and call ends are read (about three a
customer): the calls and their ends give the counter time per call, the issues the arrival
rates; in a busy hall (80 customers an hour) about the last hour. Reading them is most of the
cost of an estimate (about 5 µs each)."""
RATE_WINDOW_MIN = 60.0
"""Arrival rates are counted over at most this many recent minutes."""
MIN_RATE_WINDOW_MIN = 10.0
"""…and over at least this many (the first minutes of a day would give wild rates)."""
PRIOR_CALLS = 3
"""The standard time counts as this many calls, so a few odd ones don't swing the mean."""
WALK_UP_PRIOR_MIN = 1.0
"""Minutes a called customer takes to reach the counter, added to the standard handling
time for the prior counter time per call."""
PRIOR_CV = 0.6
"""Spread (coefficient of variation) of the counter time per call while there are few."""
RECENT_AHEAD_MIN = 30.0
"""The recent arrival rates are assumed for this many minutes ahead; after that the day's
mean rate so far (peaks pass: a rate measured in a peak, held for hours, would starve a
business that comes second in the profiles for good)."""
FORECAST_WEIGHT_MIN = 60.0
"""The recent rate is blended with the forecast's first as if that were counted over this
many minutes more (an hour of 30 customers is ±18 % by chance alone: near full load, that
decides whether a business second in the profiles is served at all)."""
HORIZON_MIN = 240.0
"""The play-out stops here: a ticket not called by then is told this (a profile starved by
the businesses before it)."""
MAX_STEPS = 20_000
"""A play-out stops after this many steps whatever happens (a guard on the cost)."""
RANGE_Z = 0.84
"""The range is the point ± this many spreads: about the 20 % and 80 % quantiles."""
REPLICAS = 8
"""Play-outs with drawn times for a customer with many ahead (`predict`)."""
DRAWN_CALLS = (40, 150)
"""…that is, when the mean play-out makes this many calls (from, to) before the ticket's.
Fewer: the mean play-out does better for those who end up waiting (see `predict`); more: it
does as well, and eight drawn play-outs would cost several ms. With the overdue rule the
lower bound went from 20 to 40 (estimate_accuracy.py, 10 seeds: bias busy −5.8 → +0.4 %,
shared −9.6 → −7.9 %, light −5.5 → −3.5 %, medians within 0.2 points; 70 measured the same,
5 worse: light −21.7 %)."""
MODEL_SPREAD = 0.2
"""Relative spread the play-out leaves however many are ahead (arrival rates that change,
clerks who pause): measured on simulated days, the 20–80 % band of actual ÷ told stays
about 0.8–1.2 even with 30+ calls ahead."""
CV_WEIGHT = 1.6
"""The counter times' part of the spread, cv²/(k+1), counts this many times: with few calls
ahead the arrivals still to come and the calls of other businesses that share the counters
widen it beyond the calls' own spread. Chosen by measurement (benchmarks/estimate_accuracy.py,
5 loads × 10 seeds): the share of actual waits inside the told range went from 49–67 % (1.0)
to 53–71 % (1.6), closest to the 60 % a 20–80 % band should hold; widening `MODEL_SPREAD`
to 0.3 instead overshot where many are ahead (72–73 %)."""
RELEASES = ("complete", "no_show", "transfer", "next_service", "refer", "set_aside", "cancel")
"""Events that free the counter of its call."""
OCCUPIES = ("call", "walk_in", "resume")
"""Events that give a counter a customer."""
ARRIVALS = ("issue", "transfer", "next_service", "requeue")
"""Events that put a ticket into a queue."""


@dataclass(frozen=True)
class Line:
    """Waiting tickets of one business and priority rank (and counter a guide sent them
    to): within a business only how many wait matters to anyone else's call."""

    business: str
    rank: int
    """Priority rank: lower is called first."""
    count: int
    directed_to: int | None = None
    """The counter a guide sent them to, which alone calls them."""
    waited: tuple[float, ...] = ()
    """Minutes each has waited (since queued), when known: the overdue rule calls the
    longest-waiting first. Empty: as if all had just come."""


@dataclass(frozen=True)
class Ticket:
    """The customer the estimate is for: their line, and how many in it are called first."""

    business: str
    rank: int
    ahead: int
    """Waiting tickets called before this one as things stand (`db.rules.queries.people_ahead`:
    the same line, better priority or queued earlier)."""
    directed_to: int | None = None
    waited: float = 0.0
    """Minutes it has waited (since queued): 0 for a number not yet taken."""


@dataclass(frozen=True)
class Desk:
    """An open, staffed counter."""

    number: int
    profile: tuple[str, ...]
    """The businesses it calls, in order."""
    on: str | None = None
    """The business of the customer it holds (called or serving); None: it is free."""
    since: float = 0.0
    """Minutes it has held that customer (from the call)."""


@dataclass(frozen=True)
class Service:
    """Counter time per call of one business: recent calls and the prior from the standard."""

    samples: tuple[float, ...]
    prior: float

    @property
    def mean(self) -> float:
        """The recent calls' mean, leaning on the prior while there are few."""
        return (sum(self.samples) + PRIOR_CALLS * self.prior) / (len(self.samples) + PRIOR_CALLS)

    @property
    def cv(self) -> float:
        """The spread of the recent calls, relative to their mean (the prior's while few)."""
        n = len(self.samples)
        if n < 5:
            return PRIOR_CV
        mean = sum(self.samples) / n
        var = sum((x - mean) ** 2 for x in self.samples) / (n - 1)
        return math.sqrt(var) / mean if mean > 0 else PRIOR_CV

    def residual(self, elapsed: float) -> float:
        """Expected minutes left of a call that has lasted `elapsed`: the mean excess of the
        recent calls that lasted longer, or a share of the mean when (almost) none did."""
        longer = [x - elapsed for x in self.samples if x > elapsed]
        fallback = max(self.mean - elapsed, 0.3 * self.mean)
        if len(longer) < 3:
            return fallback
        weight = len(longer) / (len(longer) + 1)
        return weight * sum(longer) / len(longer) + (1 - weight) * fallback

    def draw(self, rng: random.Random) -> float:
        """One drawn counter time per call (bootstrap of the recent calls, else a gamma)."""
        n = len(self.samples)
        if n >= 5 and rng.random() < n / (n + PRIOR_CALLS):
            return rng.choice(self.samples)
        shape = 1 / PRIOR_CV**2
        return rng.gammavariate(shape, self.mean / shape)

    def draw_residual(self, elapsed: float, rng: random.Random) -> float:
        """One drawn remainder of a call that has lasted `elapsed`."""
        longer = [x - elapsed for x in self.samples if x > elapsed]
        if len(longer) >= 3:
            return rng.choice(longer)
        return rng.expovariate(1 / max(self.mean - elapsed, 0.3 * self.mean))


@dataclass(frozen=True)
class HallState:
    """What the prediction needs of the hall at one moment, as plain data."""

    waiting: tuple[Line, ...]
    desks: tuple[Desk, ...]
    service: Mapping[str, Service]
    """Business → counter time per call."""
    arrivals: Mapping[tuple[str, int], float] = field(default_factory=dict)
    """(business, priority rank) → customers per minute lately."""
    window: float = RATE_WINDOW_MIN
    """Minutes `arrivals` were counted over."""
    forecast: tuple[tuple[float, Mapping[tuple[str, int], float]], ...] = ()
    """What comes after the recent rates: (from minute, (business, priority rank) →
    customers per minute), in time order; `gather` gives the day's mean so far from
    `RECENT_AHEAD_MIN` on. A hall that knows its usual arrivals by hour of day (`hall
    staffing` reads them from its history) gives those. Empty: `arrivals` throughout."""
    closes_in: float | None = None
    """Minutes until the kiosk stops giving numbers, when known (None: it goes on). From
    then no one arrives and every counter also takes every other business after its own
    (the end-of-day rule `db.figures.simulation` plays: everyone holding a number is served)."""
    overdue: float = 0.0
    """The hall's `overdue_minutes`: a customer who has waited this long is called by the next
    free counter serving the business before its profile order (the longest-waiting first);
    0: the profile order only."""


@dataclass(frozen=True)
class Estimate:
    """What the kiosk tells: minutes (0: 即将叫号, None: no open counter serves it) and a
    range around them."""

    minutes: float | None
    low: float | None = None
    high: float | None = None
    ahead_calls: int = 0
    """Calls played before this ticket's (a measure of how sure the point is)."""

    @property
    def about_to_be_called(self) -> bool:
        """A free counter calls it now."""
        return self.minutes == 0

    def text_zh(self) -> str:
        """How the slip says it: 即将叫号, 约 8 分钟, or 约 10–15 分钟 (— without a counter)."""
        return wait_words(self.minutes, self.low, self.high, "zh")


def _whole_range(e: Estimate) -> tuple[int, int]:
    return whole_range(e.minutes or 0, e.low, e.high)


# -- reading the state ----------------------------------------------------------------------

_TICKET: Select[Any] = select(T).where(T.c.id == bindparam("ticket", type_=Integer()))
_AHEAD: dict[bool, Select[Any]] = {
    directed: select(func.count()).where(
        status_in("waiting"),
        T.c.business_day == bindparam("day", type_=Date()),
        T.c.directed_to == bindparam("counter", type_=Integer()) if directed
        else (T.c.business == bindparam("business")) & T.c.directed_to.is_(None),
        tuple_(T.c.priority_rank, T.c.queued_at, T.c.id)
        < tuple_(bindparam("rank", type_=Integer()), bindparam("queued", type_=T.c.queued_at.type),
                 bindparam("ticket", type_=Integer())),
    )
    for directed in (False, True)
}
"""People ahead in the ticket's line, as `db.rules.queries.people_ahead` counts them."""
_NEWEST: Select[Any] = select(func.max(E.c.id))
"""The hall's latest event: any step changes it (`Memo`)."""
_ISSUED: Select[Any] = select(Q.c.prefix, Q.c.last_seq).where(
    Q.c.business_day == bindparam("day", type_=Date()))


@lru_cache(maxsize=4)
def _timed(dialect: str) -> tuple[Select[Any], ...]:
    """The statements that read times, as minutes before :now computed by the database
    (parsing a few hundred timestamps here would cost more than the whole play-out)."""
    now = bindparam("now", type_=T.c.issued_at.type)

    def ago(column: Any) -> Any:
        return (seconds_between(dialect, column, now) / 60.0).label("ago")

    held = (
        select(T.c.counter_number, T.c.business, T.c.called_at)
        .where(status_in(*AT_COUNTER), T.c.counter_number.is_not(None))
        .subquery()
    )
    desks = (
        select(C.c.number, C.c.profile, held.c.business, ago(held.c.called_at))
        .outerjoin(held, held.c.counter_number == C.c.number)
        .where(C.c.state == literal("open"), C.c.staff_id.is_not(None))
        .order_by(C.c.number)
    )
    kinds = sorted({*ARRIVALS, *OCCUPIES, *RELEASES})
    events = (
        select(ago(E.c.at), E.c.kind, E.c.counter_number, T.c.business, T.c.origin_business,
               T.c.priority_rank)
        .outerjoin(T, T.c.id == E.c.ticket_id)
        .where(E.c.business_day == bindparam("day", type_=Date()),
               E.c.kind.in_([literal(k) for k in kinds]))
        .order_by(E.c.id.desc())
        .limit(bindparam("limit", type_=Integer()))
    )
    first = (
        select(ago(E.c.at)).where(E.c.business_day == bindparam("day", type_=Date()))
        .order_by(E.c.id).limit(1)
    )
    # How long each waiting customer has waited (the overdue rule), per business and rank
    # from the queue index alone (reading 800 rows of a large file instead cost ~15 ms)…
    waiting = (
        select(T.c.business, T.c.priority_rank, ago(T.c.queued_at))
        .where(status_in("waiting"), T.c.business_day == bindparam("day", type_=Date()))
        .order_by(T.c.business, T.c.priority_rank, T.c.queued_at)  # the queue index, covering
    )
    # …and of them those a guide sent to a counter (few: their rows are read).
    sent = (
        select(T.c.business, T.c.priority_rank, T.c.directed_to, ago(T.c.queued_at))
        .where(status_in("waiting"), T.c.business_day == bindparam("day", type_=Date()),
               T.c.directed_to.is_not(None))
    )
    return desks, events, first, waiting, sent


def gather(tx: Tx, recent: int = RECENT_EVENTS) -> HallState:
    """The hall as it stands, read in `tx`: waiting tickets, open counters, and from the
    day's latest `recent` events the counter time per call and the arrival rates."""
    desks_q, events_q, first_q, waiting_q, sent_q = _timed(tx.conn.dialect.name)
    day = {"day": tx.day}
    lines: dict[tuple[str, int, int | None], list[float]] = {}
    for b, r, ago in tx.conn.execute(waiting_q, {**day, "now": tx.now}):
        lines.setdefault((b, r, None), []).append(max(0.0, round(float(ago or 0.0), 3)))
    for b, r, to, ago in tx.conn.execute(sent_q, {**day, "now": tx.now}):
        waited = max(0.0, round(float(ago or 0.0), 3))
        lines.setdefault((b, r, to), []).append(waited)
        undirected = lines[(b, r, None)]
        undirected.remove(waited)
        if not undirected:
            del lines[(b, r, None)]
    waiting = tuple(Line(b, r, len(w), to, tuple(sorted(w, reverse=True)))
                    for (b, r, to), w in sorted(lines.items(), key=lambda x: repr(x[0])))
    desks = tuple(
        Desk(number, tuple(profile.split(",")), business,
             max(0.0, float(ago)) if business is not None and ago is not None else 0.0)
        for number, profile, business, ago in tx.conn.execute(desks_q, {"now": tx.now})
    )
    rows = list(tx.conn.execute(events_q, {**day, "limit": recent, "now": tx.now}))[::-1]
    priors = {b.prefix: b.standard_minutes + WALK_UP_PRIOR_MIN for b in tx.config.businesses}
    issued = {p: int(n) for p, n in tx.conn.execute(_ISSUED, day)}
    since = tx.conn.execute(first_q, {**day, "now": tx.now}).scalar()
    state = state_from_events(waiting, desks, rows, priors, issued, float(since or 0.0))
    return replace(state, overdue=tx.config.overdue_minutes)


def state_from_events(
    waiting: tuple[Line, ...],
    desks: tuple[Desk, ...],
    events: Sequence[Any],
    priors: Mapping[str, float],
    issued: Mapping[str, int] | None = None,
    since: float = 0.0,
) -> HallState:
    """The state from plain rows: `events` oldest first, each a tuple of minutes ago,
    kind, counter number, and the ticket's business, origin business and priority rank as
    they are now (the event's JSON detail is not read: decoding it is most of the cost; a
    ticket's business when issued is its origin, and after a transfer its current one).
    `issued`: numbers given today per business, `since` minutes ago the day's first event:
    the day's mean rates, shared among priority ranks as the recent arrivals are."""
    samples: dict[str, list[float]] = {b: [] for b in priors}
    open_call: dict[int, tuple[float, str | None]] = {}
    counts: dict[tuple[str, int], int] = {}
    oldest: float | None = None
    for ago, kind, counter, business, origin, rank in events:
        if oldest is None:
            oldest = ago
        if kind in ARRIVALS and ago < RATE_WINDOW_MIN:
            came = origin if kind == "issue" else business
            if came is not None and rank is not None:
                counts[(came, rank)] = counts.get((came, rank), 0) + 1
        if counter is None:
            continue
        if kind in OCCUPIES:
            open_call[counter] = (ago, business)
        elif kind in RELEASES and counter in open_call:
            began, served = open_call.pop(counter)
            if kind in ("transfer", "next_service"):
                served = origin  # what was served (exact for a first transfer)
            if served in samples:
                samples[served].append(began - ago)
    window = RATE_WINDOW_MIN
    if oldest is not None:
        window = min(window, max(MIN_RATE_WINDOW_MIN, oldest))
    service = {b: Service(tuple(samples[b]), priors[b]) for b in priors}
    rates = {key: n / window for key, n in counts.items()}
    forecast: tuple[tuple[float, Mapping[tuple[str, int], float]], ...] = ()
    if issued is not None:
        # The day's mean so far, counted over at least an hour: a queue that formed before
        # opening and took its numbers in the first minutes is not a rate to hold for hours
        # (it starved a counter's second business in the play-out). Measured neutral on the
        # five simulated loads (medians and biases within 0.7 points).
        later = {}
        for (b, rank), n in counts.items():
            of_b = sum(m for (c, _), m in counts.items() if c == b)
            later[(b, rank)] = issued.get(b, 0) / max(since, RATE_WINDOW_MIN) * n / of_b
        forecast = ((RECENT_AHEAD_MIN, later),)
    return HallState(waiting, desks, service, rates, window, forecast)


# -- playing the hall forward ----------------------------------------------------------------

def _component(state: HallState, business: str, directed: int | None) -> tuple[set[str], set[int]]:
    """The businesses and counters that can decide when the ticket is called: those linked
    to it through shared work profiles."""
    desks = {d.number: d for d in state.desks}
    if state.closes_in is not None and desks:
        return set(state.service) | {business}, set(desks)  # at closing all are linked
    if directed is not None:
        if directed not in desks:
            return set(), set()
        todo_desks = [directed]
    else:
        todo_desks = [d.number for d in state.desks if business in d.profile]
    seen_b: set[str] = {business}
    seen_d: set[int] = set()
    while todo_desks:
        number = todo_desks.pop()
        if number in seen_d:
            continue
        seen_d.add(number)
        for b in desks[number].profile:
            if b not in seen_b:
                seen_b.add(b)
                todo_desks += [d.number for d in state.desks if b in d.profile]
    return seen_b, seen_d


def predict(
    state: HallState, ticket: Ticket, *, replicas: int = REPLICAS,
    drawn: tuple[int, int] = DRAWN_CALLS, seed: int | None = None,
) -> Estimate:
    """Minutes until `ticket` is called, and a range.

    The hall is played forward once with mean times. When that makes `drawn` (from, to)
    calls before the ticket's, it is played `replicas` more times with drawn times (seeded:
    the same state gives the same answer) and the point is their mean: with many ahead
    behind a busy first business in the profiles, the mean play-out leaves the later
    business hardly any gap, while random arrivals and service times leave it some. With
    few ahead the mean play-out is kept (with drawn times it tells the mean wait of all
    customers, lower, but those who then wait long are told too little). `replicas` 0: the
    mean play-out only."""
    businesses, numbers = _component(state, ticket.business, ticket.directed_to)
    if not numbers:
        return Estimate(None)
    at, calls = _play(state, ticket, businesses, numbers, None)
    if at <= 0:
        return Estimate(0.0)
    if replicas > 0 and drawn[0] <= calls <= drawn[1]:
        rng = random.Random(seed if seed is not None else repr(ticket))
        at = sum(_play(state, ticket, businesses, numbers, rng)[0] for _ in range(replicas))
        at /= replicas
    cvs = [state.service[b].cv for b in businesses if b in state.service]
    cv = max(cvs) if cvs else PRIOR_CV
    spread = math.sqrt(CV_WEIGHT * cv**2 / (calls + 1) + MODEL_SPREAD**2)
    return Estimate(round(at, 1), round(at * max(0.1, 1 - RANGE_Z * spread), 1),
                    round(at * (1 + RANGE_Z * spread), 1), calls)


class _Stream:
    """Arrivals of one business and rank over the play-out: when the next comes, and those
    come so far in order (a queue of its own: same rank, in time order)."""

    __slots__ = ("business", "rank", "schedule", "pressure", "next", "rng", "closes", "times",
                 "taken")

    def __init__(self, business: str, rank: int, schedule: _Schedule,
                 rng: random.Random | None, closes: float) -> None:
        self.business = business
        self.rank = rank
        self.schedule = schedule
        self.rng = rng
        self.closes = closes
        self.pressure = rng.expovariate(1.0) if rng else 0.5
        self.next = self._at()
        self.times: list[float] = []
        """Minutes at which those come so far arrived…"""
        self.taken = 0
        """…of whom this many were called."""

    def _at(self) -> float:
        at = _arrival_at(self.pressure, self.schedule)
        return at if at < self.closes else math.inf

    def take_until(self, now: float) -> int:
        """Those who arrive up to `now` since last asked join the queue; how many."""
        n = 0
        rng = self.rng
        start, rate, total = self.schedule[-1]  # the last rate: most arrivals, at once
        while self.next <= now:
            self.times.append(self.next)
            n += 1
            self.pressure += rng.expovariate(1.0) if rng else 1.0
            if self.pressure >= total and rate > 0:
                at = start + (self.pressure - total) / rate
                self.next = at if at < self.closes else math.inf
            else:
                self.next = self._at()
        return n


MINE = sys.maxsize
"""The key of the ticket the estimate is for (after anyone else of the same rank and time)."""


class _Queue:
    """The waiting customers of one business in a play-out: called by priority rank, then
    queue time; with the overdue rule also the longest-waiting first. Those waiting at the
    start are kept in heaps; arrivals stay in their streams (each in call order already)."""

    __slots__ = ("by_rank", "by_age", "gone", "size", "streams")

    def __init__(self, aging: bool, waiting: Sequence[tuple[int, float]] = ()) -> None:
        """`waiting`: (rank, queued) of those waiting at the start."""
        self.by_rank = [(rank, queued, key) for key, (rank, queued) in enumerate(waiting)]
        heapq.heapify(self.by_rank)
        self.by_age: list[tuple[float, int]] | None = None
        if aging:
            self.by_age = [(queued, key) for _, queued, key in self.by_rank]
            heapq.heapify(self.by_age)
        self.gone: set[int] = set()
        self.size = len(self.by_rank)
        self.streams: list[_Stream] = []

    def add(self, rank: int, queued: float, key: int) -> None:
        """One more waiting at the start, queued at minute `queued` (before 0)."""
        heapq.heappush(self.by_rank, (rank, queued, key))
        if self.by_age is not None:
            heapq.heappush(self.by_age, (queued, key))
        self.size += 1

    def _head_by_age(self) -> tuple[float, int] | None:
        by_age = self.by_age
        if not by_age:
            return None
        while by_age and by_age[0][1] in self.gone:
            heapq.heappop(by_age)
        return by_age[0] if by_age else None

    def oldest(self) -> float:
        """When the longest-waiting was queued (inf: none waits)."""
        if not self.size:
            return math.inf
        head = self._head_by_age()
        found = head[0] if head is not None else math.inf
        for st in self.streams:
            if st.taken < len(st.times) and st.times[st.taken] < found:
                found = st.times[st.taken]
        return found

    def take_first(self) -> int:
        """Call the first in the call order; its key (-1: an arrival)."""
        by_rank = self.by_rank
        while by_rank and by_rank[0][2] in self.gone:
            heapq.heappop(by_rank)
        best = by_rank[0][:2] if by_rank else (sys.maxsize, math.inf)
        chosen = None
        for st in self.streams:
            if st.taken < len(st.times) and (st.rank, st.times[st.taken]) < best:
                best, chosen = (st.rank, st.times[st.taken]), st
        self.size -= 1
        if chosen is not None:
            chosen.taken += 1
            return -1
        key = heapq.heappop(by_rank)[2]
        if self.by_age is not None:
            self.gone.add(key)
        return key

    def take_oldest(self) -> int:
        """Call the longest-waiting; its key (-1: an arrival)."""
        head = self._head_by_age()
        best = head[0] if head is not None else math.inf
        chosen = None
        for st in self.streams:
            if st.taken < len(st.times) and st.times[st.taken] < best:
                best, chosen = st.times[st.taken], st
        self.size -= 1
        if chosen is not None:
            chosen.taken += 1
            return -1
        assert self.by_age is not None
        key = heapq.heappop(self.by_age)[1]
        self.gone.add(key)
        return key


def _ages(line: Line) -> tuple[float, ...]:
    return line.waited if len(line.waited) == line.count else (0.0,) * line.count


def _play(
    state: HallState, mine: Ticket, businesses: set[str], numbers: set[int],
    rng: random.Random | None,
) -> tuple[float, int]:
    """One play-out: (minutes until `mine` is called, calls made before it).

    In the ticket's own line only those who can be called before it count: those ahead of it
    (`Ticket.ahead`), and with the overdue rule those of a worse priority who have waited
    longer; of the arrivals only those of a better priority (they go before it). The others
    come after it whatever happens and are left out."""
    own = mine.business if mine.directed_to is None else None
    overdue = state.overdue
    aging = overdue > 0
    start: dict[str, list[tuple[int, float]]] = {b: [] for b in businesses}
    sent: dict[int, list[str]] = {n: [] for n in numbers}
    mine_lines: list[Line] = []
    for line in state.waiting:
        if line.directed_to is not None:
            if line.directed_to in sent and line.directed_to != mine.directed_to:
                sent[line.directed_to] += [line.business] * line.count
        elif line.business == own:
            mine_lines.append(line)
        elif line.business in start:
            start[line.business] += [(line.rank, -waited) for waited in _ages(line)]
    if own is not None:
        first = start[own]
        first += [(line.rank, -w) for line in mine_lines if line.rank < mine.rank
                  for w in _ages(line)]
        same = sorted((w for line in mine_lines if line.rank == mine.rank for w in _ages(line)),
                      reverse=True)[: max(0, mine.ahead - len(first))]
        same += [mine.waited] * (mine.ahead - len(first) - len(same))
        first += [(mine.rank, -max(waited, mine.waited)) for waited in same]
        if aging:  # worse priority but longer waiting: overdue before it
            first += [(line.rank, -w) for line in mine_lines if line.rank > mine.rank
                      for w in _ages(line) if w > mine.waited]
    else:
        sent[mine.directed_to or 0] = [mine.business] * mine.ahead
    queues = {b: _Queue(aging, entries) for b, entries in start.items()}
    if own is not None:
        queues[own].add(mine.rank, -mine.waited, MINE)
    closes = state.closes_in if state.closes_in is not None else math.inf
    keys = {k for k in state.arrivals if k[0] in businesses}
    keys |= {k for _, rates_then in state.forecast for k in rates_then if k[0] in businesses}
    streams: dict[str, list[_Stream]] = {b: [] for b in businesses}
    for b, rank in sorted(keys):
        if b == own and rank >= mine.rank:
            continue  # they queue behind the ticket
        stream = _Stream(b, rank, _schedule(state, (b, rank)), rng, closes)
        streams[b].append(stream)
        queues[b].streams.append(stream)
    profiles = {d.number: d.profile for d in state.desks if d.number in numbers}
    service = state.service
    agenda: list[tuple[float, int]] = []  # (minute a counter is free, counter)
    for d in state.desks:
        if d.number in profiles:
            free = 0.0
            if d.on is not None:
                s = service.get(d.on) or Service((), WALK_UP_PRIOR_MIN)
                free = s.draw_residual(d.since, rng) if rng else s.residual(d.since)
            agenda.append((free, d.number))
    heapq.heapify(agenda)
    horizon = HORIZON_MIN + (closes if closes < math.inf else 0.0)
    closed = False
    calls = 0
    steps = 0
    while agenda:
        now, number = heapq.heappop(agenda)
        steps += 1
        if now > horizon or steps > MAX_STEPS:
            return horizon, calls
        if not closed and now >= closes:
            closed = True
            everything = tuple(service)
            for n, p in profiles.items():
                profiles[n] = p + tuple(x for x in everything if x not in p)
        profile = profiles[number]
        for b in profile:  # the arrivals until now, for the businesses it serves
            for stream in streams.get(b, ()):
                if stream.next <= now:
                    queues[b].size += stream.take_until(now)
        # The counter calls, as call_next does: those sent to it, then whoever of its profile
        # is overdue (the longest-waiting), then its profile in order.
        waiting = sent[number]
        if waiting:
            served = waiting.pop()
        elif number == mine.directed_to:
            return now, calls
        else:
            served = ""
            if aging:
                oldest = now - overdue
                for b in profile:
                    line_of = queues.get(b)
                    if line_of is not None and line_of.size:
                        queued = line_of.oldest()
                        if queued <= oldest:
                            served, oldest = b, queued
                if served and queues[served].take_oldest() == MINE:
                    return now, calls
            if not served:
                served = next((b for b in profile if b in queues and queues[b].size), "")
                if not served:
                    wake = min((st.next for b in profile for st in streams.get(b, ())),
                               default=math.inf)
                    wake = min(wake, closes) if not closed else wake
                    if wake < math.inf:
                        heapq.heappush(agenda, (max(wake, now), number))
                    continue
                if queues[served].take_first() == MINE:
                    return now, calls
        calls += 1
        s = service.get(served) or Service((), WALK_UP_PRIOR_MIN)
        heapq.heappush(agenda, (now + (s.draw(rng) if rng else s.mean), number))
    return horizon, calls


_Schedule = tuple[tuple[float, float, float], ...]
"""(from minute, rate, cumulative intensity at that minute) for one kind of arrival."""


def _schedule(state: HallState, key: tuple[str, int]) -> _Schedule:
    """The arrival rate of `key` over time: the recent one, then the forecast's."""
    recent = state.arrivals.get(key, 0.0)
    if state.forecast:  # an hour's count is noisy: lean on the forecast as much again
        usual = state.forecast[0][1].get(key, 0.0)
        recent = (recent * state.window + usual * FORECAST_WEIGHT_MIN) / (
            state.window + FORECAST_WEIGHT_MIN)
    steps = [(0.0, recent)]
    steps += [(start, rates.get(key, 0.0)) for start, rates in state.forecast if start > 0]
    found: list[tuple[float, float, float]] = []
    total = 0.0
    for i, (start, rate) in enumerate(steps):
        found.append((start, rate, total))
        if i + 1 < len(steps):
            total += rate * (steps[i + 1][0] - start)
    return tuple(found)


def _intensity(at: float, schedule: _Schedule) -> float:
    """The cumulative arrival intensity at minute `at` (the inverse of `_arrival_at`)."""
    for start, rate, total in reversed(schedule):
        if at >= start:
            return total + rate * (at - start)
    return 0.0


def _arrival_at(pressure: float, schedule: _Schedule) -> float:
    """The minute the cumulative arrival intensity reaches `pressure` (inf: never)."""
    for i in range(len(schedule) - 1, -1, -1):
        start, rate, total = schedule[i]
        if pressure >= total:
            if rate <= 0:
                return math.inf if i == len(schedule) - 1 else schedule[i + 1][0]
            end = (start + (pressure - total) / rate)
            return end if i == len(schedule) - 1 else min(end, schedule[i + 1][0])
    return math.inf


def predict_new(
    state: HallState, business: str, rank: int, directed_to: int | None = None, **play: Any
) -> Estimate:
    """The estimate for a customer who would take a number of `business` now (priority
    `rank`): what the wall display shows per business, or what the kiosk can compute from a
    read just before the issue and store with the ticket in the issue's own INSERT."""
    ahead = sum(line.count for line in state.waiting
                if line.directed_to == directed_to
                and (directed_to is not None or line.business == business)
                and line.rank <= rank)
    return predict(state, Ticket(business, rank, ahead, directed_to), **play)


def ticket_of(tx: Tx, ticket: int) -> Ticket | None:
    """The waiting ticket `ticket` as `predict` needs it (None: it is not waiting). The
    kiosk has `ahead` already (`queries.people_ahead`, for the slip) and can build the
    `Ticket` itself."""
    row = tx.conn.execute(_TICKET, {"ticket": ticket}).first()
    if row is None or row.status != "waiting":
        return None
    params = {"day": row.business_day, "counter": row.directed_to, "business": row.business,
              "rank": row.priority_rank, "queued": row.queued_at, "ticket": row.id}
    ahead = tx.conn.execute(_AHEAD[row.directed_to is not None], params).scalar_one()
    return Ticket(row.business, row.priority_rank, int(ahead), row.directed_to,
                  waited_since(tx, row.queued_at))


def waited_since(tx: Tx, queued_at: Any) -> float:
    """Minutes from `queued_at` to now (`Ticket.waited`), to the second."""
    return max(0.0, round(float((tx.now - queued_at).total_seconds()) / 60, 3))


def estimate(tx: Tx, ticket: int) -> Estimate | None:
    """The estimate for a waiting ticket, read in `tx` (the kiosk, right after the issue);
    None when it is not waiting."""
    mine = ticket_of(tx, ticket)
    return predict(gather(tx), mine) if mine is not None else None


def told_now(tx: Tx, business: str, rank: int, directed_to: int | None = None) -> Estimate:
    """What a customer taking a number of `business` (priority `rank`, sent by a guide to
    `directed_to`) is told now, read in `tx` before the ticket exists: `ops.issue_ticket`
    stores it with the ticket."""
    return predict_new(gather(tx), business, rank, directed_to)


class Memo:
    """Estimates for many readers of one hall (the phone pages, each asking every 2 s), or for
    one kiosk that reads the hall while nobody waits (`prepare`) so that a key press finds it
    read: the hall is read (`gather`) once per change of its log or every `seconds`,
    whichever comes first, and each ticket's estimate is worked out once per such state. An
    estimate is then at most `seconds` older than the hall; a call, an issue or any other
    step is seen at once (it adds an event). Safe to share between threads."""

    def __init__(self, seconds: float = 10.0) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._state: HallState | None = None
        self._at = 0.0
        self._told: dict[Any, Estimate] = {}
        self.reads = 0
        """How many times the hall was read (`gather`): for the tests."""

    def _current(self, tx: Tx, within: float) -> float:
        """Read the hall again unless the kept state has the newest event and is younger
        than `within` seconds; the seconds since it was read. Called with the lock held."""
        newest = tx.conn.execute(_NEWEST).scalar()
        now = tx.now.timestamp()
        key = (tx.day, newest)
        if key != self._key or self._state is None or now - self._at >= within:
            self._key, self._state, self._told = key, gather(tx), {}
            self._at = now
            self.reads += 1
        return now - self._at

    def prepare(self, tx: Tx) -> bool:
        """Read the hall now if it changed or half the interval has passed (a kiosk, while no
        one is pressing), so that the next estimate finds it read; True if it was read."""
        with self._lock:
            reads = self.reads
            self._current(tx, self.seconds / 2)
            return self.reads != reads

    def predict(self, tx: Tx, ticket: Ticket) -> Estimate:
        """`predict(gather(tx), ticket)`, from the state kept while the hall is unchanged."""
        with self._lock:
            age = self._current(tx, self.seconds)
            assert self._state is not None
            # as it stood when the hall was read, so that one state gives one answer
            ticket = replace(ticket, waited=max(0.0, round(ticket.waited - age / 60, 3)))
            told = self._told.get(ticket)
            if told is None:
                told = self._told[ticket] = predict(self._state, ticket)
            return told

    def predict_new(self, tx: Tx, business: str, rank: int,
                    directed_to: int | None = None) -> Estimate:
        """`told_now(tx, business, rank, directed_to)`, from the state kept while the hall is
        unchanged."""
        with self._lock:
            self._current(tx, self.seconds)
            assert self._state is not None
            key = ("new", business, rank, directed_to)
            told = self._told.get(key)
            if told is None:
                told = self._told[key] = predict_new(self._state, business, rank, directed_to)
            return told


def for_businesses(tx: Tx, rank: int, give_way: Callable[[], bool] | None = None
                   ) -> dict[str, Estimate] | None:
    """Business prefix → what a customer of priority `rank` taking a number now is told
    (the wall display's column), from one read of the hall. None when `give_way()`, asked
    before each business, says True (the wall gives way to a call committed meanwhile)."""
    state = gather(tx)
    told: dict[str, Estimate] = {}
    for b in tx.config.businesses:
        if give_way is not None and give_way():
            return None
        told[b.prefix] = predict_new(state, b.prefix, rank)
    return told

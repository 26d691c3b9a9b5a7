"""A hall day as a discrete-event simulation that runs the real operations on a virtual clock.

Customers arrive per hour and business type (a Poisson process at the scenario's rates),
take a number with `issue_ticket` (told the kiosk's estimated wait, kept with the ticket),
and clerks signed in at counters call, start, complete, transfer and mark no-shows with the
same `db.rules.ops` steps the apps use, each in its own transaction; some matters go to the back
office (a simulated support colleague takes them from the pool and hands them back, and
their handler closes them); customers rate most services. The clock is a `ManualClock`
moved from event to event, so a day takes seconds.

Two ways to staff the day: `counters=N` (N counters with the config's work profiles, open
all day), or a `plan` (hour → business → counters, each counter then serving that one
business, as Erlang C assumes). After closing no one arrives, and every counter takes any
business, so everyone holding a number is served.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from db.figures.reports import Report, period_report
from db.figures.scenario import (
    HOURLY_SHAPE as HOURLY_SHAPE,  # the scenario's names, re-exported for callers
)
from db.figures.scenario import NO_SHOW_MINUTES, Plan, local_start
from db.figures.scenario import Scenario as Scenario
from db.figures.scenario import arrivals_for as arrivals_for
from db.figures.scenario import clock_for as clock_for
from db.figures.scenario import counter_minutes as counter_minutes
from db.figures.scenario import recommended_plan as recommended_plan
from db.figures.scenario import simulation_config as simulation_config
from db.rules import counters, estimate, ops
from db.rules.ops import QueueEmpty, S, T
from db.store.session import Hall, ManualClock, Tx
from db.store.views import TicketView, _Json

RATING_WEIGHTS = {4: 0.70, 3: 0.20, 2: 0.07, 1: 0.03}
SIM_STAFF_PREFIX = "SIM"
"""Simulated clerks are SIM01, SIM02, …: a database with other staff is a real hall."""
SIM_SUPPORT = "SIMS01"
"""The simulated support colleague who works the referrals."""
POOL_MINUTES = (2.0, 15.0)
"""Minutes a referral waits in the support pool before it is taken (uniform)."""
CLOSE_MINUTES = (1.0, 10.0)
"""Minutes from the hand-back until the handler closes the matter (uniform)."""


@dataclass(frozen=True)
class Estimate:
    """The kiosk's estimate for one ticket next to what happened."""

    estimated: float
    """Minutes the kiosk showed at issue."""
    actual: float
    """Minutes until the first call."""


Step = Callable[..., None]


class Day:
    """One simulated day on a hall whose database `db.store.schema.init_db` has prepared."""

    def __init__(self, hall: Hall, clock: ManualClock, scenario: Scenario) -> None:
        self.hall = hall
        self.clock = clock
        self.scenario = scenario
        self.rng = random.Random(scenario.seed)
        self.opening = local_start(hall.config, scenario)
        self.queue: list[tuple[float, int, Step, tuple[Any, ...]]] = []
        self.order = 0
        self.idle: set[int] = set()
        self.active: dict[int, tuple[str, ...]] = {}
        self.estimates: dict[int, float | None] = {}
        self.transferred: set[int] = set()
        self.closed = False
        self.now = 0.0

    # -- the clock and the agenda ----------------------------------------------------------

    def at(self, minute: float, step: Step, *args: Any) -> None:
        """Do `step(*args)` at `minute` minutes after opening."""
        self.order += 1
        heapq.heappush(self.queue, (minute, self.order, step, args))

    def run(self) -> None:
        """Play the day until every customer is served."""
        self._staff()
        self._schedule_arrivals()
        for index in range(self.scenario.hours):
            self.at(60 * index, self.staff_hour, self.scenario.open_hour + index)
        self.at(60 * self.scenario.hours, self.close)
        while self.queue:
            minute, _, step, args = heapq.heappop(self.queue)
            self.now = minute
            self.clock.now = self.opening + dt.timedelta(minutes=minute)
            step(*args)
        self._sign_out()

    def _schedule_arrivals(self) -> None:
        for prefix, rates in self.scenario.arrivals.items():
            for index, rate in enumerate(rates):
                minute = 60.0 * index
                while rate > 0:
                    minute += self.rng.expovariate(rate / 60)
                    if minute >= 60 * (index + 1):
                        break
                    self.at(minute, self.arrive, prefix)

    # -- staff and counters -----------------------------------------------------------------

    def _staff(self) -> None:
        """Simulated clerks signed in at every counter, all paused until their hour."""
        self.clock.now = self.opening
        numbers = [c.number for c in self.hall.config.counters]
        with self.hall.write() as tx:
            known = set(tx.conn.execute(select(S.c.id)).scalars())
            people = [(_clerk(n), f"模拟{n}", "clerk") for n in numbers]
            for staff_id, name, role in people + [(SIM_SUPPORT, "模拟后台", "support")]:
                if staff_id not in known:
                    tx.conn.execute(insert(S).values(
                        id=staff_id, name=name, role=role, authority_limit=0,
                        pin_hash="simulated: no PIN", created_at=tx.now))
            for n in numbers:
                # A database that holds earlier days may have the clerk still signed in
                # (days simulated before they signed out): signing in again keeps the state.
                counters.sign_in(tx, n, _clerk(n))
                if ops.counter_row(tx, n).state != "paused":
                    counters.set_state(tx, n, "paused")

    def _sign_out(self) -> None:
        """Everyone served: the clerks sign out, so the next day starts from closed counters
        and no counter stays open overnight."""
        with self.hall.write() as tx:
            for spec in self.hall.config.counters:
                if ops.counter_row(tx, spec.number).staff_id is not None:
                    counters.sign_out(tx, spec.number)
        self.active.clear()
        self.idle.clear()

    def staff_hour(self, hour: int) -> None:
        """Open the counters the hour needs, with their profiles; pause the others."""
        if self.scenario.counters is not None:
            wanted = {c.number: c.profile for c in self.hall.config.counters}
        else:
            wanted = _assignments(self.scenario.plan.get(hour, {}))
        self._assign(wanted)

    def close(self) -> None:
        """No one arrives any more; every open counter takes any business until all are
        served, and a business with no counter gets the first one."""
        self.closed = True
        everything = tuple(b.prefix for b in self.hall.config.businesses)
        wanted = {n: p + tuple(x for x in everything if x not in p)
                  for n, p in self.active.items()}
        if not wanted:
            wanted = {self.hall.config.counters[0].number: everything}
        self._assign(wanted)

    def _assign(self, wanted: dict[int, tuple[str, ...]]) -> None:
        for number in sorted(set(self.active) - set(wanted)):
            self.active.pop(number)
            self.idle.discard(number)
            with self.hall.write() as tx:
                counters.set_state(tx, number, "paused")
        for number, profile in sorted(wanted.items()):
            was = self.active.get(number)
            if was == profile:
                continue
            with self.hall.write() as tx:
                counters.set_profile(tx, number, list(profile))
                if was is None:
                    counters.set_state(tx, number, "open")
                    self.idle.add(number)
            self.active[number] = profile
        for number in sorted(self.idle):
            self.free(number)

    def _write(self, step: Callable[[Any], Any]) -> Any:
        with self.hall.write() as tx:
            return step(tx)

    # -- customers ---------------------------------------------------------------------------

    def arrive(self, prefix: str) -> None:
        """A customer takes a number, told the estimate of `tell` (kept with the ticket, as
        the kiosk's is); an idle counter serving the business calls at once."""
        with self.hall.write() as tx:
            view = ops.issue_ticket(tx, prefix, told=self.tell(tx, prefix))
        self.estimates[view.id] = view.told_minutes
        self.wake(prefix)

    def tell(self, tx: Tx, prefix: str) -> estimate.Estimate:
        """What the kiosk tells a customer of `prefix` now: `db.rules.estimate` on the hall
        as it stands, told also when the kiosk stops giving numbers (the scenario's
        closing, after which every counter takes every business)."""
        state = estimate.gather(tx)
        closes_in = 60 * self.scenario.hours - self.now
        state = dataclasses.replace(state, closes_in=closes_in)
        return estimate.predict_new(state, prefix, tx.config.priority("normal").rank)

    def wake(self, prefix: str) -> None:
        """Idle counters serving `prefix` try to call, until one has a customer."""
        for number in sorted(self.idle):
            if prefix in self.active.get(number, ()) and self.free(number):
                return

    no_show_after: float = NO_SHOW_MINUTES
    """Minutes a clerk waits for a called customer who does not come."""

    def called_up(self, number: int, view: TicketView) -> None:
        """A customer was just called to counter `number` (a hook: nothing here)."""

    def free(self, number: int) -> bool:
        """The counter is free: it calls the next customer, or waits idle."""
        self.idle.discard(number)
        if number not in self.active:
            return False
        try:
            view = self._write(lambda tx: ops.call_next(tx, number))
        except QueueEmpty:
            self.idle.add(number)
            return False
        self.called_up(number, view)
        if self.rng.random() < self.scenario.no_show_rate:
            self.at(self.now + self.no_show_after, self.no_show, number)
        else:
            self.at(self.now + self.rng.uniform(*self.scenario.walk_up), self.start, number,
                    view.id)
        return True

    def no_show(self, number: int) -> None:
        """The called customer is not there (过号)."""
        self._write(lambda tx: ops.no_show(tx, number))
        self.free(number)

    def start(self, number: int, ticket: int) -> None:
        """The customer is at the counter; service begins and its length is drawn."""
        view = self._write(lambda tx: ops.start(tx, number))
        minutes = self._handling(view.business)
        others = [b.prefix for b in self.hall.config.businesses if b.prefix != view.business]
        draw = self.rng.random()
        if (others and ticket not in self.transferred
                and draw < self.scenario.transfer_rate):
            self.transferred.add(ticket)
            self.at(self.now + minutes / 2, self.transfer, number, self.rng.choice(others))
        elif draw < self.scenario.transfer_rate + self.scenario.referral_rate:
            self.at(self.now + minutes / 2, self.refer, number)
        else:
            self.at(self.now + minutes, self.complete, number)

    def _handling(self, prefix: str) -> float:
        mean = self.hall.config.business(prefix).standard_minutes
        shape = 1 / self.scenario.handling_cv**2
        return max(0.2, self.rng.gammavariate(shape, mean / shape))

    def transfer(self, number: int, to: str) -> None:
        """The matter needs another business type: the ticket joins that queue (转办)."""
        self._write(lambda tx: ops.transfer(tx, number, to))
        self.free(number)
        self.wake(to)

    def complete(self, number: int) -> None:
        """The matter is done; most customers rate it on the evaluator at once."""
        view = self._write(lambda tx: ops.complete(tx, number))
        self._rate(view)
        self.free(number)

    def _rate(self, view: TicketView) -> None:
        rated = self.rng.random() < self.scenario.rated_share
        score = self.rng.choices(list(RATING_WEIGHTS), list(RATING_WEIGHTS.values()))[0]
        if rated:
            self._write(lambda tx: ops.rate(tx, view.number, score, day=view.business_day))

    # -- the back office -----------------------------------------------------------------

    def refer(self, number: int) -> None:
        """Part of the matter needs back-office work: it goes to the support pool, and the
        counter takes the next customer (the clerk still owns the matter)."""
        view = self._write(lambda tx: ops.refer(tx, number, note="需后台处理"))
        self.at(self.now + self.rng.uniform(*POOL_MINUTES), self.take, view.number)
        self.free(number)

    def take(self, ticket: str) -> None:
        """Support takes the referral from the pool and works on it."""
        self._write(lambda tx: ops.take_referral(tx, ticket, SIM_SUPPORT))
        minutes = self.rng.expovariate(1 / self.scenario.back_office_minutes)
        self.at(self.now + minutes, self.hand_back, ticket)

    def hand_back(self, ticket: str) -> None:
        """Support is done; the matter is with its handler again."""
        view = self._write(
            lambda tx: ops.return_from_support(tx, ticket, SIM_SUPPORT, note="后台已处理"))
        self.at(self.now + self.rng.uniform(*CLOSE_MINUTES), self.close_matter,
                view.handler, ticket)

    def close_matter(self, handler: str | None, ticket: str) -> None:
        """The handler closes the matter handed back, between customers, at their counter
        (the customer left the hall at the referral: no rating now)."""
        number = _counter_of(handler)
        self._write(lambda tx: ops.complete(tx, number, ticket, note="已办结"))

    # -- what the kiosk said -------------------------------------------------------------

    def estimate_errors(self) -> list[Estimate]:
        """The kiosk's estimate next to the actual wait, for tickets that had both."""
        with self.hall.read() as tx:
            rows = tx.conn.execute(
                select(T.c.id, T.c.issued_at, T.c.first_called_at)
                .where(T.c.business_day == self.scenario.day)
            ).all()
        found = []
        for row in rows:
            estimated = self.estimates.get(row.id)
            if estimated is not None and row.first_called_at is not None:
                actual = (row.first_called_at - row.issued_at).total_seconds() / 60
                found.append(Estimate(estimated, actual))
        return found


def _counter_of(clerk: str | None) -> int:
    """The counter a simulated clerk works at (SIM03 → 3)."""
    if clerk is None or not clerk.startswith(SIM_STAFF_PREFIX):
        raise ValueError(f"not a simulated clerk: {clerk!r}")
    return int(clerk.removeprefix(SIM_STAFF_PREFIX))


def _clerk(number: int) -> str:
    return f"{SIM_STAFF_PREFIX}{number:02d}"


def _assignments(needs: dict[str, int]) -> dict[int, tuple[str, ...]]:
    wanted: dict[int, tuple[str, ...]] = {}
    for prefix, count in needs.items():
        for _ in range(count):
            wanted[len(wanted) + 1] = (prefix,)
    return wanted


@dataclass(frozen=True)
class KioskAccuracy(_Json):
    """How far the kiosk's estimated waits were from the real ones."""

    tickets: int
    """Tickets with both an estimate at issue and a first call."""
    without_estimate: int
    """Tickets issued while no counter served their business (the kiosk shows none)."""
    mean_abs_error_min: float | None
    """Mean absolute error in minutes."""
    bias_min: float | None
    """Mean of estimate − actual: above 0 the kiosk promised too long a wait."""


@dataclass(frozen=True)
class DayResult(_Json):
    """What a simulated day came to."""

    report: Report
    """The day's report, as `hall report` computes it."""
    kiosk: KioskAccuracy
    """The estimated waits against the actual ones."""
    counters: int
    """Counters in the simulated hall."""
    plan: Plan
    """Counters per hour and business (empty with fixed counters)."""
    met: bool
    """Whether the whole hall called `sla_share` of its customers within `sla_minutes`."""
    short: tuple[str, ...]
    """Business types that missed the target on their own."""


def accuracy(estimates: list[Estimate], without: int) -> KioskAccuracy:
    """Mean absolute error and bias of the kiosk's estimates."""
    n = len(estimates)
    errors = [e.estimated - e.actual for e in estimates]
    mae = sum(abs(x) for x in errors) / n if n else None
    bias = sum(errors) / n if n else None
    return KioskAccuracy(n, without, mae, bias)


def run_day(hall: Hall, scenario: Scenario) -> DayResult:
    """Play the scenario on `hall` (its clock must be a `ManualClock`) and sum it up."""
    if not isinstance(hall.clock, ManualClock):
        raise ValueError("a simulated day needs the hall on a ManualClock")
    day = Day(hall, hall.clock, scenario)
    day.run()
    with hall.read() as tx:
        report = period_report(tx, scenario.day, scenario.day)
    target = hall.config.sla_share
    short = tuple(b.prefix for b in report.businesses
                  if b.within_target is not None and b.within_target < target)
    met = report.totals.within_target is not None and report.totals.within_target >= target
    without = sum(1 for e in day.estimates.values() if e is None)
    return DayResult(report, accuracy(day.estimate_errors(), without),
                     len(hall.config.counters), scenario.plan, met, short)

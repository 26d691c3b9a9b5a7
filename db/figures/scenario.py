"""What a simulated hall day looks like: arrivals per hour and business, how the counters
are staffed, and the behaviour of customers (no-shows, transfers, ratings, walk-up time).
`db.figures.simulation` plays it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from db.config import CounterSpec, HallConfig
from db.store.session import ManualClock

Plan = dict[int, dict[str, int]]
"""Local hour → business prefix → counters serving only that business."""

DEFAULT_MIX = {"A": 0.45, "B": 0.10, "C": 0.08, "D": 0.15, "E": 0.17, "F": 0.05}
"""Share of the day's customers per business type in a power hall (payment is the bulk)."""
HOURLY_SHAPE = (0.9, 1.35, 1.25, 0.85, 0.65, 1.0, 1.2, 0.8)
"""Relative arrivals in the hours from opening: a morning peak and an afternoon one."""


@dataclass(frozen=True)
class Scenario:
    """What the simulated day looks like."""

    day: dt.date
    """The business day simulated."""
    arrivals: dict[str, tuple[float, ...]]
    """Business prefix → mean arrivals in each hour from opening."""
    open_hour: int = 9
    """Local hour the hall opens."""
    seed: int = 1
    """Seed of every random draw: the same scenario and seed give the same day."""
    counters: int | None = None
    """Counters open all day with the config's work profiles; None: follow `plan`."""
    plan: Plan = field(default_factory=dict)
    """Counters per hour and business, when `counters` is None."""
    no_show_rate: float = 0.04
    """Share of called customers who do not come."""
    transfer_rate: float = 0.03
    """Share of services that end in a transfer to another business type."""
    referral_rate: float = 0.02
    """Share of services that need back-office work (转后台): the handler refers the
    matter to support, who hand it back, and the handler closes it."""
    back_office_minutes: float = 40
    """Mean minutes support spends on a referral once taken."""
    rated_share: float = 0.8
    """Share of completed services the customer rates."""
    handling_cv: float = 0.5
    """Spread of handling times (coefficient of variation) around the standard."""
    walk_up: tuple[float, float] = (0.3, 1.5)
    """Minutes from the call until the customer is at the counter (uniform)."""

    @property
    def hours(self) -> int:
        """Opening hours in the day."""
        return max((len(v) for v in self.arrivals.values()), default=0)


def arrivals_for(config: HallConfig, tickets: int, hours: int = len(HOURLY_SHAPE)
                 ) -> dict[str, tuple[float, ...]]:
    """Hourly rates giving about `tickets` customers a day, by the usual mix and shape."""
    prefixes = [b.prefix for b in config.businesses]
    known = {p: DEFAULT_MIX[p] for p in prefixes if p in DEFAULT_MIX}
    mix = known if len(known) == len(prefixes) else {p: 1 / len(prefixes) for p in prefixes}
    total_mix = sum(mix.values())
    shape = [HOURLY_SHAPE[h % len(HOURLY_SHAPE)] for h in range(hours)]
    total_shape = sum(shape)
    return {
        p: tuple(tickets * mix[p] / total_mix * s / total_shape for s in shape)
        for p in prefixes
    }


NO_SHOW_MINUTES = 2.0
"""How long a clerk waits for a called customer before marking a no-show."""


def counter_minutes(scenario: Scenario, standard: float) -> float:
    """Expected counter time per ticket: walk-up and handling, or the wait for a no-show."""
    walk = sum(scenario.walk_up) / 2
    shown = 1 - scenario.no_show_rate
    return shown * (walk + standard) + scenario.no_show_rate * NO_SHOW_MINUTES


def recommended_plan(config: HallConfig, scenario: Scenario) -> Plan:
    """Erlang C's counters per hour and business for the scenario's own arrival rates and
    counter time per ticket (as `hall staffing` measures it from a real day)."""
    from db.figures.staffing import counters_needed

    plan: Plan = {}
    for b in config.businesses:
        service = counter_minutes(scenario, b.standard_minutes)
        for index, rate in enumerate(scenario.arrivals.get(b.prefix, ())):
            needed = counters_needed(rate, service, config.sla_minutes, config.sla_share)
            if needed:
                plan.setdefault(scenario.open_hour + index, {})[b.prefix] = needed
    return plan


def simulation_config(config: HallConfig, scenario: Scenario) -> HallConfig:
    """The hall config with as many counters as the day needs (numbered from 1)."""
    specs = config.counters
    if scenario.counters is not None:
        size = scenario.counters
    else:
        size = max((sum(p.values()) for p in scenario.plan.values()), default=1)
    made = tuple(
        CounterSpec(n, f"{n}号窗口", f"Counter {n}", specs[(n - 1) % len(specs)].profile)
        for n in range(1, max(1, size) + 1)
    )
    return dataclasses.replace(config, counters=made)


def local_start(config: HallConfig, scenario: Scenario) -> dt.datetime:
    """The opening of the simulated business day: `open_hour` local time, on the calendar
    date whose hour belongs to that business day (an hour before the day's start, e.g. 01:00
    with days starting at 04:00, is the next calendar date's)."""
    local = dt.datetime.combine(scenario.day, dt.time(scenario.open_hour), tzinfo=config.tz)
    if config.business_day(local) != scenario.day:
        local += dt.timedelta(days=1)
    return local.astimezone(dt.UTC)


def clock_for(config: HallConfig, scenario: Scenario) -> ManualClock:
    """A clock at the simulated day's opening."""
    return ManualClock(local_start(config, scenario))

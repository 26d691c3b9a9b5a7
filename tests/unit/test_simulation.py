"""The simulated day: the real operations on a virtual clock, the same day for the same seed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from db.config import HallConfig, load_config
from db.figures import erlang
from db.figures import simulation as sim
from db.figures.scenario import local_start
from db.rules.ops import E, T
from db.store.engine import make_engine
from db.store.schema import init_db
from db.store.session import Hall, utc_now

DAY = dt.date(2026, 11, 27)


def play(tmp_path: Path, config: HallConfig, scenario: sim.Scenario, name: str = "sim"
         ) -> tuple[sim.DayResult, list[str]]:
    """Run the scenario on a fresh database; the result and every event's kind."""
    made = sim.simulation_config(config, scenario)
    url = f"sqlite:///{tmp_path / name}.db"
    hall = Hall(make_engine(url, synchronous="OFF"), made, sim.clock_for(made, scenario))
    init_db(hall)
    result = sim.run_day(hall, scenario)
    with hall.read() as tx:
        kinds = list(tx.conn.execute(select(E.c.kind).order_by(E.c.id)).scalars())
    hall.dispose()
    return result, kinds


def small(config: HallConfig, seed: int = 5, **changes: object) -> sim.Scenario:
    scenario = sim.Scenario(day=DAY, arrivals={"A": (30, 30), "D": (6, 6)}, seed=seed,
                            no_show_rate=0.1, transfer_rate=0.1)
    scenario = dataclasses.replace(scenario, **changes)  # type: ignore[arg-type]
    if scenario.counters is None:
        scenario = dataclasses.replace(scenario, plan=sim.recommended_plan(config, scenario))
    return scenario


def test_the_same_seed_gives_the_same_day(tmp_path: Path, config: HallConfig) -> None:
    first, kinds = play(tmp_path, config, small(config), "one")
    second, again = play(tmp_path, config, small(config), "two")
    assert first.to_json() == second.to_json() and kinds == again
    other, _ = play(tmp_path, config, small(config, seed=6), "three")
    assert other.report.totals.tickets != first.report.totals.tickets or other != first


def test_the_day_runs_the_real_steps(tmp_path: Path, config: HallConfig) -> None:
    result, kinds = play(tmp_path, config, small(config))
    for kind in ("sign_in", "pause", "open", "profile", "issue", "call", "start", "complete",
                 "rate", "no_show", "transfer"):
        assert kind in kinds, kind
    totals = result.report.totals
    assert 40 <= totals.tickets <= 110  # about 72 expected
    assert totals.called == totals.tickets  # everyone holding a number was called
    assert totals.no_shows > 0 and totals.transfers > 0
    assert {s.staff[:3] for s in result.report.staff} == {"SIM"}


def test_back_office_matters_go_to_support_and_back_to_their_handler(
    tmp_path: Path, config: HallConfig
) -> None:
    scenario = small(config, referral_rate=0.2, transfer_rate=0.0)
    made = sim.simulation_config(config, scenario)
    hall = Hall(make_engine(f"sqlite:///{tmp_path / 'ref'}.db", synchronous="OFF"), made,
                sim.clock_for(made, scenario))
    init_db(hall)
    result = sim.run_day(hall, scenario)
    with hall.read() as tx:
        steps: dict[int, list[tuple[str, str | None]]] = {}
        for ticket, kind, staff in tx.conn.execute(
                select(E.c.ticket_id, E.c.kind, E.c.staff_id).order_by(E.c.id)):
            steps.setdefault(ticket, []).append((kind, staff))
        left = tx.conn.execute(select(T.c.number).where(T.c.status != "done",
                                                        T.c.status != "no_show")).all()
    hall.dispose()
    referred = {t: s for t, s in steps.items() if any(k == "refer" for k, _ in s)}
    assert len(referred) >= 5 and result.report.totals.referrals == len(referred)
    for kinds in referred.values():
        names = [k for k, _ in kinds]
        at = names.index("refer")
        assert names[at:at + 4] == ["refer", "take", "return", "complete"]
        handler = kinds[at][1]
        assert kinds[at + 1][1] == kinds[at + 2][1] == sim.SIM_SUPPORT
        assert kinds[at + 3][1] == handler  # the first-responsible handler closes it
    assert left == []  # every matter closed by the end of the day


def test_the_recommended_plan_is_erlang_c(config: HallConfig) -> None:
    scenario = small(config)
    service = sim.counter_minutes(scenario, 4)
    assert service == pytest.approx(0.9 * (0.9 + 4) + 0.1 * 2)
    needed = erlang.servers_needed(30 / 60, service, 10, 0.8)
    faults = erlang.servers_needed(6 / 60, sim.counter_minutes(scenario, 8), 10, 0.8)
    assert (needed, faults) == (3, 2)
    assert scenario.plan == {9: {"A": 3, "D": 2}, 10: {"A": 3, "D": 2}}
    made = sim.simulation_config(config, scenario)
    assert len(made.counters) == 5


def test_fixed_counters_use_the_config_profiles(tmp_path: Path, config: HallConfig) -> None:
    result, _ = play(tmp_path, config, small(config, counters=3))
    assert result.counters == 3 and result.plan == {}
    assert result.report.totals.called == result.report.totals.tickets


def test_the_kiosk_estimates_are_measured(tmp_path: Path, config: HallConfig) -> None:
    result, _ = play(tmp_path, config, small(config))
    kiosk = result.kiosk
    assert kiosk.tickets == result.report.totals.tickets and kiosk.without_estimate == 0
    assert kiosk.mean_abs_error_min is not None and kiosk.mean_abs_error_min >= 0
    assert kiosk.bias_min is not None and abs(kiosk.bias_min) <= kiosk.mean_abs_error_min


def test_accuracy_by_hand() -> None:
    found = sim.accuracy([sim.Estimate(5, 3), sim.Estimate(2, 4), sim.Estimate(1, 1)], 2)
    assert (found.tickets, found.without_estimate) == (3, 2)
    assert found.mean_abs_error_min == pytest.approx(4 / 3)
    assert found.bias_min == 0
    assert sim.accuracy([], 0).mean_abs_error_min is None


def test_a_day_needs_a_manual_clock(hall: Hall, config: HallConfig) -> None:
    hall.clock = utc_now
    with pytest.raises(ValueError, match="ManualClock"):
        sim.run_day(hall, small(config))


def test_arrivals_follow_the_mix(config: HallConfig) -> None:
    rates = sim.arrivals_for(config, 800)
    assert sum(sum(r) for r in rates.values()) == pytest.approx(800)
    assert max(rates, key=lambda p: sum(rates[p])) == "A"
    assert len(rates["A"]) == len(sim.HOURLY_SHAPE)


def test_an_hour_before_the_business_day_starts_is_simulated_on_that_business_day() -> None:
    # Days start at 04:00 local: a history with arrivals at 00:xx (as a hall open late, or a
    # test run after local midnight) plays its day on the next calendar date, same business day.
    config = load_config()
    day = dt.date(2026, 11, 27)
    late = sim.Scenario(day=day, arrivals={"A": (6.0,)}, open_hour=0, seed=1, counters=1)
    start = local_start(config, late).astimezone(config.tz)
    assert (start.date(), start.hour) == (dt.date(2026, 11, 28), 0)
    assert config.business_day(start) == day
    usual = sim.Scenario(day=day, arrivals={"A": (6.0,)}, open_hour=9, seed=1, counters=1)
    assert local_start(config, usual).astimezone(config.tz).date() == day


def test_simulated_tickets_keep_what_they_were_told(tmp_path: Path, config: HallConfig) -> None:
    made = sim.simulation_config(config, small(config))
    hall = Hall(make_engine(f"sqlite:///{tmp_path / 'told'}.db", synchronous="OFF"), made,
                sim.clock_for(made, small(config)))
    init_db(hall)
    sim.run_day(hall, small(config))
    with hall.read() as tx:
        rows = tx.conn.execute(select(T.c.told_minutes, T.c.told_low, T.c.told_high)).all()
    hall.dispose()
    assert rows and all(m is not None for m, _, _ in rows)  # a counter served each all day
    assert any(m == 0 for m, _, _ in rows) and any(m > 0 for m, _, _ in rows)
    assert all(lo <= m <= hi for m, lo, hi in rows if lo is not None)

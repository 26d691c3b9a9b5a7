"""Erlang C against published values, and the staffing recommendation from a fixed history."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from db.figures import erlang, staffing
from db.rules import counters, ops
from db.store.session import Hall, ManualClock

DAY = dt.date(2026, 11, 27)


def test_the_textbook_call_centre() -> None:
    # 100 calls per 30 minutes, 3-minute handling, 80 % answered within 20 s: 10 erlangs,
    # 14 agents (13 give 79.6 %); P(wait) 17.4 %, service level 88.8 %, mean wait 7.8 s.
    assert erlang.servers_needed(100 / 30, 3, 20 / 60, 0.8) == 14
    assert erlang.erlang_c(14, 10) == pytest.approx(0.1741, abs=1e-4)
    assert erlang.service_level(14, 10, 3, 20 / 60) == pytest.approx(0.888, abs=1e-3)
    assert erlang.service_level(13, 10, 3, 20 / 60) == pytest.approx(0.796, abs=1e-3)
    assert erlang.mean_wait(14, 10, 180) == pytest.approx(7.84, abs=0.01)


def test_other_published_values() -> None:
    assert erlang.erlang_b(10, 5) == pytest.approx(0.01838, abs=1e-5)  # Erlang B tables
    assert erlang.erlang_c(2, 1) == pytest.approx(1 / 3)  # M/M/2 at A = 1
    assert erlang.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang.erlang_c(11, 10) == pytest.approx(0.6821, abs=1e-4)


def test_edges() -> None:
    assert erlang.servers_needed(0, 4, 10, 0.8) == 0
    assert erlang.erlang_c(5, 5) == 1.0 and erlang.service_level(5, 5, 3, 1) == 0.0
    assert math.isinf(erlang.mean_wait(3, 4, 1))
    assert 0 < erlang.erlang_c(300, 250) < 0.01  # large halls do not overflow
    with pytest.raises(ValueError, match="share"):
        erlang.servers_needed(1, 1, 1, 0)
    with pytest.raises(ValueError, match="handling"):
        erlang.servers_needed(1, 0, 1, 0.8)


def at(clock: ManualClock, minute: float) -> None:
    clock.now = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)


def test_recommendation_from_the_log(hall: Hall, clock: ManualClock) -> None:
    # Counter 1 (A, E) and counter 4 (B, F, C) were signed in at 09:00 by the fixture.
    for k in range(6):
        at(clock, 5 * k)
        with hall.write() as tx:
            ops.issue_ticket(tx, "A")
            if k < 2:
                ops.issue_ticket(tx, "B")
    at(clock, 30)
    with hall.write() as tx:
        counters.set_state(tx, 4, "paused")
    at(clock, 90)  # 10:30: the last event of the day closes the open stretches
    with hall.write() as tx:
        ops.issue_ticket(tx, "D")
    with hall.read() as tx:
        plan = staffing.recommend(tx, DAY, DAY)
    rows = {(h.hour, h.business): h for h in plan.hours}
    a9 = rows[(9, "A")]
    assert (a9.arrivals, a9.counter_min, a9.open_counters) == (6, 4, 1.0)
    assert a9.needed == staffing.counters_needed(6, 4, 10, 0.8) == 1
    assert (rows[(9, "B")].arrivals, rows[(9, "B")].open_counters) == (2, 0.5)
    assert rows[(10, "A")].open_counters == 0.5 and rows[(10, "A")].arrivals == 0
    assert rows[(10, "D")].needed == 1 and (10, "B") not in rows
    # B: 2 an hour of 20 minutes each is 0.67 erlang; one counter calls 44 % within 10 min.
    assert plan.needed()[9] == {"A": 1, "B": 2}
    # The hour's line: 8 arrivals, 3 counters needed, the two counters open once each
    # (counter 4 paused after half an hour): 1.5, not the 1 + 0.5 x 3 of its profile.
    total = rows[(9, "*")]
    assert (total.arrivals, total.needed, total.open_counters) == (8, 3, 1.5)
    assert total.counter_min == (6 * 4 + 2 * 20) / 8


def test_a_counter_left_open_ends_with_its_day(hall: Hall, clock: ManualClock) -> None:
    # Counters 1 and 4 open at 09:00 (the fixture) and nobody signs out: their stretch ends
    # with the day's last step (10:30), not at the next morning's pause.
    at(clock, 90)
    with hall.write() as tx:
        ops.issue_ticket(tx, "D")
    at(clock, 24 * 60)  # 09:00 the next day
    with hall.write() as tx:
        counters.set_state(tx, 1, "paused")
        counters.set_state(tx, 4, "paused")
        ops.issue_ticket(tx, "A")
    with hall.read() as tx:
        plan = staffing.recommend(tx, DAY, DAY + dt.timedelta(days=1))
    assert plan.days == 2
    assert {h.hour for h in plan.hours} == {9, 10}  # nothing open overnight
    rows = {(h.hour, h.business): h for h in plan.hours}
    assert rows[(9, "*")].open_counters == 1.0  # 2 counter-hours over 2 days
    assert rows[(10, "*")].open_counters == 0.5  # 10:00-10:30, twice, over 2 days


def test_busy_hours_need_more(hall: Hall) -> None:
    assert staffing.counters_needed(100, 4, 10, 0.8) == 8
    assert staffing.counters_needed(100, 4, 1, 0.95) > staffing.counters_needed(100, 4, 10, 0.8)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu",
                                  "America/New_York", "Australia/Lord_Howe"])
def test_the_hour_of_a_stored_time_is_worked_out_once_per_hour_alike(zone: str) -> None:
    """`_HourOf` answers as `local_hour` for every stored time, in half-hour and quarter-hour
    zones and across daylight-saving changes (New York's, Lord Howe's half-hour one)."""
    import dataclasses

    from db.config import load_config

    config = dataclasses.replace(load_config(), timezone=zone)
    hours = staffing._HourOf(config)
    for start in (dt.datetime(2026, 3, 8), dt.datetime(2026, 4, 4), dt.datetime(2026, 11, 1)):
        for step in range(0, 3 * 24 * 60, 7):
            at = start + dt.timedelta(minutes=step, microseconds=step)
            expected = staffing.local_hour(config, at)
            assert hours.of(at.isoformat(sep=" ", timespec="microseconds")) == expected
            assert hours.of(at) == expected

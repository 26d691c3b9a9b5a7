"""`hall report`'s estimate accuracy (issue 16): what customers were told at issue against
their actual waits, per business, from the log and from the stored figures of closed days."""

from __future__ import annotations

import datetime as dt

import pytest

from db.figures import days
from db.figures.reports import Report, period_report
from db.rules import ops
from db.rules.estimate import Estimate
from db.store.session import Hall, ManualClock
from tests.unit.test_ops import run

DAY = dt.date(2026, 11, 27)


def called_after(hall: Hall, clock: ManualClock, minutes: float) -> None:
    """Counter 1 calls the next customer `minutes` from now, serves and completes them."""
    clock.advance(minutes=minutes)
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    run(hall, ops.complete, 1)


def a_day(hall: Hall, clock: ManualClock) -> None:
    """A001 told 10 min waits 5; A002 told 4 waits 8; A003 told 2 waits 1 (under 3 min: not
    counted); E001 told nothing (no counter, as far as the kiosk knew) waits 9."""
    run(hall, ops.issue_ticket, "A", told=Estimate(10.0, 8.0, 12.0))
    run(hall, ops.issue_ticket, "A", told=Estimate(4.0))
    run(hall, ops.issue_ticket, "E", told=Estimate(None))
    called_after(hall, clock, 5)  # A001: 5 min
    called_after(hall, clock, 3)  # A002: 8 min
    run(hall, ops.issue_ticket, "A", told=Estimate(2.0))
    called_after(hall, clock, 1)  # A003: 1 min
    called_after(hall, clock, 0)  # E001: 9 min


def test_the_report_says_how_close_the_told_waits_were(hall: Hall, clock: ManualClock) -> None:
    a_day(hall, clock)
    with hall.read() as tx:
        report = period_report(tx, DAY, DAY)
    a = next(b for b in report.businesses if b.prefix == "A")
    assert a.told == 2  # A003 waited under 3 min
    assert a.told_error_pct == pytest.approx(50.0)  # median (nearest rank) of 100 % and 50 %
    assert a.told_bias_pct == pytest.approx(100 * (14 - 13) / 13)
    e = next(b for b in report.businesses if b.prefix == "E")
    assert (e.told, e.told_error_pct, e.told_bias_pct) == (0, None, None)
    assert report.totals.told == 2 and report.totals.told_bias_pct == a.told_bias_pct


def test_stored_days_keep_the_accuracy(hall: Hall, clock: ManualClock) -> None:
    a_day(hall, clock)
    clock.now = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)  # the day is closed

    def stored() -> tuple[Report, days.DayStore]:
        with hall.read() as tx:
            store = days.DayStore(tx, DAY, DAY)
            report = period_report(tx, DAY, DAY, None, store.samples)
        days.save(hall, store)
        return report, store

    with hall.read() as tx:
        live = period_report(tx, DAY, DAY)
    first, store = stored()
    assert store.reused == 0 and live == first
    second, store = stored()
    assert store.reused == 1 and second == live and second.totals.told == 2

"""The period report against figures worked out by hand on a small fixed history."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import insert

from db import ops, reports
from db.config import HallConfig, ScoreConfig
from db.remedies import R
from db.reports import BusinessFigures, Report, percentile
from db.session import Hall, ManualClock, Tx

DAY = dt.date(2026, 11, 27)


def at(hall: Hall, clock: ManualClock, minute: float, step: Callable[[Tx], Any]) -> Any:
    """Run one step at `minute` minutes after opening."""
    clock.now = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    with hall.write() as tx:
        return step(tx)


@pytest.fixture
def history(hall: Hall, clock: ManualClock) -> Hall:
    """A morning worked out by hand (minutes after 09:00; C01 at counter 1 (A, E), C02 at
    counter 4 (B, F, C)):

    A001 issued 0, called 2, started 3, done 7, rated 4      wait 2, A 4 min by C01
    A002 issued 0, called 7, no-show 8, requeued 9, called 10, started 11, transferred to B
         at 14 (A 3 min by C01); called 15 at counter 4, started 16, done 26, rated 3
         wait 7 (first call), B 10 min by C02; handler C01
    B001 issued 0, called 1, started 2, referred 5, taken 6, returned 8, done 10, rated 2
         wait 1, B (5-2)+(10-8) = 5 min by C02
    A003 issued 1, cancelled 30 (never called)
    E001 walk-in at counter 1 at 20, done 25                   no wait, E 5 min by C01
    """
    for business in ("A", "A", "B"):
        at(hall, clock, 0, partial(ops.issue_ticket, business=business))
    at(hall, clock, 1, lambda tx: ops.issue_ticket(tx, "A"))
    at(hall, clock, 1, lambda tx: ops.call_next(tx, 4))
    at(hall, clock, 2, lambda tx: ops.call_next(tx, 1))
    at(hall, clock, 2, lambda tx: ops.start(tx, 4))
    at(hall, clock, 3, lambda tx: ops.start(tx, 1))
    at(hall, clock, 5, lambda tx: ops.refer(tx, 4))
    at(hall, clock, 6, lambda tx: ops.take_referral(tx, "B001", "S01"))
    at(hall, clock, 7, lambda tx: ops.complete(tx, 1))
    at(hall, clock, 7, lambda tx: ops.rate(tx, "A001", 4))
    at(hall, clock, 7, lambda tx: ops.call_next(tx, 1))
    at(hall, clock, 8, lambda tx: ops.no_show(tx, 1))
    at(hall, clock, 8, lambda tx: ops.return_from_support(tx, "B001", "S01"))
    at(hall, clock, 9, lambda tx: ops.requeue(tx, "A002"))
    at(hall, clock, 10, lambda tx: ops.call_number(tx, 1, "A002"))
    at(hall, clock, 10, lambda tx: ops.complete(tx, 4, "B001"))
    at(hall, clock, 10, lambda tx: ops.rate(tx, "B001", 2))
    at(hall, clock, 11, lambda tx: ops.start(tx, 1))
    at(hall, clock, 14, lambda tx: ops.transfer(tx, 1, "B"))
    at(hall, clock, 15, lambda tx: ops.call_next(tx, 4))
    at(hall, clock, 16, lambda tx: ops.start(tx, 4))
    at(hall, clock, 20, lambda tx: ops.walk_in(tx, 1, "E"))
    at(hall, clock, 25, lambda tx: ops.complete(tx, 1))
    at(hall, clock, 26, lambda tx: ops.complete(tx, 4))
    at(hall, clock, 26, lambda tx: ops.rate(tx, "A002", 3))
    at(hall, clock, 30, lambda tx: ops.cancel(tx, "A003", "L01"))
    return hall


def report(hall: Hall, start: dt.date = DAY, end: dt.date = DAY) -> Report:
    with hall.read() as tx:
        return reports.period_report(tx, start, end)


def business(r: Report, prefix: str) -> BusinessFigures:
    return next(b for b in r.businesses if b.prefix == prefix)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([]) is None
    assert percentile([5.0]) == 5.0
    assert percentile(range(1, 11)) == 9  # 9 of 10 at or below 9
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) == 10


def test_business_figures_by_hand(history: Hall) -> None:
    a = business(report(history), "A")
    assert (a.tickets, a.called, a.cancelled) == (3, 2, 1)
    assert (a.wait_avg_min, a.wait_p90_min, a.within_target) == (4.5, 7.0, 1.0)
    assert (a.services, a.handling_avg_min, a.handling_p90_min) == (2, 3.5, 4.0)
    assert (a.no_shows, a.transfers, a.referrals) == (1, 1, 0)
    # A001 held counter 1 from its call at 2 to 7; A002 from 7 to its no-show at 8, and
    # again from 10 to its transfer at 14: 10 minutes over three tickets.
    assert a.counter_min_per_ticket == pytest.approx(10 / 3)


def test_transferred_and_referred_work_counts_where_it_was_done(history: Hall) -> None:
    b = business(report(history), "B")
    assert (b.tickets, b.called, b.wait_avg_min) == (1, 1, 1.0)
    # B001's two stretches (before the referral and after support returned it) are one
    # service of 5 minutes; A002's time in B after its transfer is the other.
    assert (b.services, b.handling_avg_min, b.handling_p90_min) == (2, 7.5, 10.0)
    assert (b.referrals, b.transfers, b.no_shows) == (1, 0, 0)
    # B001: call 1 to referral 5, return 8 to completion 10; A002 (transferred in): call 15
    # to completion 26. 17 minutes over the two tickets that entered the queue.
    assert b.counter_min_per_ticket == 8.5


def test_a_walk_in_never_waits(history: Hall) -> None:
    e = business(report(history), "E")
    assert (e.tickets, e.called, e.wait_avg_min, e.within_target) == (1, 0, None, None)
    assert (e.services, e.handling_avg_min, e.counter_min_per_ticket) == (1, 5.0, 5.0)


def test_totals_and_the_target(history: Hall, config: HallConfig) -> None:
    r = report(history)
    assert (r.totals.tickets, r.totals.called, r.totals.services) == (5, 3, 5)
    assert r.totals.wait_avg_min == pytest.approx(10 / 3)
    tight = dataclasses.replace(config, sla_minutes=2)  # waits 2, 7, 1
    with Hall(history.engine, tight).read() as tx:
        assert reports.period_report(tx, DAY, DAY).totals.within_target == pytest.approx(2 / 3)


def test_staff_figures_by_hand(history: Hall) -> None:
    r = report(history)
    c01, c02 = (next(s for s in r.staff if s.staff == who) for who in ("C01", "C02"))
    # C01 is the handler of A001, A002 (completed by C02 after the transfer) and E001.
    assert (c01.volume, c01.completed, c01.services) == (3, 3, 3)
    assert (c01.handling_min, c01.standard_min) == (12.0, 13.0)
    assert c01.ratings == {4: 1, 3: 1, 2: 0, 1: 0}
    assert c01.satisfaction == 90.0  # (100 + 80) / 2
    assert (c02.volume, c02.services, c02.handling_min, c02.standard_min) == (1, 2, 15.0, 40.0)
    assert c02.handling_ratio == pytest.approx(0.375)
    assert c02.satisfaction == 60.0
    # 0.4 x volume (100 for the busiest) + 0.2 x efficiency + 0.4 x satisfaction
    assert c01.composite == 96.0
    assert c02.composite == pytest.approx(0.4 * 100 / 3 + 20 + 24, abs=0.05)
    assert [s.staff for s in r.staff] == ["C01", "C02"]
    assert c01.complaints_upheld == 0


def test_remedies_granted_count_and_lower_the_score_when_configured(
    history: Hall, config: HallConfig
) -> None:
    with history.write() as tx:
        for status, fen in (("granted", 5000), ("approved", 15000), ("refused", 900)):
            tx.conn.execute(insert(R).values(
                ticket_id=1, business_day=DAY, kind="compensation", amount_fen=fen,
                reason="test", status=status, requested_by="C01", requested_at=tx.now))
    c01 = next(s for s in report(history).staff if s.staff == "C01")
    assert (c01.remedies, c01.remedy_yuan, c01.composite) == (2, 200.0, 96.0)
    strict = dataclasses.replace(config, score=ScoreConfig(remedy_penalty=3))
    with Hall(history.engine, strict).read() as tx:
        c01 = next(s for s in reports.period_report(tx, DAY, DAY).staff if s.staff == "C01")
    assert c01.composite == 90.0


def test_the_period_bounds(history: Hall) -> None:
    before = report(history, DAY - dt.timedelta(days=5), DAY - dt.timedelta(days=1))
    assert before.totals.tickets == 0 and before.staff == ()
    assert report(history, DAY, DAY + dt.timedelta(days=3)).totals.tickets == 5
    with pytest.raises(ValueError, match="after it ends"), history.read() as tx:
        reports.period_report(tx, DAY, DAY - dt.timedelta(days=1))


def test_progress_is_told_day_by_day(history: Hall) -> None:
    told: list[tuple[int, int]] = []
    with history.read() as tx:
        reports.period_report(tx, DAY, DAY, progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 1)]


def test_json_is_plain(history: Hall) -> None:
    data = report(history).to_json()
    assert data["date_from"] == "2026-11-27"
    assert data["staff"][0]["ratings"] == {4: 1, 3: 1, 2: 0, 1: 0}


def test_upheld_complaints_count_against_the_handler(history: Hall) -> None:
    from db import complaints

    with history.write() as tx:
        kept = complaints.record_complaint(tx, "L01", "A001", "办理太慢")
        dropped = complaints.record_complaint(tx, "L01", "B001", "态度不好")
        complaints.resolve(tx, kept.id, "L01", "upheld", "属实")
        complaints.resolve(tx, dropped.id, "L01", "not_upheld", "不属实")
    r = report(history)
    c01, c02 = (next(s for s in r.staff if s.staff == who) for who in ("C01", "C02"))
    assert (c01.complaints_upheld, c02.complaints_upheld) == (1, 0)
    assert c01.composite == 96.0 - 10  # the default complaint_penalty

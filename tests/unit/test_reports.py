"""The period report against figures worked out by hand on a small fixed history."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import insert

from db.config import HallConfig, ScoreConfig
from db.figures import reports
from db.figures.reports import BusinessFigures, Report, Tally
from db.figures.staff import StaffFigures
from db.rules import ops
from db.rules.remedies import R
from db.store.session import Hall, ManualClock, Tx

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
    B001 issued 0, called 1, started 2, referred 5, taken 6, returned 8, closed away 10,
         rated 2     wait 1, B 5-2 = 3 min by C02 (no clock after the return)
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


def tally(*minutes: float) -> Tally:
    t = Tally()
    for m in minutes:
        t.add(m)
    return t


def test_percentile_is_nearest_rank() -> None:
    assert tally().percentile() is None
    assert tally(5.0).percentile() == 5.0
    assert tally(*range(1, 11)).percentile() == 9  # 9 of 10 at or below 9
    assert tally(*range(1, 12)).percentile() == 10


def test_tally_adds_up_like_the_values_it_was_given() -> None:
    """Days tallied apart and added give the period's figures: the exact mean, the
    percentile to the second, however the days were cut."""
    values = [0.0, 0.25, 1.5, 2 + 1 / 60, 7.0, 7.0, 33.3, 0.1]
    whole, parts = tally(*values), tally(*values[:3])
    parts += tally(*values[3:])
    for t in (whole, parts):
        assert len(t) == 8 and t.total == pytest.approx(sum(values))
        assert t.mean() == pytest.approx(sum(values) / 8)
        assert t.percentile() == 33.3  # the 8th of 8 (ceil(0.9 * 8) = 8)
        assert t.percentile(0.5) == 1.5  # the 4th smallest
    assert Tally.from_json(parts.to_json()) == parts
    assert tally(0.251).percentile(1) == 15 / 60  # 15.06 s: to the whole second


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
    # B001 was served until its referral (3 minutes) and closed away after support returned
    # it; A002's time in B after its transfer is the other service.
    assert (b.services, b.handling_avg_min, b.handling_p90_min) == (2, 6.5, 10.0)
    assert (b.referrals, b.transfers, b.no_shows) == (1, 0, 0)
    # B001: call 1 to referral 5 (closed away: no counter after it); A002 (transferred in):
    # call 15 to completion 26. 15 minutes over the two tickets that entered the queue.
    assert b.counter_min_per_ticket == 7.5


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
    assert (c02.volume, c02.services, c02.handling_min, c02.standard_min) == (1, 2, 13.0, 40.0)
    assert c02.handling_ratio == pytest.approx(0.325)
    assert c02.satisfaction == 60.0
    # 0.4 x volume (100 for the busiest) + 0.2 x efficiency + 0.4 x satisfaction
    assert c01.composite == 96.0
    assert c02.composite == pytest.approx(0.4 * 100 / 3 + 20 + 24, abs=0.05)
    assert [s.staff for s in r.staff] == ["C01", "C02", "S01"]  # counter post, then support
    assert c01.complaints_upheld == 0
    s01 = next(s for s in r.staff if s.staff == "S01")  # B001: taken 6, returned 8
    assert (s01.referrals_taken, s01.referrals_returned, s01.support_min) == (1, 1, 2.0)


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


def test_json_is_plain(history: Hall, config: HallConfig) -> None:
    data = report(history).to_json()
    assert data["date_from"] == "2026-11-27"
    assert (data["hall_zh"], data["hall_en"]) == (config.name_zh, config.name_en)
    assert data["staff"][0]["ratings"] == {4: 1, 3: 1, 2: 0, 1: 0}


def test_upheld_complaints_count_against_the_handler(history: Hall) -> None:
    from db.rules import complaints

    with history.write() as tx:
        kept = complaints.record_complaint(tx, "L01", "A001", "办理太慢")
        dropped = complaints.record_complaint(tx, "L01", "B001", "态度不好")
        complaints.resolve(tx, kept.id, "L01", "upheld", "属实")
        complaints.resolve(tx, dropped.id, "L01", "not_upheld", "不属实")
    r = report(history)
    c01, c02 = (next(s for s in r.staff if s.staff == who) for who in ("C01", "C02"))
    assert (c01.complaints_upheld, c02.complaints_upheld) == (1, 0)
    assert c01.composite == 96.0 - 10  # the default complaint_penalty


# -- corrections, support and the guide --------------------------------------------------


def person(r: Report, staff: str) -> StaffFigures:
    return next(s for s in r.staff if s.staff == staff)


def resolve_with(leader_step: str, number: str, handler_to: str, **kwargs: Any) -> Any:
    """A complaint about `number`, recorded and resolved upheld with `leader_step`."""
    from db.rules import complaints

    def step(tx: Tx) -> Any:
        view = complaints.record_complaint(tx, "L01", number, "要求纠正")
        return complaints.resolve(tx, view.id, "L01", "upheld", "属实",
                                  correction=leader_step, to=handler_to, **kwargs)

    return step


@pytest.fixture
def corrected(hall: Hall, clock: ManualClock) -> Hall:
    """A morning with two corrections, two referrals and a guide at work (minutes after
    09:00; C03 signs in at counter 3 (A, E, D); G02 is a second guide):

    A001 issued 0, called at counter 3 (C03) 1, started 2; complaint upheld and reassigned
         to C02 at 8 (counter 3 free again); C02 completes it at counter 4 at 14, rated 3
         C03: an A service of 6 min (2-8); C02: one untimed service; the 3 goes to C02;
         counter 3 held 1-8
    A002 issued 0, called at counter 1 (C01) 1, started 2, done 6, rated 2; complaint upheld
         and reopened to C03 at 11; C03 completes it at counter 3 at 20
         C01: A 4 min (2-6) and the rating 2; C03: one untimed service; counter 1 held 1-6
    B001 issued 0 by G01; called at counter 4 (C02) 1, started 2, referred to the pool 4,
         taken by S01 5, returned 9, closed away 10 (C02)
         C02: B 4-2 = 2 min; S01: 4 min with support (5-9); counter 4 held 1-4
    B002 issued 3 by G01; called at counter 4 at 11, started 12, referred to S01 by name
         13, returned 16, closed away 17
         C02: B 13-12 = 1 min; S01: 3 min with support (13-16)
    Enquiries: G01 answers D at 5, D at 6 and A at 7; G02 answers B at 7.
    """
    from db.rules import counters, reception, staff

    with hall.write() as tx:
        staff.add_staff(tx, "G02", "赵敏", "guide", "2468")
        counters.sign_in(tx, 3, "C03")
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "A"))
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "A"))
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "B", issued_by="G01"))
    for counter in (3, 1, 4):
        at(hall, clock, 1, partial(ops.call_next, counter=counter))
        at(hall, clock, 2, partial(ops.start, counter=counter))
    at(hall, clock, 3, lambda tx: ops.issue_ticket(tx, "B", issued_by="G01"))
    at(hall, clock, 4, lambda tx: ops.refer(tx, 4))
    at(hall, clock, 5, lambda tx: ops.take_referral(tx, "B001", "S01"))
    for minute, who, prefix in ((5, "G01", "D"), (6, "G01", "D"), (7, "G01", "A"),
                                (7, "G02", "B")):
        at(hall, clock, minute, partial(reception.record_enquiry, staff=who, business=prefix))
    at(hall, clock, 6, lambda tx: ops.complete(tx, 1))
    at(hall, clock, 6, lambda tx: ops.rate(tx, "A002", 2))
    at(hall, clock, 8, resolve_with("reassign", "A001", "C02"))
    at(hall, clock, 9, lambda tx: ops.return_from_support(tx, "B001", "S01"))
    at(hall, clock, 10, lambda tx: ops.complete(tx, 4, "B001"))
    at(hall, clock, 11, lambda tx: ops.call_next(tx, 4))
    at(hall, clock, 11, resolve_with("reopen", "A002", "C03"))
    at(hall, clock, 12, lambda tx: ops.start(tx, 4))
    at(hall, clock, 13, lambda tx: ops.refer(tx, 4, "S01"))
    at(hall, clock, 14, lambda tx: ops.complete(tx, 4, "A001"))
    at(hall, clock, 14, lambda tx: ops.rate(tx, "A001", 3))
    at(hall, clock, 16, lambda tx: ops.return_from_support(tx, "B002", "S01"))
    at(hall, clock, 17, lambda tx: ops.complete(tx, 4, "B002"))
    at(hall, clock, 20, lambda tx: ops.complete(tx, 3, "A002"))
    return hall


def test_a_reassign_ends_the_old_handlers_service_and_frees_the_counter(
    corrected: Hall,
) -> None:
    r = report(corrected)
    c03, c02 = person(r, "C03"), person(r, "C02")
    # C03 served A001 from its start at 2 to the reassign at 8; the 6 minutes after it, when
    # no one was serving it, are nobody's.
    assert (c03.handling_min, c03.standard_min) == (6.0, 4.0)
    # C02 closed A001 without a clock (taken up away from the counter) and served B001 and
    # B002 for 2 + 1 minutes (until their referrals) against 2 x 20 standard.
    assert (c02.services, c02.services_untimed, c02.handling_min, c02.standard_min) == (
        3, 1, 3.0, 40.0)
    a = business(r, "A")
    assert (a.services, a.handling_avg_min) == (2, 5.0)  # A001 6 min, A002 4 min
    # Counter 3 held A001 from its call at 1 to the reassign at 8; counter 1 held A002 1-6.
    assert a.counter_min_per_ticket == 6.0


def test_a_reopened_ticket_is_served_again_and_its_rating_stays_with_the_rated_handler(
    corrected: Hall,
) -> None:
    r = report(corrected)
    c01, c03, c02 = person(r, "C01"), person(r, "C03"), person(r, "C02")
    assert (c01.services, c01.handling_min, c01.ratings[2], c01.satisfaction) == (
        1, 4.0, 1, 60.0)
    # The second completion, by C03 at counter 3, is C03's service; A001 is the other.
    assert (c03.services, c03.services_untimed, c03.ratings[2], c03.satisfaction) == (
        2, 1, 0, None)
    assert (c03.volume, c03.completed) == (1, 1)  # the reopen made C03 the handler
    # A001 was rated after C02 completed it: C02 was its handler then.
    assert (c02.ratings[3], c02.satisfaction, c02.volume) == (1, 80.0, 3)


def test_support_work_is_counted(corrected: Hall) -> None:
    s01 = person(report(corrected), "S01")
    assert (s01.role, s01.referrals_taken, s01.referrals_returned) == ("support", 2, 2)
    assert s01.support_min == 7.0  # B001 5-9 from the take, B002 13-16 from the named referral
    assert (s01.workload, s01.volume, s01.services) == (2, 0, 0)
    assert s01.composite == 100.0  # the busiest support colleague; no ratings, no standard


def test_guide_work_is_counted(corrected: Hall) -> None:
    r = report(corrected)
    g01, g02 = person(r, "G01"), person(r, "G02")
    assert (g01.role, g01.issued, g01.enquiries, g01.enquiries_by_business) == (
        "guide", 2, 3, {"A": 1, "D": 2})
    assert (g02.issued, g02.enquiries, g02.enquiries_by_business) == (0, 1, {"B": 1})
    assert (g01.workload, g02.workload) == (5, 1)
    assert (g01.composite, g02.composite) == (100.0, 20.0)  # against the busiest guide
    assert [(b.prefix, b.enquiries) for b in r.businesses if b.enquiries] == [
        ("A", 1), ("B", 1), ("D", 2)]
    assert r.totals.enquiries == 4


def test_each_post_is_scored_against_its_own_busiest(corrected: Hall) -> None:
    r = report(corrected)
    # Counter post: C02 handles 3 tickets (the busiest): 0.4 x 100 + 0.2 x 100 + 0.4 x 80.
    assert person(r, "C02").composite == 92.0
    # C03: volume 100/3, efficiency 100 x 4/6, no ratings; less one upheld complaint (A001).
    assert person(r, "C03").composite == pytest.approx(
        (0.4 * 100 / 3 + 0.2 * 100 * 4 / 6) / 0.6 - 10, abs=0.05)
    # C01: no ticket of its own any more, at the standard, one 基本满意, one upheld complaint.
    assert person(r, "C01").composite == 0.2 * 100 + 0.4 * 60 - 10
    assert [s.staff for s in r.staff] == ["C02", "C03", "C01", "S01", "G01", "G02"]


# -- matters away from the counter: returned, set aside, referred again ----------------------


def test_a_matter_set_aside_is_not_served_until_resumed(hall: Hall, clock: ManualClock) -> None:
    """A001 issued 0, called at counter 1 (C01) 1, started 2, set aside 5 (the customer
    fetches a document), resumed 20, done 24: C01 served (5-2)+(24-20) = 7 min; counter 1
    held 1-5 and 20-24."""
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "A"))
    at(hall, clock, 1, lambda tx: ops.call_next(tx, 1))
    at(hall, clock, 2, lambda tx: ops.start(tx, 1))
    at(hall, clock, 5, lambda tx: ops.set_aside(tx, 1, "带身份证"))
    at(hall, clock, 20, lambda tx: ops.resume(tx, 1, "A001"))
    at(hall, clock, 24, lambda tx: ops.complete(tx, 1))
    r = report(hall)
    c01 = person(r, "C01")
    assert (c01.services, c01.services_untimed, c01.handling_min) == (1, 0, 7.0)
    a = business(r, "A")
    assert (a.handling_avg_min, a.counter_min_per_ticket) == (7.0, 8.0)


def referred_and_returned(hall: Hall, clock: ManualClock) -> None:
    """B001 issued 0, called at counter 4 (C02) 1, started 2, referred to the pool 5, taken
    by S01 6, returned 10: C02's B clock ran 2-5, counter 4 was held 1-5."""
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "B"))
    at(hall, clock, 1, lambda tx: ops.call_next(tx, 4))
    at(hall, clock, 2, lambda tx: ops.start(tx, 4))
    at(hall, clock, 5, lambda tx: ops.refer(tx, 4))
    at(hall, clock, 6, lambda tx: ops.take_referral(tx, "B001", "S01"))
    at(hall, clock, 10, lambda tx: ops.return_from_support(tx, "B001", "S01"))


def test_a_returned_matter_closed_away_has_no_clock_after_the_return(
    hall: Hall, clock: ManualClock
) -> None:
    """B001 as in `referred_and_returned`, closed away by C02 at 300 (the customer is not
    at the counter): C02's one B service keeps its 3 minutes; the 290 after the return are
    nobody's, and hold no counter."""
    referred_and_returned(hall, clock)
    at(hall, clock, 300, lambda tx: ops.complete(tx, 4, "B001"))
    r = report(hall)
    c02 = person(r, "C02")
    assert (c02.services, c02.services_untimed, c02.handling_min, c02.standard_min) == (
        1, 0, 3.0, 20.0)
    b = business(r, "B")
    assert (b.services, b.handling_avg_min, b.counter_min_per_ticket) == (1, 3.0, 4.0)
    assert person(r, "S01").support_min == 4.0  # taken 6, returned 10


def test_a_returned_matter_closed_away_by_a_handler_with_no_clock_in_it_is_untimed(
    hall: Hall, clock: ManualClock
) -> None:
    """A001 issued 0, called at counter 1 (C01) 1, started 2, transferred to B 3; called at
    counter 4 (C02) 4, started 5, referred 7, taken 8, returned 10 to its handler C01, who
    closes it away at 100: C01 an A service of 1 minute and an untimed B service; C02 a B
    service of 2 minutes."""
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "A"))
    at(hall, clock, 1, lambda tx: ops.call_next(tx, 1))
    at(hall, clock, 2, lambda tx: ops.start(tx, 1))
    at(hall, clock, 3, lambda tx: ops.transfer(tx, 1, "B"))
    at(hall, clock, 4, lambda tx: ops.call_next(tx, 4))
    at(hall, clock, 5, lambda tx: ops.start(tx, 4))
    at(hall, clock, 7, lambda tx: ops.refer(tx, 4))
    at(hall, clock, 8, lambda tx: ops.take_referral(tx, "A001", "S01"))
    at(hall, clock, 10, lambda tx: ops.return_from_support(tx, "A001", "S01"))
    at(hall, clock, 100, lambda tx: ops.complete(tx, 1, "A001"))
    r = report(hall)
    c01, c02 = person(r, "C01"), person(r, "C02")
    assert (c01.services, c01.services_untimed, c01.handling_min, c01.standard_min) == (
        2, 1, 1.0, 4.0)
    assert (c02.services, c02.services_untimed, c02.handling_min) == (1, 0, 2.0)
    b = business(r, "B")
    assert (b.services, b.handling_avg_min, b.counter_min_per_ticket) == (1, 2.0, 3.0)


def test_a_returned_matter_resumed_is_timed_from_the_resume(
    hall: Hall, clock: ManualClock
) -> None:
    """B001 as in `referred_and_returned`; the customer is back and C02 resumes it at
    counter 4 at 60, done 64, rated 4: C02's B service is (5-2)+(64-60) = 7 minutes, counter
    4 held 1-5 and 60-64, and the rating is C02's."""
    referred_and_returned(hall, clock)
    at(hall, clock, 60, lambda tx: ops.resume(tx, 4, "B001"))
    at(hall, clock, 64, lambda tx: ops.complete(tx, 4))
    at(hall, clock, 64, lambda tx: ops.rate(tx, "B001", 4))
    r = report(hall)
    c02 = person(r, "C02")
    assert (c02.services, c02.services_untimed, c02.handling_min, c02.ratings[4]) == (
        1, 0, 7.0, 1)
    b = business(r, "B")
    assert (b.handling_avg_min, b.counter_min_per_ticket) == (7.0, 8.0)


def test_a_matter_set_aside_and_closed_away_is_one_service(
    hall: Hall, clock: ManualClock
) -> None:
    """A001 issued 0, called at counter 1 (C01) 1, started 2, set aside 5 (the customer is
    to send a document), closed away 90: one A service of C01, 3 minutes; counter 1 held
    1-5."""
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "A"))
    at(hall, clock, 1, lambda tx: ops.call_next(tx, 1))
    at(hall, clock, 2, lambda tx: ops.start(tx, 1))
    at(hall, clock, 5, lambda tx: ops.set_aside(tx, 1, "补寄材料"))
    at(hall, clock, 90, lambda tx: ops.complete(tx, 1, "A001"))
    r = report(hall)
    c01 = person(r, "C01")
    assert (c01.services, c01.services_untimed, c01.handling_min, c01.standard_min) == (
        1, 0, 3.0, 4.0)
    a = business(r, "A")
    assert (a.services, a.handling_avg_min, a.counter_min_per_ticket) == (1, 3.0, 4.0)


def test_a_matter_referred_again_is_not_served_between_the_return_and_the_new_referral(
    hall: Hall, clock: ManualClock
) -> None:
    """B001 as in `referred_and_returned`, but S01 hands it back with a question at 10;
    C02 answers by referring it again (away) at 40, S01 takes it 45 and returns it 50, C02
    resumes it at counter 4 at 70, done 75: C02's B service is (5-2)+(75-70) = 8 minutes,
    counter 4 held 1-5 and 70-75, two referrals, S01 (10-6)+(50-45) = 9 minutes."""
    at(hall, clock, 0, lambda tx: ops.issue_ticket(tx, "B"))
    at(hall, clock, 1, lambda tx: ops.call_next(tx, 4))
    at(hall, clock, 2, lambda tx: ops.start(tx, 4))
    at(hall, clock, 5, lambda tx: ops.refer(tx, 4))
    at(hall, clock, 6, lambda tx: ops.take_referral(tx, "B001", "S01"))
    at(hall, clock, 10, lambda tx: ops.return_from_support(
        tx, "B001", "S01", outcome="question", note="户主签字？"))
    at(hall, clock, 40, lambda tx: ops.refer(tx, 4, expect="B001", note="已确认"))
    at(hall, clock, 45, lambda tx: ops.take_referral(tx, "B001", "S01"))
    at(hall, clock, 50, lambda tx: ops.return_from_support(tx, "B001", "S01"))
    at(hall, clock, 70, lambda tx: ops.resume(tx, 4, "B001"))
    at(hall, clock, 75, lambda tx: ops.complete(tx, 4))
    r = report(hall)
    c02 = person(r, "C02")
    assert (c02.services, c02.services_untimed, c02.handling_min) == (1, 0, 8.0)
    b = business(r, "B")
    assert (b.referrals, b.handling_avg_min, b.counter_min_per_ticket) == (2, 8.0, 9.0)
    s01 = person(r, "S01")
    assert (s01.referrals_taken, s01.referrals_returned, s01.support_min) == (2, 2, 9.0)

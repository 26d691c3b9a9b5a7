"""Stored figures of closed days (`db.figures.days`): a period report from them equals the
report replayed from the log, and a correction to a closed day is counted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from db.figures import days, staffing
from db.figures.reports import Report, period_report
from db.rules import complaints
from db.store.session import Hall, ManualClock
from db.store.sql import E
from tests.unit.test_day_figures import serve
from tests.unit.test_ops import run

DAY = dt.date(2026, 11, 27)
NEXT = DAY + dt.timedelta(days=1)


def two_days(hall: Hall, clock: ManualClock) -> str:
    """Two closed days of work; the clock on the third. Returns a ticket of the first."""
    first = serve(hall, clock, 1, "A", 4, rating=4)
    serve(hall, clock, 4, "B", 12, rating=3)
    clock.advance(minutes=7)
    serve(hall, clock, 1, "E", 5)
    clock.now = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)
    serve(hall, clock, 1, "A", 6, rating=2)
    serve(hall, clock, 4, "C", 9)
    clock.now = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC)
    return first


def stored_report(hall: Hall) -> tuple[Report, days.DayStore]:
    with hall.read() as tx:
        store = days.DayStore(tx, DAY, NEXT)
        report = period_report(tx, DAY, NEXT, None, store.samples)
    days.save(hall, store)
    return report, store


def live_report(hall: Hall) -> Report:
    with hall.read() as tx:
        return period_report(tx, DAY, NEXT)


def stored_days(hall: Hall) -> list[dt.date]:
    with hall.read() as tx:
        return list(tx.conn.execute(select(days.D.c.day).order_by(days.D.c.day)).scalars())


def test_the_report_from_stored_days_equals_the_live_one(hall: Hall, clock: ManualClock) -> None:
    two_days(hall, clock)
    live = live_report(hall)
    first, store = stored_report(hall)
    assert store.reused == 0 and stored_days(hall) == [DAY, NEXT]
    second, store = stored_report(hall)
    assert store.reused == 2 and not store.made
    assert first == live and second == live
    assert second.to_json() == live.to_json()
    assert live.totals.tickets == 5 and live.totals.services == 5


def test_staffing_from_stored_days_equals_the_live_one(hall: Hall, clock: ManualClock) -> None:
    two_days(hall, clock)
    with hall.read() as tx:
        live = staffing.recommend(tx, DAY, NEXT)
    for _ in range(2):
        with hall.read() as tx:
            store = days.DayStore(tx, DAY, NEXT)
            stored = staffing.recommend(tx, DAY, NEXT, None, store)
        days.save(hall, store)
        assert stored == live
    assert store.reused == 2


def test_today_is_never_stored(hall: Hall, clock: ManualClock) -> None:
    serve(hall, clock, 1, "A", 4)
    with hall.read() as tx:
        store = days.DayStore(tx, DAY, DAY)
        period_report(tx, DAY, DAY, None, store.samples)
    assert days.save(hall, store) == 0 and stored_days(hall) == []


def test_a_correction_of_a_closed_day_drops_its_stored_figures(
    hall: Hall, clock: ManualClock
) -> None:
    first = two_days(hall, clock)
    before, _ = stored_report(hall)
    complaint = run(hall, complaints.record_complaint, "L01", first, "办理有误", day=DAY)
    run(hall, complaints.resolve, complaint.id, "L01", "upheld", "重办", correction="reopen",
        to="C03")
    assert stored_days(hall) == [NEXT]  # the trigger dropped the corrected day
    after, store = stored_report(hall)
    assert store.reused == 1 and list(store.made) == []  # DAY replayed and stored again
    assert stored_days(hall) == [DAY, NEXT]
    assert after == live_report(hall) and after != before
    volume = {s.staff: s.volume for s in after.staff}
    assert volume["C03"] == 1


def test_an_event_after_the_snapshot_keeps_the_day_out(hall: Hall, clock: ManualClock) -> None:
    first = two_days(hall, clock)
    with hall.read() as tx:
        store = days.DayStore(tx, DAY, NEXT)
        period_report(tx, DAY, NEXT, None, store.samples)
    complaint = run(hall, complaints.record_complaint, "L01", first, "办理有误", day=DAY)
    run(hall, complaints.resolve, complaint.id, "L01", "upheld", "重办", correction="reopen")
    assert days.save(hall, store) == 1 and stored_days(hall) == [NEXT]


def test_an_event_with_a_lower_id_committed_after_the_snapshot_keeps_the_day_out(
    hall: Hall, clock: ManualClock
) -> None:
    """On PostgreSQL an id is taken before commit: an event can commit after the report's
    snapshot with an id below its newest. It is sealed after the snapshot (or not yet), and
    that keeps its day out. Here the snapshot is made to have seen the event's id, not its
    seal."""
    first = two_days(hall, clock)
    with hall.read() as tx:
        store = days.DayStore(tx, DAY, NEXT)
        period_report(tx, DAY, NEXT, None, store.samples)
    run(hall, complaints.record_complaint, "L01", first, "办理有误", day=DAY)
    with hall.read() as tx:
        store.through = int(tx.conn.execute(select(func.max(E.c.id))).scalar_one())
    assert days.save(hall, store) == 1 and stored_days(hall) == [NEXT]


def test_other_standard_minutes_are_another_version(hall: Hall, clock: ManualClock) -> None:
    import dataclasses

    two_days(hall, clock)
    stored_report(hall)
    config = hall.config
    changed = dataclasses.replace(config, businesses=tuple(
        dataclasses.replace(b, standard_minutes=b.standard_minutes + 1)
        for b in config.businesses))
    assert days.figures_version(changed) != days.figures_version(config)
    other_target = dataclasses.replace(config, sla_minutes=config.sla_minutes + 1)
    assert days.figures_version(other_target) != days.figures_version(config)


def test_the_days_close_keeps_every_closed_day_once(hall: Hall, clock: ManualClock) -> None:
    """`keep_closed_days` (run at the day's close) keeps the days not kept yet, never
    today; a report then replays nothing, and says what the live one says."""
    two_days(hall, clock)
    serve(hall, clock, 1, "A", 3)  # today (the 29th): open, never kept
    told: list[tuple[int, int]] = []
    assert days.keep_closed_days(hall, lambda done, total: told.append((done, total))) == 2
    assert told == [(1, 2), (2, 2)] and stored_days(hall) == [DAY, NEXT]
    assert days.keep_closed_days(hall) == 0  # nothing new to keep
    report, store = stored_report(hall)
    assert (store.reused, store.made) == (2, {}) and report == live_report(hall)

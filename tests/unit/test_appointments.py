"""Appointments (预约): bookings added and imported, checked in once inside their window,
missed ones counted; every change an event of the chained log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.config import load_config, parse_config
from db.errors import ConfigError, HallError, NotFound, Refused
from db.figures import days
from db.figures.reports import day_samples, period_report
from db.rules import appointments as ap
from db.rules import ops
from db.rules.ops import E, T
from db.store.session import Hall, ManualClock
from tests.conftest import OPENING
from tests.unit import test_multiprocess as mp

DAY = dt.date(2026, 11, 27)  # OPENING's business day; 09:00 local


def booking(code: str = "123456", slot: str = "09:00-09:30", *, business: str = "A",
            phone: str = "138 0013 8000", account: str = "0012345678",
            name: str = "赵敏") -> ap.Booking:
    return ap.Booking(code, name, phone, account, business, slot)


def add(hall: Hall, *bookings: ap.Booking) -> None:
    with hall.write() as tx:
        for b in bookings:
            ap.add_booking(tx, tx.day, b)


def check_in(hall: Hall, **how: str) -> ap.CheckIn:
    with hall.write() as tx:
        return ap.check_in(tx, **how)


def state(hall: Hall) -> tuple[Any, ...]:
    with hall.read() as tx:
        rows = tx.conn.execute(select(ap.A).order_by(ap.A.c.id)).all()
        tickets = tx.conn.execute(select(func.count()).select_from(T)).scalar_one()
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    return tuple(rows), tickets, events


def test_check_in_by_code_gives_an_appointment_number_once(hall: Hall) -> None:
    add(hall, booking())
    done = check_in(hall, code="123456")
    assert done.ticket.number == "A001" and done.ticket.priority == "appointment"
    assert done.ticket.account == "0012345678" and done.on_time
    assert (done.appointment.state, done.appointment.ticket) == ("checked_in", "A001")
    with hall.read() as tx:
        issue = tx.conn.execute(select(E).where(E.c.kind == "issue")).one()
        assert issue.ticket_id == done.ticket.id and issue.detail["appointment"] == "123456"
    before = state(hall)
    with pytest.raises(Refused, match="already checked in: number A001"):
        check_in(hall, code="123456")
    assert state(hall) == before


def test_an_appointment_is_served_before_walk_ups(hall: Hall) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.issue_ticket(tx, "A", priority="elderly")
    add(hall, booking())
    check_in(hall, code="123456")
    with hall.write() as tx:
        assert ops.call_next(tx, 1).number == "A003"


def test_phone_last_four_and_account_find_it(hall: Hall) -> None:
    add(hall, booking(), booking("654321", phone="13900001111", account="777"))
    with pytest.raises(NotFound, match="no appointment today"):
        check_in(hall, phone_last4="1111", account="0012345678")
    with pytest.raises(NotFound, match="last four digits and the account"):
        check_in(hall, phone_last4="11", account="777")
    assert check_in(hall, phone_last4="1111", account="777").appointment.code == "654321"
    assert check_in(hall, phone_last4="8000", account="0012345678").ticket.number == "A002"


def test_outside_the_window_says_when_and_changes_nothing(hall: Hall, clock: ManualClock
                                                          ) -> None:
    # default window: 30 minutes before the start to 10 after the end
    add(hall, booking("111111", "10:00-10:30"), booking("222222", "08:00-08:40"))
    before = state(hall)
    with pytest.raises(ap.OutsideWindow, match="opens at 09:30") as early:
        check_in(hall, code="111111")
    assert "09:30 起可签到" in (early.value.zh or "")
    with pytest.raises(ap.OutsideWindow, match="closed at 08:50") as late:
        check_in(hall, code="222222")
    assert "请取普通号" in (late.value.zh or "")
    assert state(hall) == before
    clock.advance(minutes=30)  # 09:30: the window opens
    assert check_in(hall, code="111111").ticket.number == "A001"


def test_late_check_in_is_not_on_time(hall: Hall, clock: ManualClock) -> None:
    add(hall, booking(slot="08:30-08:55"))
    assert check_in(hall, code="123456").on_time is False


def test_unknown_code_and_day_rules(hall: Hall) -> None:
    with pytest.raises(NotFound, match="no appointment with code 999999"):
        check_in(hall, code="999999")
    with pytest.raises(NotFound, match="not an appointment code"):
        check_in(hall, code="12a")
    with pytest.raises(Refused, match="has passed"), hall.write() as tx:
        ap.add_booking(tx, DAY - dt.timedelta(days=1), booking())
    add(hall, booking())
    with pytest.raises(Refused, match="already booked"):
        add(hall, booking(slot="10:00-10:30"))


@pytest.mark.parametrize(("given", "problem"), [
    (booking(code="12"), "4-12 digits"),
    (booking(name=" "), "name is empty"),
    (booking(name="名" * 41), "at most 40"),
    (booking(phone="abc"), "phone"),
    (booking(account="12 34"), "letters, digits"),
    (booking(business="Z"), "unknown business"),
    (booking(slot="9点"), "not a time slot"),
    (booking(slot="10:00-09:00"), "ends before"),
    (booking(slot="24:00-25:00"), "not a time slot"),
])
def test_a_bad_booking_is_refused(hall: Hall, given: ap.Booking, problem: str) -> None:
    before = state(hall)
    with pytest.raises(HallError, match=problem):
        add(hall, given)
    assert state(hall) == before


def test_business_by_name_and_slot_spellings(hall: Hall) -> None:
    add(hall, booking(business="缴费", slot="9:00~9:30"))
    with hall.read() as tx:
        [view] = ap.day_appointments(tx)
    assert view.business == "A"
    assert view.slot_start == dt.datetime(2026, 11, 27, 1, 0)  # 09:00 Asia/Shanghai, in UTC


def test_import_skips_bad_lines_and_updates_booked_codes(hall: Hall) -> None:
    rows = [(2, booking("100001")), (3, booking("100002", slot="bad")),
            (4, booking("100003", business="A")), (5, booking("100001", slot="10:00-10:30"))]
    with hall.write() as tx:
        result = ap.import_bookings(tx, tx.day, rows, source="import day.csv")
    assert (result.added, result.updated) == (2, 0)
    assert [(line, why[:20]) for line, why, _ in result.skipped] == [
        (3, "slot 'bad' is not a "), (5, "code 100001 repeats ")]
    check_in(hall, code="100001")
    again = [(2, booking("100001", slot="11:00-11:30")), (3, booking("100002")),
             (4, booking("100003", slot="12:00-12:30"))]
    with hall.write() as tx:
        result = ap.import_bookings(tx, tx.day, again, source="import day.csv")
    assert (result.added, result.updated) == (1, 1)
    assert [(line, why) for line, why, _ in result.skipped] == [
        (2, "code 100001 is already checked in: not changed")]
    with hall.read() as tx:
        views = {v.code: v for v in ap.day_appointments(tx)}
        kinds = list(tx.conn.execute(select(E.c.kind).where(E.c.kind.like("appointment%"))
                                     .order_by(E.c.id)).scalars())
    assert views["100003"].slot_start == dt.datetime(2026, 11, 27, 4, 0)
    assert views["100001"].slot_start == dt.datetime(2026, 11, 27, 1, 0)
    assert kinds == ["appointment_import", "appointment_import"]


def test_missed_appointments_are_counted_and_marked(hall: Hall, clock: ManualClock) -> None:
    add(hall, booking("100001", "09:00-09:30"), booking("100002", "09:00-09:30"),
        booking("100003", "11:00-11:30", business="B"))
    check_in(hall, code="100001")
    clock.advance(minutes=41)  # 09:41: the 09:00-09:30 window closed at 09:40
    with hall.read() as tx:
        counts = ap.counts(tx, DAY, DAY)
        assert {v.code: v.state for v in ap.day_appointments(tx)}["100002"] == "missed"
    assert vars(counts["A"]) == {"booked": 2, "checked_in": 1, "on_time": 1, "missed": 1}
    assert vars(counts["B"]) == {"booked": 1, "checked_in": 0, "on_time": 0, "missed": 0}
    with hall.write() as tx:
        assert ap.sweep_missed(tx) == 1
        assert ap.sweep_missed(tx) == 0
    with hall.read() as tx:
        assert vars(ap.counts(tx, DAY, DAY)["A"])["missed"] == 1
        [event] = tx.conn.execute(select(E).where(E.c.kind == "appointment_missed")).all()
    assert event.detail == {"codes": ["2026-11-27:100002"]}
    with pytest.raises(ap.OutsideWindow, match="closed"):
        check_in(hall, code="100002")


def test_the_priority_comes_from_the_config() -> None:
    base = Path(__file__).parents[2] / "db/config/default_hall.toml"
    toml = base.read_text(encoding="utf-8")
    other = parse_config(toml + '\n[appointments]\npriority = "elderly"\nearly_minutes = 5\n')
    assert other.appointment_priority.code == "elderly"
    assert other.appointments.early_minutes == 5
    with pytest.raises(ConfigError, match="appointments.priority: unknown priority class"):
        parse_config(toml + '\n[appointments]\npriority = "vip"\n')
    with pytest.raises(ConfigError, match="late_minutes"):
        parse_config(toml + "\n[appointments]\nlate_minutes = -1\n")
    bare = toml.replace('code = "appointment"', 'code = "booked_ahead"')
    assert parse_config(bare).appointment_priority.code == "normal"


# -- two kiosks racing ------------------------------------------------------------------


def race_check_in(url: str) -> str:
    """One kiosk's process: check the same code in at the same moment as the others."""
    mp.wait_for_start()
    hall = Hall.open(url, load_config(), ManualClock(OPENING))
    try:
        with hall.write() as tx:
            return ap.check_in(tx, code="123456").ticket.number
    except HallError as refused:
        return f"refused: {refused}"
    finally:
        hall.dispose()


@pytest.mark.slow
def test_racing_kiosks_check_in_once(hall: Hall, db_url: str) -> None:
    add(hall, booking())
    results, _ = mp.run_workers(race_check_in, [(db_url,)] * 3, meanwhile=lambda: None)
    first, *others = sorted(results)
    assert first == "A001", results
    assert all(r.startswith("refused: appointment 123456 was already checked in") for r in others)
    with hall.read() as tx:
        assert tx.conn.execute(select(func.count()).select_from(T)).scalar_one() == 1
        row = tx.conn.execute(select(ap.A)).one()
    assert row.state == "checked_in" and row.ticket_id is not None
    mp.verified(hall)


# -- the report -------------------------------------------------------------------------


def report_rows(hall: Hall, stored: bool = False) -> dict[str, tuple[int, int, int, int]]:
    with hall.read() as tx:
        store = days.DayStore(tx, DAY, DAY)
        report = period_report(tx, DAY, DAY, None, store.samples if stored else day_samples)
    if stored:
        days.save(hall, store)
    return {a.prefix: (a.booked, a.checked_in, a.on_time, a.missed) for a in report.appointments
            if a.booked or a.prefix == "*"}


def test_the_report_counts_appointments_per_business(hall: Hall, clock: ManualClock) -> None:
    add(hall, booking("100001", "08:30-08:55"), booking("100002", "09:00-09:30"),
        booking("100003", "09:00-09:30"), booking("100004", "10:00-10:30", business="B"))
    check_in(hall, code="100001")  # late: after 08:55, within the 10 minutes after it
    check_in(hall, code="100002")
    assert report_rows(hall) == {"A": (3, 2, 1, 0), "B": (1, 0, 0, 0), "*": (4, 2, 1, 0)}
    clock.now = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)  # the next day: all closed
    assert report_rows(hall, stored=True) == {"A": (3, 2, 1, 1), "B": (1, 0, 0, 1),
                                              "*": (4, 2, 1, 2)}
    with hall.write() as tx:  # marked missed: an event of today, the stored day untouched
        assert ap.sweep_missed(tx) == 2
    assert report_rows(hall, stored=True) == {"A": (3, 2, 1, 1), "B": (1, 0, 0, 1),
                                              "*": (4, 2, 1, 2)}

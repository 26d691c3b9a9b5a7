"""预约签到 at the kiosk, by touch only: the code (or the phone's last four digits and the
account) on the on-screen keypad gives a number marked 预约; outside the slot's window the
customer is told when, and takes a normal number with one touch."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Digits

from db.rules import appointments as ap
from db.store.session import Hall
from kiosk.screens.appointment import AppointmentCheckIn
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.home import HomeScreen
from tests.apps.conftest import (
    SMALL,
    FakePrinter,
    KioskFactory,
    click,
    details,
    text,
    tickets,
    until,
    wait_for_screen,
)

pytestmark = pytest.mark.usefixtures("no_touch_guard")


def book(hall: Hall, code: str = "123456", slot: str = "09:00-09:30",
         account: str = "0012345678") -> None:
    with hall.write() as tx:
        ap.add_booking(tx, tx.day, ap.Booking(code, "赵敏", "13800138000", account, "A", slot))


async def touch_digits(pilot: Pilot[Any], digits: str) -> None:
    for digit in digits:
        await click(pilot, f"#pad-{digit}")


async def open_check_in(pilot: Pilot[Any]) -> None:
    await click(pilot, "#appointment")
    await wait_for_screen(pilot, AppointmentCheckIn)


async def test_the_code_by_touch_gives_a_number_marked_appointment(
        kiosk: KioskFactory, hall: Hall, printer: FakePrinter) -> None:
    book(hall)
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        assert str(app.screen.query_one("#appointment", Button).label) == "预约签到"
        await open_check_in(pilot)
        assert text(app, "#ap-title") == "预约签到"
        await touch_digits(pilot, "1234567")
        await click(pilot, "#pad-backspace")
        assert str(app.screen.query_one("#ap-code", Button).label) == "预约码：123456"
        await click(pilot, "#ap-ok")
        await wait_for_screen(pilot, ConfirmScreen)
        assert app.screen.query_one(Digits).value == "A001"
        assert text(app, "#card-priority") == "优先类别：预约"
        await until(pilot, lambda: bool(printer.slips))
    assert (printer.slips[0].number, printer.slips[0].priority) == ("A001", "预约")
    [row] = tickets(hall)
    assert (row.number, row.priority) == ("A001", "appointment")
    assert details(hall, "issue")[-1]["appointment"] == "123456"


async def test_phone_last_four_and_account(kiosk: KioskFactory, hall: Hall) -> None:
    book(hall, account="778899")
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await open_check_in(pilot)
        await click(pilot, "#ap-ok")  # nothing typed: says what is needed
        assert text(app, "#ap-message") == "请输入预约码，或输入手机号后四位和户号"
        await click(pilot, "#ap-phone")
        await touch_digits(pilot, "8000")  # four digits: the account is next
        assert app.screen.query_one("#ap-account", Button).has_class("-active")
        await touch_digits(pilot, "778899")
        await click(pilot, "#ap-ok")
        await wait_for_screen(pilot, ConfirmScreen)
        assert app.screen.query_one(Digits).value == "A001"
    assert [r.priority for r in tickets(hall)] == ["appointment"]


async def test_too_early_says_when_and_offers_a_normal_number(
        kiosk: KioskFactory, hall: Hall) -> None:
    book(hall, slot="10:00-10:30")
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await open_check_in(pilot)
        await touch_digits(pilot, "123456")
        await click(pilot, "#ap-ok")
        await until(pilot, lambda: "09:30 起可签到" in text(app, "#ap-message"))
        assert tickets(hall) == []
        normal = app.screen.query_one("#ap-normal", Button)
        assert normal.display and str(normal.label) == "取普通号"
        await click(pilot, "#ap-normal")
        await wait_for_screen(pilot, ConfirmScreen)
        assert text(app, "#card-priority") == ""
        assert "缴费" in text(app, "#card-business")
    [row] = tickets(hall)
    assert (row.number, row.priority) == ("A001", "normal")


async def test_unknown_code_twice_and_cancel_in_english(kiosk: KioskFactory, hall: Hall
                                                        ) -> None:
    book(hall)
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        app.language = "en"
        await open_check_in(pilot)
        assert text(app, "#ap-title") == "Appointment check-in"
        await touch_digits(pilot, "999999")
        await click(pilot, "#ap-ok")
        await until(pilot, lambda: "no appointment with code 999999" in
                    text(app, "#ap-message"))
        assert not app.screen.query_one("#ap-normal", Button).display
        await click(pilot, "#pad-clear")
        await touch_digits(pilot, "123456")
        await click(pilot, "#ap-ok")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("x")
        await wait_for_screen(pilot, HomeScreen)
        await open_check_in(pilot)
        await touch_digits(pilot, "123456")
        await click(pilot, "#ap-ok")
        await until(pilot, lambda: "already checked in: number A001" in
                    text(app, "#ap-message"))
        await click(pilot, "#ap-cancel")
        await wait_for_screen(pilot, HomeScreen)
    assert len(tickets(hall)) == 1

"""Lockdown and the staff's part of the kiosk: the leader's unlock, guide mode."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Button, Digits, Select

from db.rules import ops
from db.rules.ops import S
from db.store.session import Hall, ManualClock
from db.store.views import StaffView
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.guide import GuideScreen
from kiosk.screens.guide_signin import GuideSignIn
from kiosk.screens.home import HomeScreen
from kiosk.screens.leader_unlock import LeaderUnlock
from kiosk.widgets.priority import PriorityChooser
from tests.apps.conftest import (
    SMALL,
    FakePrinter,
    KioskFactory,
    click,
    events_of,
    notifications,
    settle,
    sign_in,
    text,
    tickets,
    type_text,
    until,
)
from tests.conftest import LEADER_PIN, PIN

GUIDE = StaffView("G01", "陈静", "guide", 0)
"""The guide of the fixture hall, as a sign-in returns her."""


pytestmark = pytest.mark.usefixtures("no_touch_guard")


def reprints(hall: Hall) -> list[tuple[str, str]]:
    """Each logged reprint as (ticket number, staff id), oldest first."""
    numbers = {row.id: row.number for row in tickets(hall)}
    return [(numbers[e.ticket_id], e.staff_id) for e in events_of(hall, "reprint")]


async def sign_in_dialog(pilot: Pilot[Any], staff_id: str, pin: str) -> None:
    """Touch the id field of the open sign-in dialog, type an id and a PIN, and submit."""
    await click(pilot, "#staff-id")
    await sign_in(pilot, staff_id, pin)


# -- lockdown -----------------------------------------------------------------------------


async def test_customer_keys_cannot_leave_the_kiosk(kiosk: KioskFactory) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "escape")
        await pilot.pause()
        assert app.is_running and not app._exit
        assert isinstance(app.screen, HomeScreen)
        assert not app.query(CommandPalette)
        assert notifications(app) == []  # not even a hint how to quit


async def test_wrong_leader_pin_stays_and_throttles_the_kiosk(
    kiosk: KioskFactory, hall: Hall, clock: ManualClock
) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f12")
        assert isinstance(app.screen, LeaderUnlock)
        await sign_in_dialog(pilot, "l01", "1111")  # typed in lower case: the core is asked for L01
        assert isinstance(app.screen, LeaderUnlock)
        assert text(app, "#pin-error") == "L01 的 PIN 错误或工号不存在；请 1 秒后再试"
        await type_text(pilot, LEADER_PIN)  # at once: even the right PIN waits its turn
        await pilot.press("enter")
        waits = "本机（kiosk）PIN 输错过多，请 1 秒后再试"
        await until(pilot, lambda: text(app, "#pin-error") == waits)
        assert not app._exit
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert app.is_running and not app._exit
    assert [e.staff_id for e in events_of(hall, "pin_failed")] == ["L01"]
    with hall.read() as tx:  # the kiosk's wrong PIN is not counted toward the leader's lock
        assert tx.conn.execute(select(S.c.failed_pins).where(S.c.id == "L01")).scalar() == 0
    clock.advance(seconds=1)
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f12")
        await sign_in_dialog(pilot, "L01", LEADER_PIN)
        assert app._exit


async def test_a_clerk_cannot_unlock(kiosk: KioskFactory) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f12")
        await sign_in_dialog(pilot, "C01", PIN)
        assert text(app, "#pin-error") == "仅值班领导可以退出取号机"
        assert not app._exit


async def test_the_leader_pin_closes_the_kiosk(kiosk: KioskFactory) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f12")
        await sign_in_dialog(pilot, "l01", LEADER_PIN)
        assert app._exit


async def test_the_unlock_takes_a_card_readers_burst_with_tab(kiosk: KioskFactory) -> None:
    """"L01<Tab>PIN<Enter>" in one burst (a card reader, a fast typist): the PIN lands in the
    PIN field, as on the counter's sign-in (every PIN entry shares `ui.screens.pin`)."""
    from textual import events

    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f12")
        assert isinstance(app.screen, LeaderUnlock)
        for key, char in [*((c, c) for c in "l01"), ("tab", "\t"),
                          *((c, c) for c in LEADER_PIN), ("enter", "\r")]:
            app.post_message(events.Key(key, char))
        await until(pilot, lambda: bool(app._exit))


# -- guide mode -----------------------------------------------------------------------------


async def test_a_clerk_cannot_sign_in_as_guide(kiosk: KioskFactory) -> None:
    app = kiosk(guide=True)
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, GuideSignIn)
        await sign_in_dialog(pilot, "C02", PIN)
        assert isinstance(app.screen, GuideSignIn)
        assert text(app, "#pin-error") == "仅引导岗或值班领导可登录引导模式"


async def test_guide_issues_records_an_enquiry_and_signs_out(
    kiosk: KioskFactory, hall: Hall
) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f9")
        await sign_in_dialog(pilot, "G01", PIN)
        assert isinstance(app.screen, GuideScreen)
        assert text(app, "#mode") == "引导岗：陈静（G01）"
        await pilot.press("2")  # chooses, does not issue yet
        assert tickets(hall) == []
        await click(pilot, "#priority-pregnant")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.query_one(Digits).value == "B001"
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, GuideScreen)
        await click(pilot, "#business-D")
        await click(pilot, "#g-note")
        await type_text(pilot, "tariff")
        await click(pilot, "#g-enquiry")
        assert isinstance(app.screen, GuideScreen)
        await until(pilot, lambda: bool(notifications(app)))  # notify() posts a message
        assert "已登记咨询：故障报修与咨询" in notifications(app)
        await pilot.press("f10")
        assert isinstance(app.screen, HomeScreen)
    [row] = tickets(hall)
    assert (row.number, row.issued_by, row.priority) == ("B001", "G01", "pregnant")
    assert [e.staff_id for e in events_of(hall, "issue")] == ["G01"]
    [enquiry] = events_of(hall, "enquiry")
    assert (enquiry.staff_id, enquiry.detail) == ("G01", {"business": "D", "note": "tariff"})


async def test_guide_sends_to_a_counter_and_reprints(
    kiosk: KioskFactory, hall: Hall, printer: FakePrinter
) -> None:
    with hall.write() as tx:  # taken before this app started: found in the database
        ops.issue_ticket(tx, "C")
    app = kiosk(guide=True)
    async with app.run_test(size=SMALL) as pilot:
        await sign_in_dialog(pilot, "G01", PIN)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert text(app, "#card-heading") == "补打号票"
        assert app.screen.query_one(Digits).value == "C001"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("1", "f4")  # no counter chosen yet: a hint, no ticket
        await settle(pilot)
        assert isinstance(app.screen, GuideScreen)
        await click(pilot, "#g-counter")
        await pilot.press("down", "down", "down", "down", "enter")
        assert app.screen.query_one("#g-counter", Select).value == 3
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert text(app, "#card-counter") == "请到 3号窗口（缴费） 办理"
        await pilot.press("x")
        await pilot.pause()
        await click(pilot, "#g-reprint")  # now this app's own ticket is the last one
        assert app.screen.query_one(Digits).value == "A001"
    assert [s.number for s in printer.slips] == ["C001", "A001", "A001"]
    assert [s.counter for s in printer.slips] == [None, "3号窗口（缴费）", "3号窗口（缴费）"]
    rows = tickets(hall)
    assert [(r.number, r.issued_by, r.directed_to) for r in rows] == [
        ("C001", None, None), ("A001", "G01", 3)]
    assert reprints(hall) == [("C001", "G01"), ("A001", "G01")]


async def test_after_a_restart_a_guide_reprints_their_own_last_ticket(
    kiosk: KioskFactory, hall: Hall, clock: ManualClock, printer: FakePrinter
) -> None:
    with hall.write() as tx:  # before the restart: the guide's ticket, then a customer's
        ops.issue_ticket(tx, "B", issued_by="G01")
        clock.advance(minutes=1)
        ops.issue_ticket(tx, "C")
    app = kiosk(guide=True)
    async with app.run_test(size=SMALL) as pilot:
        await sign_in_dialog(pilot, "g01", PIN)  # a lower-case id signs in too
        assert isinstance(app.screen, GuideScreen)
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.query_one(Digits).value == "B001"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("f10", "f9")  # the duty leader has issued nothing: the kiosk's
        await sign_in_dialog(pilot, "L01", LEADER_PIN)
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.query_one(Digits).value == "C001"
    assert [s.number for s in printer.slips] == ["B001", "C001"]
    assert reprints(hall) == [("B001", "G01"), ("C001", "L01")]


async def test_a_guide_who_leaves_the_kiosk_is_signed_out(kiosk: KioskFactory, hall: Hall) -> None:
    # Every key and touch counts the idle time afresh: each step below has 8 s to come (at
    # load 17, closing the number, a click and F2 took over 3 s, and the reset came first).
    app = kiosk(idle_reset_seconds=8.0)
    async with app.run_test(size=SMALL) as pilot:
        await app.push_screen(GuideScreen(app.machine, GUIDE))  # as signed in (tested above)
        await pilot.press("2", "f3")  # a number for a customer: on show, the kiosk is not idle
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        # The idle time runs out with the number on show: the kiosk only counts it afresh.
        counting = app.idle_timer
        await until(pilot, lambda: app.idle_timer is not counting)
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.close()  # the customer has gone; the guide opens the keypad, switches to
        await pilot.pause()  # English, and walks away
        await click(pilot, "#g-account")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))  # signed out
        assert not any(isinstance(s, GuideScreen) for s in app.screen_stack)
        assert app.language == "zh"
        await pilot.press("1")  # a customer's number is a customer's, not the guide's
        await settle(pilot)
    assert [(r.number, r.issued_by) for r in tickets(hall)] == [("B001", "G01"), ("A001", None)]


async def test_only_a_guide_gives_an_appointment(kiosk: KioskFactory, hall: Hall) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        offered = [b.id for b in app.screen.query_one(PriorityChooser).query(Button)]
        assert offered == ["priority-normal", "priority-elderly", "priority-disabled",
                           "priority-pregnant"]  # the customer's home: no 预约
        await app.push_screen(GuideScreen(app.machine, GUIDE))
        await pilot.press("3")
        await click(pilot, "#priority-appointment")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
    [row] = tickets(hall)
    assert (row.number, row.priority, row.issued_by) == ("C001", "appointment", "G01")

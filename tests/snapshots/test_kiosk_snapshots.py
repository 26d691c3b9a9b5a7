"""What the kiosk looks like: SVG snapshots at fixed terminal sizes.

Run `pytest tests/snapshots --snapshot-update` after a deliberate change of the look, then
look at the new files in `__snapshots__/` (or at the report of a failed run) before
committing them. Every picture must come out the same on every run and machine: the hall's
clock is the tests' `ManualClock` (the header reads it), timings are long enough that no
screen leaves by itself, workers are waited for, and no input's cursor blinks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from db.config import HallConfig
from db.rules import appointments
from db.store.session import Hall
from db.store.views import StaffView
from kiosk.app import KioskApp, make_app
from kiosk.screens.account import AccountPad
from kiosk.screens.appointment import AppointmentCheckIn
from kiosk.screens.guide import GuideScreen
from tests.apps.conftest import FakePrinter, quick, settle
from tests.apps.conftest import steady as laid_out

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

Compare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare(app, terminal_size=…, run_before=…)`."""
Step = Callable[[Pilot[Any]], Awaitable[None]]

SMALL = (80, 24)
"""The smallest landscape terminal the kiosk must look right in."""
LARGE = (160, 45)
"""A big landscape touch screen: three columns of businesses."""
PORTRAIT = (60, 80)
"""A tall portrait kiosk: one column."""

GUIDE = StaffView("G01", "陈静", "guide", 0)
"""The guide of the guide-mode pictures (the PIN check itself is tested in tests/apps)."""


@pytest.fixture
def app(config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> KioskApp:
    """The kiosk on the test hall (clock fixed at 09:00), with a printer that works, in
    colour and in the default theme whatever the terminal running the tests says."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    kiosk = make_app(quick(config), hall, printer=FakePrinter())
    kiosk.theme = "textual-dark"
    return kiosk


def steady(pilot: Pilot[Any]) -> None:
    """No blinking cursor anywhere: a blink would make the picture depend on the moment."""
    for screen in pilot.app.screen_stack:
        for field in screen.query("Input, TextArea"):
            if isinstance(field, Input | TextArea):
                field.cursor_blink = False


def then_steady(*steps: Step) -> Step:
    """Run `steps` in order, let the workers finish and the layout settle (the size classes
    arrive after the first frame), and stop every cursor blinking."""

    async def run(pilot: Pilot[Any]) -> None:
        for step in steps:
            await step(pilot)
        await settle(pilot)
        await laid_out(pilot)
        steady(pilot)
        await pilot.pause()

    return run


def press(*keys: str) -> Step:
    """A step that presses keys."""

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)

    return run


def language(lang: str) -> Step:
    """A step that switches the kiosk's language."""

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, KioskApp)
        app.language = lang
        await pilot.pause()

    return run


async def guide_mode(pilot: Pilot[Any]) -> None:
    """The guide's desk, as after a sign-in."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    await app.push_screen(GuideScreen(app.machine, GUIDE))


async def account_pad(pilot: Pilot[Any]) -> None:
    """The account keypad with an account number half typed."""
    await pilot.app.push_screen(AccountPad())
    await pilot.press(*"3100725")


@pytest.mark.parametrize("size", [SMALL, LARGE, PORTRAIT], ids=["80x24", "160x45", "60x80"])
def test_home(snap_compare: Compare, app: KioskApp, size: tuple[int, int]) -> None:
    """The customer's home screen in Chinese: two, three or one column of businesses."""
    assert snap_compare(app, terminal_size=size, run_before=then_steady())


def test_home_in_english(snap_compare: Compare, app: KioskApp) -> None:
    """The home screen in English, business names in Chinese beneath."""
    assert snap_compare(app, terminal_size=SMALL, run_before=then_steady(language("en")))


def test_confirmation(snap_compare: Compare, app: KioskApp) -> None:
    """Key 2 took B001: the number in large digits, the wait, the slip printed."""
    assert snap_compare(app, terminal_size=SMALL, run_before=then_steady(press("2")))


def test_confirmation_in_english_large(snap_compare: Compare, app: KioskApp) -> None:
    """The same card in English on a large screen."""
    run_before = then_steady(language("en"), press("2"))
    assert snap_compare(app, terminal_size=LARGE, run_before=run_before)


def test_account_keypad(snap_compare: Compare, app: KioskApp) -> None:
    """The account keypad, digits typed on the keyboard."""
    assert snap_compare(app, terminal_size=SMALL, run_before=then_steady(account_pad))


async def too_early(pilot: Pilot[Any]) -> None:
    """预约签到 with the code of a 10:00 booking typed at 09:00: the refusal says when, and
    a normal number is offered."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    with app.machine.hall.write() as tx:
        appointments.add_booking(tx, tx.day, appointments.Booking(
            "100231", "赵敏", "13800138000", "0012345678", "A", "10:00-10:30"))
    await pilot.app.push_screen(AppointmentCheckIn(app.machine))
    await pilot.press(*"100231", "enter")


@pytest.mark.parametrize("size", [SMALL, PORTRAIT], ids=["80x24", "60x80"])
def test_appointment_check_in(snap_compare: Compare, app: KioskApp, size: tuple[int, int]
                              ) -> None:
    """预约签到: the three fields, the keypad, a refusal and the normal number offered."""
    assert snap_compare(app, terminal_size=size, run_before=then_steady(too_early))


def test_guide_sign_in(snap_compare: Compare, app: KioskApp) -> None:
    """F9: the staff id typed, the cursor steady in it."""
    run_before = then_steady(press("f9"), press(*"g01"))
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


@pytest.mark.parametrize("size", [SMALL, PORTRAIT], ids=["80x24", "60x80"])
def test_guide_mode(snap_compare: Compare, app: KioskApp, size: tuple[int, int]) -> None:
    """The guide's desk with a business chosen."""
    run_before = then_steady(guide_mode, press("4"))
    assert snap_compare(app, terminal_size=size, run_before=run_before)

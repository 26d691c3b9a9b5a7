"""Every dialog of every app puts its buttons in one order: cancel on the left, confirm on
the right (a clerk who moves from the counter to the leader console presses the same place
for the same thing).

The test walks every `HallModal` subclass of the apps: each one is opened in its own app
and the drawn places of its cancel button (id `…-cancel`) and its confirm button (`…-ok`,
`…-send`) are compared. A new dialog that is not listed here fails the test, so that it is
looked at once."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Button

from db.config import HallConfig
from db.rules import complaints, ops
from db.store.session import Hall
from tests.apps.conftest import FakePrinter, until
from ui.screens.base import HallModal

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

PACKAGES = ("kiosk", "counter", "display", "leader", "ui")
BASES = {"ui.screens.base.HallModal", "kiosk.screens.base.KioskModal",
         "counter.evaluator.screens.base.EvaluatorModal",
         "kiosk.screens.staff_pin.StaffPinScreen"}  # the guide's sign-in and the unlock
"""Base classes of the dialogs, never shown themselves."""
NO_PAIR = {
    "kiosk.screens.confirm.ConfirmScreen": "the slip: one way back (touch anywhere)",
    "counter.evaluator.screens.rating.RatingScreen": "four scores, no confirm",
    "counter.evaluator.screens.reason.ReasonScreen": "reasons and skip, no confirm",
    "counter.evaluator.screens.thanks.ThanksScreen": "thanks: nothing to press",
}
"""Dialogs without a cancel-and-confirm pair, and why."""

Opened = Callable[[App[Any], HallConfig, Hall], Screen[Any]]


def _resolve(app: App[Any], config: HallConfig, hall: Hall) -> Screen[Any]:
    from leader.screens.resolve import ResolveScreen

    with hall.write() as tx:
        number = ops.issue_ticket(tx, "A").number
        ops.call_next(tx, 1)
        ops.start(tx, 1)
        complaints.record_complaint(tx, "L01", number, "办理太慢")
    with hall.read() as tx:
        [complaint] = complaints.day_complaints(tx)
    return ResolveScreen(config, complaint, [])


def _kiosk(config: HallConfig, hall: Hall) -> App[Any]:
    from kiosk.app import make_app

    return make_app(config, hall, printer=FakePrinter())


def _counter(config: HallConfig, hall: Hall) -> App[Any]:
    from counter.app import make_app

    return make_app(config, hall, counter=1, check_seconds=0)


def _evaluator(config: HallConfig, hall: Hall) -> App[Any]:
    from counter.evaluator.app import make_app

    return make_app(config, hall, counter=1)


def _display(config: HallConfig, hall: Hall) -> App[Any]:
    from display.app import make_app

    return make_app(config, hall)


def _leader(config: HallConfig, hall: Hall) -> App[Any]:
    from leader.app import make_app

    return make_app(config, hall, check_seconds=0)


def _dialogs() -> dict[str, tuple[Callable[[HallConfig, Hall], App[Any]], Opened]]:
    from counter.screens.dialogs import AskScreen, PickScreen, PromptScreen
    from counter.screens.remedy import RemedyScreen
    from kiosk.screens.account import AccountPad
    from kiosk.screens.appointment import AppointmentCheckIn
    from kiosk.screens.feedback import FeedbackBox
    from kiosk.screens.guide_signin import GuideSignIn

    def unlock(app: App[Any], config: HallConfig, hall: Hall) -> Screen[Any]:
        screen: Screen[Any] = app.unlock_screen()  # type: ignore[attr-defined]
        return screen

    return {
        "kiosk.screens.account.AccountPad": (_kiosk, lambda app, c, h: AccountPad()),
        "kiosk.screens.appointment.AppointmentCheckIn": (
            _kiosk, lambda app, c, h: AppointmentCheckIn(app.machine)),  # type: ignore[attr-defined]
        "kiosk.screens.leader_unlock.LeaderUnlock": (_kiosk, unlock),
        "kiosk.screens.guide_signin.GuideSignIn": (
            _kiosk, lambda app, c, h: GuideSignIn(app.machine)),  # type: ignore[attr-defined]
        "kiosk.screens.feedback.FeedbackBox": (
            _kiosk, lambda app, c, h: FeedbackBox(app.machine)),  # type: ignore[attr-defined]
        "counter.screens.dialogs.PromptScreen": (_counter, lambda app, c, h: PromptScreen("备注")),
        "counter.screens.dialogs.AskScreen": (_counter, lambda app, c, h: AskScreen("暂停？")),
        "counter.screens.dialogs.PickScreen": (
            _counter, lambda app, c, h: PickScreen("转办到哪项业务", [("B 业扩", "B")],
                                                   field="备注")),
        "counter.screens.remedy.RemedyScreen": (
            _counter, lambda app, c, h: RemedyScreen("授权补救", [("赔偿", "comp")])),
        "counter.evaluator.screens.unlock.LeaderUnlock": (_evaluator, unlock),
        "display.screens.unlock.LeaderUnlock": (_display, unlock),
        "leader.screens.resolve.ResolveScreen": (_leader, _resolve),
    }


def every_dialog() -> list[str]:
    """`module.Class` of every HallModal subclass in the apps' packages."""
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".__main__" not in info.name:
                importlib.import_module(info.name)
    found: set[str] = set()
    todo: list[type[Any]] = [HallModal]
    while todo:
        cls = todo.pop()
        found.add(f"{cls.__module__}.{cls.__qualname__}")
        todo += cls.__subclasses__()
    return sorted(found - BASES)


def test_every_dialog_is_checked() -> None:
    listed = set(_dialogs()) | set(NO_PAIR)
    assert set(every_dialog()) == listed, "a dialog came or went: list it in this test"


@pytest.mark.parametrize("dialog", sorted(_dialogs()))
async def test_cancel_left_confirm_right(dialog: str, config: HallConfig, hall: Hall) -> None:
    build, open_ = _dialogs()[dialog]
    app = build(config, hall)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = open_(app, config, hall)
        await app.push_screen(screen)
        # (The displays watch for ever: no waiting for all workers, only for the drawing.)
        await until(pilot, lambda: any(b.region.width for b in screen.query(Button)))
        await pilot.pause()
        assert f"{type(app.screen).__module__}.{type(app.screen).__qualname__}" == dialog
        buttons = list(app.screen.query(Button))
        [cancel] = [b for b in buttons if (b.id or "").endswith("-cancel")]
        [confirm] = [b for b in buttons if (b.id or "").endswith(("-ok", "-send"))]
        left, right = cancel.region, confirm.region
        assert left.width and right.width, "both drawn"
        assert left.y == right.y, "on one row"
        assert left.right <= right.x, f"{dialog}: cancel {left} must be left of confirm {right}"

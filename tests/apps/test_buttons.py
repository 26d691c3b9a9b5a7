"""The buttons no other test touches, each doing what it did before the screens took
Textual's idiom (`Button(action=…)`, `@on(Button.Pressed, "#id")`): every dialog's cancel
dismisses nothing, the pick list's OK what is highlighted, an evaluator reason its code,
the leader's counter buttons their state, the sign-in button the sign-in."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen

from counter.evaluator.machine import EvaluatorMachine
from counter.evaluator.screens.reason import ReasonScreen
from counter.evaluator.screens.unlock import LeaderUnlock
from counter.screens.desk import DeskScreen
from counter.screens.dialogs import Picked, PickScreen, PromptScreen
from counter.screens.remedy import RemedyScreen
from db.config import HallConfig
from db.rules import complaints, ops
from db.rules.evaluation import REASONS
from db.store.session import Hall
from leader.app import make_app as make_leader_app
from leader.screens.console import ConsoleScreen
from leader.screens.resolve import ResolveScreen
from tests.apps.conftest import (
    DESK_SIZE,
    CounterFactory,
    click,
    keys,
    settle,
    type_text,
    until,
    wait_for_screen,
)
from tests.apps.test_leader import LEADER
from tests.conftest import PIN

NOTHING = object()
"""What a dialog dismissed before it dismissed anything."""


class Host(App[None]):
    """An app that opens one dialog and keeps what it dismisses."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: object = NOTHING

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.dismissed)

    def dismissed(self, result: object) -> None:
        self.result = result


async def dismissed_by(dialog: Screen[Any], button: str) -> object:
    """What `dialog` dismisses when `button` is touched."""
    app = Host(dialog)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.screen is dialog)
        await click(pilot, button)
        await until(pilot, lambda: app.result is not NOTHING)
        assert app.screen is not dialog
    return app.result


async def test_every_dialogs_cancel_dismisses_nothing(hall: Hall, config: HallConfig) -> None:
    options = [("A 缴费", "A"), ("B 业扩", "B")]
    assert await dismissed_by(PromptScreen("号码"), "#prompt-cancel") is None
    assert await dismissed_by(PickScreen("业务", options), "#pick-cancel") is None
    assert await dismissed_by(RemedyScreen("补救", [("电费减免", "fee")]),
                              "#remedy-cancel") is None
    unlock = LeaderUnlock(EvaluatorMachine(hall, config, 1))
    assert await dismissed_by(unlock, "#unlock-cancel") is None


async def test_the_pick_lists_ok_dismisses_the_highlighted_option() -> None:
    picked = await dismissed_by(PickScreen("业务", [("A 缴费", "A"), ("B 业扩", "B")]),
                                "#pick-ok")
    assert picked == Picked("A", "")


async def test_a_reason_button_dismisses_its_code() -> None:
    reason = REASONS[1]
    assert await dismissed_by(ReasonScreen(), f"#reason-{reason.code}") == reason.code


async def test_the_sign_in_button_signs_in(counter_app: CounterFactory) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "c01")
        await pilot.press("enter")  # on to the PIN
        await type_text(pilot, PIN)
        await click(pilot, "#signin-ok")
        await wait_for_screen(pilot, DeskScreen, timeout=15)


def counter_state(hall: Hall, number: int) -> str:
    with hall.read() as tx:
        return str(ops.counter_row(tx, number).state)


async def test_the_leaders_counter_buttons_and_the_resolve_dialogs_cancel(
    config: HallConfig, hall: Hall
) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.call_next(tx, 1)
        number = ops.start(tx, 1).number
        ops.complete(tx, 1)
        complaints.record_complaint(tx, "L01", number, "太慢")
    app = make_leader_app(config, hall, check_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.switch_screen(app.console_for(LEADER))
        await settle(pilot)
        assert isinstance(app.screen, ConsoleScreen)
        await keys(pilot, "f4")
        await click(pilot, "#close-counter")  # the first row: counter 1
        assert counter_state(hall, 1) == "closed"
        await click(pilot, "#open-counter")
        assert counter_state(hall, 1) == "open"
        await keys(pilot, "f2")
        await click(pilot, "#resolve")
        assert isinstance(app.screen, ResolveScreen)
        await click(pilot, "#resolve-cancel")
        assert isinstance(app.screen, ConsoleScreen)
    with hall.read() as tx:
        assert len(complaints.open_complaints(tx)) == 1

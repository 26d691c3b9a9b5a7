"""A staff card scanner, or a fast typist, sends the id, Enter, the PIN and Enter in one burst:
every key must land in the field it was meant for (Enter moves the focus before the next key
is delivered), on every staff sign-in form."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from counter.screens.desk import DeskScreen
from db.config import HallConfig
from db.store.session import Hall
from leader.app import make_app as make_leader_app
from leader.screens.console import ConsoleScreen
from tests.apps.conftest import DESK_SIZE, CounterFactory, settle, text, until
from tests.conftest import LEADER_PIN, PIN


async def burst(pilot: Pilot[Any], typed: str) -> None:
    """Deliver every key at once, as the terminal does with a scanner's input ("\\r" is
    Enter), without waiting for the app between them."""
    app = pilot.app
    for char in typed:
        key = "enter" if char == "\r" else char
        app.post_message(events.Key(key, "\r" if char == "\r" else char))
    await settle(pilot)


async def test_a_counter_sign_in_in_one_burst(counter_app: CounterFactory) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, f"C01\r{PIN}\r")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))


async def test_a_wrong_pin_in_one_burst_is_refused_and_cleared(
    counter_app: CounterFactory,
) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "C01\r9999\r")
        await until(pilot, lambda: "PIN" in text(app, "#pin-error"))
        assert app.screen.query_one("#staff-id", Input).value == "C01"
        assert app.screen.query_one("#pin", Input).value == ""


async def test_a_leader_sign_in_in_one_burst(config: HallConfig, hall: Hall) -> None:
    app = make_leader_app(config, hall, check_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, f"L01\r{LEADER_PIN}\r")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen))


@pytest.mark.parametrize("typed", ["\r", f"\r{PIN}\r"])
async def test_enter_on_an_empty_id_stays_put(counter_app: CounterFactory, typed: str) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, typed)
        assert not isinstance(app.screen, DeskScreen)


async def test_a_card_reader_burst_with_tab(counter_app: CounterFactory) -> None:
    """"C01<Tab>1234<Enter>", as card readers send it: the PIN lands in the PIN field."""
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await settle(pilot)
        app.post_message(events.Key("c", "c"))  # the id, then Tab, all in one burst
        for char in "01":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("tab", "\t"))
        for char in f"{PIN}\r":
            key = "enter" if char == "\r" else char
            app.post_message(events.Key(key, char))
        await settle(pilot)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))


async def test_an_empty_pin_says_so(counter_app: CounterFactory) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "C01\r\r")
        assert text(app, "#pin-error") == "请输入密码"
        assert app.screen.query_one("#pin", Input).has_focus
        await burst(pilot, f"{PIN}\r")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))

"""A kiosk runs all day: the screens it has left must not pile up in memory."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from textual.pilot import Pilot

from db.store.session import Hall
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.home import HomeScreen
from tests.apps.conftest import SMALL, KioskFactory, settle, tickets, until, wait_for_screen

SECONDS = 0.3
"""The confirmation's countdown and the idle reset, short for the test."""


pytestmark = pytest.mark.usefixtures("no_touch_guard")


def alive(kind: type) -> int:
    """How many objects of `kind` are still in memory after a full collection."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


async def one_customer(pilot: Pilot[Any], hall: Hall) -> None:
    """Press 1, and see the number taken and the kiosk back home."""
    issued = len(tickets(hall)) + 1
    await pilot.press("1")
    await until(pilot, lambda: len(tickets(hall)) == issued)
    await settle(pilot)
    # Any key goes home at once; "x" does nothing at home, should the countdown have been
    # first (a space would press the business button in focus).
    await pilot.press("x")
    await wait_for_screen(pilot, HomeScreen)


async def test_confirmation_screens_do_not_pile_up(kiosk: KioskFactory, hall: Hall) -> None:
    # asyncio keeps a cancelled timer, and the context it was started in (which names the
    # screen whose handler started it), until the timer's own deadline; the last print
    # worker keeps its screen until the next. So a few recent screens may still be held
    # (until those short deadlines have passed), but never more as the day goes on.
    app = kiosk(confirm_seconds=SECONDS, idle_reset_seconds=SECONDS)
    async with app.run_test(size=SMALL) as pilot:
        for _ in range(2):  # a leak shows from the first round on: 3, then 6 screens
            for _ in range(3):
                await one_customer(pilot, hall)
            await settle(pilot)
            await until(pilot, lambda: alive(ConfirmScreen) <= 1)
        assert len(tickets(hall)) == 6


async def test_the_kiosk_collects_garbage_between_customers(
    kiosk: KioskFactory, hall: Hall
) -> None:
    """A full collection of the running kiosk took ~100 ms and fell inside one press in ten
    (benchmarks/README.md): the kiosk's own process freezes what lives all day at start-up
    and collects each time it is back home, before the next customer presses."""
    app = kiosk(confirm_seconds=60, idle_reset_seconds=60)  # home only by the key below
    app.tidy_memory = True  # as `hall kiosk` runs it (make_app(..., tidy_memory=True))
    on_top: list[str] = []

    def full_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            on_top.append(type(app.screen).__name__)

    gc.callbacks.append(full_collection)
    try:
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            assert gc.get_freeze_count() > 0  # the start-up objects are out of collections
            on_top.clear()
            await pilot.press("1")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("space")
            await wait_for_screen(pilot, HomeScreen)
            await settle(pilot)
            assert "HomeScreen" in on_top  # collected once the customer had gone
            assert len(tickets(hall)) == 1
    finally:
        gc.callbacks.remove(full_collection)
        gc.unfreeze()


async def test_a_kiosk_under_test_leaves_the_collector_alone(kiosk: KioskFactory) -> None:
    app = kiosk(confirm_seconds=SECONDS)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert not app.tidy_memory and gc.get_freeze_count() == 0

"""What the evaluator and the support desk look like: SVG snapshots at fixed sizes.

Run `pytest tests/snapshots --snapshot-update` after a deliberate change of the look, then
look at the new files in `__snapshots__/` before committing them. The hall's clock is the
tests' `ManualClock`, the evaluator's countdown reads a frozen clock, workers are waited
for and no input's cursor blinks, so every picture comes out the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from counter.evaluator.app import EvaluatorApp
from counter.evaluator.app import make_app as make_evaluator
from counter.evaluator.screens import rating
from counter.evaluator.screens.rating import RatingScreen
from counter.evaluator.screens.reason import ReasonScreen
from counter.support.app import SupportApp
from counter.support.app import make_app as make_support
from counter.support.screens.desk import DeskScreen
from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall
from db.store.views import StaffView
from tests.apps.conftest import steady, until, workers_done
from tests.apps.test_evaluator import served

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

Compare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare(app, terminal_size=…, run_before=…)`."""

SMALL = (80, 24)
"""The smallest terminal the screens must look right in."""
LARGE = (120, 40)
"""A bigger screen: a customer-facing tablet, a desk monitor."""
PORTRAIT = (44, 40)
"""A small tablet on its side: the answers two by two."""


class FrozenClock:
    """`time` for the countdown: always the same moment, so "60 s left" stays 60."""

    @staticmethod
    def monotonic() -> float:
        return 1000.0


@pytest.fixture
def evaluator(config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> EvaluatorApp:
    """Counter 1's evaluator in colour and the default theme, with a frozen countdown."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(rating, "time", FrozenClock)
    timings = replace(config.evaluator, timeout_seconds=60)
    app = make_evaluator(replace(config, evaluator=timings), hall, counter=1)
    app.theme = "textual-dark"
    return app


async def idle(pilot: Pilot[Any]) -> None:
    """The first read shown."""
    app = pilot.app
    assert isinstance(app, EvaluatorApp)
    await until(pilot, lambda: app.idle.view is not None)
    await pilot.pause()


async def asked(pilot: Pilot[Any]) -> None:
    """The question on screen."""
    await until(pilot, lambda: isinstance(pilot.app.screen, RatingScreen))
    await steady(pilot, "#language")  # composed and laid out to the last widget


async def why(pilot: Pilot[Any]) -> None:
    """The customer pressed 不满意: the reasons."""
    await asked(pilot)
    await pilot.press("1")  # 不满意: the key is the stored score
    await until(pilot, lambda: isinstance(pilot.app.screen, ReasonScreen))
    await steady(pilot, "#language")  # composed and laid out to the last widget


def test_evaluator_idle(snap_compare: Compare, evaluator: EvaluatorApp) -> None:
    """At rest: the counter, the clerk's name and staff number."""
    assert snap_compare(evaluator, terminal_size=SMALL, run_before=idle)


@pytest.mark.parametrize("size", [SMALL, LARGE, PORTRAIT], ids=["80x24", "120x40", "44x40"])
def test_evaluator_question(snap_compare: Compare, evaluator: EvaluatorApp, hall: Hall,
                            size: tuple[int, int]) -> None:
    """A service just completed: the four answers."""
    served(hall)
    assert snap_compare(evaluator, terminal_size=size, run_before=asked)


def test_evaluator_reasons_in_english(snap_compare: Compare, evaluator: EvaluatorApp,
                                      hall: Hall) -> None:
    """不满意 pressed, then English: the reasons fit 80×24."""
    served(hall)

    async def english(pilot: Pilot[Any]) -> None:
        await why(pilot)
        await pilot.press("l")
        await steady(pilot)  # laid out again in English

    assert snap_compare(evaluator, terminal_size=SMALL, run_before=english)


@pytest.fixture
def support(config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> SupportApp:
    """The support desk in colour, with two referrals: one in the pool, one for S01."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    for to, note in ((None, "现场勘查：核对电表"), ("S01", "调取档案")):
        with hall.write() as tx:
            ops.issue_ticket(tx, "A", account="3100725")
            ops.call_next(tx, 1)
            ops.start(tx, 1)
            ops.refer(tx, 1, to, note=note)
    app = make_support(config, hall, watch=False)
    app.theme = "textual-dark"
    return app


async def at_desk(pilot: Pilot[Any]) -> None:
    """S01's desk, as after a sign-in."""
    app = pilot.app
    assert isinstance(app, SupportApp)
    await app.switch_screen(DeskScreen(app.machine, StaffView("S01", "刘强", "support", 0)))
    for _ in range(3):
        await workers_done(pilot)
        await pilot.pause()


def test_support_sign_in(snap_compare: Compare, support: SupportApp) -> None:
    """The sign-in with the staff id typed."""

    async def typed(pilot: Pilot[Any]) -> None:
        await pilot.press(*"S01")
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(support, terminal_size=SMALL, run_before=typed)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_support_desk(snap_compare: Compare, support: SupportApp,
                      size: tuple[int, int]) -> None:
    """The referrals, the pool one chosen: its handler, request and history."""
    assert snap_compare(support, terminal_size=size, run_before=at_desk)

"""What the duty leader's console looks like: the board at a desk monitor's 120×40 and a
large screen's 160×45, the charts page at the smallest terminal, 80×24.

Run `pytest tests/snapshots --snapshot-update` after a deliberate change of the look, then
look at the new files in `__snapshots__/` before committing them. The hall's clock is the
tests' `ManualClock`, watching is off and workers are waited for, so the picture comes out
the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from db.config import HallConfig
from db.rules import counters, ops, reception
from db.store.session import Hall, ManualClock
from db.store.views import StaffView
from leader.app import LeaderApp, make_app
from tests.apps.conftest import workers_done

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

Compare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare(app, terminal_size=…, run_before=…)`."""

SMALL = (80, 24)
LARGE = (120, 40)
HUGE = (160, 45)
LEADER = StaffView("L01", "杨洋", "leader", 200)


@pytest.fixture
def app(config: HallConfig, hall: Hall, clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch) -> LeaderApp:
    """The console on a hall with a morning behind it: served, waiting (some past the SLA
    target), a counter paused long, a printer fault."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    with hall.write() as tx:
        for business in "AAB":
            ops.issue_ticket(tx, business)
        ops.call_next(tx, 1)
        ops.start(tx, 1)
    clock.advance(minutes=6)
    with hall.write() as tx:
        ops.complete(tx, 1)
        ops.call_next(tx, 1)
        ops.issue_ticket(tx, "C")
        counters.set_state(tx, 4, "paused")
        reception.record_printer_fault(tx, "paper out")
    clock.advance(minutes=14)
    with hall.write() as tx:
        ops.issue_ticket(tx, "D")
    console = make_app(config, hall, check_seconds=0)
    console.theme = "textual-dark"
    return console


async def settle(pilot: Pilot[Any]) -> None:
    """Workers done, their messages shown, no cursor blinking."""
    for _ in range(3):
        await workers_done(pilot)
        await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def on_the_board(pilot: Pilot[Any]) -> None:
    """The signed-in leader's board."""
    app = pilot.app
    assert isinstance(app, LeaderApp)
    await app.switch_screen(app.console_for(LEADER))
    await settle(pilot)


async def on_the_charts(pilot: Pilot[Any]) -> None:
    """The signed-in leader's charts page (F7)."""
    await on_the_board(pilot)
    await pilot.press("f7")
    await settle(pilot)


def test_the_board(app: LeaderApp, snap_compare: Compare) -> None:
    assert snap_compare(app, terminal_size=LARGE, run_before=on_the_board)


def test_the_board_on_a_large_screen(app: LeaderApp, snap_compare: Compare) -> None:
    assert snap_compare(app, terminal_size=HUGE, run_before=on_the_board)


def test_the_charts_at_80x24(app: LeaderApp, snap_compare: Compare) -> None:
    assert snap_compare(app, terminal_size=SMALL, run_before=on_the_charts)

"""What the counter client looks like: SVG snapshots at fixed terminal sizes.

Run `pytest tests/snapshots --snapshot-update` after a deliberate change of the look, then
look at the new files in `__snapshots__/` before committing them. The hall's clock is the
tests' `ManualClock`, watching for other processes is off, workers are waited for, and no input's
cursor blinks, so every picture comes out the same on every run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from counter.app import CounterApp, make_app
from counter.screens.desk import DeskScreen
from db.config import HallConfig
from db.rules import ops, remedies
from db.store.session import Hall, ManualClock
from db.store.views import StaffView
from tests.apps.conftest import workers_done

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

Compare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare(app, terminal_size=…, run_before=…)`."""
Step = Callable[[Pilot[Any]], Awaitable[None]]

SMALL = (80, 24)
"""The smallest terminal a counter's screen must look right in."""
LARGE = (120, 40)
"""A usual desk monitor's terminal."""

CLERK = StaffView("C01", "张伟", "clerk", 200)
"""The clerk at counter 1 (the PIN check itself is tested in tests/apps)."""


@pytest.fixture
def app(config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> CounterApp:
    """Counter 1's client on the test hall, in colour and the default theme."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    client = make_app(config, hall, counter=1, check_seconds=0)
    client.theme = "textual-dark"
    return client


async def settle(pilot: Pilot[Any]) -> None:
    """Workers done, their messages shown, no cursor blinking."""
    for _ in range(3):
        await workers_done(pilot)
        await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def typed_id(pilot: Pilot[Any]) -> None:
    """The sign-in with the staff id typed."""
    await pilot.press(*"C01")
    await settle(pilot)


async def at_desk(pilot: Pilot[Any]) -> None:
    """C01's desk, as after a sign-in."""
    app = pilot.app
    assert isinstance(app, CounterApp)
    await app.switch_screen(DeskScreen(app.machine, CLERK))
    await settle(pilot)


def serving(hall: Hall, clock: ManualClock) -> None:
    """A customer with an earlier visit, called after 12 minutes and served for 4; two more
    waiting for the counter."""
    with hall.write() as tx:
        ops.issue_ticket(tx, "E", account="3100725")
    clock.advance(minutes=3)
    with hall.write() as tx:
        ops.issue_ticket(tx, "A", priority="elderly", account="3100725")
        ops.issue_ticket(tx, "A")
    clock.advance(minutes=12)
    with hall.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
    clock.advance(minutes=4)


def test_sign_in(snap_compare: Compare, app: CounterApp) -> None:
    """The sign-in: the hall, the counter, the staff id typed."""
    assert snap_compare(app, terminal_size=SMALL, run_before=typed_id)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_desk_with_a_ticket(
    snap_compare: Compare, app: CounterApp, hall: Hall, clock: ManualClock,
    size: tuple[int, int],
) -> None:
    """The desk serving an elderly customer with an earlier visit; the queue beside."""
    serving(hall, clock)
    assert snap_compare(app, terminal_size=size, run_before=at_desk)


def test_desk_in_english(
    snap_compare: Compare, app: CounterApp, hall: Hall, clock: ManualClock
) -> None:
    """The same desk in English at 80×24: every step's label fits its button."""
    serving(hall, clock)

    async def english(pilot: Pilot[Any]) -> None:
        await at_desk(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=english)


def test_desk_in_english_wide(
    snap_compare: Compare, app: CounterApp, hall: Hall, clock: ManualClock
) -> None:
    """The same desk in English at 120×40: the steps' labels in full ("Next service F8",
    "Call number F2"), the short ones stay for 80 columns (above)."""
    serving(hall, clock)

    async def english(pilot: Pilot[Any]) -> None:
        await at_desk(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=LARGE, run_before=english)


def test_desk_with_a_pending_remedy(
    snap_compare: Compare, app: CounterApp, hall: Hall, clock: ManualClock
) -> None:
    """A remedy granted and one above the limit, pending the duty leader, on the card; a
    completed and rated service in today's figures."""
    serving(hall, clock)
    with hall.write() as tx:
        ops.complete(tx, 1)
        ops.rate(tx, "A001", 4)
        ops.call_next(tx, 1)
        ops.start(tx, 1)
        remedies.grant_at_counter(tx, 1, "late_fee_waiver", 3550, "系统扣费错误")
        remedies.grant_at_counter(tx, 1, "compensation", 80000, "停电造成损失")
    assert snap_compare(app, terminal_size=SMALL, run_before=at_desk)


def test_remedy_dialog(
    snap_compare: Compare, app: CounterApp, hall: Hall, clock: ManualClock
) -> None:
    """The remedy dialog over the desk: the kinds, an amount and a reason typed."""
    serving(hall, clock)

    async def asking(pilot: Pilot[Any]) -> None:
        await at_desk(pilot)
        await pilot.press("g", "down", "enter", *"120", "enter", *"ok")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=asking)

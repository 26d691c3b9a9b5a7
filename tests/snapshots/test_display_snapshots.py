"""What the displays look like: SVG snapshots at fixed terminal sizes.

Run `pytest tests/snapshots --snapshot-update` after a deliberate change of the look, then
look at the new files in `__snapshots__/` before committing them. The hall's clock is the
tests' `ManualClock` (the header's clock reads it), so every picture is the same on every
run; each waits until the display has read the hall.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from db.config import HallConfig
from db.rules import notices, ops
from db.store.session import Hall
from db.store.watch import ChangeWatcher
from display.app import DisplayApp, make_app
from display.screens.base import DisplayScreen
from display.voice import Announcer, make_announcer
from display.widgets.banner import CallBanner
from display.widgets.calls import RecentCalls
from tests import fake_espeak
from tests.apps.conftest import FlakyWatcher, until
from tests.apps.test_display_calls import BURST, HeldFolder, call_many, quick

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

Compare = Callable[..., bool]
"""pytest-textual-snapshot's `snap_compare(app, terminal_size=…, run_before=…)`."""
Step = Callable[[Pilot[Any]], Awaitable[None]]

SMALL = (80, 24)
"""The smallest landscape terminal the display must look right in."""
LARGE = (160, 45)
"""A big landscape screen on the wall."""
PORTRAIT = (60, 80)
"""A screen on its side."""
HUGE = (240, 67)
"""The largest screen the display must fit."""
NARROW = (45, 80)
"""A narrow screen on its side."""


@pytest.fixture
def busy_hall(hall: Hall) -> Hall:
    """Numbers waiting in several queues; A001 called at counter 1 and B001 at counter 4,
    then A001 called again."""
    with hall.write() as tx:
        for business in "AAABBCDE":
            ops.issue_ticket(tx, business)
        ops.call_next(tx, 1)
        ops.call_next(tx, 4)
        ops.recall(tx, 1)
    return hall


def colour(app: DisplayApp, monkeypatch: pytest.MonkeyPatch) -> DisplayApp:
    """In colour and in the default theme whatever the terminal running the tests says."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    app.theme = "textual-dark"
    return app


async def loaded(pilot: Pilot[Any]) -> None:
    """Wait until the display has shown the hall."""
    screen, app = pilot.app.screen, pilot.app
    assert isinstance(screen, DisplayScreen) and isinstance(app, DisplayApp)
    await until(pilot, lambda: screen.snapshot is not None and app.settled)
    await pilot.pause()


def new_call(hall: Hall, counter: int) -> Step:
    """A step: another process finishes `counter`'s customer and calls the next number;
    wait for the banner."""

    async def run(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        with hall.write() as tx:
            ops.start(tx, counter)
            ops.complete(tx, counter)
            number = ops.call_next(tx, counter).number
        banner, app = pilot.app.screen.query_one(CallBanner), pilot.app
        assert isinstance(app, DisplayApp)
        await until(pilot, lambda: banner.call is not None and banner.call.number == number
                    and app.settled)  # the queues too, read after the call
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", [SMALL, LARGE, HUGE, PORTRAIT],
                         ids=["80x24", "160x45", "240x67", "60x80"])
def test_wall(snap_compare: Compare, config: HallConfig, busy_hall: Hall,
              monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    """The wall display: the latest call (a recall) large, earlier calls, the queues."""
    app = colour(make_app(config, busy_hall), monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=loaded)


def test_wall_new_call_highlighted(snap_compare: Compare, config: HallConfig, busy_hall: Hall,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A call made while the display runs: highlighted."""
    app = colour(make_app(config, busy_hall), monkeypatch)
    assert snap_compare(app, terminal_size=SMALL, run_before=new_call(busy_hall, 1))


def test_wall_before_the_first_call(snap_compare: Compare, config: HallConfig, hall: Hall,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody called yet today: the welcome line."""
    app = colour(make_app(config, hall), monkeypatch)
    assert snap_compare(app, terminal_size=SMALL, run_before=loaded)


@pytest.mark.parametrize("size", [SMALL, LARGE, PORTRAIT], ids=["80x24", "160x45", "60x80"])
def test_counter(snap_compare: Compare, config: HallConfig, busy_hall: Hall,
                 monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    """Counter 4's display: B001 called, the handler's name and staff number."""
    app = colour(make_app(config, busy_hall, counter=4), monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", [HUGE, NARROW], ids=["240x67", "45x80"])
def test_wall_with_notice_and_voice_off(snap_compare: Compare, config: HallConfig,
                                        busy_hall: Hall, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path, size: tuple[int, int]) -> None:
    """The leader's notice at the foot (still at its start: it scrolls only after a pause),
    and a display without espeak-ng saying that the voice is off."""
    with busy_hall.write() as tx:
        notices.set_notice(tx, "L01", "今日14:00-16:00缴费系统升级，缴费请到1号、2号窗口。"
                                      "System upgrade 14:00-16:00: payments at counters 1-2.")
    # Held at its start whatever the time to the picture (it holds 4 clock ticks, which a
    # loaded machine can outlast between mount and picture).
    monkeypatch.setattr("display.widgets.notice.HOLD_BEATS", 1_000_000)
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    monkeypatch.setattr("display.voice.library.loader_present", lambda: False)
    voice = make_announcer(config.voice, voice_to=tmp_path / "calls")
    app = colour(make_app(config, busy_hall, voice=voice), monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=loaded)


def test_wall_reconnecting(snap_compare: Compare, config: HallConfig, busy_hall: Hall,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The database is away: the last hall read stays up, "reconnecting" at the foot."""
    watcher = FlakyWatcher(ChangeWatcher.for_hall(busy_hall))
    app = colour(make_app(config, busy_hall, watcher=watcher), monkeypatch)

    async def away(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        watcher.down = True
        await until(pilot, lambda: pilot.app.screen.query_one("#status").display)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=away)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x45"])
def test_wall_burst_of_calls(snap_compare: Compare, config: HallConfig, hall: Hall,
                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                             size: tuple[int, int]) -> None:
    """Twelve calls at once while the voice says the first: that one in the banner, the
    eleven still waiting for their turn listed and marked 待播报."""
    fake_espeak.install(tmp_path, monkeypatch)
    with hall.write() as tx:
        for _ in range(BURST):
            ops.issue_ticket(tx, "A")
    output = HeldFolder(tmp_path / "calls")
    voice = Announcer(quick(config).voice, output)
    app = colour(make_app(quick(config), hall, voice=voice), monkeypatch)

    async def burst(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        call_many(hall, BURST)
        calls = pilot.app.screen.query_one(RecentCalls)
        app = pilot.app
        assert isinstance(app, DisplayApp)
        await until(pilot, lambda: len(calls.waiting) == BURST - 1 and app.settled)
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=size, run_before=burst)
    finally:
        output.go.release(BURST)  # let the voice's thread finish

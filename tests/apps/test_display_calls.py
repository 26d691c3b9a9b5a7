"""Every call is announced, and none leaves the screen before it is: after a stall of the
display (more calls in between than a snapshot holds), in a burst of calls faster than the
voice, and not the day's history when a display starts. The voice is the fake espeak-ng
writing WAVs (`--voice-to`), held back by the test where it must be slow."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall, ManualClock
from db.store.watch import ChangeWatcher
from display.app import RECENT_CALLS, DisplayApp, make_app
from display.calling import STALE_SECONDS
from display.voice import Announcer, make_announcer
from display.voice.sound import Pcm, WavFolder
from display.widgets.banner import CallBanner
from display.widgets.calls import RecentCalls
from tests import fake_espeak
from tests.apps.conftest import (
    SMALL,
    CountingWatcher,
    FlakyWatcher,
    seen_and_asked_again,
    until,
)
from tests.apps.test_display import issue
from tests.apps.test_display_voice import screen_of, wavs

pytestmark = pytest.mark.pg_too  # the watcher, the database lost and back, or a session rule

LARGE = (160, 45)
PORTRAIT = (60, 80)
BURST = 12
"""More calls than a snapshot holds."""


def quick(config: HallConfig) -> HallConfig:
    """The hall's config with each announcement said once, without the chime."""
    return replace(config, voice=replace(config.voice, repeats=1, chime=False))


def call_many(hall: Hall, count: int, counter: int = 1) -> list[str]:
    """`count` calls at `counter`, one transaction each, the called customer passed over
    before the next is called; the numbers called, in order."""
    numbers = []
    for _ in range(count):
        with hall.write() as tx:
            if ops.current_ticket(tx, counter) is not None:
                ops.no_show(tx, counter)
            numbers.append(ops.call_next(tx, counter).number)
    return numbers


def said(folder: Path) -> list[str]:
    """The numbers announced, in order (files 0001-A001-call.wav, …)."""
    return [name.split("-")[1] for name in wavs(folder)]


class HeldFolder(WavFolder):
    """A voice as slow as the test wants: each announcement waits for `go` to be released."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.go = threading.Semaphore(0)

    def put(self, pcm: Pcm, name: str) -> Path:
        """Wait for the test, then write the WAV."""
        assert self.go.acquire(timeout=20), "the test never let the voice go on"
        return super().put(pcm, name)


def voiced(config: HallConfig, hall: Hall, folder: Path,
           watcher: ChangeWatcher | None = None) -> DisplayApp:
    return make_app(quick(config), hall, watcher=watcher,
                    voice=make_announcer(quick(config).voice, voice_to=folder))


async def loaded(pilot: Pilot[None], app: DisplayApp) -> None:
    await until(pilot, lambda: screen_of(app).snapshot is not None)


# -- announced ------------------------------------------------------------------------------


async def test_every_call_made_during_a_stall_is_announced_in_order(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_espeak.install(tmp_path, monkeypatch)
    issue(hall, *"A" * BURST)
    watcher = FlakyWatcher(ChangeWatcher.for_hall(hall))
    folder = tmp_path / "calls"
    app = voiced(config, hall, folder, watcher=watcher)
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot, app)
        watcher.down = True
        await until(pilot, lambda: app.reconnecting)
        numbers = call_many(hall, BURST)
        assert len(numbers) > RECENT_CALLS
        watcher.down = False
        await until(pilot, lambda: len(wavs(folder)) == BURST)
        assert app.voice is not None and app.voice.wait()
    assert said(folder) == numbers


async def test_a_display_that_starts_does_not_announce_the_days_calls(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_espeak.install(tmp_path, monkeypatch)
    issue(hall, *"A" * (BURST + 1))
    call_many(hall, BURST)
    folder = tmp_path / "calls"
    watcher = CountingWatcher(ChangeWatcher.for_hall(hall))
    app = voiced(config, hall, folder, watcher=watcher)
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot, app)
        seen = watcher.changes
        latest = call_many(hall, 1)
        await until(pilot, lambda: len(wavs(folder)) == 1)
        await seen_and_asked_again(pilot, watcher, seen)  # nothing more read to be said
        assert app.voice is not None and app.voice.wait()
    assert said(folder) == latest


async def test_calls_too_old_when_read_are_logged_once_not_announced(
        config: HallConfig, hall: Hall, clock: ManualClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A long outage: the calls made early in it are not said when it ends (one line in the
    log names them); the one made just before it ended is."""
    fake_espeak.install(tmp_path, monkeypatch)
    issue(hall, *"A" * BURST)
    watcher = FlakyWatcher(ChangeWatcher.for_hall(hall))
    folder = tmp_path / "calls"
    app = voiced(config, hall, folder, watcher=watcher)
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot, app)
        watcher.down = True
        await until(pilot, lambda: app.reconnecting)
        old = call_many(hall, 3)
        clock.advance(seconds=STALE_SECONDS + 60)
        new = call_many(hall, 1)
        with caplog.at_level(logging.WARNING, logger="display.app"):
            seen = watcher.changes
            watcher.down = False
            await until(pilot, lambda: len(wavs(folder)) == 1)
            await seen_and_asked_again(pilot, watcher, seen)  # nothing more read to be said
            assert app.voice is not None and app.voice.wait()
    assert said(folder) == new
    warnings = [r.getMessage() for r in caplog.records if r.name == "display.app"]
    assert len(warnings) == 1 and "not announced: 3 calls" in warnings[0]
    assert all(number in warnings[0] for number in old)


# -- shown until said ---------------------------------------------------------------------


def snapshot_has(app: DisplayApp, number: str) -> bool:
    """The display has read the hall since `number` was called."""
    snapshot = screen_of(app).snapshot
    latest = snapshot.recent_calls if snapshot is not None else ()
    return bool(latest) and latest[0].number == number


def listed_text(app: DisplayApp) -> str:
    return str(app.screen.query_one(RecentCalls).render())


@pytest.mark.parametrize("size", [SMALL, LARGE, PORTRAIT], ids=["80x24", "160x45", "60x80"])
async def test_a_burst_of_calls_stays_on_screen_until_each_is_said(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        size: tuple[int, int]) -> None:
    """12 calls at once, the voice slower than that: the banner shows the call being said
    (highlighted), every call still waiting for its turn stays listed and marked, and the
    banner moves on as the voice does."""
    fake_espeak.install(tmp_path, monkeypatch)
    issue(hall, *"A" * BURST)
    output = HeldFolder(tmp_path / "calls")
    app = make_app(quick(config), hall, voice=Announcer(quick(config).voice, output))
    async with app.run_test(size=size) as pilot:
        await loaded(pilot, app)
        numbers = call_many(hall, BURST)
        banner = app.screen.query_one(CallBanner)
        listed = app.screen.query_one(RecentCalls)
        await until(pilot, lambda: snapshot_has(app, numbers[-1]))
        await pilot.pause()
        assert banner.call is not None and banner.call.number == numbers[0]
        assert banner.has_class("-fresh") and banner.speaking
        assert len(listed.waiting) == BURST - 1
        assert [c.number for c in listed.calls] == numbers[:0:-1]  # newest first
        assert all(number in listed_text(app) for number in numbers[1:])
        assert "待播报" in listed_text(app) or "待" in listed_text(app)

        output.go.release()
        await until(pilot, lambda: banner.call is not None and banner.call.number == numbers[1])
        assert len(listed.waiting) == BURST - 2
        assert numbers[0] in listed_text(app)  # said, and still in the list

        output.go.release(BURST)
        await until(pilot, lambda: len(wavs(output.folder)) == BURST and not banner.speaking)
        assert banner.call is not None and banner.call.number == numbers[-1]
        assert not listed.waiting
    assert said(output.folder) == numbers


async def test_with_the_voice_off_the_banner_shows_the_newest_call(
        config: HallConfig, hall: Hall) -> None:
    issue(hall, *"A" * BURST)
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot, app)
        numbers = call_many(hall, BURST)
        banner = app.screen.query_one(CallBanner)
        await until(pilot, lambda: banner.call is not None and banner.call.number == numbers[-1])
        listed = app.screen.query_one(RecentCalls)
        assert not listed.waiting and "待" not in listed_text(app)
        assert numbers[-2] in listed_text(app)

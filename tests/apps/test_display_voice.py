"""The wall display's voice and notice line: calls made while it runs are announced in
order (WAVs in a temporary folder, through a fake espeak-ng), a display that cannot speak
says so once and carries on, and the duty leader's notice shows, scrolls (cheaply: its line
alone is repainted) and goes."""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Label

from db.config import HallConfig
from db.rules import notices, ops
from db.store.session import Hall
from db.store.watch import ChangeWatcher
from display.app import DisplayApp, make_app
from display.screens.base import DisplayScreen
from display.voice import make_announcer
from display.voice.library import loader_present
from display.widgets import notice as notice_module
from display.widgets.banner import CallBanner
from display.widgets.notice import NoticeLine
from tests import fake_espeak
from tests.apps.conftest import (
    SMALL,
    CountingWatcher,
    notifications,
    seen_and_asked_again,
    until,
)
from tests.apps.test_display import call, issue


def voiced(config: HallConfig, hall: Hall, folder: Path) -> DisplayApp:
    return make_app(config, hall, voice=make_announcer(config.voice, voice_to=folder))


def screen_of(app: DisplayApp) -> DisplayScreen:
    assert isinstance(app.screen, DisplayScreen)
    return app.screen


def wavs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.wav")) if folder.exists() else []


async def test_calls_made_while_it_runs_are_announced_in_order(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = fake_espeak.install(tmp_path, monkeypatch)
    issue(hall, "A", "A", "B")
    call(hall, 1)  # before the display starts: not announced
    folder = tmp_path / "calls"
    app = voiced(config, hall, folder)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: screen_of(app).snapshot is not None)
        with hall.write() as tx:
            ops.recall(tx, 1)
            ops.call_next(tx, 4)
        await until(pilot, lambda: len(wavs(folder)) == 2)
        with hall.write() as tx:
            ops.start(tx, 1)
            ops.complete(tx, 1)
            ops.call_next(tx, 1)
        await until(pilot, lambda: len(wavs(folder)) == 3)
        assert app.voice is not None and app.voice.wait()
        assert not screen_of(app).voice_off
    assert wavs(folder) == ["0001-A001-recall.wav", "0002-B001-call.wav", "0003-A002-call.wav"]
    texts = [c["text"] for c in fake_espeak.calls(log)]
    assert texts[1] == "qing3 bi4 ling2 ling2 yi1 hao4 dao4 si4 hao4 chuang1 kou3 ban4 li3"


async def test_without_espeak_the_display_says_once_that_voice_is_off(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hall asked for the system's espeak-ng (engine "espeak-ng"), and it is not there."""
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    issue(hall, "A")
    config = replace(config, voice=replace(config.voice, engine="espeak-ng"))
    app = voiced(config, hall, tmp_path / "calls")
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: bool(screen_of(app).voice_off))
        call(hall, 1)
        await until(pilot, lambda: app.screen.query_one(CallBanner).call is not None)
        hint = app.screen.query_one("#voice-off", Label)
        await until(pilot, lambda: hint.display)
        assert str(hint.content) == "语音播报已关闭 / Voice off"
        await until(pilot, lambda: bool(notifications(app)))
        assert notifications(app) == ["语音播报已关闭 / Voice off: espeak-ng not found"]
    assert wavs(tmp_path / "calls") == []


@pytest.mark.skipif(not loader_present(),
                    reason="the espeakng-loader wheel is not installable on this platform")
async def test_without_the_system_espeak_the_display_speaks_through_the_library(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of the box: no espeak-ng installed, the default engine ("auto") speaks anyway."""
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    issue(hall, "A")
    folder = tmp_path / "calls"
    config = replace(config, voice=replace(config.voice, repeats=1, chime=False))
    app = voiced(config, hall, folder)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: screen_of(app).snapshot is not None)
        call(hall, 1)
        await until(pilot, lambda: len(wavs(folder)) == 1)
        assert app.voice is not None and app.voice.wait()
        assert not screen_of(app).voice_off and notifications(app) == []
    with wave.open(str(folder / "0001-A001-call.wav")) as wav:
        assert wav.getnframes() / wav.getframerate() > 2.0  # the whole call, said


async def test_a_silent_display_shows_no_voice_hint(config: HallConfig, hall: Hall) -> None:
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: screen_of(app).snapshot is not None)
        assert not app.screen.query_one("#wall-foot").display
        assert notifications(app) == []


def set_notice(hall: Hall, text: str) -> None:
    with hall.write() as tx:
        notices.set_notice(tx, "L01", text)


async def test_the_leaders_notice_shows_scrolls_and_goes(config: HallConfig, hall: Hall) -> None:
    set_notice(hall, "今日下午系统升级")
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        line = app.screen.query_one(NoticeLine)
        foot = app.screen.query_one("#wall-foot")
        await until(pilot, lambda: line.text == "今日下午系统升级")
        assert foot.display and not line.scrolling
        long = "今日下午14:00至16:00缴费系统升级，缴费业务请到1号、2号窗口办理，敬请谅解。" * 2
        set_notice(hall, long)
        await until(pilot, lambda: line.text == long)
        assert line.scrolling
        await until(pilot, lambda: line.offset_chars >= 2)
        set_notice(hall, "")
        await until(pilot, lambda: not foot.display)
        assert not line.scrolling


async def test_a_counter_display_neither_speaks_nor_shows_the_notice(
        config: HallConfig, hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_espeak.install(tmp_path, monkeypatch)
    set_notice(hall, "今日下午系统升级")
    watcher = CountingWatcher(ChangeWatcher.for_hall(hall))
    app = make_app(config, hall, counter=1, watcher=watcher,
                   voice=make_announcer(config.voice, voice_to=tmp_path / "calls"))
    assert app.voice is None
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: screen_of(app).notice == "今日下午系统升级")
        seen = watcher.changes
        issue(hall, "A")
        call(hall, 1)
        await seen_and_asked_again(pilot, watcher, seen)  # the call read and shown
        assert not app.screen.query(NoticeLine)
    assert wavs(tmp_path / "calls") == []


async def test_a_scrolling_notice_repaints_its_line_and_lays_nothing_out(
        config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each step of a scrolling notice redraws that line alone: a layout of the screen per
    step was most of the CPU an idle display with a long notice used."""
    monkeypatch.setattr(notice_module, "STEP_SECONDS", 0.05)
    monkeypatch.setattr(notice_module, "HOLD_BEATS", 1)
    long = "今日下午14:00至16:00缴费系统升级，缴费业务请到1号、2号窗口办理，敬请谅解。" * 2
    set_notice(hall, long)
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        line = app.screen.query_one(NoticeLine)
        await until(pilot, lambda: line.text == long and line.scrolling)
        layouts: list[Any] = []
        refresh = line.refresh

        def counted(*regions: Region, **kwargs: Any) -> Any:
            if kwargs.get("layout"):
                layouts.append(kwargs)
            return refresh(*regions, **kwargs)

        monkeypatch.setattr(line, "refresh", counted)
        start = line.offset_chars
        await until(pilot, lambda: line.offset_chars >= start + 5)
        assert layouts == []
        shown = line.shown(line.content_size.width)
        assert shown.startswith(long[line.offset_chars:line.offset_chars + 3])

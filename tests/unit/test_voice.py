"""Voice calling without a display: the phrase and its pinyin, which calls are new, and the
announcer's queue (order, one at a time, repeats, chime) writing WAVs to a temporary folder
through a fake espeak-ng; one test with the real espeak-ng when it is installed."""

from __future__ import annotations

import array
import dataclasses
import datetime as dt
import shutil
import threading
import time
import wave
from pathlib import Path

import pytest

from db.config import VoiceConfig
from db.store.views import CallView
from display.voice import Announcement, Announcer, CallTracker, make_announcer
from display.voice.phrase import chinese_numeral, phrase_en, phrase_zh, to_pinyin
from display.voice.sound import GAP_SECONDS, Pcm, Speakers, WavFolder, chime
from tests import fake_espeak
from tests.fake_espeak import PHRASE_FRAMES, RATE

ZH = "请{number}号到{counter}号窗口"
AT = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)


def said(number: str, counter: int, template: str = ZH) -> str:
    return to_pinyin(phrase_zh(template, number, counter))


# -- the phrase -------------------------------------------------------------------------


def test_a_number_is_said_letter_and_digit_by_digit_and_the_counter_as_a_number() -> None:
    assert phrase_zh(ZH, "A023", 12) == "请A零二三号到十二号窗口办理"
    assert said("A023", 12) == ("qing3 ei1 ling2 er4 san1 hao4 dao4 shi2 er4 hao4 "
                                "chuang1 kou3 ban4 li3")
    assert said("B101", 3) == ("qing3 bi4 yi1 ling2 yi1 hao4 dao4 san1 hao4 chuang1 kou3 "
                               "ban4 li3")


def test_the_call_ends_as_halls_say_it() -> None:
    """Issue 12: the digits one by one, the counter as a number, then 办理."""
    assert phrase_zh(ZH, "A007", 1) == "请A零零七号到一号窗口办理"
    assert phrase_zh(ZH, "A007", 12) == "请A零零七号到十二号窗口办理"
    assert phrase_zh(ZH + "办理", "A007", 1) == "请A零零七号到一号窗口办理"


def test_letters_are_said_by_their_names() -> None:
    assert said("F007", 20).startswith("qing3 ai2 fu1 ling2 ling2 qi1 hao4 dao4 er4 shi2")
    assert said("w9", 1).startswith("qing3 da2 bu liu1 jiu3 hao4")


def test_a_template_of_the_halls_own_with_digits_and_punctuation() -> None:
    template = "{number}号顾客，请到{counter}号窗口"
    assert said("E005", 8, template) == ("yi4 ling2 ling2 wu3 hao4 gu4 ke4, qing3 dao4 "
                                         "ba1 hao4 chuang1 kou3 ban4 li3")
    assert to_pinyin("请到 2 号窗口！") == "qing3 dao4, er4, hao4 chuang1 kou3"


@pytest.mark.parametrize(("value", "numeral"), [
    (0, "零"), (1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五"),
    (100, "一百"), (105, "一百零五"), (110, "一百一十"), (999, "九百九十九"),
])
def test_counter_numbers_in_chinese_numerals(value: int, numeral: str) -> None:
    assert chinese_numeral(value) == numeral


def test_the_english_phrase_spells_the_number() -> None:
    assert phrase_en("Number {number}, counter {counter}", "a023", 12) == \
        "Number A 0 2 3, counter 12"


# -- which calls are new ------------------------------------------------------------------


def call(event_id: int, number: str = "A001", counter: int = 1,
         recall: bool = False) -> CallView:
    return CallView(number, counter, AT, recall, event_id)


def test_calls_made_before_the_display_started_are_not_announced() -> None:
    tracker = CallTracker()
    assert tracker.fresh([call(7), call(5)]) == []
    assert tracker.fresh([call(7), call(5)]) == []


def test_new_calls_come_out_oldest_first_and_a_recall_counts_again() -> None:
    tracker = CallTracker()
    assert tracker.fresh([]) == []
    latest = [call(12, "A001", recall=True), call(11, "B001", 4), call(10, "A001")]
    assert [c.event_id for c in tracker.fresh(latest)] == [10, 11, 12]
    assert tracker.fresh(latest) == []
    assert tracker.fresh([call(13, "A001", recall=True), *latest])[0].recall


def test_a_call_committed_after_a_newer_one_is_still_announced() -> None:
    tracker = CallTracker()  # PostgreSQL: counters commit side by side, ids out of order
    tracker.fresh([call(10)])
    assert [c.event_id for c in tracker.fresh([call(12, "B001", 2), call(10)])] == [12]
    late = [call(12, "B001", 2), call(11, "C001", 3), call(10)]
    assert [c.event_id for c in tracker.fresh(late)] == [11]
    assert tracker.fresh(late) == []


# -- the announcer ------------------------------------------------------------------------


@pytest.fixture
def espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake espeak-ng on PATH; its call log."""
    return fake_espeak.install(tmp_path, monkeypatch)


def frames_of(path: Path) -> int:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        return int(wav.getnframes())


def started(config: VoiceConfig, folder: Path) -> tuple[Announcer, list[str]]:
    offs: list[str] = []
    announcer = make_announcer(config, voice_to=folder, on_off=offs.append)
    assert announcer.start(), offs
    return announcer, offs


CHIME = len(chime(RATE)) // 2
GAP = int(GAP_SECONDS * RATE)


def test_every_call_and_recall_is_written_in_order(espeak: Path, tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    announcer, offs = started(VoiceConfig(), folder)
    for n, (number, counter, recall) in enumerate(
            [("A001", 1, False), ("B001", 4, False), ("A001", 1, True)], 1):
        announcer.announce(Announcement(number, counter, recall, n))
    assert announcer.wait()
    announcer.close()
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["0001-A001-call.wav", "0002-B001-call.wav", "0003-A001-recall.wav"]
    # The default: a chime, then the phrase twice with a gap between.
    assert all(frames_of(folder / f) == CHIME + 2 * PHRASE_FRAMES + GAP for f in files)
    asked = fake_espeak.calls(espeak)
    assert [a["voice"] for a in asked] == ["cmn-latn-pinyin"] * 3
    assert asked[1]["text"] == "qing3 bi4 ling2 ling2 yi1 hao4 dao4 si4 hao4 chuang1 kou3 ban4 li3"
    assert asked[0]["speed"] == "150"
    assert offs == []


def test_a_restarted_display_numbers_on(espeak: Path, tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    for event in (1, 2):
        announcer, _ = started(VoiceConfig(repeats=1), folder)
        announcer.announce(Announcement(f"A00{event}", 1, False, event))
        assert announcer.wait()
        announcer.close()
    assert sorted(p.name for p in folder.iterdir()) == ["0001-A001-call.wav",
                                                        "0002-A002-call.wav"]


def test_repeats_without_chime_and_with_an_english_phrase(espeak: Path, tmp_path: Path) -> None:
    config = VoiceConfig(repeats=3, chime=False, template_en="Number {number}, counter "
                         "{counter}", espeak_voice_en="en-us", speed=120)
    announcer, _ = started(config, tmp_path / "calls")
    announcer.announce(Announcement("C012", 6, False, 1))
    assert announcer.wait()
    announcer.close()
    (only,) = (tmp_path / "calls").iterdir()
    # (zh, gap, en) three times, with a gap between the repeats.
    assert frames_of(only) == 3 * (2 * PHRASE_FRAMES + GAP) + 2 * GAP
    asked = fake_espeak.calls(espeak)
    assert [(a["voice"], a["speed"]) for a in asked] == [("cmn-latn-pinyin", "120"),
                                                         ("en-us", "120")]
    assert asked[1]["text"] == "Number C 0 1 2, counter 6"


class Recording(WavFolder):
    """A folder that notes when each announcement began and ended, and takes its time."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.spans: list[tuple[str, float, float, str]] = []

    def put(self, pcm: Pcm, name: str) -> Path:
        begin = time.perf_counter()
        time.sleep(0.02)
        path = super().put(pcm, name)
        self.spans.append((name, begin, time.perf_counter(), threading.current_thread().name))
        return path


def test_one_at_a_time_never_overlapping_and_the_caller_never_waits(
        espeak: Path, tmp_path: Path) -> None:
    output = Recording(tmp_path / "calls")
    announcer = Announcer(VoiceConfig(repeats=1), output)
    assert announcer.start()
    queued_at = time.perf_counter()
    for n in range(1, 6):
        announcer.announce(Announcement(f"A{n:03d}", n, False, n))
    assert time.perf_counter() - queued_at < 0.05  # queuing does not wait for the sound
    assert announcer.wait()
    announcer.close()
    assert [s[0] for s in output.spans] == [f"A{n:03d}-call" for n in range(1, 6)]
    assert all(s[3] == "voice" for s in output.spans)
    for before, after in zip(output.spans, output.spans[1:], strict=False):
        assert before[2] <= after[1]


def test_without_espeak_the_voice_is_off_once_and_says_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hall asked for the system's espeak-ng (engine "espeak-ng"), and it is not there."""
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    offs: list[str] = []
    config = VoiceConfig(engine="espeak-ng")
    announcer = make_announcer(config, voice_to=tmp_path / "calls", on_off=offs.append)
    assert not announcer.start()
    announcer.announce(Announcement("A001", 1, False, 1))
    announcer.close()
    assert offs == ["espeak-ng not found"]
    assert not (tmp_path / "calls").exists() or not any((tmp_path / "calls").iterdir())


def test_a_failing_synthesizer_turns_the_voice_off_once(
        espeak: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_ESPEAK_FAIL", "1")
    announcer, offs = started(VoiceConfig(), tmp_path / "calls")
    for n in range(1, 4):
        announcer.announce(Announcement(f"A{n:03d}", 1, False, n))
    assert announcer.wait()
    announcer.close()
    assert offs == ["espeak-ng failed: fake espeak: cannot open audio"]
    assert not any((tmp_path / "calls").iterdir())


def test_an_unwritable_folder_turns_the_voice_off(espeak: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    offs: list[str] = []
    announcer = make_announcer(VoiceConfig(), voice_to=blocker / "calls", on_off=offs.append)
    assert not announcer.start()
    assert len(offs) == 1 and offs[0].startswith(f"cannot create {blocker / 'calls'}")


def test_speakers_need_a_player_and_a_sound_device(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    assert Speakers().available() == "no sound player (pw-play, paplay or aplay) found"
    player = tmp_path / "empty-bin" / "aplay"
    player.write_text("#!/bin/sh\nexit 0\n")
    player.chmod(0o755)
    monkeypatch.setattr("display.voice.sound.sound_device_present", lambda: False)
    assert Speakers().available() == "no sound device"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_real_espeak_says_a_call_in_pinyin(tmp_path: Path) -> None:
    config = dataclasses.replace(VoiceConfig(), repeats=1, chime=False)
    announcer, offs = started(config, tmp_path / "calls")
    announcer.announce(Announcement("A023", 12, False, 1))
    assert announcer.wait(30)
    announcer.close()
    (only,) = (tmp_path / "calls").iterdir()
    with wave.open(str(only)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    assert offs == [] and 1.0 < seconds < 10.0
    assert max(abs(s) for s in samples) > 1000  # speech, not silence

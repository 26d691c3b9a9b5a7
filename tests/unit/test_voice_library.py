"""Voice out of the box: the libespeak-ng of the espeakng-loader wheel speaks a call to a WAV
with no system espeak-ng on PATH; `[voice] engine` picks it or the command; and the
speakers' players are tried in their order, a failing one handing over to the next."""

from __future__ import annotations

import array
import io
import wave
from pathlib import Path

import pytest

from db.config import VoiceConfig
from display.voice import Announcement, VoiceUnavailable, make_announcer, synthesise
from display.voice import sound as sound_module
from display.voice.engine import engine_name, make_synthesizer
from display.voice.library import EspeakLibrary, loader_present
from display.voice.sound import Espeak, Pcm, Speakers
from tests import fake_espeak

needs_loader = pytest.mark.skipif(
    not loader_present(), reason="the espeakng-loader wheel is not installable on this platform")


def samples_of(data: bytes) -> tuple[float, array.array[int]]:
    """The seconds and samples of a 16-bit mono WAV."""
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        seconds = wav.getnframes() / wav.getframerate()
        return seconds, array.array("h", wav.readframes(wav.getnframes()))


def assert_speech(data: bytes, low: float, high: float) -> None:
    """A WAV of speech: as long as the phrase, loud, and not one buzz (it varies)."""
    seconds, samples = samples_of(data)
    assert low < seconds < high, seconds
    assert max(abs(s) for s in samples) > 5000
    loud = sum(1 for s in samples if abs(s) > 500) / len(samples)
    assert 0.2 < loud < 0.98, loud  # words and the pauses between them


@needs_loader
def test_the_library_says_a_call_without_the_system_espeak(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    spoken = synthesise("请A零零七号到一号窗口办理")
    assert spoken.engine == "library"
    # Fourteen syllables at 150 words per minute: about four seconds.
    assert_speech(spoken.wav, 2.0, 8.0)
    assert spoken.seconds == pytest.approx(samples_of(spoken.wav)[0])
    # Slower is longer: the speed reaches the library.
    slow = synthesise("请A零零七号到一号窗口办理", VoiceConfig(speed=80))
    assert slow.seconds > spoken.seconds * 1.3


@needs_loader
def test_an_announcement_through_the_library(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    config = VoiceConfig(repeats=1, chime=False, template_en="Number {number}, counter "
                         "{counter}")
    offs: list[str] = []
    announcer = make_announcer(config, voice_to=tmp_path / "calls", on_off=offs.append)
    assert isinstance(announcer.synthesizer, EspeakLibrary)
    assert announcer.start(), offs
    announcer.announce(Announcement("A007", 1, False, 1))
    assert announcer.wait(30)
    announcer.close()
    (only,) = (tmp_path / "calls").iterdir()
    assert offs == []
    assert_speech(only.read_bytes(), 4.0, 15.0)  # the Chinese, a gap, the English


@needs_loader
def test_a_voice_the_library_lacks_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(VoiceUnavailable, match=r"^libespeak-ng has no voice 'xx-nowhere'$"):
        EspeakLibrary().speak("ni3 hao3", "xx-nowhere", 150)
    offs: list[str] = []
    config = VoiceConfig(engine="library", espeak_voice="xx-nowhere")
    announcer = make_announcer(config, voice_to=tmp_path / "calls", on_off=offs.append)
    assert announcer.start()
    for n in (1, 2):
        announcer.announce(Announcement(f"A00{n}", 1, False, n))
    assert announcer.wait(30)
    announcer.close()
    assert offs == ["libespeak-ng has no voice 'xx-nowhere'"]
    # The library still speaks the hall's voice afterwards.
    assert EspeakLibrary().speak("ni3 hao3", "cmn-latn-pinyin", 150).frames


def test_the_engine_setting_picks_who_speaks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = fake_espeak.install(tmp_path, monkeypatch)
    assert isinstance(make_synthesizer(VoiceConfig()), Espeak)  # auto: the installed command
    assert isinstance(make_synthesizer(VoiceConfig(engine="espeak-ng")), Espeak)
    library = make_synthesizer(VoiceConfig(engine="library"))
    assert isinstance(library, EspeakLibrary) and engine_name(library) == "library"
    spoken = synthesise(config=VoiceConfig(engine="espeak-ng"))
    assert spoken.engine == "espeak-ng"
    assert fake_espeak.calls(log)[0]["text"] == ("qing3 ei1 ling2 ling2 qi1 hao4 dao4 yi1 "
                                                 "hao4 chuang1 kou3 ban4 li3")
    fake_espeak.hide_espeak(tmp_path, monkeypatch)
    assert isinstance(make_synthesizer(VoiceConfig()), EspeakLibrary)  # auto, no command
    with pytest.raises(VoiceUnavailable, match=r"^espeak-ng not found$"):
        synthesise(config=VoiceConfig(engine="espeak-ng"))


def test_without_the_loader_the_library_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("display.voice.library.loader_present", lambda: False)
    assert EspeakLibrary().available() == "espeakng-loader is not installed"
    with pytest.raises(VoiceUnavailable, match=r"^espeakng-loader is not installed$"):
        synthesise(config=VoiceConfig(engine="library"))


# -- the speakers ---------------------------------------------------------------------------


def fake_players(folder: Path, monkeypatch: pytest.MonkeyPatch, **exits: int) -> Path:
    """pw-play, paplay and aplay stand-ins on an otherwise empty PATH, each logging its name
    and exiting with the status given; returns the log."""
    bin_dir = folder / "players"
    bin_dir.mkdir()
    log = folder / "played.log"
    log.touch()
    for name, code in exits.items():
        command = name.replace("_", "-")
        script = bin_dir / command
        script.write_text(f"#!/bin/sh\necho {command} >> {log}\n"
                          f"[ {code} = 0 ] || echo '{command}: cannot connect' >&2\nexit {code}\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return log


PCM = Pcm(b"\x00\x01" * 100, 22050)


def test_players_are_tried_in_order_and_the_one_that_plays_goes_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = fake_players(tmp_path, monkeypatch, pw_play=1, paplay=1, aplay=0)
    monkeypatch.setattr(sound_module, "player_reaches_device", lambda command: True)
    monkeypatch.setattr(sound_module, "sound_device_present", lambda: True)
    speakers = Speakers()
    assert speakers.available() is None
    assert [p[0] for p in speakers.players] == ["pw-play", "paplay", "aplay"]
    speakers.put(PCM, "A001-call")
    assert log.read_text().split() == ["pw-play", "paplay", "aplay"]
    speakers.put(PCM, "A002-call")
    assert log.read_text().split()[3:] == ["aplay"]


def test_without_a_sound_server_aplay_plays_on_the_card(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A display started by systemd: no session's PipeWire or PulseAudio socket."""
    log = fake_players(tmp_path, monkeypatch, pw_play=0, paplay=0, aplay=0)
    for name in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "PIPEWIRE_REMOTE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sound_module, "alsa_cards_present", lambda: True)
    speakers = Speakers()
    assert speakers.available() is None
    assert speakers.players == [("aplay", "-q")]
    speakers.put(PCM, "A001-call")
    assert log.read_text().split() == ["aplay"]
    # With a session's PipeWire socket, pw-play comes first.
    runtime = tmp_path / "run"
    runtime.mkdir()
    (runtime / "pipewire-0").touch()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert speakers.available() is None
    assert [p[0] for p in speakers.players] == ["pw-play", "aplay"]


def test_when_every_player_fails_the_voice_says_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_players(tmp_path, monkeypatch, paplay=1, aplay=1)
    monkeypatch.setattr(sound_module, "player_reaches_device", lambda command: True)
    monkeypatch.setattr(sound_module, "sound_device_present", lambda: True)
    speakers = Speakers()
    assert speakers.available() is None
    with pytest.raises(VoiceUnavailable) as failed:
        speakers.put(PCM, "A001-call")
    assert str(failed.value) == ("paplay failed: paplay: cannot connect; "
                                 "aplay failed: aplay: cannot connect")


@needs_loader
def test_the_library_speaks_english_too() -> None:
    pcm = EspeakLibrary().speak("Number A 0 0 7, counter 1", "en", 150)
    assert_speech(sound_module.wav_bytes(pcm), 1.0, 6.0)

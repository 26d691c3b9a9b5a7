"""Which synthesizer speaks (`[voice] engine`), and one phrase spoken to a WAV
(`synthesise`, which `hall doctor` uses to check that the voice works).

    "library"    the libespeak-ng of the espeakng-loader package (display.voice.library),
                 installed with the hall: no system package needed
    "espeak-ng"  the system's espeak-ng command (apt install espeak-ng)
    "auto"       the command when it is on PATH (a hall that installed it keeps it), else
                 the library
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from db.config import VoiceConfig
from display.voice.library import EspeakLibrary
from display.voice.phrase import to_pinyin
from display.voice.sound import ESPEAK, Espeak, Synthesizer, VoiceUnavailable, wav_bytes

ENGINES = ("auto", "library", "espeak-ng")
"""The values of `[voice] engine`."""

TEST_PHRASE = "请A零零七号到一号窗口办理"
"""What `synthesise` says when given nothing else: a call as the hall makes it."""


def make_synthesizer(config: VoiceConfig) -> Synthesizer:
    """The synthesizer `config.engine` names; "auto": the espeak-ng command when it is on
    PATH, else the library. Loads nothing yet (the library loads at its first phrase)."""
    if config.engine == "library":
        return EspeakLibrary()
    if config.engine == "espeak-ng" or shutil.which(ESPEAK) is not None:
        return Espeak()
    return EspeakLibrary()


def engine_name(synthesizer: Synthesizer) -> str:
    """"library" or "espeak-ng", for messages."""
    return "library" if isinstance(synthesizer, EspeakLibrary) else ESPEAK


@dataclass(frozen=True)
class Spoken:
    """A phrase spoken to a WAV by `synthesise`."""

    wav: bytes
    """The WAV file's bytes (16-bit mono PCM)."""
    engine: str
    """Who spoke it: "library" or "espeak-ng"."""
    seconds: float
    """How long the speech lasts."""
    took: float
    """How long synthesising it took, in seconds (the library's first phrase includes
    loading it)."""


def synthesise(text: str = TEST_PHRASE, config: VoiceConfig | None = None) -> Spoken:
    """`text`, a Chinese phrase as the hall says it, spoken as a call is (its pinyin, by
    `config`'s Chinese voice, engine and speed) into a WAV; raises VoiceUnavailable with one
    line saying why it cannot be spoken here."""
    config = config or VoiceConfig()
    synthesizer = make_synthesizer(config)
    problem = getattr(synthesizer, "available", lambda: None)()
    if problem:
        raise VoiceUnavailable(problem)
    began = time.perf_counter()
    pcm = synthesizer.speak(to_pinyin(text), config.espeak_voice, config.speed)
    took = time.perf_counter() - began
    seconds = len(pcm.frames) / 2 / pcm.channels / pcm.rate
    return Spoken(wav_bytes(pcm), engine_name(synthesizer), seconds, took)

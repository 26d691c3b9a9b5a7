"""Voice calling (语音叫号): the wall display announces every call and recall.

`phrase` makes the words (and their pinyin), `sound` the audio (espeak-ng, a chime, WAV
files, the speakers), `caller` says them in order on one worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from db.config import VoiceConfig
from display.voice.caller import Announcement, Announcer, CallTracker
from display.voice.sound import Output, Speakers, WavFolder

__all__ = ["Announcement", "Announcer", "CallTracker", "make_announcer"]


def make_announcer(
    config: VoiceConfig, *, voice_to: Path | None = None,
    on_off: Callable[[str], None] | None = None,
) -> Announcer:
    """The announcer for the hall's speakers, or writing each announcement as a WAV file
    into `voice_to`."""
    output: Output = WavFolder(voice_to) if voice_to is not None else Speakers()
    return Announcer(config, output, on_off=on_off)

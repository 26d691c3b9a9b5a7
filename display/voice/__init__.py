"""Voice calling (语音叫号): the wall display announces every call and recall.

`phrase` makes the words (and their pinyin), `sound` the audio (the espeak-ng command, a
chime, WAV files, the speakers), `library` the same speech from the libespeak-ng that the
espeakng-loader package ships, `engine` picks one of the two ([voice] engine) and says one
phrase to a WAV (`synthesise`, for checks), `caller` says the calls in order on one worker
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from db.config import VoiceConfig
from display.voice.caller import Announcement, Announcer, CallTracker
from display.voice.engine import Spoken, synthesise
from display.voice.sound import Output, Speakers, VoiceUnavailable, WavFolder

__all__ = ["Announcement", "Announcer", "CallTracker", "Spoken", "VoiceUnavailable",
           "make_announcer", "synthesise"]


def make_announcer(
    config: VoiceConfig, *, voice_to: Path | None = None,
    on_off: Callable[[str], None] | None = None,
) -> Announcer:
    """The announcer for the hall's speakers, or writing each announcement as a WAV file
    into `voice_to`."""
    output: Output = WavFolder(voice_to) if voice_to is not None else Speakers()
    return Announcer(config, output, on_off=on_off)

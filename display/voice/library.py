"""espeak-ng as a library, out of the box: the libespeak-ng and its voice data that the
`espeakng-loader` wheel ships (with the `cmn` dictionary and the `cmn-latn-pinyin` voice),
driven through ctypes, so that `pip install` alone gives a speaking display.

The calls are the documented ones of espeak-ng's `speak_lib.h`: `espeak_Initialize` in
AUDIO_OUTPUT_SYNCHRONOUS mode with the wheel's data folder (and espeakINITIALIZE_DONT_EXIT,
so that bad data is an error code instead of the process exiting), a synth callback that
collects the 16-bit samples, `espeak_SetVoiceByName`, `espeak_SetParameter(espeakRATE)`,
`espeak_Synth` on UTF-8 text, which returns once the whole phrase has gone through the
callback. (No Python binding on PyPI takes a library path: they compile against the system's
headers or run the espeak-ng command.)

Nothing is loaded until the first phrase: the library (about 0.1 s to load and initialise)
is loaded on the thread that first speaks, the voice's own worker, never the UI's. The
library is one per process and not reentrant, so every phrase holds one lock.
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

from display.voice.sound import Pcm, VoiceUnavailable

LOADER = "espeakng_loader"
"""The module of the `espeakng-loader` wheel."""

AUDIO_OUTPUT_SYNCHRONOUS = 2
"""espeak_AUDIO_OUTPUT: samples go to the synth callback; espeak_Synth returns at the end."""
ESPEAK_INITIALIZE_DONT_EXIT = 0x8000
"""espeak_Initialize option: return an error instead of exit() when the data is bad."""
ESPEAK_RATE = 1
"""espeak_PARAMETER: speaking speed in words per minute."""
POS_CHARACTER = 1
"""espeak_POSITION_TYPE of espeak_Synth's start position."""
ESPEAK_CHARS_UTF8 = 1
"""espeak_Synth flag: the text is UTF-8."""
EE_OK = 0
"""espeak_ERROR: success."""

SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
"""t_espeak_callback: (samples, number of samples, events) -> 0 to go on."""


def loader_present() -> bool:
    """Whether the `espeakng-loader` wheel is installed (found without importing it)."""
    try:
        return importlib.util.find_spec(LOADER) is not None
    except (ImportError, ValueError):
        return False


@dataclass
class _Loaded:
    lib: ctypes.CDLL
    rate: int
    callback: object  # the ctypes callback object, kept alive as long as the library


class _Library:
    """The process's one libespeak-ng, loaded at the first phrase."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: _Loaded | None = None
        self.failed: str | None = None
        self.samples: list[bytes] = []

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: int) -> int:
        if wav and count > 0:
            self.samples.append(ctypes.string_at(wav, count * 2))
        return 0

    def _load(self) -> _Loaded:
        if self.loaded is not None:
            return self.loaded
        if self.failed is not None:
            raise VoiceUnavailable(self.failed)
        try:
            self.loaded = self._open()
        except VoiceUnavailable as error:
            self.failed = str(error)
            raise
        return self.loaded

    def _open(self) -> _Loaded:
        try:
            import espeakng_loader

            path, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
            lib = ctypes.CDLL(path)
        except ImportError:
            raise VoiceUnavailable("espeakng-loader is not installed") from None
        except (OSError, RuntimeError) as error:
            raise VoiceUnavailable(f"cannot load libespeak-ng: {error}") from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, str(Path(data)).encode(),
                                     ESPEAK_INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise VoiceUnavailable(f"libespeak-ng cannot start with the voice data in {data}")
        callback = SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(callback)
        return _Loaded(lib, rate, callback)

    def speak(self, text: str, voice: str, speed: int) -> Pcm:
        with self.lock:
            loaded = self._load()
            lib = loaded.lib
            if lib.espeak_SetVoiceByName(voice.encode()) != EE_OK:
                raise VoiceUnavailable(f"libespeak-ng has no voice {voice!r}")
            lib.espeak_SetParameter(ESPEAK_RATE, speed, 0)
            data = text.encode() + b"\0"
            self.samples = []
            status = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8,
                                      None, None)
            frames, self.samples = b"".join(self.samples), []
        if status != EE_OK:
            raise VoiceUnavailable(f"libespeak-ng failed to speak (error {status})")
        if not frames:
            raise VoiceUnavailable("libespeak-ng said nothing")
        return Pcm(frames, loaded.rate)


_LIBRARY = _Library()


class EspeakLibrary:
    """The Synthesizer of the `espeakng-loader` wheel's libespeak-ng (engine "library")."""

    name = "library"

    def available(self) -> str | None:
        """Why the library cannot be used here, or None; loads nothing (cheap enough for
        the UI thread): a broken library shows up at the first phrase, on the voice's
        thread, as VoiceUnavailable."""
        if _LIBRARY.failed is not None:
            return _LIBRARY.failed
        return None if loader_present() else "espeakng-loader is not installed"

    def speak(self, text: str, voice: str, speed: int) -> Pcm:
        """`text` spoken by `voice` at `speed` words per minute."""
        return _LIBRARY.speak(text, voice, speed)

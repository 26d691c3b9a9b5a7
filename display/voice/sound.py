"""Sound for the announcements: espeak-ng speaks a phrase into a WAV file, the pieces of one
announcement (chime, phrase, repeats) are joined into one WAV, and the WAV is either
played on the hall's speakers or kept in a folder (`--voice-to DIR`)."""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ESPEAK = "espeak-ng"
"""The speech synthesizer's command (Debian package espeak-ng)."""

PLAYERS: tuple[tuple[str, ...], ...] = (
    ("pw-play",), ("paplay",), ("aplay", "-q"),
)
"""Commands that play a WAV file, in the order they are tried: PipeWire's pw-play and
PulseAudio's paplay where their sound server runs (a desktop session, or a user service),
then ALSA's aplay straight on the sound card (/dev/snd), which needs no server: a display
started by systemd without anyone logged in is heard through aplay."""

SYNTH_TIMEOUT_SECONDS = 20.0
PLAY_TIMEOUT_SECONDS = 60.0

GAP_SECONDS = 0.6
"""Silence between two repeats of the phrase."""


class VoiceUnavailable(Exception):
    """The voice cannot be used: no synthesizer, no sound device, or one of them failed.
    The message is one line, for the screen and the log."""


@dataclass(frozen=True)
class Pcm:
    """Raw audio: 16-bit signed little-endian samples."""

    frames: bytes
    """The samples."""
    rate: int
    """Samples per second."""
    channels: int = 1
    """Interleaved channels."""


def read_wav(data: bytes) -> Pcm:
    """The samples of a 16-bit PCM WAV file's bytes."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            if wav.getsampwidth() != 2:
                raise VoiceUnavailable("the synthesizer wrote a WAV that is not 16-bit PCM")
            return Pcm(wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels())
    except (wave.Error, EOFError) as error:
        raise VoiceUnavailable(f"the synthesizer wrote no valid WAV: {error}") from error


def wav_bytes(pcm: Pcm) -> bytes:
    """`pcm` as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(pcm.channels)
        wav.setsampwidth(2)
        wav.setframerate(pcm.rate)
        wav.writeframes(pcm.frames)
    return out.getvalue()


def silence(seconds: float, rate: int, channels: int = 1) -> bytes:
    """`seconds` of silence."""
    return b"\x00\x00" * int(seconds * rate) * channels


def chime(rate: int, channels: int = 1) -> bytes:
    """A soft two-note chime (E6 then C6, "ding-dong"), each note fading out."""
    frames = bytearray()
    for freq, seconds in ((1318.5, 0.35), (1046.5, 0.55)):
        count = int(seconds * rate)
        for i in range(count):
            fade = (1 - i / count) ** 2
            sample = int(9000 * fade * math.sin(2 * math.pi * freq * i / rate))
            frames += struct.pack("<h", sample) * channels
    return bytes(frames) + silence(0.25, rate, channels)


def join(pieces: list[Pcm], *, repeats: int, with_chime: bool) -> Pcm:
    """One announcement: the chime, then the pieces (the phrase in each language) `repeats`
    times with a gap between. Every piece must have the rate of the first."""
    rate, channels = pieces[0].rate, pieces[0].channels
    if any((p.rate, p.channels) != (rate, channels) for p in pieces):
        raise VoiceUnavailable("the voices speak at different sample rates")
    gap = silence(GAP_SECONDS, rate, channels)
    said = gap.join(p.frames for p in pieces)
    body = gap.join([said] * repeats)
    return Pcm((chime(rate, channels) if with_chime else b"") + body, rate, channels)


class Synthesizer(Protocol):
    """Turns a phrase into speech."""

    def speak(self, text: str, voice: str, speed: int) -> Pcm:
        """`text` spoken by `voice` at `speed` words per minute; raises VoiceUnavailable."""
        ...


class Espeak:
    """The espeak-ng command, writing each phrase to a temporary WAV (`-w`)."""

    def __init__(self, command: str = ESPEAK) -> None:
        self.command = command

    def available(self) -> str | None:
        """Why espeak-ng cannot be used here, or None."""
        if shutil.which(self.command) is None:
            return f"{self.command} not found"
        return None

    def speak(self, text: str, voice: str, speed: int) -> Pcm:
        """Run espeak-ng once for `text`."""
        with tempfile.TemporaryDirectory(prefix="hall-voice-") as folder:
            path = Path(folder) / "phrase.wav"
            argv = [self.command, "-v", voice, "-s", str(speed), "-w", str(path), text]
            run(argv, SYNTH_TIMEOUT_SECONDS)
            try:
                data = path.read_bytes()
            except OSError:
                raise VoiceUnavailable(f"{self.command} wrote no sound file") from None
        return read_wav(data)


def run(argv: list[str], timeout: float) -> None:
    """Run a command; any failure is VoiceUnavailable with one line saying why."""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise VoiceUnavailable(f"{argv[0]} failed: {error}") from error
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        reason = said[-1] if said else f"exit status {done.returncode}"
        raise VoiceUnavailable(f"{argv[0]} failed: {reason}")


class Output(Protocol):
    """Where an announcement's sound goes."""

    def available(self) -> str | None:
        """Why this output cannot be used here, or None."""
        ...

    def put(self, pcm: Pcm, name: str) -> Path | None:
        """Play or keep the sound, returning when done; raises VoiceUnavailable."""
        ...


class WavFolder:
    """Keeps each announcement as a numbered WAV file in a folder: 0001-A023.wav, …"""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def available(self) -> str | None:
        """The folder must exist or be creatable, and writable."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"cannot create {self.folder}: {error.strerror or error}"
        if not os.access(self.folder, os.W_OK):
            return f"cannot write to {self.folder}"
        # A restarted display goes on numbering after the files already there.
        numbers = [int(p.name[:4]) for p in self.folder.glob("[0-9][0-9][0-9][0-9]-*.wav")]
        self.count = max(numbers, default=0)
        return None

    def put(self, pcm: Pcm, name: str) -> Path:
        """Write the next numbered file; written whole or not at all (renamed into place)."""
        self.count += 1
        path = self.folder / f"{self.count:04d}-{name}.wav"
        partial = path.with_suffix(".part")
        try:
            partial.write_bytes(wav_bytes(pcm))
            partial.replace(path)
        except OSError as error:
            raise VoiceUnavailable(f"cannot write {path}: {error.strerror or error}") from None
        return path


class Speakers:
    """Plays each announcement on the machine's sound device, to the end, with the first
    player that can reach it (`PLAYERS`: pw-play, paplay where their server runs, then aplay
    on the card); a player that fails hands the sound to the next one, and the one that
    played goes first from then on."""

    def __init__(self) -> None:
        self.players: list[tuple[str, ...]] = []
        """The players to try, best first (found by `available`)."""

    def available(self) -> str | None:
        """A player command and a sound device (or a sound server) must be there."""
        installed = [p for p in PLAYERS if shutil.which(p[0]) is not None]
        if not installed:
            return "no sound player (pw-play, paplay or aplay) found"
        if not sound_device_present():
            return "no sound device"
        reachable = [p for p in installed if player_reaches_device(p[0])]
        # A device seen some other way (an ALSA default routed elsewhere): try them all.
        self.players = reachable or installed
        return None

    def put(self, pcm: Pcm, name: str) -> None:
        """Play the sound and wait for its end, trying the next player if one fails."""
        if not self.players and (problem := self.available()) is not None:
            raise VoiceUnavailable(problem)
        with tempfile.NamedTemporaryFile(prefix="hall-call-", suffix=".wav") as file:
            file.write(wav_bytes(pcm))
            file.flush()
            failures: list[str] = []
            for player in list(self.players):
                try:
                    run([*player, file.name], PLAY_TIMEOUT_SECONDS)
                except VoiceUnavailable as error:
                    failures.append(str(error))
                    continue
                if player != self.players[0]:  # it works here: try it first next time
                    self.players.remove(player)
                    self.players.insert(0, player)
                return
        raise VoiceUnavailable("; ".join(failures) or "no sound player")


def sound_server_sockets() -> dict[str, bool]:
    """Whether a PipeWire and a PulseAudio server can be reached (their sockets in
    $XDG_RUNTIME_DIR, or $PIPEWIRE_REMOTE / $PULSE_SERVER set)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) if runtime else None
    return {
        "pipewire": bool(os.environ.get("PIPEWIRE_REMOTE"))
        or (folder is not None and (folder / "pipewire-0").exists()),
        "pulse": bool(os.environ.get("PULSE_SERVER"))
        or (folder is not None and (folder / "pulse" / "native").exists()),
    }


def alsa_cards_present() -> bool:
    """A sound card's playback device in /dev/snd that ALSA can open directly."""
    snd = Path("/dev/snd")
    return snd.is_dir() and any(snd.glob("pcmC*p"))


def player_reaches_device(command: str) -> bool:
    """Whether `command` has what it plays through: pw-play a PipeWire server, paplay a
    PulseAudio one (PipeWire's pulse socket counts), aplay a card in /dev/snd."""
    servers = sound_server_sockets()
    if command == "pw-play":
        return servers["pipewire"]
    if command == "paplay":
        return servers["pulse"]
    return alsa_cards_present()


def sound_device_present() -> bool:
    """An ALSA device, or a PulseAudio / PipeWire server to reach one through."""
    return alsa_cards_present() or any(sound_server_sockets().values())

"""A stand-in for the espeak-ng command, for tests that must not depend on it being
installed: a small script put first on PATH that writes a valid WAV where `-w` says and
logs each call (voice, speed, text) as one JSON line."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

RATE = 22050
"""The sample rate the fake speaks at (espeak-ng's own)."""

PHRASE_FRAMES = 2205
"""Every phrase the fake speaks lasts 0.1 s."""

SCRIPT = """#!{python}
import json, os, sys, wave
args = sys.argv[1:]
if os.environ.get("FAKE_ESPEAK_FAIL"):
    print("fake espeak: cannot open audio", file=sys.stderr)
    sys.exit(1)
opts = {{}}
while len(args) > 1 and args[0].startswith("-"):
    opts[args[0]] = args[1]
    args = args[2:]
with open(os.environ["FAKE_ESPEAK_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"voice": opts.get("-v"), "speed": opts.get("-s"),
                           "text": " ".join(args)}}, ensure_ascii=False) + "\\n")
with wave.open(opts["-w"], "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate({rate})
    out.writeframes(b"\\x10\\x00" * {frames})
"""


def install(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fake espeak-ng first on PATH; returns the file its calls are logged in."""
    bin_dir = folder / "fake-bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "espeak-ng"
    script.write_text(SCRIPT.format(python=sys.executable, rate=RATE, frames=PHRASE_FRAMES))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log = folder / "espeak-calls.jsonl"
    log.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_ESPEAK_LOG", str(log))
    return log


def calls(log: Path) -> list[dict[str, str]]:
    """What the fake was asked to say, in order."""
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def hide_espeak(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH on which no espeak-ng can be found."""
    empty = folder / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))

"""`hall display` and `python -m display` from the command line (the app itself needs a
terminal; here, what happens before it starts)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_display_needs_an_initialised_database(tmp_path: Path) -> None:
    result = run("-m", "display", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 2
    assert "not initialised: run `hall init` first" in result.stderr


def test_display_needs_a_terminal(tmp_path: Path, templates: dict[str, Path]) -> None:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    result = run("-m", "hall", "display", "--db", f"sqlite:///{tmp_path / 'hall.db'}")
    assert (result.returncode, result.stderr) == (2, "hall: display: needs a terminal "
                                                     "(it is a full-screen app)\n")


def test_an_unknown_counter_is_refused_first(tmp_path: Path, templates: dict[str, Path]) -> None:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    result = run("-m", "hall", "display", "--counter", "99",
                 "--db", f"sqlite:///{tmp_path / 'hall.db'}")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "99" in result.stderr


def test_display_command_arguments() -> None:
    from hall.parser import build_parser

    wall = build_parser().parse_args(["display"])
    assert wall.counter is None and wall.handler.__name__ == "display"
    assert build_parser().parse_args(["display", "--counter", "3"]).counter == 3


def test_voice_options() -> None:
    from hall.parser import build_parser

    wall = build_parser().parse_args(["display", "--voice-to", "calls"])
    assert wall.voice_to == "calls" and not wall.no_voice
    assert build_parser().parse_args(["display", "--no-voice"]).no_voice


def test_a_counter_display_does_not_speak(tmp_path: Path, templates: dict[str, Path]) -> None:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    result = run("-m", "hall", "display", "--counter", "1", "--voice-to", str(tmp_path / "v"),
                 "--db", f"sqlite:///{tmp_path / 'hall.db'}")
    assert (result.returncode, result.stderr) == (
        2, "hall: display: --voice-to is for the wall display (a counter's display does not "
           "speak)\n")

"""`hall counter` and `python -m counter` from the command line (the app itself needs a
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


def test_counter_refuses_an_unknown_counter_and_needs_a_terminal(
    tmp_path: Path, templates: dict[str, Path]
) -> None:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    db = f"sqlite:///{tmp_path / 'hall.db'}"
    unknown = run("-m", "counter", "--counter", "99", "--db", db)
    assert unknown.returncode == 1
    assert "unknown counter 99" in unknown.stderr and unknown.stderr.count("\n") == 1
    no_tty = run("-m", "hall", "counter", "-c", "1", "--db", db)
    assert (no_tty.returncode, no_tty.stderr) == (2, "hall: counter: needs a terminal "
                                                     "(it is a full-screen app)\n")


def test_counter_command_parses() -> None:
    from hall.parser import build_parser

    args = build_parser().parse_args(["counter", "--counter", "3"])
    assert args.counter == 3 and args.handler.__name__ == "counter"

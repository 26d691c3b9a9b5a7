"""`hall leader` and `python -m leader` from the command line (the console itself needs a
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


def test_leader_needs_a_ready_database_and_a_terminal(
    tmp_path: Path, templates: dict[str, Path]
) -> None:
    missing = run("-m", "leader", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 2 and "is not initialised" in missing.stderr
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    no_tty = run("-m", "hall", "leader", "--db", f"sqlite:///{tmp_path / 'hall.db'}")
    assert (no_tty.returncode, no_tty.stderr) == (2, "hall: leader: needs a terminal "
                                                     "(it is a full-screen app)\n")


def test_leader_command_parses() -> None:
    from hall.parser import build_parser

    args = build_parser().parse_args(["leader"])
    assert args.handler.__name__ == "leader"

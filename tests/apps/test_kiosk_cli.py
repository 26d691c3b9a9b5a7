"""`hall kiosk` and `python -m kiosk` from the command line (the app itself needs a
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


def test_kiosk_needs_an_initialised_database(tmp_path: Path) -> None:
    # `python -m kiosk` is `hall kiosk`: the CLI's checks, one line, exit 2.
    result = run("-m", "kiosk", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "not initialised: run `hall init` first" in result.stderr


def test_kiosk_needs_a_terminal(tmp_path: Path, templates: dict[str, Path]) -> None:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    result = run("-m", "hall", "kiosk", "--db", f"sqlite:///{tmp_path / 'hall.db'}")
    assert (result.returncode, result.stderr) == (2, "hall: kiosk: needs a terminal "
                                                     "(it is a full-screen app)\n")


def test_kiosk_command_help() -> None:
    from hall.parser import build_parser

    kiosk = build_parser().parse_args(["kiosk", "--guide"])
    assert kiosk.guide and kiosk.handler.__name__ == "kiosk"


def test_other_commands_do_not_load_textual() -> None:
    code = ("import sys; from hall.cli import build_parser; build_parser(); "
            "print('textual' in sys.modules)")
    assert run("-c", code).stdout.strip() == "False"

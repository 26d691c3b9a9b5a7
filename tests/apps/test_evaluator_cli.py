"""`hall evaluator`, `hall support` and their `python -m` forms from the command line
(the apps need a terminal; here, what happens before they start)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture
def db(tmp_path: Path, templates: dict[str, Path]) -> str:
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    return f"sqlite:///{tmp_path / 'hall.db'}"


def test_evaluator_refuses_an_unknown_counter_and_needs_a_terminal(db: str) -> None:
    unknown = run("-m", "counter.evaluator", "--counter", "99", "--db", db)
    assert unknown.returncode == 1
    assert "unknown counter 99" in unknown.stderr and unknown.stderr.count("\n") == 1
    no_tty = run("-m", "hall", "evaluator", "-c", "1", "--db", db)
    assert (no_tty.returncode, no_tty.stderr) == (2, "hall: evaluator: needs a terminal "
                                                     "(it is a full-screen app)\n")
    missing = run("-m", "hall", "evaluator", "--db", db)
    assert missing.returncode == 2 and "--counter" in missing.stderr
    assert missing.stderr.count("\n") == 1


def test_support_desk_needs_a_terminal_and_an_initialised_database(
    db: str, tmp_path: Path
) -> None:
    no_tty = run("-m", "counter.support", "--db", db)
    assert (no_tty.returncode, no_tty.stderr) == (2, "hall: support: needs a terminal "
                                                     "(it is a full-screen app)\n")
    empty = run("-m", "hall", "support", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert empty.returncode == 2 and "hall init" in empty.stderr
    assert empty.stderr.count("\n") == 1


def test_commands_parse() -> None:
    from hall.parser import build_parser

    args = build_parser().parse_args(["evaluator", "--counter", "3"])
    assert args.counter == 3 and args.handler.__name__ == "evaluator"
    assert build_parser().parse_args(["support"]).handler.__name__ == "support_desk"

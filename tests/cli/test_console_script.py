"""`python -m hall` as a real process: exit codes and stderr end to end, never a traceback.

Each start costs about a second of imports, so these are few; everything else runs
`hall.cli.main` in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PIN

ROOT = Path(__file__).resolve().parents[2]


def hall(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `python -m hall ARGV` with the test's environment ($HALL_DB, XDG dirs)."""
    return subprocess.run(
        [sys.executable, "-m", "hall", *argv], input=stdin, capture_output=True, text=True,
        encoding="utf-8", cwd=ROOT, env=dict(os.environ), timeout=60, check=False,
    )


def assert_one_line(process: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in process.stderr
    assert process.stderr.startswith("hall: ") and process.stderr.count("\n") == 1


def test_uninitialised_then_init_then_a_refusal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'proc.db'}"
    missing = hall("--db", url, "status")
    assert missing.returncode == 2 and "hall init" in missing.stderr
    assert_one_line(missing)
    assert hall("--db", url, "init").returncode == 0
    refused = hall("--db", url, "issue", "Z")
    assert refused.returncode == 1
    assert_one_line(refused)


def test_issue_json_and_pin_on_stdin(db_path: Path) -> None:
    issued = hall("issue", "A", "--json")  # $HALL_DB is the test's copy of the template
    assert issued.returncode == 0, issued.stderr
    assert json.loads(issued.stdout)["number"] == "A001"
    signed = hall("--json", "signin", "--counter", "2", "--staff", "C03", stdin=f"{PIN}\n")
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["staff"] == "C03"


@pytest.mark.parametrize("argv", [["call"], ["--config", "/nonexistent/hall.toml", "status"]])
def test_misuse_is_exit_2(argv: list[str]) -> None:
    process = hall(*argv)
    assert process.returncode == 2
    assert_one_line(process)

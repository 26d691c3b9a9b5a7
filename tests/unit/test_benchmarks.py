"""Every benchmark still runs: each one on a tiny size, start to finish, so that none can rot
unseen (a benchmark is run by hand; the figures it prints are not checked here, only that it
runs through and prints its verdict)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"

TINY: dict[str, list[str]] = {
    "claims.py": ["--tickets", "400", "--procs", "2", "--claims", "60", "--rounds", "1",
                  "--windows", "1", "--breakdown", "10"],
    "issues.py": ["--count", "60", "--rounds", "1", "--breakdown", "10"],
    "growth.py": ["--small", "200", "--large", "1000", "--days", "3", "--waiting", "200",
                  "--claims", "10", "--snapshots", "10", "--plans"],
    "kiosk_latency.py": ["--small", "200", "--large", "1000", "--days", "3", "--waiting", "20",
                         "--presses", "5", "--bare", "5"],
    "display_latency.py": ["--calls", "5", "--waiting", "20", "--idle", "1", "--warmup", "0.5"],
    "display_notice.py": ["--seconds", "1", "--warmup", "0.5"],
    "cli_startup.py": ["--rounds", "1", "--target", "100"],
    "figures_year.py": ["--days", "3", "--tickets", "100", "--rounds", "1", "--target", "100"],
    "pin_guessing.py": ["--count", "20", "--loops", "1"],
    "estimate_accuracy.py": ["--seeds", "1", "--loads", "light"],
    "audit_verify.py": ["--days", "3", "--tickets", "100", "--rounds", "1", "--target", "1000"],
    "reliability.py": ["--kills", "1", "--cli-kills", "1", "--processes", "2", "--steps", "5",
                       "--histories", "1", "--fuzz", "5", "--configs", "5"],
    "hall_server_load.py": ["--counters", "1", "--phones", "5", "--calls", "2", "--settle", "1"],
    "pg_claims.py": ["--claims", "20", "--rounds", "1", "--procs", "1", "2"],
}
"""The tiny run of each benchmark: every script in benchmarks/ must have one."""

VERDICT = ("PASS", "FAIL", "ratio")
"""A benchmark's last lines say how it went: a ratio against its floor, or a verdict. Exit
status 1 is a target missed (a tiny run on a busy machine may miss one), not a failure of
this test; a crash is a traceback."""


def test_every_benchmark_has_a_tiny_run() -> None:
    scripts = {p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_")}
    assert scripts - set(TINY) == set(), "add a tiny run of the new benchmark to TINY"
    assert set(TINY) - scripts == set()


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(TINY))
def test_benchmark_runs_on_a_tiny_size(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *TINY[script]],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert any(word in done.stdout for word in VERDICT), done.stdout[-2000:]

"""The [log] section: a line per command and per committed step, to a rotating file or the
journal; never a PIN or a password."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.config import DEFAULT_CONFIG
from hall import logs
from tests.cli.conftest import Cli
from tests.conftest import LEADER_PIN

ROOT = Path(__file__).resolve().parents[2]
NEW_PIN = "975319"


@pytest.fixture(autouse=True)
def fresh_log() -> Iterator[None]:
    """Each test sets the log up anew (in-process runs share the process's handler)."""
    logs.reset()
    yield
    logs.reset()


def hall_file(tmp_path: Path, log: str) -> Path:
    """The shipped hall file with its [log] section's keys replaced by `log`."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    start = text.index("\n[log]\n") + len("\n[log]\n")
    end = text.index("\n\n", start)
    path = tmp_path / "hall.toml"
    path.write_text(text[:start] + log + text[end:], encoding="utf-8")
    return path


def test_steps_and_commands_go_to_the_file_without_pins_or_passwords(
        cli: Cli, db_path: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "hall.log"
    config = str(hall_file(tmp_path, f'to = "file"\nfile = "{log_file}"'))
    added = cli("--config", config, "staff", "add", "C09", "--name", "赵六", "--role", "clerk",
                "--by", "L01", stdin=f"{LEADER_PIN}\n{NEW_PIN}\n")
    assert added.code == 0, added.err
    assert cli("--config", config, "signin", "--counter", "2", "--staff", "C09",
               stdin=f"{NEW_PIN}\n").code == 0
    assert cli("--config", config, "issue", "A", "--account", "1234567890").code == 0
    assert cli("--config", config, "call", "--counter", "2").code == 0
    assert cli("--config", config, "signin", "--counter", "3", "--staff", "C03",
               stdin="13579\n").code == 1  # a wrong PIN
    secret = "postgresql://hall:pw-Secret9@127.0.0.1:1/hall"
    assert cli("--config", config, "--db", secret, "status").code != 0
    text = log_file.read_text(encoding="utf-8")
    for line in ("hall.cli INFO hall staff add --by L01: done",
                 "hall.cli INFO hall signin --counter 2 --staff C09: done",
                 "hall.cli INFO hall issue: done",
                 "hall.cli INFO hall call --counter 2: done",
                 "hall signin --counter 3 --staff C03: refused (exit 1)",
                 "hall status: refused"):
        assert line in text, (line, text)
    assert "db.steps INFO event #" in text and " issue ticket=" in text
    assert " call ticket=" in text and "staff=C09 counter=2" in text
    for secret_text in (LEADER_PIN, NEW_PIN, "13579", "pw-Secret9", "1234567890"):
        assert secret_text not in text, secret_text
    assert oct(log_file.stat().st_mode & 0o777) == "0o600"


def test_the_file_is_rotated(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "hall.log"
    config = str(hall_file(tmp_path, f'to = "file"\nfile = "{log_file}"\nmax_mb = 0.0005\n'
                                     "count = 2"))
    for _ in range(12):
        assert cli("--config", config, "issue", "A").code == 0
    kept = sorted(p.name for p in tmp_path.glob("hall.log*"))
    assert kept == ["hall.log", "hall.log.1", "hall.log.2"]
    assert all(p.stat().st_size <= 600 for p in tmp_path.glob("hall.log*"))


def test_under_systemd_the_lines_go_to_the_journal_with_priorities(
        db_path: Path, tmp_path: Path) -> None:
    config = hall_file(tmp_path, 'to = "auto"')
    journal = tmp_path / "journal"

    def issue(named: bool) -> str:
        with journal.open("w") as stream:
            info = os.fstat(stream.fileno())
            env = {**os.environ, "HALL_CONFIG": str(config), "PYTHONPATH": str(ROOT),
                   "JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino + (0 if named else 1)}"}
            subprocess.run([sys.executable, "-m", "hall", "issue", "A"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=stream, check=True, timeout=120)
        return journal.read_text(encoding="utf-8")

    said = issue(named=True)
    assert "<6>hall.cli: hall issue: done" in said, said
    assert "<6>db.steps: event #" in said
    assert issue(named=False) == ""  # stderr is not the journal: nothing is written there


def test_a_bad_log_setting_is_named(cli: Cli, tmp_path: Path) -> None:
    bad = cli("--config", str(hall_file(tmp_path, 'to = "syslog"')), "status")
    assert bad.code == 2 and "log.to" in bad.err

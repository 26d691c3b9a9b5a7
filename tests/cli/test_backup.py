"""`hall backup FILE` while the hall runs, and `hall restore FILE`."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall
from tests.cli.conftest import Cli, one_line_error

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from db.config import load_config
from db.rules import ops
from db.store.session import Hall

hall = Hall.open(sys.argv[1], load_config())
with open(sys.argv[2], "a", encoding="utf-8") as acks:
    while True:
        with hall.write() as tx:
            view = ops.issue_ticket(tx, "A")
        acks.write(f"{view.id} {view.status}\\n")  # acknowledged: committed
        acks.flush()
        for step in (ops.call_next, ops.start, ops.complete):
            with hall.write() as tx:
                view = step(tx, 1)
            acks.write(f"{view.id} {view.status}\\n")
            acks.flush()
"""
"""Keeps issuing, calling, starting and completing tickets at counter 1, and writes each
ticket's id and new status to the acknowledgement file once the step has committed."""


def acknowledged(path: Path) -> dict[int, str]:
    """Each ticket's last acknowledged status (whole lines only)."""
    found: dict[int, str] = {}
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in text.splitlines(keepends=True):
        if line.endswith("\n"):
            ticket, status = line.split()
            found[int(ticket)] = status
    return found


def wait_for(condition: object, what: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def busy_hall(db_path: Path, tmp_path: Path) -> Iterator[Path]:
    """A process issuing and serving tickets on the test's hall; yields its acks file."""
    acks = tmp_path / "acks.txt"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, f"sqlite:///{db_path}", str(acks)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
    try:
        yield acks
        assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
    finally:
        writer.terminate()
        writer.wait(30)


def test_a_backup_under_writes_opens_verifies_and_holds_every_acknowledged_ticket(
        cli: Cli, db_path: Path, tmp_path: Path, busy_hall: Path) -> None:
    wait_for(lambda: len(acknowledged(busy_hall)) >= 15, "the writer's first tickets")
    before = acknowledged(busy_hall)
    copy = tmp_path / "copy.db"
    done = cli("--json", "backup", str(copy))
    assert done.code == 0, done.err
    assert done.json()["tickets"] >= len(before)
    wait_for(lambda: len(acknowledged(busy_hall)) >= len(before) + 3,
             "the writer to go on after the backup")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not Path(f"{copy}-wal").exists()  # one self-contained file
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as conn:
        kept = dict(conn.execute("SELECT id, status FROM tickets").fetchall())
    order = ["waiting", "called", "serving", "done"]
    for ticket, status in before.items():
        assert ticket in kept, f"ticket {ticket} acknowledged before the backup is missing"
        assert order.index(kept[ticket]) >= order.index(status), (ticket, kept[ticket], status)
    verified = cli("--db", f"sqlite:///{copy}", "audit", "verify")
    assert verified.code == 0, verified.err


def test_backup_refuses_to_overwrite_and_names_pg_dump(cli: Cli, db_path: Path,
                                                       tmp_path: Path) -> None:
    there = tmp_path / "there.db"
    there.write_bytes(b"keep me")
    refused = cli("backup", str(there))
    assert refused.code == 1 and "--force" in one_line_error(refused)
    assert there.read_bytes() == b"keep me"
    assert cli("backup", str(there), "--force").code == 0
    pg = cli("--db", "postgresql://hall:secret@db.example/hall", "backup", str(tmp_path / "x"))
    assert pg.code == 1 and "pg_dump" in one_line_error(pg) and "secret" not in pg.err


def test_a_damaged_hall_is_not_kept_as_a_backup(cli: Cli, db_path: Path,
                                                tmp_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:  # someone with the file edits the log
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET kind = 'forged' WHERE id = 1")
    copy = tmp_path / "copy.db"
    refused = cli("backup", str(copy))
    assert refused.code == 1 and "fails verification" in one_line_error(refused)
    assert not copy.exists() and list(tmp_path.glob(".copy.db*")) == []


def ticket_count(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])


def test_restore_needs_force_over_a_hall_and_keeps_what_it_replaces(
        cli: Cli, db_path: Path, tmp_path: Path) -> None:
    assert cli("issue", "A").code == 0
    copy = tmp_path / "copy.db"
    assert cli("backup", str(copy)).code == 0
    for _ in range(3):
        assert cli("issue", "A").code == 0
    refused = cli("restore", str(copy))
    assert refused.code == 1 and "--force" in one_line_error(refused)
    assert "events today" in refused.err
    assert ticket_count(db_path) == 4  # untouched
    done = cli("--json", "restore", str(copy), "--force")
    assert done.code == 0, done.err
    safety = Path(done.json()["safety_copy"])
    assert ticket_count(safety) == 4 and stat.S_IMODE(safety.stat().st_mode) == 0o600
    assert ticket_count(db_path) == 1
    assert cli("audit", "verify").code == 0
    assert cli("--json", "issue", "A").json()["number"] == "A002"  # the hall goes on


def test_restore_refuses_a_file_that_fails_verification(cli: Cli, db_path: Path,
                                                        tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    refused = cli("restore", str(junk), "--force")
    assert refused.code == 1 and "fails verification" in one_line_error(refused)
    new = tmp_path / "fresh" / "hall.db"
    copy = tmp_path / "copy.db"
    assert cli("backup", str(copy)).code == 0
    made = cli("--db", f"sqlite:///{new}", "restore", str(copy))  # nothing to replace
    assert made.code == 0, made.err
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


def test_an_app_left_running_sees_the_restored_hall_whole(
        cli: Cli, db_path: Path, tmp_path: Path, config: HallConfig) -> None:
    running = Hall.open(f"sqlite:///{db_path}", config)  # an app that was not stopped
    try:
        with running.write() as tx:
            ops.issue_ticket(tx, "A")
        copy = tmp_path / "copy.db"
        assert cli("backup", str(copy)).code == 0
        for _ in range(3):
            with running.write() as tx:
                ops.issue_ticket(tx, "A")
        assert Path(f"{db_path}-wal").exists()  # the app's log of its writes is there
        assert cli("restore", str(copy), "--force").code == 0
        with running.read() as tx:
            numbers = tx.conn.exec_driver_sql("SELECT number FROM tickets").scalars().all()
        assert numbers == ["A001"]
        with running.write() as tx:
            assert ops.issue_ticket(tx, "A").number == "A002"
    finally:
        running.dispose()
    assert cli("audit", "verify").code == 0

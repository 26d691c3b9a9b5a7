"""`hall doctor` finds each broken thing it claims to find, one line per check."""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from db.config import DEFAULT_CONFIG, HallConfig
from db.rules import ops
from db.store.engine import make_engine
from db.store.schema import alembic_config
from db.store.session import Hall, ManualClock
from hall import doctor as doctor_module
from hall.doctor import check_disk, check_sound, check_voice, check_wal
from tests.cli.conftest import Cli, Result

SILENT = ("[voice]\nenabled = true", "[voice]\nenabled = false")
"""A hall file whose voice is off: the voice and sound checks pass on a machine without
either, so that each test sees only the failure it made."""


def hall_file(tmp_path: Path, printer: str | None = None,
              change: tuple[str, str] | None = None) -> Path:
    """The shipped hall file with its voice off, its printer's kind line replaced by
    `printer`, and `change` (old, new) made."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(*SILENT, 1)
    if change is not None:
        assert change[0] in text
        text = text.replace(*change, 1)
    if printer is not None:
        text = text.replace('kind = "none"', printer, 1)
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def doctor(cli: Cli, config: Path, *args: str) -> tuple[Result, dict[str, Any]]:
    result = cli("--config", str(config), "--json", "doctor", *args)
    data = result.json()
    return result, {c["check"]: c for c in data["checks"]}


def failed(checks: dict[str, Any]) -> set[str]:
    return {name for name, c in checks.items() if not c["ok"]}


def test_a_sound_hall_passes_every_check(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    result = cli("--config", str(hall_file(tmp_path)), "doctor")
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert len(lines) == 11 and all(line.startswith("✓ ") for line in lines), result.out
    assert any("integrity_check: ok" in line for line in lines)
    as_json = cli("--config", str(hall_file(tmp_path)), "--json", "doctor").json()
    assert as_json["ok"] is True
    assert [c["check"] for c in as_json["checks"]] == [
        "config", "database", "schema", "integrity", "wal", "disk", "clock", "permissions",
        "printer", "voice", "sound"]


def test_a_corrupt_file_fails_the_integrity_check(cli: Cli, db_path: Path,
                                                   tmp_path: Path) -> None:
    with sqlite3.connect(db_path) as probe:
        page = probe.execute("PRAGMA page_size").fetchone()[0]
        root = probe.execute("SELECT rootpage FROM sqlite_master WHERE name = 'staff'"
                             ).fetchone()[0]
    with db_path.open("r+b") as file:  # scribble over the staff table's first page
        file.seek((root - 1) * page)
        file.write(b"\xa5" * page)
    result, checks = doctor(cli, hall_file(tmp_path))
    assert result.code == 1 and failed(checks) == {"integrity"}, checks
    assert "damaged" in checks["integrity"]["detail"]
    assert "restore" in checks["integrity"]["fix"]
    assert "checks failed" in result.err


def test_a_file_that_is_no_database_is_named(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    db_path.write_bytes(b"this is no database" * 300)
    result, checks = doctor(cli, hall_file(tmp_path))
    assert result.code == 1 and "database" in failed(checks)
    assert "restore" in checks["database"]["fix"]


def test_a_database_at_an_older_migration_is_stale(cli: Cli, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old" / "hall.db"
    path.parent.mkdir(mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = make_engine(f"sqlite:///{path}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    engine.dispose()
    monkeypatch.setenv("HALL_DB", f"sqlite:///{path}")
    result, checks = doctor(cli, hall_file(tmp_path))
    assert result.code == 1 and failed(checks) == {"schema"}
    assert "revision 0005" in checks["schema"]["detail"]
    assert "hall init" in checks["schema"]["fix"]
    upgraded = cli("--config", str(hall_file(tmp_path)), "init")
    assert upgraded.code == 0, upgraded.err
    assert doctor(cli, hall_file(tmp_path))[0].code == 0


def test_world_readable_files_fail(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    db_path.chmod(0o644)
    result, checks = doctor(cli, hall_file(tmp_path))
    assert result.code == 1 and failed(checks) == {"permissions"}
    assert "0644" in checks["permissions"]["detail"]
    assert "hall init" in checks["permissions"]["fix"]
    db_path.chmod(0o600)
    db_path.parent.chmod(0o755)
    result, checks = doctor(cli, hall_file(tmp_path))
    assert failed(checks) == {"permissions"} and "0755" in checks["permissions"]["detail"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_printer_fails(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    port = free_port()
    config = hall_file(tmp_path, printer=f'kind = "network"\nhost = "127.0.0.1"\nport = {port}')
    result, checks = doctor(cli, config)
    assert result.code == 1 and failed(checks) == {"printer"}
    assert f"127.0.0.1:{port}" in checks["printer"]["detail"]


def test_a_missing_device_file_printer_fails(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    config = hall_file(tmp_path, printer=f'kind = "file"\npath = "{tmp_path}/no/lp0"')
    result, checks = doctor(cli, config)
    assert failed(checks) == {"printer"} and "no such device" in checks["printer"]["detail"]
    assert not (tmp_path / "no").exists()  # only looked


@pytest.fixture
def answering_printer() -> Iterator[tuple[int, dict[str, int]]]:
    """A network printer that answers DLE EOT n with the byte in `answers[n]`, and keeps
    whatever else it is sent in `answers["printed"]` (bytes received beyond the requests)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    answers: dict[str, int] = {"1": 0x16, "4": 0x12, "printed": 0}
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                buffer = b""
                while chunk := conn.recv(64):
                    buffer += chunk
                    while b"\x10\x04" in buffer:
                        at = buffer.index(b"\x10\x04")
                        answers["printed"] += at
                        if len(buffer) < at + 3:
                            break
                        conn.sendall(bytes([answers[str(buffer[at + 2])]]))
                        buffer = buffer[at + 3:]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], answers
    stop.set()
    server.close()
    thread.join(2)


def test_a_printer_is_asked_its_status_and_nothing_is_printed(
        cli: Cli, db_path: Path, tmp_path: Path,
        answering_printer: tuple[int, dict[str, int]]) -> None:
    port, answers = answering_printer
    config = hall_file(tmp_path, printer=f'kind = "network"\nhost = "127.0.0.1"\nport = {port}')
    result, checks = doctor(cli, config)
    assert result.code == 0, checks["printer"]
    assert "DLE EOT 1 = 0x16" in checks["printer"]["detail"] and "ready" in checks["printer"][
        "detail"]
    answers["4"] = 0x72  # paper end
    result, checks = doctor(cli, config)
    assert failed(checks) == {"printer"} and "out of paper" in checks["printer"]["detail"]
    assert answers["printed"] == 0


def test_a_broken_config_is_a_failed_check_not_an_abort(cli: Cli, db_path: Path,
                                                        tmp_path: Path) -> None:
    config = hall_file(tmp_path, change=("sla_share = 0.8", "sla_share = 2"))
    result = cli("--config", str(config), "doctor")
    assert result.code == 1
    first = result.out.splitlines()[0]
    assert first.startswith("✗ ") and "sla_share" in first
    assert len(result.out.splitlines()) == 11  # the other checks still ran
    assert cli("--config", str(config), "status").code == 2  # other commands still refuse


def test_a_clock_behind_the_log_fails(cli: Cli, db_path: Path, tmp_path: Path,
                                      config: HallConfig) -> None:
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    hall = Hall.open(f"sqlite:///{db_path}", config, ManualClock(ahead))
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    hall.dispose()
    result, checks = doctor(cli, hall_file(tmp_path))
    assert failed(checks) == {"clock"} and "timedatectl" in checks["clock"]["fix"]


def test_voice_and_sound_failures_say_what_to_do(config: HallConfig) -> None:
    def broken(_: HallConfig) -> int:
        raise RuntimeError("espeak-ng not found")

    voice = check_voice(config, broken)
    assert not voice.ok and "espeak-ng not found" in voice.detail and "espeak-ng" in (
        voice.fix or "")
    assert check_voice(config, lambda _: 16000).ok
    sound = check_sound(config, lambda: False)
    assert not sound.ok and "aplay" in (sound.fix or "")
    assert check_sound(config, lambda: True).ok


def test_a_large_wal_and_a_full_disk_fail(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hall.db"
    path.write_bytes(b"")
    with open(f"{path}-wal", "wb") as wal:  # sparse: no disk spent
        wal.truncate(doctor_module.WAL_LIMIT_BYTES + 1)
    wal_check = check_wal(path)
    assert not wal_check.ok and "restart" in (wal_check.fix or "")
    assert check_disk(f"sqlite:///{path}", path).ok
    monkeypatch.setattr(doctor_module, "FREE_DISK_BYTES", 1 << 62)
    disk = check_disk(f"sqlite:///{path}", path)
    assert not disk.ok and "free space" in (disk.fix or "")


def test_a_missing_or_newer_database_is_named(cli: Cli, db_path: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with sqlite3.connect(db_path) as conn:  # as a newer version of the program left it
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    result, checks = doctor(cli, hall_file(tmp_path))
    assert failed(checks) == {"schema"} and "newer version" in checks["schema"]["detail"]
    monkeypatch.setenv("HALL_DB", f"sqlite:///{tmp_path / 'nowhere' / 'hall.db'}")
    result, checks = doctor(cli, hall_file(tmp_path))
    assert result.code == 1 and {"database", "schema", "integrity"} <= failed(checks)
    assert "hall init" in checks["database"]["fix"]
    assert not (tmp_path / "nowhere").exists()  # only looked

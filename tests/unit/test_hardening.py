"""The database file: only init creates one, owner-only; a missing, read-only or damaged
file, and a bad URL option, are each one line naming what is wrong."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.config import HallConfig
from db.errors import DamagedDatabase, Misuse, NoDatabase, ReadOnlyDatabase
from db.rules import ops
from db.store import engine as engine_module
from db.store.engine import create_database, make_engine, tighten_files
from db.store.schema import init_db
from db.store.session import Hall, ManualClock


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022), under which files come out world-readable unless made not to."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def issue(hall: Hall) -> str:
    with hall.write() as tx:
        return ops.issue_ticket(tx, "A").number


def test_a_missing_file_is_not_created_and_says_run_init(
    tmp_path: Path, config: HallConfig
) -> None:
    path = tmp_path / "nowhere" / "hall.db"
    hall = Hall.open(f"sqlite:///{path}", config)
    for opening in (hall.read, hall.write):
        with pytest.raises(NoDatabase) as caught, opening():
            pass
        assert str(caught.value) == f"no hall database at {path}: run `hall init`"
        assert caught.value.exit_code == 2 and caught.value.zh
    assert not path.parent.exists()
    hall.dispose()


def test_a_file_deleted_under_a_running_app_is_not_recreated(
    tmp_path: Path, config: HallConfig, clock: ManualClock
) -> None:
    path = tmp_path / "hall.db"
    hall = Hall.open(f"sqlite:///{path}", config, clock)
    init_db(hall)
    issue(hall)
    path.unlink()
    with pytest.raises(NoDatabase, match="no hall database at .*hall.db: run `hall init`"):
        issue(hall)
    with pytest.raises(NoDatabase), hall.read():
        pass
    other = Hall.open(f"sqlite:///{path}", config, clock)  # a second app starting now
    with pytest.raises(NoDatabase):
        issue(other)
    assert not path.exists()
    hall.dispose()
    other.dispose()


def test_a_file_restored_under_a_running_app_is_written_from_then_on(
    tmp_path: Path, config: HallConfig, clock: ManualClock
) -> None:
    path, backup = tmp_path / "hall.db", tmp_path / "backup.db"
    hall = Hall.open(f"sqlite:///{path}", config, clock)
    init_db(hall)
    issue(hall)
    hall.dispose()
    shutil.copyfile(path, backup)
    assert issue(hall) == "A002"
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(backup, path)  # the backup put back in place, a new file
    assert issue(hall) == "A002"  # written into the restored file, not the replaced one
    hall.dispose()


def test_a_damaged_file_is_named_damaged(tmp_path: Path, config: HallConfig) -> None:
    path = tmp_path / "hall.db"
    path.write_bytes(b"this is not a database" * 400)
    hall = Hall.open(f"sqlite:///{path}", config)
    with pytest.raises(DamagedDatabase, match=f"the hall database {path} is damaged") as caught:
        issue(hall)
    assert "\n" not in str(caught.value) and caught.value.exit_code == 1
    hall.dispose()


def test_a_read_only_file_is_named_read_only(
    tmp_path: Path, config: HallConfig, clock: ManualClock
) -> None:
    path = tmp_path / "hall.db"
    hall = Hall.open(f"sqlite:///{path}", config, clock)
    init_db(hall)
    hall.dispose()
    # Opened read-only as a read-only mount would have it (the tests may run as root, whom
    # file permissions do not stop).
    reader = Hall.open(f"sqlite:///file:{path}?mode=ro&uri=true", config, clock)
    with reader.read() as tx:
        assert ops.counter_row(tx, 1).number == 1
    with pytest.raises(ReadOnlyDatabase, match=f"the hall database {path} is read-only"):
        issue(reader)
    reader.dispose()


@pytest.mark.parametrize("url", ["sqlite:///hall.db?timeout=abc",
                                 "sqlite:///hall.db?check_same_thread=maybe"])
def test_a_bad_url_option_is_misuse_in_one_line(url: str, config: HallConfig) -> None:
    for opening in (make_engine, lambda u: Hall.open(u, config)):
        with pytest.raises(Misuse) as caught:
            opening(url)
        assert caught.value.exit_code == 2
        assert str(caught.value).startswith(f"bad database URL {url}: ")
        assert "\n" not in str(caught.value)


def test_init_creates_the_file_and_its_folder_owner_only(
    tmp_path: Path, config: HallConfig, clock: ManualClock, loose_umask: None
) -> None:
    folder = tmp_path / "new" / "data"
    path = folder / "hall.db"
    hall = Hall.open(f"sqlite:///{path}", config, clock)
    init_db(hall)
    issue(hall)  # SQLite makes the -wal and -shm files at the first write
    assert mode(folder) == mode(folder.parent) == 0o700
    for name in ("hall.db", "hall.db-wal", "hall.db-shm"):
        assert mode(folder / name) == 0o600, name
    hall.dispose()
    assert not create_database(f"sqlite:///{path}")  # there already: left alone


def test_tighten_files_makes_an_existing_hall_owner_only(
    tmp_path: Path, config: HallConfig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "onestop-hall"
    folder.mkdir()
    url = f"sqlite:///{folder / 'hall.db'}"
    hall = Hall.open(url, config, clock)
    init_db(hall)
    issue(hall)
    for name in ("hall.db", "hall.db-wal", "hall.db-shm"):
        os.chmod(folder / name, 0o644)
    os.chmod(folder, 0o755)
    assert tighten_files(url) == [f"{folder / 'hall.db'}: 0644 → 0600",
                                  f"{folder / 'hall.db-wal'}: 0644 → 0600",
                                  f"{folder / 'hall.db-shm'}: 0644 → 0600"]
    assert mode(folder) == 0o755  # a folder the caller chose is theirs
    monkeypatch.setattr(engine_module, "data_folder", lambda: folder)
    assert tighten_files(url) == [f"{folder}: 0755 → 0700"]  # the program's own folder
    assert tighten_files(url) == []
    assert issue(hall) == "A002"
    hall.dispose()

"""Shared fixtures: a hall on a temporary file database with a clock the test moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from db import counters, staff
from db.config import HallConfig, load_config
from db.schema import init_db
from db.session import Hall, ManualClock

OPENING = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
"""The tests' hall opens at 09:00 local time on a Friday."""

PIN = "2468"
"""Every test staff member's PIN."""

TEAM = [
    ("C01", "张伟", "clerk"),
    ("C02", "王芳", "clerk"),
    ("C03", "李娜", "clerk"),
    ("S01", "刘强", "support"),
    ("G01", "陈静", "guide"),
    ("L01", "杨洋", "leader"),
]


@pytest.fixture(autouse=True)
def _no_user_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own database and config never leak into a test."""
    monkeypatch.setenv("HALL_DB", f"sqlite:///{tmp_path / 'default-hall.db'}")
    monkeypatch.delenv("HALL_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture(scope="session")
def config() -> HallConfig:
    """The shipped default hall config."""
    return load_config()


@pytest.fixture
def clock() -> ManualClock:
    """A clock at opening time that only moves when the test moves it."""
    return ManualClock(OPENING)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file (never :memory:, which each connection sees as a new database)."""
    return f"sqlite:///{tmp_path / 'hall.db'}"


@pytest.fixture
def empty_hall(db_url: str, config: HallConfig, clock: ManualClock) -> Iterator[Hall]:
    """An initialised hall with no staff."""
    hall = Hall.open(db_url, config, clock)
    init_db(hall)
    yield hall
    hall.dispose()


@pytest.fixture
def hall(empty_hall: Hall) -> Hall:
    """An initialised hall with the test team; C01 at counter 1, C02 at counter 4."""
    with empty_hall.write() as tx:
        for staff_id, name, role in TEAM:
            staff.add_staff(tx, staff_id, name, role, PIN, authority_limit=200)
        counters.sign_in(tx, 1, "C01")
        counters.sign_in(tx, 4, "C02")
    return empty_hall

"""Shared fixtures: a hall on a temporary file database with a clock the test moves."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.config import HallConfig, load_config
from db.rules import counters, staff
from db.store.schema import init_db
from db.store.session import Hall, ManualClock

OPENING = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
"""The tests' hall opens at 09:00 local time on a Friday."""

PIN = "2468"
"""Every test staff member's PIN but the duty leader's."""

LEADER_PIN = "246813"
"""The test duty leader's PIN (L01): a leader's PIN has at least 6 digits."""

TEAM = [
    ("C01", "张伟", "clerk"),
    ("C02", "王芳", "clerk"),
    ("C03", "李娜", "clerk"),
    ("S01", "刘强", "support"),
    ("G01", "陈静", "guide"),
    ("L01", "杨洋", "leader"),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `slow` first, the others after (each group in its own order): xdist
    hands the tests out in collection order, and a test of a minute or more that starts
    near the end keeps the whole run waiting for it alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _no_user_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own database, config and counter never leak into a test."""
    monkeypatch.setenv("HALL_DB", f"sqlite:///{tmp_path / 'default-hall.db'}")
    monkeypatch.delenv("HALL_CONFIG", raising=False)
    monkeypatch.delenv("HALL_COUNTER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


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


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, config: HallConfig) -> dict[str, Path]:
    """Database files built once per run and copied for each test: migrating and hashing
    six PINs with argon2id per test would cost over a second each time."""
    folder = tmp_path_factory.mktemp("templates")
    empty, staffed = folder / "empty.db", folder / "staffed.db"
    for path in (empty, staffed):
        hall = Hall.open(f"sqlite:///{path}", config, ManualClock(OPENING))
        init_db(hall)
        if path == staffed:
            _add_team(hall)
        hall.dispose()  # the last connection to close checkpoints the WAL into the file
    return {"empty": empty, "staffed": staffed}


def _add_team(hall: Hall) -> None:
    with hall.write() as tx:
        for staff_id, name, role in TEAM:
            pin = LEADER_PIN if role == "leader" else PIN
            staff.add_staff(tx, staff_id, name, role, pin, authority_limit=200)
        counters.sign_in(tx, 1, "C01")
        counters.sign_in(tx, 4, "C02")


def _hall_from(template: Path, db_url: str, config: HallConfig, clock: ManualClock) -> Hall:
    shutil.copyfile(template, db_url.removeprefix("sqlite:///"))
    return Hall.open(db_url, config, clock)


@pytest.fixture
def empty_hall(
    db_url: str, config: HallConfig, clock: ManualClock, templates: dict[str, Path]
) -> Iterator[Hall]:
    """An initialised hall with no staff."""
    hall = _hall_from(templates["empty"], db_url, config, clock)
    yield hall
    hall.dispose()


@pytest.fixture
def hall(
    db_url: str, config: HallConfig, clock: ManualClock, templates: dict[str, Path]
) -> Iterator[Hall]:
    """An initialised hall with the test team (`TEAM`, PIN `PIN`, authority 200 yuan);
    C01 signed in at counter 1 (A, E), C02 at counter 4 (B, F, C)."""
    hall = _hall_from(templates["staffed"], db_url, config, clock)
    yield hall
    hall.dispose()

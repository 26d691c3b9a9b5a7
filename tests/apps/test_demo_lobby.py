"""The demo's lobby (`hall demo` on a terminal): the living hall's board and what happens
in it, the apps a key away (each run as `python -m hall APP` on the demo database, the URL
in the environment only), and q quitting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import RichLog

from db.config import HallConfig
from db.store.schema import init_db
from db.store.session import Hall
from hall.living import living_hall
from hall.lobby import Lobby
from tests.apps.conftest import notifications, until

pytestmark = pytest.mark.sqlite_only(
    "the demo's lobby plays on a SQLite file of its own, as `hall demo` makes it")


@contextmanager
def demo_hall(tmp_path: Path, config: HallConfig) -> Iterator[tuple[Hall, str]]:
    url = f"sqlite:///{tmp_path / 'lobby-demo.db'}"
    hall = Hall.open(url, config)  # on the wall clock, as the demo's
    init_db(hall)
    try:
        yield hall, url
    finally:
        hall.dispose()


def logged(app: Lobby) -> str:
    return "\n".join(line.text for line in app.query_one("#log", RichLog).lines)


async def test_the_lobby_shows_the_hall_moving_and_quits(tmp_path: Path,
                                                         config: HallConfig) -> None:
    with demo_hall(tmp_path, config) as (hall, url), \
            living_hall(hall, speed=1200, seed=3) as living:
        app = Lobby(config, hall, living, url=url, intro=["演示 intro"])
        async with app.run_test(size=(100, 32)) as pilot:
            await until(pilot, lambda: "叫号" in logged(app) and "取号" in logged(app),
                        timeout=120)
            await until(pilot, lambda: f"叫号 {living.called}" in app.sub_title
                        and living.called > 0, timeout=60)
            await pilot.press("q")
        assert app.return_code == 0
    assert living.called > 0  # and the simulation has stopped: the block joined its thread


async def test_a_key_runs_the_app_on_the_demo_database(
        tmp_path: Path, config: HallConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple[list[str], dict[str, str]]] = []

    def run(command: list[str], *, env: dict[str, str], check: bool) -> Any:
        ran.append((command, env))

    monkeypatch.setattr("hall.lobby.subprocess.run", run)
    with demo_hall(tmp_path, config) as (hall, url), \
            living_hall(hall, speed=1, seed=3) as living:
        app = Lobby(config, hall, living, url=url, intro=[])
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("k")  # Pilot's headless driver cannot hand its screen over
            await until(pilot, lambda: any("another one" in n for n in notifications(app)))
            assert ran == []
            monkeypatch.setattr(Lobby, "suspend", lambda self: nullcontext())
            for key in "kcwl":
                await pilot.press(key)
            await pilot.press("q")
    first = str(config.counters[0].number)
    assert [command for command, _ in ran] == [
        [sys.executable, "-m", "hall", "kiosk"],
        [sys.executable, "-m", "hall", "counter", "--counter", first],
        [sys.executable, "-m", "hall", "display", "--wall"],
        [sys.executable, "-m", "hall", "leader"],
    ]
    assert all(env["HALL_DB"] == url for _, env in ran)  # the URL only in the environment

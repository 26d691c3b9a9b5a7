"""`--hall CODE` / `$HALL_CODE`, `hall halls`, `hall init --hall`, and `hall report
--all-halls` on a SQLite database, which is one hall (the many-hall case on PostgreSQL is
tests/unit/test_halls.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.store.session import Hall
from tests.cli.conftest import Cli, fingerprint, one_line_error


def test_halls_lists_the_one_hall(cli: Cli, db_path: Path) -> None:
    done = cli("--json", "halls")
    assert done.code == 0, done.err
    assert done.json()["halls"] == [{"id": 1, "code": "main", "name": "营业厅",
                                     "selected": True}]
    assert "* main" in cli("halls").out


def test_an_unknown_hall_is_one_line_and_changes_nothing(
        cli: Cli, ready: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(ready)
    refused = cli("--hall", "north", "issue", "A")
    assert refused.code == 2
    assert "no hall 'north' in this database (it holds: main)" in one_line_error(refused)
    monkeypatch.setenv("HALL_CODE", "north")
    assert cli("issue", "A").code == 2
    assert cli("--hall", "main", "issue", "A").code == 0  # the option beats the variable
    monkeypatch.delenv("HALL_CODE")
    after = fingerprint(ready)
    assert len(after[0]) == len(before[0]) + 1


@pytest.mark.sqlite_only("a SQLite file holds one hall")
def test_a_second_hall_on_sqlite_is_refused(cli: Cli, ready: Hall) -> None:
    assert cli("issue", "A").code == 0
    before = fingerprint(ready)
    refused = cli("--hall", "north", "init", "--name", "北区营业厅")
    assert "SQLite database holds one hall" in one_line_error(refused)
    assert fingerprint(ready) == before
    assert cli("--json", "halls").json()["halls"][0]["code"] == "main"


def test_a_new_sqlite_hall_is_named_at_init(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = cli("--db", url, "--hall", "HZ01", "--json", "init", "--name", "杭州营业厅")
    assert done.code == 0, done.err
    assert done.json()["hall"] == "HZ01"
    listed = cli("--db", url, "--json", "halls").json()["halls"]
    assert listed == [{"id": 1, "code": "HZ01", "name": "杭州营业厅", "selected": True}]
    assert cli("--db", url, "--hall", "HZ01", "issue", "A").code == 0


def test_a_report_across_the_halls_of_one_hall_is_the_halls(cli: Cli, ready: Hall) -> None:
    for _ in range(3):
        assert cli("issue", "A").code == 0
    for step in ("call", "start", "complete"):
        assert cli(step, "-c", "1").code == 0
    mine = cli("--json", "report").json()
    every = cli("--json", "report", "--all-halls").json()
    assert every["totals"]["tickets"] == 3 and every["totals"]["services"] == 1
    assert every["totals"] == mine["totals"]
    assert every["businesses"] == mine["businesses"]
    assert (every["hall_zh"], every["hall_en"]) == ("全部营业厅", "All halls")


def test_a_migrated_hall_keeps_its_code(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hz.db'}"
    assert cli("--db", url, "--hall", "HZ01", "init", "--name", "杭州营业厅").code == 0
    assert cli("--db", url, "issue", "A").code == 0
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    moved = cli("--db", url, "migrate", "--to", target)
    assert moved.code == 0, moved.err
    listed = cli("--db", target, "--json", "halls").json()["halls"]
    assert listed == [{"id": 1, "code": "HZ01", "name": "杭州营业厅", "selected": True}]

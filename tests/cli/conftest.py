"""Fixtures for the command line: a ready hall database and a runner of `hall.cli.main`."""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.config import HallConfig
from db.rules.ops import C, E, S, T
from db.store.schema import init_db
from db.store.session import Hall
from hall.cli import main
from tests.conftest import add_team


@dataclass(frozen=True)
class Result:
    """What one `hall ...` run did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Standard output parsed as JSON."""
        return json.loads(self.out)


Cli = Callable[..., Result]
"""The `cli` fixture: `cli("issue", "A", stdin="")` runs `hall issue A`."""


class _Terminal(io.StringIO):
    """Standard input that claims to be a terminal (so the PIN is asked with getpass)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run `hall ARGS...` in this process; `stdin=` feeds standard input (e.g. a PIN),
    `tty=True` makes it look like a terminal."""

    def run(*argv: str, stdin: str = "", tty: bool = False) -> Result:
        monkeypatch.setattr(sys, "stdin", _Terminal(stdin) if tty else io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, config: HallConfig) -> Path:
    """A hall with the test team, made once: argon2 makes adding staff slow."""
    path = tmp_path_factory.mktemp("template") / "hall.db"
    hall = Hall.open(f"sqlite:///{path}", config)
    init_db(hall)
    add_team(hall)
    hall.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def cli_url(db_url: str, template_db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's hall with the team, made the default database ($HALL_DB) of the commands:
    on SQLite a copy of the template, on PostgreSQL a clone of the same (`db_url`)."""
    if db_url.startswith("sqlite:///"):
        shutil.copy(template_db, db_url.removeprefix("sqlite:///"))
    monkeypatch.setenv("HALL_DB", db_url)
    return db_url


@pytest.fixture
def db_path(cli_url: str) -> Path:
    """The SQLite file of `cli_url`, for a test about the file itself: such a test runs on
    SQLite only (tests/conftest.py)."""
    return Path(cli_url.removeprefix("sqlite:///"))


@pytest.fixture
def ready(cli_url: str, config: HallConfig) -> Iterator[Hall]:
    """A handle on the test's database, for looking at what the commands did."""
    hall = Hall.open(cli_url, config)
    yield hall
    hall.dispose()


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was: tickets, counters, staff, events."""
    with hall.read() as tx:
        tickets = tx.conn.execute(select(T).order_by(T.c.id)).all()
        desks = tx.conn.execute(select(C).order_by(C.c.number)).all()
        people = tx.conn.execute(select(S).order_by(S.c.id)).all()
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    return tuple(tickets), tuple(desks), tuple(people), events


def event_kinds(hall: Hall) -> list[str]:
    """Every event's kind, oldest first."""
    with hall.read() as tx:
        return list(tx.conn.execute(select(E.c.kind).order_by(E.c.id)).scalars())


def one_line_error(result: Result) -> str:
    """The failure's message, checked to be one line starting `hall: `, with no traceback."""
    assert result.out == ""
    assert result.err.startswith("hall: ")
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    return result.err

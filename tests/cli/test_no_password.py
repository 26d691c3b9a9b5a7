"""A database password is never shown: not in the demo's hint, not in a refusal."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from db.config import HallConfig
from hall.demo import _hint
from tests.cli.conftest import Cli

URL = "postgresql+psycopg://hall:s3cret-pw@db.example/hall"


def test_the_demos_hint_hides_the_password(config: HallConfig) -> None:
    run: Any = SimpleNamespace(config=config)
    hint = _hint(URL, run)
    assert "s3cret-pw" not in hint and "hall:***@db.example" in hint


def test_a_refusal_naming_the_database_hides_the_password(cli: Cli) -> None:
    # Nothing listens there: the one-line failure names the database, without the password.
    failed = cli("--db", "postgresql+psycopg://hall:s3cret-pw@127.0.0.1:9/hall", "status")
    assert failed.code != 0
    assert "s3cret-pw" not in failed.out + failed.err

"""`hall init` on a newer version migrates a hall in place: a database made at every earlier
migration head, with data in it, comes out at the newest with nothing lost.

The data is a real morning (tickets issued, called, served, a no-show, a transfer, a
rating, a remedy, a complaint), made once with the current code; at each revision it goes
into a fresh database upgraded only that far, as plain SQL: every table that revision has,
every column it has (a NOT NULL column the morning cannot fill fails the test: a migration
that adds one must say what old rows get). The event chain goes in as that revision kept
it: nothing before 0004, seals in 0004-0005, hash columns from 0006.

That is SQLite's (the morning copied as each revision's plain SQL, by SQLite's own catalogue).
On PostgreSQL the two migrations with a PostgreSQL branch of their own, 0013 (events sealed
after commit) and 0014 (halls: keys, row security), are taken back and forth under a
morning's data: made at the head, downgraded to 0012, and `hall init` brings it back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from db.config import HallConfig
from db.rules import complaints, ops, remedies
from db.store.engine import make_engine
from db.store.schema import alembic_config, head_revision
from db.store.session import Hall, ManualClock
from tests.cli.conftest import Cli
from tests.conftest import OPENING, PgClusterForTests

DERIVED = {"alembic_version", "day_figures"}
"""Not data: the revision, and figures recomputed from the events (a cache)."""

pytestmark = pytest.mark.slow


def revisions() -> list[str]:
    """Every migration head there has been, oldest first."""
    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


@dataclass(frozen=True)
class Morning:
    """The morning's database, and where its later features' events begin: a hall made
    before a feature's table existed cannot have had its events."""

    path: Path
    since: dict[str, int]
    """Table of a feature → the id of the last event before its first step."""


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory, template_db: Path,
            config: HallConfig) -> Morning:
    """A hall at the newest revision after a morning's work (the test team, counters 1 and 4
    signed in); the steps of later features (a remedy, a complaint) come last."""
    path = tmp_path_factory.mktemp("morning") / "hall.db"
    shutil.copy(template_db, path)
    hall = Hall.open(f"sqlite:///{path}", config, ManualClock(OPENING))
    since = work_a_morning(hall)
    hall.dispose()
    return Morning(path, since)


def work_a_morning(hall: Hall) -> dict[str, int]:
    """The morning's steps on `hall` (the test team, counters 1 and 4 signed in); returns
    where the later features' events begin (`Morning.since`)."""
    clock = hall.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=5)

    def step(do: Any, *args: Any, **kwargs: Any) -> Any:
        clock.advance(minutes=1)
        with hall.write() as tx:
            return do(tx, *args, **kwargs)

    def last_event() -> int:
        with hall.read() as tx:
            return int(tx.conn.exec_driver_sql("SELECT max(id) FROM events").scalar_one())

    for business in ("A", "A", "B", "A", "E", "A"):
        step(ops.issue_ticket, business, account="1234567890" if business == "B" else None)
    served = step(ops.call_next, 1)
    step(ops.start, 1)
    step(ops.complete, 1, note="已缴费")
    step(ops.rate, served.number, 4)
    step(ops.call_next, 1)
    step(ops.no_show, 1)
    step(ops.call_next, 1)
    step(ops.start, 1)
    step(ops.transfer, 1, to="B", note="转业扩")
    step(ops.call_next, 4)
    step(ops.start, 4)
    since = {"remedies": last_event()}
    step(remedies.grant_at_counter, 4, "late_fee_waiver", 500, "系统故障")
    since["complaints"] = last_event()
    step(complaints.record_complaint, "L01", served.number, "等候太久",
         customer_phone="13800000000")
    return since


def columns(conn: sqlite3.Connection, table: str) -> dict[str, tuple[bool, bool]]:
    """Each column of `table`: (NOT NULL, has a default or is the integer key)."""
    found = {}
    for _, name, kind, notnull, default, key in conn.execute(f"PRAGMA table_info({table})"):
        found[name] = (bool(notnull), default is not None or (key and kind == "INTEGER"))
    return found


def tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}


def made_at(revision: str, morning: Morning, path: Path) -> dict[str, int]:
    """A database upgraded to `revision` only, holding the morning as that revision keeps
    it; returns the rows of each table."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = make_engine(f"sqlite:///{path}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()
    counts = {}
    with sqlite3.connect(morning.path) as old, sqlite3.connect(path) as new:
        there = tables(new)
        last = min((i for t, i in morning.since.items() if t not in there), default=1 << 60)
        for table in sorted(tables(old) - DERIVED):
            if table not in there:
                continue
            have, want = columns(old, table), columns(new, table)
            unfilled = [c for c, (notnull, default) in want.items()
                        if notnull and not default and c not in have]
            assert not unfilled, f"{revision}: {table}.{unfilled} cannot be filled"
            common = [c for c in want if c in have]
            only = f" WHERE id <= {last}" if table == "events" else ""
            rows = old.execute(f"SELECT {', '.join(common)} FROM {table}{only}").fetchall()
            marks = ", ".join("?" * len(common))
            new.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(common)}) "
                            f"VALUES ({marks})", rows)
        if "event_seals" in there:  # 0004-0005: the chain is kept beside the events
            sealed = old.execute("SELECT id, hash FROM events WHERE id <= ? ORDER BY id",
                                 (last,)).fetchall()
            new.executemany("INSERT INTO event_seals (event_id, hash, sealed_at) "
                            "VALUES (?, ?, '2026-01-05 09:00:00')", sealed)
        for table in sorted(there - DERIVED):
            counts[table] = new.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return counts


SAMPLE = ("number", "business", "status", "account", "issued_at", "called_at", "counter_number",
          "staff_id", "completed_at", "note")


def sample_ticket(path: Path, number: str) -> dict[str, Any]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
        return {k: row[k] for k in row.keys() if k in SAMPLE}  # noqa: SIM118  (sqlite3.Row)


@pytest.fixture
def served_number(morning: Morning) -> Iterator[str]:
    with sqlite3.connect(morning.path) as conn:
        yield conn.execute("SELECT number FROM tickets WHERE status = 'done'").fetchone()[0]


@pytest.mark.sqlite_only("each revision's database is built from SQLite's own catalogue "
                         "(PostgreSQL's: the round trip below)")
@pytest.mark.parametrize("revision", revisions())
def test_init_migrates_a_hall_made_at_every_earlier_revision(
        cli: Cli, morning: Morning, served_number: str, tmp_path: Path, revision: str) -> None:
    path = tmp_path / "old.db"
    before = made_at(revision, morning, path)
    assert before["tickets"] == 6 and before["events"] > 10 and before["staff"] >= 5
    sample = sample_ticket(path, served_number)
    url = f"sqlite:///{path}"
    done = cli("--db", url, "--json", "init")
    assert done.code == 0, done.err
    assert done.json()["revision"] == head_revision(make_engine(url))
    assert done.json()["days_kept"] == 1  # the morning's day, closed: its figures kept
    with sqlite3.connect(path) as conn:
        for table, count in before.items():
            if table in tables(conn) and table not in {"event_seals"}:
                after = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                assert after == count, f"{revision}: {table} had {count} rows, now {after}"
    assert sample_ticket(path, served_number) == sample
    verified = cli("--db", url, "--json", "audit", "verify")
    assert verified.code == 0, f"{revision}: {verified.err}"
    assert verified.json()["events"] == before["events"]
    assert cli("--db", url, "issue", "A").code == 0  # and the hall goes on


def test_postgres_seals_and_halls_go_back_and_come_again_under_a_morning(
        cli: Cli, pg: PgClusterForTests, config: HallConfig) -> None:
    url = pg.database("staffed")
    hall = Hall.open(url, config, ManualClock(OPENING))
    work_a_morning(hall)
    hall.seal()  # the chain whole before it goes back to 0012's (every event chained)
    hall.dispose()
    before = row_counts(url)
    assert before["tickets"] == 6 and before["events"] > 10
    engine = make_engine(url)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")  # no seals, no halls
    engine.dispose()
    assert set(row_counts(url)) == set(before) - {"halls"}
    done = cli("--db", url, "--json", "init")
    assert done.code == 0, done.err
    assert done.json()["revision"] == head_revision(make_engine(url))
    assert row_counts(url) == before
    verified = cli("--db", url, "--json", "audit", "verify")
    assert verified.code == 0, verified.err
    assert verified.json()["events"] == before["events"]
    assert cli("--db", url, "issue", "A").code == 0  # and the hall goes on
    assert cli("--db", url, "--json", "audit", "verify").code == 0


def row_counts(url: str) -> dict[str, int]:
    """The rows of every table but the revision and the derived figures."""
    engine = make_engine(url)
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        counts = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                  for name in names if name not in DERIVED}
    engine.dispose()
    return counts

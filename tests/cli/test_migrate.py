"""`hall migrate --to URL`: the whole hall copied, verified, resumable; onto SQLite here and
onto a throw-away PostgreSQL cluster where the server binaries exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from db.config import HallConfig
from db.store.engine import make_engine
from db.store.models import Base
from db.store.session import Hall
from hall import migrate
from tests.cli.conftest import Cli, fingerprint, one_line_error
from tests.unit.test_postgres import cluster, pg_url

__all__ = ["cluster", "pg_url"]  # the fixtures, used by name

MORNING = (["issue", "A"], ["issue", "A"], ["issue", "B"], ["call", "-c", "1"],
           ["start", "-c", "1"], ["complete", "-c", "1"], ["rate", "A001", "4"],
           ["call", "-c", "1"], ["noshow", "-c", "1"])


def morning(cli: Cli) -> None:
    for argv in MORNING:
        done = cli(*argv)
        assert done.code == 0, (argv, done.err)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                    for t in Base.metadata.sorted_tables if t.name not in migrate.DERIVED}
    finally:
        engine.dispose()


def test_the_whole_hall_is_copied_verified_and_goes_on_there(
    cli: Cli, ready: Hall, db_path: Path, tmp_path: Path, config: HallConfig
) -> None:
    morning(cli)
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    done = cli("--json", "migrate", "--to", target)
    assert done.code == 0, done.err
    told = done.json()
    assert told["verified"] is True and told["tables"] == counts(target)
    assert told["tables"]["tickets"] == 3 and told["tables"]["events"] > 9
    copy = Hall.open(target, config)
    try:
        assert fingerprint(copy) == fingerprint(ready)
    finally:
        copy.dispose()
    # The copy is a hall: the numbering and the chain go on there.
    issued = cli("--json", "--db", target, "issue", "A")
    assert issued.code == 0, issued.err
    assert issued.json()["number"] == "A003"
    assert cli("--json", "--db", target, "audit", "verify").code == 0


def test_an_interrupted_migration_resumes_where_it_stopped(
    cli: Cli, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    morning(cli)
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    monkeypatch.setattr(migrate, "CHUNK", 3)
    real_copy = migrate._copy
    chunks = 0

    def cut_off(src: object, dst: object, table: Any) -> object:
        nonlocal chunks
        for n in real_copy(src, dst, table):
            chunks += table.name == "events"
            if chunks == 2:  # the connection is lost after the first chunk of events
                raise OperationalError("INSERT", {}, Exception("connection lost"))
            yield n

    monkeypatch.setattr(migrate, "_copy", cut_off)
    interrupted = cli("migrate", "--to", target)
    assert interrupted.code != 0 and "connection lost" in one_line_error(interrupted)
    partial = counts(target)
    monkeypatch.setattr(migrate, "_copy", real_copy)
    done = cli("--json", "migrate", "--to", target)
    assert done.code == 0, done.err
    whole = done.json()["tables"]
    assert whole == counts(target) and whole["events"] > partial["events"] > 0


def test_a_target_with_another_halls_history_is_refused(
    cli: Cli, tmp_path: Path, ready: Hall
) -> None:
    other = tmp_path / "other.db"
    target = f"sqlite:///{other}"
    assert cli("--db", target, "init").code == 0
    assert cli("--db", target, "issue", "C").code == 0  # its own first event
    morning(cli)
    before = counts(target)
    refused = cli("migrate", "--to", target)
    assert refused.code == 1
    assert "another hall" in one_line_error(refused)
    assert counts(target) == before
    assert "--to" in one_line_error(cli("migrate"))


def test_onto_postgresql(cli: Cli, ready: Hall, pg_url: str, config: HallConfig) -> None:
    morning(cli)
    done = cli("--json", "migrate", "--to", pg_url)
    assert done.code == 0, done.err
    assert done.json()["tables"] == counts(pg_url)
    copy = Hall.open(pg_url, config)
    try:
        assert fingerprint(copy) == fingerprint(ready)
    finally:
        copy.dispose()
    issued = cli("--json", "--db", pg_url, "issue", "A")  # the id sequences moved on
    assert issued.code == 0, issued.err
    assert issued.json()["number"] == "A003"
    moved_on = fingerprint(copy := Hall.open(pg_url, config))
    again = cli("migrate", "--to", pg_url)  # the target moved on: refused, nothing written
    assert "moved on" in one_line_error(again)
    assert fingerprint(copy) == moved_on
    copy.dispose()


def test_a_chain_written_side_by_side_stays_on_postgresql(
    cli: Cli, ready: Hall, pg_url: str, config: HallConfig, tmp_path: Path
) -> None:
    from db.rules import ops

    morning(cli)
    assert cli("migrate", "--to", pg_url).code == 0
    copy = Hall.open(pg_url, config)
    try:  # a step undone there used an id: the chain's places no longer follow the ids
        with pytest.raises(RuntimeError), copy.write() as tx:
            ops.issue_ticket(tx, "A")
            raise RuntimeError("undone")
    finally:
        copy.dispose()
    assert cli("--db", pg_url, "issue", "A").code == 0
    verified = cli("--json", "--db", pg_url, "audit", "verify")
    assert verified.code == 0 and verified.json()["unsealed"] == 0, verified.err
    back = tmp_path / "back.db"
    refused = cli("--db", pg_url, "migrate", "--to", f"sqlite:///{back}")
    assert "not in id order" in one_line_error(refused)
    assert not back.exists()


# -- a hall added to a PostgreSQL database of several halls (issue 17) -------------------------


def _north(path: Path, config: HallConfig, code: str = "north") -> str:
    """A second SQLite hall, code `north`, its own staff (N01, N09 its leader): a morning
    with a remedy granted and a complaint recorded (ids an event's detail names)."""
    from db.rules import complaints, counters, ops, remedies, staff
    from db.store.schema import init_db
    from db.store.session import ManualClock
    from tests.conftest import OPENING
    from tests.unit.test_multiprocess import cheap_pins

    url = f"sqlite:///{path}"
    north = Hall.open(url, config, ManualClock(OPENING), hall=code)
    init_db(north)
    with cheap_pins(), north.write() as tx:
        staff.add_staff(tx, "N01", "王芳", "clerk", "2468", authority_limit=200)
        staff.add_staff(tx, "N09", "李强", "leader", "135792")
        counters.sign_in(tx, 1, "N01")
    for _ in range(3):
        with north.write() as tx:
            ops.issue_ticket(tx, "A")
    with north.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
        remedies.grant(tx, "A001", "N01", "expedite", 1000, "等候过久")
        ops.complete(tx, 1)
        complaints.record_complaint(tx, "N09", "A001", "太慢")
    north.dispose()
    return url


@pytest.mark.sqlite_only("the halls moved are SQLite files; the target is PostgreSQL")
def test_two_sqlite_halls_into_one_postgresql_database(
    cli: Cli, ready: Hall, pg_url: str, config: HallConfig, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import create_engine, text

    from hall import migrate_join

    morning(cli)  # hall `main`, the test's own
    assert cli("migrate", "--to", pg_url).code == 0  # into the empty database, ids kept
    north = _north(tmp_path / "north.db", config)
    mine = counts(north)
    # Cut off after the first chunk of events, then run again: it goes on.
    monkeypatch.setattr(migrate_join, "CHUNK", 3)
    real = migrate_join._grow
    chunks = 0

    def cut_off(src: Any, dst: Any, table: Any, *rest: Any) -> Any:
        nonlocal chunks
        for n in real(src, dst, table, *rest):
            chunks += table.name == "events"
            if chunks == 2:
                raise OperationalError("INSERT", {}, Exception("connection lost"))
            yield n

    monkeypatch.setattr(migrate_join, "_grow", cut_off)
    cut = cli("--db", north, "migrate", "--to", pg_url)
    assert cut.code != 0 and "connection lost" in one_line_error(cut)
    monkeypatch.setattr(migrate_join, "_grow", real)
    done = cli("--json", "--db", north, "migrate", "--to", pg_url)
    assert done.code == 0, done.err
    told = done.json()
    assert told["added"] is True and told["hall"] == "north" and told["verified"] is True
    assert told["tables"]["events"] == mine["events"] and told["tables"]["tickets"] == 3
    assert told["days_kept"] == 1  # its closed day's figures, kept there
    # Through a plain role (row-level security holds it to the hall it names).
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text("DO $$ BEGIN CREATE ROLE hall_app LOGIN; "
                          "EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
        conn.execute(text("GRANT ALL ON ALL TABLES IN SCHEMA public TO hall_app"))
        conn.execute(text("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO hall_app"))
        assert conn.execute(text("SELECT count(*) FROM events WHERE seal IS NULL")
                            ).scalar() == 0
    owner.dispose()
    app = pg_url.replace("://hall@", "://hall_app@", 1)
    listed = cli("--json", "--db", app, "--hall", "north", "halls")
    assert listed.code == 0, listed.err
    assert [h["code"] for h in listed.json()["halls"]] == ["main", "north"]
    for code, tickets in (("main", 3), ("north", 3)):
        verified = cli("--json", "--db", app, "--hall", code, "audit", "verify")
        assert verified.code == 0, verified.err
        assert verified.json()["tickets"] == tickets and verified.json()["unsealed"] == 0
    issued = cli("--json", "--db", app, "--hall", "north", "issue", "A")
    assert issued.code == 0, issued.err  # ids past the hall's range: no clash
    # The hall has moved on there: the same migration again, or any hall `north`, is refused.
    again = cli("--db", north, "migrate", "--to", pg_url)
    assert again.code == 2 and "already in the target" in one_line_error(again)
    assert cli("--json", "--db", app, "--hall", "north", "audit", "verify").code == 0
    # A third hall whose staff ids another hall has: refused before anything is written.
    east = _north(tmp_path / "east.db", config, code="east")
    clash = cli("--db", east, "migrate", "--to", pg_url)
    assert clash.code == 1 and "staff id N01" in one_line_error(clash)
    listed = cli("--json", "--db", app, "--hall", "north", "halls").json()
    assert [h["code"] for h in listed["halls"]] == ["main", "north"]


def test_the_closed_days_figures_are_kept_on_the_target(
    cli: Cli, cli_url: str, tmp_path: Path, config: HallConfig
) -> None:
    """Every path that makes history leaves its closed days kept: `hall migrate` keeps the
    days no report kept yet (on the source) and copies them, after the events (whose
    trigger drops a day's figures), so the target's first report over them replays none."""
    from db.figures import days
    from db.rules import ops
    from db.store.session import ManualClock
    from tests.conftest import OPENING

    past = Hall.open(cli_url, config, ManualClock(OPENING))  # 2026-11-27, a closed day
    with past.write() as tx:
        ops.issue_ticket(tx, "A")
    past.dispose()
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    done = cli("--json", "migrate", "--to", target)
    assert done.code == 0, done.err
    assert done.json()["days_kept"] == 1
    copy = Hall.open(target, config)
    try:
        with copy.read() as tx:
            kept = tx.conn.execute(select(days.D.c.day)).scalars().all()
            assert [str(d) for d in kept] == ["2026-11-27"]
        assert days.keep_closed_days(copy) == 0  # nothing left to replay there
    finally:
        copy.dispose()

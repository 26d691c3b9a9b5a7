"""Setting a hall up from the command line: init, config lookup, staff, export and the demo."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall
from hall.figures import EXPORT_FIELDS, EXPORT_LABELS
from tests.cli.conftest import Cli, fingerprint, one_line_error
from tests.conftest import LEADER_PIN, PIN

DEMO_FILE = "`hall demo` plays on a SQLite file of its own (hall.run.demo_url), never a server's"
"""Why the demo's tests run once."""

SMALL_HALL = """
[hall]
name_zh = "测试营业厅"

[[business]]
prefix = "A"
zh = "缴费"
standard_minutes = 4

[[counter]]
number = 1
profile = ["A"]
"""


def test_init_is_idempotent_and_prints_url_and_revision(cli: Cli, tmp_path: Path,
                                                        db_url: str, backend: str) -> None:
    # A file where there was none, in a folder not yet made; on PostgreSQL an empty database.
    url = f"sqlite:///{tmp_path / 'new' / 'hall.db'}" if backend == "sqlite" else db_url
    first = cli("--db", url, "--json", "init")
    assert first.code == 0, first.err
    shown = first.json()["db"]  # as SQLAlchemy writes it (a socket's folder quoted)
    assert make_url(shown) == make_url(url) and first.json()["revision"]
    again = cli("--db", url, "init")
    assert again.code == 0
    assert shown in again.out and first.json()["revision"] in again.out
    assert cli("--db", url, "--json", "status").json()["waiting"]["A"] == 0


@pytest.mark.sqlite_only("which config file is read; the database is the default file")
def test_the_users_config_file_is_used_when_present(cli: Cli, tmp_path: Path) -> None:
    mine = tmp_path / "xdg-config" / "onestop-hall" / "hall.toml"  # XDG set by conftest
    mine.parent.mkdir(parents=True)
    mine.write_text(SMALL_HALL, encoding="utf-8")
    result = cli("--json", "init")
    assert result.code == 0 and result.json()["config"] == str(mine)
    assert cli("--json", "status").json()["waiting"] == {"A": 0}


@pytest.mark.sqlite_only("which config file is read; the database is the default file")
def test_without_any_config_the_shipped_default_is_used(cli: Cli) -> None:
    result = cli("--json", "init")
    assert result.json()["config"] == "<default>"
    businesses = cli("--json", "businesses").json()["businesses"]
    assert [b["prefix"] for b in businesses] == ["A", "B", "C", "D", "E", "F"]


def test_staff_add_reads_the_pin_from_stdin(cli: Cli, ready: Hall) -> None:
    # The approving leader's PIN first, then the new person's: one line each.
    added = cli("--json", "staff", "add", "C09", "--name", "周杰", "--role", "clerk",
                "--authority-limit", "300", "--by", "L01", stdin=f"{LEADER_PIN}\n13579\n")
    assert added.code == 0, added.err
    assert added.json() == {"id": "C09", "name": "周杰", "role": "clerk", "authority_limit": 300}
    listed = cli("--json", "staff", "list").json()
    assert {"id": "C09", "name": "周杰", "role": "clerk", "authority_limit": 300} in listed
    assert cli("signin", "-c", "2", "-s", "C09", stdin="13579").code == 0


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What the person types at getpass prompts, in order."""
    answers: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": answers.pop(0))
    yield answers


def test_on_a_terminal_the_pin_is_asked_twice(cli: Cli, ready: Hall, typed: list[str]) -> None:
    typed += [LEADER_PIN, "8642", "8642"]
    ok = cli("staff", "add", "G02", "--name", "孙丽", "--role", "guide", "--by", "L01",
             tty=True)
    assert ok.code == 0, ok.err
    typed += [LEADER_PIN, "8642", "8643"]
    before = fingerprint(ready)
    differ = cli("staff", "add", "G03", "--name", "钱进", "--role", "guide", "--by", "L01",
                 tty=True)
    assert differ.code == 1 and "differ" in one_line_error(differ)
    assert fingerprint(ready) == before


def test_staff_add_refusals(cli: Cli, ready: Hall) -> None:
    before = fingerprint(ready)
    short = cli("staff", "add", "C10", "--name", "x", "--role", "clerk", "--by", "L01",
                stdin=f"{LEADER_PIN}\n12\n")
    assert short.code == 1 and "4 to 12 digits" in one_line_error(short)
    twice = cli("staff", "add", "C01", "--name", "x", "--role", "clerk", "--by", "L01",
                stdin=f"{LEADER_PIN}\n1234\n")
    assert twice.code == 1 and "already exists" in one_line_error(twice)
    assert fingerprint(ready) == before


def test_only_a_duty_leader_changes_the_staff(cli: Cli, ready: Hall) -> None:
    # Who runs `hall` is no one in particular: a new member, a leader above all, needs a
    # duty leader's PIN; a clerk's PIN, a wrong PIN or none changes nothing.
    before = fingerprint(ready)
    alone = cli("staff", "add", "EVIL", "--name", "x", "--role", "leader", stdin="999999\n")
    assert alone.code == 2 and "--by" in one_line_error(alone)
    clerk = cli("staff", "add", "EVIL", "--name", "x", "--role", "leader", "--by", "C01",
                stdin=f"{PIN}\n999999\n")
    assert clerk.code == 1 and "only a duty leader" in one_line_error(clerk)
    assert fingerprint(ready) == before
    wrong = cli("staff", "add", "EVIL", "--name", "x", "--role", "leader", "--by", "L01",
                stdin="0000000\n999999\n")
    assert wrong.code == 1 and "PIN" in one_line_error(wrong)  # (the failure is recorded)
    assert "EVIL" not in {person["id"] for person in cli("--json", "staff", "list").json()}


def test_the_first_leader_of_an_empty_hall_needs_no_approval(cli: Cli, db_url: str) -> None:
    url = db_url  # a file not yet made, or an empty PostgreSQL database
    told = cli("--db", url, "init")
    assert told.code == 0 and "no duty leader yet" in told.out
    clerk = cli("--db", url, "staff", "add", "C01", "--name", "x", "--role", "clerk",
                stdin="1234\n")
    assert clerk.code == 1 and "no duty leader yet" in one_line_error(clerk)
    first = cli("--db", url, "staff", "add", "L01", "--name", "杨洋", "--role", "leader",
                stdin="864213\n")
    assert first.code == 0, first.err
    second = cli("--db", url, "staff", "add", "L02", "--name", "x", "--role", "leader",
                 stdin="864213\n")
    assert second.code == 2  # from now on a leader approves (--by)
    assert "no duty leader yet" not in cli("--db", url, "init").out


@pytest.mark.sqlite_only("the SQLite file's permissions")
def test_init_makes_an_existing_hall_owner_only(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "open.db"
    url = f"sqlite:///{path}"
    assert cli("--db", url, "init").code == 0
    path.chmod(0o644)
    told = cli("--db", url, "--json", "init")
    assert told.code == 0, told.err
    # SQLite made the -wal and -shm as the file was (0644): tightened with it.
    for side in ("", "-wal", "-shm"):
        if Path(f"{path}{side}").exists():
            assert stat.S_IMODE(Path(f"{path}{side}").stat().st_mode) == 0o600
    assert f"{path}: 0644 → 0600" in told.json()["tightened"]
    assert cli("--db", url, "--json", "init").json()["tightened"] == []


def _a_day_of_work(cli: Cli) -> None:
    cli("issue", "A", "--account", "3100000001")
    cli("issue", "B", "--priority", "elderly")
    cli("call", "-c", "1")
    cli("start", "-c", "1")
    cli("complete", "-c", "1", "--note", "电费已缴清，发票已开")
    cli("rate", "A001", "4")


def test_export_csv_reads_back_with_chinese_intact(cli: Cli, ready: Hall,
                                                    tmp_path: Path) -> None:
    _a_day_of_work(cli)
    day = cli("--json", "show", "A001").json()["business_day"]
    path = tmp_path / "day.csv"
    result = cli("export", "--day", day, "--format", "csv", "--output", str(path))
    assert result.code == 0 and str(path) in result.out
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert reader.fieldnames == EXPORT_FIELDS + EXPORT_LABELS
    assert [r["number"] for r in rows] == ["A001", "B001"]
    first = rows[0]
    assert (first["status"], first["rating"], first["handler"]) == ("done", "4", "C01")
    assert first["note"] == "电费已缴清，发票已开"
    assert (first["business_zh"], first["status_zh"], first["rating_zh"]) == (
        "缴费", "已办结", "非常满意")
    assert (rows[1]["priority"], rows[1]["priority_zh"]) == ("elderly", "老年人")


def test_export_json_to_stdout_and_file(cli: Cli, ready: Hall, tmp_path: Path) -> None:
    _a_day_of_work(cli)
    printed = cli("export", "--format", "json")
    tickets = json.loads(printed.out)
    assert [t["number"] for t in tickets] == ["A001", "B001"]
    assert tickets[0]["note"] == "电费已缴清，发票已开"
    path = tmp_path / "day.json"
    written = cli("--json", "export", "-f", "json", "-o", str(path))
    assert written.json()["tickets"] == 2
    assert json.loads(path.read_text(encoding="utf-8")) == tickets


def test_export_csv_to_stdout_starts_with_the_bom(cli: Cli, ready: Hall) -> None:
    _a_day_of_work(cli)
    printed = cli("export")
    assert printed.out.startswith("\ufeffid,number,")
    assert "缴费" in printed.out


def test_export_of_an_empty_day(cli: Cli, ready: Hall) -> None:
    printed = cli("export", "--day", "2001-01-01", "-f", "json")
    assert (printed.code, json.loads(printed.out)) == (0, [])


@pytest.mark.sqlite_only(DEMO_FILE)
def test_demo_runs_twice_beside_the_default_database(cli: Cli, tmp_path: Path) -> None:
    for _ in range(2):
        result = cli("demo", "--once")
        assert result.code == 0, result.err
        assert "窗口" in result.out and "hall status" in result.out
    demo_db = tmp_path / "hall-demo.db"  # beside $HALL_DB, which stays untouched
    assert demo_db.exists() and not (tmp_path / "default-hall.db").exists()
    snap = cli("--db", f"sqlite:///{demo_db}", "--json", "status").json()
    busy = [c for c in snap["counters"] if c["staff"]]
    assert 3 <= len(busy) <= 4
    assert sum(snap["waiting"].values()) > 0
    assert snap["recent_calls"]


@pytest.mark.sqlite_only(DEMO_FILE)
def test_demo_json_on_a_given_database(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'my-demo.db'}"
    result = cli("--json", "demo", "--once", "--db", url)
    assert result.code == 0, result.err
    data = result.json()
    assert data["db"] == url and data["status"]["counters"]
    assert not any("skipped" in step for step in data["steps"])


@pytest.mark.sqlite_only(DEMO_FILE)
@pytest.mark.parametrize("after_day_start", [
    pytest.param(dt.timedelta(minutes=1), id="a-minute-into-the-day"),
    pytest.param(dt.timedelta(hours=6), id="mid-morning"),
    pytest.param(dt.timedelta(hours=23, minutes=59), id="a-minute-before-the-next-day"),
])
def test_the_demo_morning_stays_inside_one_business_day(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: HallConfig,
        after_day_start: dt.timedelta) -> None:
    # The CI run that failed started at 04:0x Shanghai time: a whole hour's morning began on
    # the business day before, so its numbers were yesterday's and every call was refused.
    began = dt.datetime.combine(dt.date(2026, 11, 27), config.day_start, tzinfo=config.tz)
    now = began + after_day_start
    monkeypatch.setattr("hall.demo.utc_now", lambda: now.astimezone(dt.UTC))
    url = f"sqlite:///{tmp_path / 'edge-demo.db'}"
    result = cli("--json", "demo", "--once", "--db", url)
    assert result.code == 0, result.err
    data = result.json()
    assert not any("skipped" in step for step in data["steps"]), data["steps"]
    assert data["status"]["recent_calls"]
    hall = Hall.open(url, config)
    with hall.read() as tx:
        days = set(tx.conn.execute(select(ops.E.c.business_day).distinct()).scalars())
        last = tx.conn.execute(select(func.max(ops.E.c.at))).scalar()
    hall.dispose()
    assert days == {config.business_day(now)}
    assert last is not None and last <= now.astimezone(dt.UTC).replace(tzinfo=None)


@pytest.mark.sqlite_only(DEMO_FILE)
def test_demo_goes_to_the_user_data_dir_when_the_default_is_not_sqlite(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hall.run import demo_url

    monkeypatch.setenv("HALL_DB", "postgresql://hall@db.example/hall")
    expected = tmp_path / "xdg-data" / "onestop-hall" / "hall-demo.db"
    assert demo_url(None) == f"sqlite:///{expected}"
    assert demo_url("sqlite:///x.db") == "sqlite:///x.db"

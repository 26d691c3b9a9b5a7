"""`hall simulate` (never on the hall's own database) and `hall audit verify`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall
from tests.cli.conftest import Cli, fingerprint, one_line_error
from tests.conftest import LEADER_PIN

SMALL = ("--arrivals-per-hour", "A=20,D=4", "--hours", "2", "--seed", "3")


def test_simulate_leaves_the_hall_alone(cli: Cli, ready: Hall) -> None:
    before = fingerprint(ready)
    data = cli("simulate", *SMALL, "--json").json()
    assert fingerprint(ready) == before
    assert data["db"] == "temporary" and data["seed"] == 3
    assert data["report"]["totals"]["tickets"] > 10
    assert set(data["kiosk"]) == {"tickets", "without_estimate", "mean_abs_error_min",
                                  "bias_min"}
    assert isinstance(data["met"], bool) and data["plan"]["9"]["A"] >= 1


def test_simulate_prints_the_report_and_the_answers(cli: Cli, ready: Hall) -> None:
    result = cli("simulate", *SMALL, "--counters", "3")
    assert result.code == 0
    for text in ("业务类型", "3 个窗口", "目标 80% 在 10 分钟内叫号", "取号机预计等候", "用时"):
        assert text in result.out, text
    english = cli("simulate", *SMALL, "--lang", "en")
    for text in ("Business types", "Erlang C", "Target 80% called within 10 min", "bias"):
        assert text in english.out, text


def test_simulate_keeps_its_database_when_asked(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'what-if.db'}"
    first = cli("simulate", *SMALL, "--db", url, "--day", "2026-11-20", "--json").json()
    again = cli("simulate", *SMALL, "--db", url, "--day", "2026-11-21", "--json").json()
    assert first["db"] == again["db"] == url
    report = cli("report", "--db", url, "--from", "2026-11-20", "--to", "2026-11-21", "--json")
    assert report.json()["totals"]["tickets"] == (first["report"]["totals"]["tickets"]
                                                   + again["report"]["totals"]["tickets"])


def test_simulate_adds_day_after_day_to_one_database(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    friday = cli("simulate", *SMALL, "--db", url, "--day", "2026-11-20", "--json")
    assert friday.code == 0, friday.err
    # No --day: the next business day after the last one held (over the weekend), and the
    # clerks signed out at the end of each day, so the next one starts cleanly.
    monday = cli("simulate", *SMALL, "--db", url, "--json")
    assert monday.code == 0, monday.err
    several = cli("simulate", *SMALL, "--db", url, "--days", "2", "--json")
    assert several.code == 0, several.err
    data = several.json()
    assert [d["day"] for d in data["days"]] == ["2026-11-24", "2026-11-25"]
    assert [d["seed"] for d in data["days"]] == [3, 4]
    tickets = [friday.json()["report"]["totals"]["tickets"],
               monday.json()["report"]["totals"]["tickets"],
               *(d["tickets"] for d in data["days"])]
    report = cli("report", "--db", url, "--from", "2026-11-20", "--to", "2026-11-25", "--json")
    assert report.json()["totals"]["tickets"] == sum(tickets)
    with sqlite3.connect(tmp_path / "history.db") as conn:
        days = [r[0] for r in conn.execute(
            "SELECT DISTINCT business_day FROM tickets ORDER BY 1")]
        signed_in = conn.execute(
            "SELECT count(*) FROM counters WHERE staff_id IS NOT NULL").fetchone()[0]
    assert days == ["2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25"]
    assert signed_in == 0
    again = cli("simulate", *SMALL, "--db", url, "--day", "2026-11-23")
    assert again.code == 1 and "already holds a simulated 2026-11-23" in one_line_error(again)


def test_simulate_several_days_prints_a_line_each(cli: Cli) -> None:
    result = cli("simulate", *SMALL, "--day", "2026-11-02", "--days", "2", "--lang", "en")
    assert result.code == 0, result.err
    assert "Simulated 2026-11-02 · seed 3" in result.out
    assert "Simulated 2026-11-03 · seed 4" in result.out
    assert "database temporary" in result.out


def test_simulate_a_day_like_the_halls_history(cli: Cli, ready: Hall) -> None:
    for _ in range(5):
        cli("issue", "A")
    cli("issue", "D")
    before = fingerprint(ready)
    with ready.read() as tx:
        today = tx.day.isoformat()
    data = cli("simulate", "--history-from", today, "--seed", "4", "--json").json()
    assert fingerprint(ready) == before  # the hall's database was only read
    assert data["db"] == "temporary"
    assert {b for hour in data["plan"].values() for b in hour} == {"A", "D"}
    assert 0 < data["report"]["totals"]["tickets"] < 30
    empty = cli("simulate", "--history-from", "2020-01-01", "--history-to", "2020-01-02")
    assert empty.code == 1 and "no tickets in the history" in one_line_error(empty)


def test_simulate_refuses_a_real_hall(cli: Cli, ready: Hall, db_path: Path) -> None:
    before = fingerprint(ready)
    result = cli("simulate", *SMALL, "--db", f"sqlite:///{db_path}")
    assert result.code == 1 and "real staff" in one_line_error(result)
    assert fingerprint(ready) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--arrivals-per-hour", "A=x"], "BUSINESS=RATE"),
        (["--arrivals-per-hour", "Z=5"], "BUSINESS=RATE"),
        (["--hours", "0"], "--hours"),
        (["--day", "2026/11/27"], "not a date"),
        (["--tickets", "5", "--arrivals-per-hour", "A=5"], "not allowed with"),
        (["--counters", "0"], "expected a whole number 1-100000"),
        (["--tickets", "-3"], "expected a whole number"),
        (["--history-from", "2026-11-27", "--history-to", "2026-11-01"], "is after"),
    ],
)
def test_simulate_misuse(cli: Cli, ready: Hall, argv: list[str], message: str) -> None:
    result = cli("simulate", *argv)
    assert result.code == 2 and message in one_line_error(result)


def test_audit_verify_tells_the_head(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    result = cli("audit", "verify", "--json").json()
    assert result["ok"] and result["events"] == result["head_id"] > 0
    shown = cli("audit", "verify")
    assert shown.code == 0 and result["head_hash"] in shown.out and "完好" in shown.out
    anchored = cli("audit", "verify", "--anchor", result["head_hash"].upper())
    assert anchored.code == 0


def test_audit_finds_the_edited_event(cli: Cli, ready: Hall, db_path: Path) -> None:
    cli("issue", "A")
    cli("issue", "B")
    ready.dispose()
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("DROP TRIGGER events_no_update")
    target = raw.execute("SELECT max(id) FROM events WHERE kind = 'issue'").fetchone()[0]
    raw.execute("UPDATE events SET at = datetime(at, '-1 day') WHERE id = ?", (target,))
    raw.close()
    result = cli("audit", "verify")
    assert result.code == 1
    assert f"event {target} was edited" in one_line_error(result)


def test_audit_finds_a_cut_end_by_the_head_written_down(
    cli: Cli, ready: Hall, db_path: Path
) -> None:
    closed = cli("close-day", "--staff", "L01", stdin=LEADER_PIN)
    head = cli("audit", "verify", "--json").json()
    assert closed.code == 0 and head["head_hash"] in closed.out and "抄录" in closed.out
    cli("issue", "A")
    ready.dispose()
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("DROP TRIGGER events_no_delete")
    raw.execute("DELETE FROM events WHERE id >= ?", (head["head_id"],))
    raw.close()
    # The chain that is left holds together; the ticket whose issue was cut off the end
    # tells, and so does the head written down.
    cut = cli("audit", "verify")
    assert cut.code == 1 and "has no events" in one_line_error(cut)
    result = cli("audit", "verify", "--anchor", head["head_hash"])
    assert result.code == 1 and "recorded head is not in the log" in one_line_error(result)


@pytest.mark.parametrize("anchor", ["abc", "g" * 64, ""])
def test_audit_anchor_must_be_a_hash(cli: Cli, ready: Hall, anchor: str) -> None:
    result = cli("audit", "verify", "--anchor", anchor)
    assert result.code == 2 and "64 hex digits" in one_line_error(result)


def test_audit_needs_a_subcommand(cli: Cli, ready: Hall) -> None:
    result = cli("audit")
    assert result.code == 2 and "verify" in one_line_error(result)


def test_export_gives_the_wait_as_told_on_a_simulated_day(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'told.db'}"
    cli("simulate", *SMALL, "--db", url, "--day", "2026-11-20", "--json")
    tickets = cli("export", "--db", url, "--day", "2026-11-20", "--format", "json").json()
    assert len(tickets) > 10
    told = [t["estimated_wait_min"] for t in tickets]
    assert all(m is not None for m in told)  # a counter served A and D all day
    assert any(m == 0 for m in told) and any(m > 0 for m in told)  # 即将叫号 and minutes
    for t in tickets:
        assert (t["estimated_wait_min"], t["estimated_low"], t["estimated_high"]) == (
            t["told_minutes"], t["told_low"], t["told_high"])
        if t["estimated_low"] is not None:
            assert t["estimated_low"] <= t["estimated_wait_min"] <= t["estimated_high"]
    sheet = cli("export", "--db", url, "--day", "2026-11-20", "--format", "csv").out
    assert "told_minutes" in sheet.splitlines()[0] and "estimated_wait_min" not in sheet


def test_report_shows_the_estimates_accuracy_on_the_halls_days(cli: Cli, tmp_path: Path
                                                                ) -> None:
    url = f"sqlite:///{tmp_path / 'accuracy.db'}"
    cli("simulate", "--arrivals-per-hour", "A=40", "--hours", "2", "--seed", "3",
        "--counters", "1", "--db", url, "--day", "2026-11-20", "--json")
    data = cli("report", "--db", url, "--day", "2026-11-20", "--json").json()
    a = next(b for b in data["businesses"] if b["prefix"] == "A")
    assert a["told"] > 5 and a["told_error_pct"] >= 0 and a["told_bias_pct"] is not None
    assert data["totals"]["told"] == a["told"]
    table = cli("report", "--db", url, "--day", "2026-11-20").out
    assert "预计等候准确度" in table and "误差中位数(%)" in table
    sheet = cli("report", "--db", url, "--day", "2026-11-20", "--format", "csv",
                "--lang", "en").out
    assert "Wait estimate accuracy" in sheet and "Median error (%)" in sheet


def test_audit_verify_by_a_read_only_role_says_it_could_not_seal(
    pg: Any, config: HallConfig, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL role granted SELECT alone may verify, not seal: what is sealed is
    verified, and the unsealed tail said in the one line (it once tried to seal first and
    said the connection was lost)."""
    from sqlalchemy import create_engine, text

    url = pg.database("cli")
    try:
        owner = create_engine(url, isolation_level="AUTOCOMMIT")
        with owner.connect() as conn:
            conn.execute(text("DO $$ BEGIN CREATE ROLE hall_reader LOGIN; "
                              "EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
            conn.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO hall_reader"))
        owner.dispose()
        hall = Hall.open(url, config)
        monkeypatch.setattr(hall, "_seal", lambda: None)  # the writer died before sealing
        for _ in range(2):
            with hall.write() as tx:
                ops.issue_ticket(tx, "A")
        hall.dispose()
        reader = url.replace("://hall@", "://hall_reader@", 1)
        result = cli("--db", reader, "audit", "verify")
        assert result.code == 0, result.err
        assert result.out.count("\n") == 1 and "Traceback" not in result.err
        assert "could not seal 2 unsealed events" in result.out
        assert "no permission" in result.out
        told = cli("--db", reader, "audit", "verify", "--json").json()
        assert told["ok"] and told["unsealed"] == 2 and told["sealed_first"] is False
        assert cli("--db", url, "audit", "verify", "--json").json()["unsealed"] == 0  # owner
    finally:
        pg.drop(url)

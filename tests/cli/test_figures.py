"""`hall report` and `hall staffing`: shapes, formats, and bad input."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from db.store.session import Hall
from tests.cli.conftest import Cli, fingerprint, one_line_error


@pytest.fixture
def served(cli: Cli, ready: Hall) -> Hall:
    """Today: A001 served and rated 4 at counter 1, A002 waiting."""
    for argv in (["issue", "A"], ["issue", "A"], ["call", "-c", "1"], ["start", "-c", "1"],
                 ["complete", "-c", "1"], ["rate", "A001", "4"]):
        assert cli(*argv).code == 0, argv
    return ready


def test_report_table(cli: Cli, served: Hall) -> None:
    result = cli("report")
    assert result.code == 0
    assert "业务类型" in result.out and "工作人员" in result.out and "C01" in result.out
    english = cli("report", "--lang", "en")
    assert "Business types" in english.out and "Composite" not in english.out  # short: Score


def test_report_json(cli: Cli, served: Hall) -> None:
    data = cli("report", "--format", "json").json()
    assert cli("--json", "report").json() == data
    a = next(b for b in data["businesses"] if b["prefix"] == "A")
    assert (a["tickets"], a["called"], a["services"]) == (2, 1, 1)
    assert data["staff"][0]["staff"] == "C01" and data["staff"][0]["ratings"]["4"] == 1
    assert data["totals"]["tickets"] == 2


def test_report_csv_opens_in_excel(cli: Cli, served: Hall, tmp_path: Path) -> None:
    out = cli("report", "--format", "csv")
    assert out.out.startswith("\ufeff") and "· 业务类型 " in out.out.splitlines()[0]
    assert "取号" in out.out and "· 工作人员（奖惩） " in out.out
    target = tmp_path / "r.csv"
    saved = cli("report", "-f", "csv", "-o", str(target), "--lang", "en")
    assert saved.code == 0 and "r.csv" in saved.out
    assert "· Business types " in target.read_text(encoding="utf-8-sig").splitlines()[0]


def test_report_xlsx_reads_back_with_chinese_headers(
    cli: Cli, served: Hall, tmp_path: Path
) -> None:
    target = tmp_path / "报表.xlsx"
    assert cli("report", "--format", "xlsx", "--output", str(target)).code == 0
    book = load_workbook(target)
    assert book.sheetnames == ["业务类型", "工作人员（奖惩）"]
    rows = list(book["业务类型"].iter_rows(values_only=True))
    day = cli("report", "--json").json()["date_from"]
    hall = cli("report", "--json").json()["hall_zh"]
    assert rows[0][0] == f"{hall} · 业务类型 {day} ~ {day}"
    assert rows[1][:4] == ("业务", "名称", "取号", "已叫号")
    assert rows[2][:3] == ("A", "缴费", 2)
    assert rows[-1][1] == "全厅"
    staff = list(book["工作人员（奖惩）"].iter_rows(values_only=True))
    assert staff[0][0] == f"{hall} · 工作人员（奖惩） {day} ~ {day}"
    assert staff[1][0] == "工号" and staff[2][:3] == ("C01", "张伟", 1)
    assert {"岗位", "后台回复", "代取号", "咨询解答"} <= set(staff[1])


def test_staffing(cli: Cli, served: Hall) -> None:
    data = cli("staffing", "--json").json()
    assert data["days"] == 1 and data["sla_minutes"] == 10
    a = [h for h in data["hours"] if h["business"] == "A"]
    assert sum(h["arrivals"] for h in a) == 2 and all(h["needed"] >= 1 for h in a if h["arrivals"])
    table = cli("staffing", "--lang", "en")
    assert table.code == 0 and "Erlang C" in table.out


def test_empty_period(cli: Cli, served: Hall) -> None:
    data = cli("report", "--json", "--from", "2020-01-01", "--to", "2020-01-31").json()
    assert data["totals"]["tickets"] == 0 and data["staff"] == []
    assert cli("staffing", "--day", "2020-01-01", "--json").json()["hours"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--from", "2026-11-28", "--to", "2026-11-01"], "is after --to"),
        (["report", "--from", "27/11/2026"], "not a date"),
        (["report", "--to", "2026-02-30"], "not a date"),
        (["report", "--format", "pdf"], "invalid choice"),
        (["report", "--format", "xlsx"], "needs --output"),
        (["staffing", "--day", "2026-11-27", "--from", "2026-11-27"], "not both"),
        (["staffing", "--day", "tomorrow"], "not a date"),
        (["staffing", "--from", "2026-11-28", "--to", "2026-11-27"], "is after --to"),
        (["report", "--lang", "fr"], "invalid choice"),
    ],
)
def test_misuse_is_one_line_and_exit_2(
    cli: Cli, served: Hall, argv: list[str], message: str
) -> None:
    before = fingerprint(served)
    result = cli(*argv)
    assert result.code == 2
    assert message in one_line_error(result)
    assert fingerprint(served) == before


def test_report_needs_an_initialised_database(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.code == 2 and "not initialised" in one_line_error(result)


def test_default_period_is_today(cli: Cli, served: Hall) -> None:
    data = cli("report", "--json").json()
    with served.read() as tx:
        assert data["date_from"] == data["date_to"] == tx.day.isoformat()
    assert cli("report", "--json", "--day", data["date_from"]).json() == data
    assert dt.date.fromisoformat(data["date_from"])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_report_shows_progress_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from hall import output

    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    with output.progress_bar("report") as tell:
        assert tell is None  # not a terminal: nothing is drawn
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with output.progress_bar("report") as tell:
        assert tell is not None
        tell(1, 3)  # a short history: no bar
        for day in range(1, 31):
            tell(day, 30)
    assert "report" in screen.getvalue()


def test_export_json_flag_gives_json_like_format_json(cli: Cli, served: Hall) -> None:
    with served.read() as tx:
        day = tx.day.isoformat()
    wanted = cli("export", "--format", "json", "--day", day).json()
    assert [t["number"] for t in wanted] == ["A001", "A002"]
    assert cli("export", "--json", "--day", day).json() == wanted
    assert cli("--json", "export", "--day", day).json() == wanted



def test_report_counts_the_guide_and_support(cli: Cli, served: Hall) -> None:
    for argv in (["issue", "B", "--by", "G01"], ["call", "-c", "4"], ["start", "-c", "4"],
                 ["refer", "-c", "4", "--to", "S01"]):
        assert cli(*argv).code == 0, argv
    staff = {s["staff"]: s for s in cli("report", "--json").json()["staff"]}
    assert (staff["G01"]["role"], staff["G01"]["issued"], staff["G01"]["workload"]) == (
        "guide", 1, 1)
    assert (staff["S01"]["referrals_taken"], staff["S01"]["referrals_returned"]) == (1, 0)

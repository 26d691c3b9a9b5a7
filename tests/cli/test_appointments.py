"""`hall appoint import|add|list|checkin`: the day's list in one transaction, bad lines
reported by number and skipped, a file that cannot be read importing nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from db.config import HallConfig
from db.rules import appointments as ap
from db.store.session import Hall
from tests.cli.conftest import Cli, event_kinds, fingerprint, one_line_error

GOOD = "100231,赵敏,13800138000,0012345678,A,{slot}\n"


def slot_now(config: HallConfig) -> str:
    """The local hour we are in, as a slot: inside its check-in window now."""
    hour = dt.datetime.now(config.tz).hour
    return f"{hour:02d}:00-{hour:02d}:59"


def appointments(hall: Hall) -> int:
    with hall.read() as tx:
        return int(tx.conn.execute(select(func.count()).select_from(ap.A)).scalar_one())


def test_import_reports_bad_lines_and_keeps_the_good(cli: Cli, ready: Hall, tmp_path: Path,
                                                     config: HallConfig) -> None:
    # Slots in the hour we are in: a slot already over would list as missed (the command
    # reads the real clock; 09:00-09:30 failed the test after 09:40 Beijing time).
    slot = slot_now(config)
    path = tmp_path / "day.csv"
    path.write_text("code,name,phone,account,business,slot\n" + GOOD.format(slot=slot)
                    + f"12,钱,1380,1,A,{slot}\n\n100232,孙,13900001111,,缴费,{slot}\n"
                    + "a,b\n", encoding="utf-8-sig")
    done = cli("appoint", "import", str(path))
    assert done.code == 0, done.err
    assert "新增 2，更新 0，跳过 2 行" in done.out
    assert "第 3 行：预约码“12”应为 4-12 位数字" in done.out
    assert "第 6 行：有 2 列，应为 6 列" in done.out
    again = cli("appoint", "import", str(path), "--json").json()
    assert (again["added"], again["updated"]) == (0, 2)
    assert [s["line"] for s in again["skipped"]] == [3, 6]
    listed = cli("appoint", "list", "--json").json()
    assert [(v["code"], v["business"], v["state"]) for v in listed] == [
        ("100231", "A", "booked"), ("100232", "A", "booked")]
    assert "138****8000" in cli("appoint", "list").out  # the list masks the phone
    assert event_kinds(ready)[-2:] == ["appointment_import", "appointment_import"]


def test_gb18030_file_is_read(cli: Cli, ready: Hall, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(GOOD.format(slot="09:00-09:30").encode("gb18030"))
    assert cli("appoint", "import", str(path)).code == 0
    listed = cli("appoint", "list", "--json").json()
    assert [v["name"] for v in listed] == ["赵敏"]


def test_an_unreadable_file_imports_nothing(cli: Cli, ready: Hall, tmp_path: Path) -> None:
    before = fingerprint(ready)
    missing = cli("appoint", "import", str(tmp_path / "nope.csv"))
    assert missing.code == 2 and "cannot read" in one_line_error(missing)
    path = tmp_path / "binary.csv"
    path.write_bytes(GOOD.format(slot="09:00-09:30").encode() + b"\xff\xfe\x80\x81,\n")
    bad = cli("appoint", "import", str(path))
    assert bad.code == 2 and "neither UTF-8 nor GB18030" in one_line_error(bad)
    assert fingerprint(ready) == before and appointments(ready) == 0


def test_add_list_and_check_in(cli: Cli, ready: Hall, config: HallConfig) -> None:
    slot = slot_now(config)
    added = cli("appoint", "add", "555501", "--name", "李雷", "--phone", "13700001234",
                "--account", "A-1", "-b", "B", "--slot", slot)
    assert added.code == 0 and "已登记预约 555501" in added.out
    taken = cli("appoint", "add", "555501", "--name", "韩梅梅", "--phone", "13700001234",
                "-b", "B", "--slot", slot)
    assert taken.code == 1 and "already booked" in one_line_error(taken)
    bad = cli("appoint", "checkin", "555501", "--phone", "1234")
    assert bad.code == 2 and "give the CODE, or --phone" in one_line_error(bad)
    done = cli("appoint", "checkin", "--phone", "1234", "--account", "A-1", "--json")
    assert done.code == 0, done.err
    ticket = done.json()
    assert (ticket["number"], ticket["priority"]) == ("B001", "appointment")
    again = cli("appoint", "checkin", "555501")
    assert again.code == 1 and "already checked in: number B001" in one_line_error(again)
    [view] = cli("appoint", "list", "--json").json()
    assert (view["state"], view["ticket"]) == ("checked_in", "B001")


def test_help_documents_the_columns(cli: Cli) -> None:
    shown = cli("appoint", "import", "--help")
    assert shown.code == 0
    for column in ap.CSV_COLUMNS:
        assert f"\n  {column} " in shown.out
    assert "updates" in shown.out and "line" in shown.out


def test_the_report_has_an_appointments_section(cli: Cli, ready: Hall, config: HallConfig,
                                                tmp_path: Path) -> None:
    assert "预约签到" not in cli("report").out  # none booked: no section
    cli("appoint", "add", "555501", "--name", "李雷", "--phone", "13700001234", "-b", "B",
        "--slot", slot_now(config))
    assert cli("appoint", "checkin", "555501").code == 0
    shown = cli("report")
    assert shown.code == 0 and "预约签到" in shown.out
    data = cli("report", "--json").json()
    total = data["appointments"][-1]
    assert (total["prefix"], total["booked"], total["checked_in"]) == ("*", 1, 1)
    out = tmp_path / "r.csv"
    assert cli("report", "--format", "csv", "--output", str(out)).code == 0
    assert "预约签到" in out.read_text(encoding="utf-8-sig")

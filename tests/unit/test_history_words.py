"""A ticket's history reads in words, never in codes (issue 12): a dissatisfied rating's
reason and a supervision-box note's kind by their names, in Chinese and English; a
leader's own reason as typed."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from db.config import HallConfig
from db.store.views import EventView
from ui.history import event_line


def line(config: HallConfig, detail: dict[str, object], lang: str, kind: str = "rate") -> str:
    event = EventView(1, dt.datetime(2026, 12, 7, 1, 0), kind, "A005", None, 1, detail)
    return event_line(event, config, {}, lang)


def test_a_rating_reason_reads_in_words(config: HallConfig) -> None:
    zh = line(config, {"score": 1, "reason": "long_wait"}, "zh")
    en = line(config, {"score": 1, "reason": "long_wait"}, "en")
    assert "原因：等候时间太长" in zh and "long_wait" not in zh
    assert "Waited too long" in en and "long_wait" not in en


def test_a_note_kind_reads_in_words_and_free_reasons_as_typed(config: HallConfig) -> None:
    assert "批评" in line(config, {"about": "criticism"}, "zh", kind="feedback")
    refused = line(config, {"reason": "金额过高"}, "zh", kind="remedy_refuse")
    assert "原因：金额过高" in refused


def test_an_automatic_no_show_says_so_in_words(config: HallConfig) -> None:
    zh = line(config, {"auto": True, "recalls": 2}, "zh", kind="no_show")
    en = line(config, {"auto": True, "recalls": 2}, "en", kind="no_show")
    assert "自动" in zh and "重呼 2 次" in zh and "auto" not in zh and "recalls" not in zh
    assert "automatically" in en and "recalled 2 times" in en and "recalls:" not in en


def test_who_and_where_read_in_words(config: HallConfig) -> None:
    added = line(config, {"role": "support"}, "zh", kind="staff_add")
    assert added.endswith("岗位：服务岗（后台）") and "support" not in added
    assert line(config, {"role": "clerk"}, "en", kind="staff_add").endswith("post: counter clerk")
    failed = line(config, {"terminal": "counter 3"}, "zh", kind="pin_failed")
    assert failed.endswith("终端：3号窗口") and "terminal" not in failed
    assert "终端：大厅显示屏" in line(config, {"terminal": "display"}, "zh", kind="pin_failed")
    assert "terminal: evaluator of counter 2" in line(config, {"terminal": "evaluator 2"}, "en",
                                                      kind="pin_locked")
    assert "公告：今日 12:00 停电检修" in line(config, {"text": "今日 12:00 停电检修"}, "zh",
                                          kind="notice")


def test_times_read_as_local_hours_and_minutes(config: HallConfig) -> None:
    # 01:30 UTC is 09:30 in the hall (Asia/Shanghai): the history's own times read alike.
    zh = line(config, {"called_at": "2026-12-07T01:30:00+00:00"}, "zh", kind="call")
    assert zh.startswith("09:00 叫号") and zh.endswith("叫号时间 09:30"), zh
    assert "T01:30" not in zh and "called_at" not in zh
    en = line(config, {"called_at": "2026-12-07T01:30:00"}, "en", kind="call")
    assert en.endswith("called at 09:30"), en
    # A key no table knows yet still shows no raw key, and its time in hh:mm.
    unknown = line(config, {"walked_up_at": "2026-12-07T02:05:00+00:00"}, "zh", kind="call")
    assert unknown.endswith("，10:05") and "walked_up_at" not in unknown, unknown


def logged_keys() -> set[str]:
    """Every detail key a step of the core writes to the event log (read from the source)."""
    root = Path(__file__).resolve().parents[2] / "db"
    keys: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "log":
                keys |= {k.arg for k in node.keywords if k.arg is not None}
    return keys - {"ticket", "staff", "counter"}  # the event's own columns


def test_every_logged_detail_reads_without_its_key(config: HallConfig) -> None:
    keys = logged_keys()
    assert {"role", "terminal", "score", "remedy_kind"} <= keys  # the walk finds them
    for key in sorted(keys):
        zh = line(config, {key: "x1"}, "zh", kind="call")
        assert key not in zh, (key, zh)
        en = line(config, {key: "x1"}, "en", kind="call")  # "note: …" is English itself
        assert "_" not in en, (key, en)  # no code such as remedy_kind or called_at


def test_an_appointment_check_in_reads_in_words(config: HallConfig) -> None:
    zh = line(config, {"business": "A", "appointment": "123456"}, "zh", kind="issue")
    assert "预约签到（预约码 123456）" in zh and "appointment" not in zh
    en = line(config, {"business": "A", "appointment": "123456"}, "en", kind="issue")
    assert "appointment check-in (code 123456)" in en
    assert line(config, {"codes": ["2026-12-07:1"]}, "zh",
                kind="appointment_missed").split(" ", 1)[1].startswith("预约未到")

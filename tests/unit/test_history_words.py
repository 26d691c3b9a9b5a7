"""A ticket's history reads in words, never in codes (issue 12): a dissatisfied rating's
reason and a supervision-box note's kind by their names, in Chinese and English; a
leader's own reason as typed."""

from __future__ import annotations

import datetime as dt

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

"""Refusals speak the language of the person who sees them: English and Chinese."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from db.errors import AuthFailed, HallError, NotFound, Refused
from db.rules import counters, ops
from db.rules.staff import authenticate
from db.store.session import Hall

DB = Path(__file__).resolve().parents[2] / "db"
PERSON_FACING = (Refused, NotFound, AuthFailed, ops.QueueEmpty)
"""What a clerk, guide, leader or customer can meet on a screen (config errors are the
administrator's, at the command line, and stay English)."""
ADMIN_ONLY = {"config", "migrations", "schema.py", "engine.py"}
"""The config package, the migrations and the schema and engine set-up."""


def _raises_without_zh(path: Path) -> list[str]:
    names = {cls.__name__ for cls in PERSON_FACING}
    missing = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Raise):
            continue
        call = node.exc
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            continue
        if call.func.id in names and not any(k.arg == "zh" for k in call.keywords):
            missing.append(f"{path.name}:{node.lineno}")
    return missing


def test_every_refusal_the_core_raises_has_a_chinese_text() -> None:
    files = [p for p in DB.rglob("*.py") if not ADMIN_ONLY & {p.name, *p.parts}]
    assert len(files) > 5
    missing = [where for p in files for where in _raises_without_zh(p)]
    assert missing == []


def test_text_picks_the_language_and_falls_back_to_english() -> None:
    error = Refused("counter 3 holds no ticket", zh="3 号窗口当前没有票号")
    assert str(error) == "counter 3 holds no ticket"
    assert error.text("en") == "counter 3 holds no ticket"
    assert error.text("zh") == "3 号窗口当前没有票号"
    assert HallError("only English").text("zh") == "only English"


def test_the_chinese_text_survives_a_process_boundary() -> None:
    error = pickle.loads(pickle.dumps(ops.QueueEmpty("empty", zh="暂无等候客户")))
    assert type(error) is ops.QueueEmpty
    assert (str(error), error.zh) == ("empty", "暂无等候客户")


def test_a_real_refusal_carries_the_counter_and_state_in_chinese(hall: Hall) -> None:
    with hall.write() as tx:
        counters.set_state(tx, 1, "paused")
    with pytest.raises(Refused) as caught, hall.write() as tx:
        ops.call_next(tx, 1)
    assert caught.value.text("zh") == "1 号窗口处于暂停状态：请先开放窗口再叫号"
    assert "counter 1 is paused" in caught.value.text("en")


def test_a_stale_ticket_is_refused_in_chinese(hall: Hall) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.call_next(tx, 1)
        ops.no_show(tx, 1)
    with pytest.raises(Refused) as caught, hall.write() as tx:
        ops.start(tx, 1, expect="A001")
    assert caught.value.text("zh") == "1 号窗口当前没有票号；A001 已不在本窗口"


def test_a_wrong_pin_is_refused_in_chinese(hall: Hall) -> None:
    with pytest.raises(AuthFailed) as caught:
        authenticate(hall, "C01", "0000")
    assert caught.value.zh is not None and "PIN 错误" in caught.value.zh
    assert "wrong PIN" in str(caught.value)

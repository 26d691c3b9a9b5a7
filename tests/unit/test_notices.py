"""The wall display's notice: set and cleared by the duty leader only, kept in the log."""

from __future__ import annotations

import pytest

from db.errors import AuthFailed, NotFound, Refused
from db.rules import notices, queries
from db.store.session import Hall, ManualClock


def current(hall: Hall) -> str:
    with hall.read() as tx:
        return notices.current_notice(tx)


def set_by(hall: Hall, staff: str, text: str) -> str:
    with hall.write() as tx:
        return notices.set_notice(tx, staff, text)


def notice_events(hall: Hall) -> int:
    with hall.read() as tx:
        return len(queries.events(tx, kind="notice"))


def test_no_notice_until_the_leader_sets_one(hall: Hall) -> None:
    assert current(hall) == ""
    stored = set_by(hall, "L01", "  今日 系统升级，\n缴费请到1号窗口 ")
    assert stored == "今日 系统升级， 缴费请到1号窗口"
    assert current(hall) == "今日 系统升级， 缴费请到1号窗口"


def test_the_latest_notice_shows_and_an_empty_one_clears_it(hall: Hall) -> None:
    set_by(hall, "L01", "第一条")
    set_by(hall, "L01", "第二条")
    assert current(hall) == "第二条"
    set_by(hall, "L01", "   ")
    assert current(hall) == ""
    assert notice_events(hall) == 3  # who said what to the hall stays in the log
    with hall.read() as tx:
        latest = queries.events(tx, kind="notice")[-1]
    assert latest.staff == "L01" and latest.detail == {"text": ""}


@pytest.mark.parametrize("staff", ["C01", "G01", "S01"])
def test_only_a_duty_leader_may_set_it(hall: Hall, staff: str) -> None:
    set_by(hall, "L01", "请保管好随身物品")
    with pytest.raises(AuthFailed, match="only a duty leader"):
        set_by(hall, staff, "something else")
    assert current(hall) == "请保管好随身物品"
    assert notice_events(hall) == 1


def test_an_unknown_staff_id_or_a_long_text_is_refused(hall: Hall) -> None:
    with pytest.raises(NotFound):
        set_by(hall, "X99", "hello")
    with pytest.raises(Refused, match="at most 200"):
        set_by(hall, "L01", "长" * 201)
    assert current(hall) == "" and notice_events(hall) == 0


def test_a_notice_lasts_its_business_day(hall: Hall, clock: ManualClock) -> None:
    set_by(hall, "L01", "今日通知")
    clock.advance(minutes=24 * 60)
    assert current(hall) == ""

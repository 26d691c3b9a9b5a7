"""The support desk, driven by the Pilot: sign-in by role, the referrals for the colleague
and the pool, take, note, hand back done or with a question, and the live reload when a
clerk refers another ticket from another "process"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from counter.screens.dialogs import PromptScreen
from counter.support.app import SupportApp, make_app
from counter.support.screens.desk import DeskScreen
from counter.support.screens.signin import SignInScreen
from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall
from db.store.views import EventView, StaffView, TicketView
from db.store.watch import ChangeWatcher
from tests.apps.conftest import (
    DESK_SIZE,
    click,
    details,
    keys,
    settle,
    sign_in,
    text,
    ticket,
    until,
)
from tests.conftest import PIN
from ui.history import event_line

pytestmark = pytest.mark.pg_too  # the watcher, the database lost and back, or a session rule

SUPPORT = StaffView("S01", "刘强", "support", 200)
SupportFactory = Callable[..., SupportApp]


@pytest.fixture
def support_app(config: HallConfig, hall: Hall) -> SupportFactory:
    def build(watch: bool = False) -> SupportApp:
        return make_app(config, hall, watch=watch)

    return build


def referred(hall: Hall, to: str | None = None, note: str = "site survey") -> TicketView:
    """A customer served at counter 1 and referred to support (`to`, or the pool)."""
    with hall.write() as tx:
        ops.issue_ticket(tx, "A", account="3100725")
    with hall.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
    with hall.write() as tx:
        return ops.refer(tx, 1, to, note=note)


async def at_desk(pilot: Pilot[Any], staff: StaffView = SUPPORT, watch: bool = False) -> None:
    """S01's desk as after a sign-in (the PIN check has tests of its own)."""
    app = pilot.app
    assert isinstance(app, SupportApp)
    watcher = ChangeWatcher.for_hall(app.machine.hall) if watch else None
    await app.switch_screen(DeskScreen(app.machine, staff, watcher))
    await settle(pilot)


async def test_a_clerk_is_refused_and_support_signs_in(support_app: SupportFactory) -> None:
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await sign_in(pilot, "c01")
        assert isinstance(app.screen, SignInScreen)
        assert text(app, "#pin-error") == "C01 是工作岗，服务岗只供服务岗人员和值班领导登录"
        app.screen.query_one("#staff-id", Input).value = ""
        await click(pilot, "#staff-id")
        await sign_in(pilot, "s01", "1111")
        assert "S01" in text(app, "#pin-error")  # the core's wrong-PIN line
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*PIN, "enter")  # the PIN field was cleared and has the focus
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        assert "刘强（S01）" in text(app, "#desk-header")
        assert text(app, "#list-title") == "没有待办的转后台事项"
        await keys(pilot, "f12")
        assert isinstance(app.screen, SignInScreen)


async def test_lists_mine_and_the_pool_with_the_history(
    support_app: SupportFactory, hall: Hall
) -> None:
    referred(hall)
    referred(hall, to="S01", note="file retrieval")
    with hall.write() as tx:  # someone else's: never listed here
        ops.issue_ticket(tx, "B")
        ops.call_next(tx, 4)
        ops.start(tx, 4)
        ops.refer(tx, 4, None)
        ops.take_referral(tx, "B001", "L01")
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        options = app.screen.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] \
            == ["A001 缴费 · 张伟 · 公共池", "A002 缴费 · 张伟 · 我的"]
        assert text(app, "#detail-handler") == "首办责任人：张伟（C01）"
        assert text(app, "#detail-request") == "需办理：site survey"
        assert text(app, "#history").splitlines()[-1] \
            == "09:00 转后台 张伟 C01：1号窗口，备注：site survey"
        await keys(pilot, "down")
        assert text(app, "#detail-state") == "已由您接单"
        assert text(app, "#detail-request") == "需办理：file retrieval"
        await pilot.press("l")
        assert text(app, "#detail-handler") == "Handler: 张伟 (C01)"


async def test_take_note_and_hand_back_done_by_keys(
    support_app: SupportFactory, hall: Hall
) -> None:
    referred(hall)
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "t")
        assert text(app, "#desk-status") == "已接单 A001"
        assert text(app, "#detail-state") == "已由您接单"
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"meter ok", "enter")
        await settle(pilot)
        assert text(app, "#desk-status") == "已为 A001 添加备注"
        assert "后台备注 刘强 S01：meter ok" in text(app, "#history")
        await pilot.press("d")
        await pilot.press(*"replaced", "enter")
        await settle(pilot)
        assert text(app, "#desk-status") == "A001 已回复首办责任人（办结）"
        assert text(app, "#list-title") == "没有待办的转后台事项"
    back = ticket(hall, "A001")
    assert (back.status, back.handler, back.support, back.note) == \
        ("serving", "C01", None, "replaced")
    assert details(hall, "return") == [{"note": "replaced"}]


async def test_a_question_back_by_buttons(support_app: SupportFactory, hall: Hall) -> None:
    referred(hall, to="S01")
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await click(pilot, "#do-question")
        assert isinstance(app.screen, PromptScreen)
        await click(pilot, "#prompt-ok")  # empty: a question needs its text
        assert isinstance(app.screen, PromptScreen)
        await click(pilot, "#prompt-input")
        await pilot.press(*"which meter?")
        await click(pilot, "#prompt-ok")
        assert text(app, "#desk-status") == "A001 已退回首办责任人（提问）"
    assert details(hall, "return") == [{"note": "which meter?", "outcome": "question"}]
    assert ticket(hall, "A001").status == "serving"


async def test_refusals_show_in_one_line(support_app: SupportFactory, hall: Hall) -> None:
    referred(hall, to="S01")
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await pilot.press("t")  # already S01's, not in the pool
        await settle(pilot)
        assert "A001" in text(app, "#desk-status")  # the core's refusal, one line
        assert app.screen.query_one("#desk-status").has_class("-error")
        assert ticket(hall, "A001").support == "S01"
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot, StaffView("S01", "刘强", "support", 200))
        await pilot.press("t")
        with hall.write() as tx:  # meanwhile the handler's ticket was handed back elsewhere
            ops.return_from_support(tx, "A001", "S01")
        await pilot.press("n", *"late", "enter")
        await settle(pilot)
        assert "A001" in text(app, "#desk-status")
        assert app.screen.query_one("#desk-status").has_class("-error")
        assert text(app, "#list-title") == "没有待办的转后台事项"


async def test_nothing_chosen_says_so(support_app: SupportFactory) -> None:
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await click(pilot, "#do-done")
        assert text(app, "#desk-status") == "请先选择一件事项"
        assert isinstance(app.screen, DeskScreen)


async def test_a_new_referral_appears_by_itself(support_app: SupportFactory, hall: Hall) -> None:
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot, watch=True)
        referred(hall)
        await until(pilot, lambda: text(app, "#list-title") == "待办转后台 1 件")


def back_again(hall: Hall) -> None:
    """A1 set aside for the customer, served again, referred; support asks; referred again."""
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    with hall.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
        ops.set_aside(tx, 1, "ID card [original]")
    with hall.write() as tx:
        ops.resume(tx, 1, "A001")
        ops.refer(tx, 1, "S01", note="site survey")
        ops.return_from_support(tx, "A001", "S01", note="which meter?", outcome="question")
    with hall.write() as tx:
        ops.refer(tx, 1, "S01", "A001", note="the one by the gate")


async def test_the_history_reads_in_words(support_app: SupportFactory, hall: Hall) -> None:
    back_again(hall)
    app = support_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        assert text(app, "#history").splitlines()[3:] == [
            "09:00 待客户补件 张伟 C01：1号窗口，备注：ID card [original]",
            "09:00 接回窗口办理 张伟 C01：1号窗口",
            "09:00 转后台 张伟 C01：1号窗口，转给 刘强 S01，备注：site survey",
            "09:00 后台回复 刘强 S01：备注：which meter?，有疑问",
            "09:00 再次转后台 张伟 C01：转给 刘强 S01，备注：the one by the gate",
        ]
        await pilot.press("l")
        await settle(pilot)
        assert text(app, "#history").splitlines()[3:] == [
            "09:00 set aside for the customer 张伟 C01: counter 1, note: ID card [original]",
            "09:00 served at the counter again 张伟 C01: counter 1",
            "09:00 refer 张伟 C01: counter 1, to 刘强 S01, note: site survey",
            "09:00 return 刘强 S01: note: which meter?, a question",
            "09:00 referred again 张伟 C01: to 刘强 S01, note: the one by the gate",
        ]
        assert "True" not in text(app, "#history")  # the flag is in the step's name


def test_a_flag_in_the_detail_names_the_step(config: HallConfig) -> None:
    def line(kind: str, lang: str = "zh", counter: int | None = None, **detail: Any) -> str:
        at = dt.datetime(2024, 5, 6, 1, 0)
        event = EventView(1, at, kind, "A001", "C01", counter, detail or None)
        return event_line(event, config, {"C01": "张伟"}, lang)

    assert line("complete", note="meter swapped", away=True) \
        == "09:00 办结（客户不在场） 张伟 C01：备注：meter swapped"
    assert line("complete", "en", away=True) == "09:00 closed away 张伟 C01"
    assert line("complete", counter=1) == "09:00 办结 张伟 C01：1号窗口"
    assert line("sign_in", counter=1, again=True) == "09:00 再次签到 张伟 C01：1号窗口"
    assert line("sign_in", "en", counter=1, again=True) \
        == "09:00 signed in again 张伟 C01: counter 1"
    assert line("sign_in", counter=1) == "09:00 签到 张伟 C01：1号窗口"

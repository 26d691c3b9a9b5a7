"""The counter client's remedies (授权), today's own figures, and the change watcher."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Label

from counter.app import CounterApp
from counter.screens.desk import DeskScreen
from counter.screens.remedy import RemedyScreen
from db.rules import counters, ops, remedies
from db.store.session import Hall, ManualClock
from db.store.views import StaffView
from tests.apps.conftest import (
    CLERK,
    DESK_SIZE,
    CounterFactory,
    CountingWatcher,
    at_desk,
    click,
    issue,
    keys,
    notifications,
    settle,
    shown,
    text,
    type_text,
    until,
)

WATCH_SECONDS = 0.05


def serving(hall: Hall, business: str = "A") -> str:
    """A customer called and being served at counter 1 (by C01): the number."""
    number = issue(hall, business).number
    with hall.write() as tx:
        ops.call_number(tx, 1, number)
        ops.start(tx, 1)
    return number


async def watched_desk(pilot: Pilot[Any]) -> None:
    """C01's desk as a sign-in opens it: watching for other processes' commits."""
    app = pilot.app
    assert isinstance(app, CounterApp)
    await app.switch_screen(DeskScreen(app.machine, CLERK, app.watcher, WATCH_SECONDS))
    await settle(pilot)


async def ask_remedy(pilot: Pilot[Any], downs: int, amount: str, reason: str) -> None:
    """g, the kind `downs` below the first, the amount, the reason, Enter."""
    await keys(pilot, "g")
    assert isinstance(pilot.app.screen, RemedyScreen)
    await pilot.press(*(["down"] * downs), "enter")
    await type_text(pilot, amount)
    await pilot.press("enter")
    await type_text(pilot, reason)
    await keys(pilot, "enter")


def queue_text(app: CounterApp) -> str:
    """The queue panel's count lines, one string (empty while it is being rebuilt)."""
    labels = app.screen.query(".queue-count").results(Label)
    return " | ".join(str(label.content) for label in labels)


def own_remedies(hall: Hall) -> list[Any]:
    with hall.read() as tx:
        return remedies.staff_remedies(tx, "C01")


async def test_a_remedy_within_authority_is_granted_and_listed(
    counter_app: CounterFactory, hall: Hall
) -> None:
    serving(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await ask_remedy(pilot, 0, "150.5", "系统扣费错误")
        assert isinstance(app.screen, DeskScreen)
        assert text(app, "#desk-status") == "A001 已给予补救：减免违约金 ¥150.50"
        card = text(app, "#card-remedies")
        assert card == "补救\n#1 减免违约金 ¥150.50 · 已给予"
        assert not app.screen.query_one("#card-remedies").has_class("-pending")
        assert text(app, "#figures-remedies") == "补救 1 项 · 待审批 0 项"
    (granted,) = own_remedies(hall)
    assert (granted.status, granted.amount_fen, granted.reason) == (
        "granted", 15050, "系统扣费错误")


async def test_above_the_limit_pending_until_the_leader_approves(
    counter_app: CounterFactory, hall: Hall
) -> None:
    serving(hall)
    app = counter_app(check_seconds=WATCH_SECONDS)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await watched_desk(pilot)
        await ask_remedy(pilot, 1, "500", "停电损失")
        assert text(app, "#desk-status") == "超出授权额度：A001 的补救已提交值班领导审批"
        assert text(app, "#card-remedies").endswith("赔偿 ¥500.00 · 待值班领导审批")
        assert app.screen.query_one("#card-remedies").has_class("-pending")
        assert text(app, "#figures-remedies") == "补救 0 项 · 待审批 1 项"
        (request,) = own_remedies(hall)
        with hall.write() as tx:  # the duty leader, at another terminal
            remedies.approve(tx, request.id, "L01", "情况属实")
        await until(pilot, lambda: "已批准" in text(app, "#card-remedies"))
        assert text(app, "#card-remedies").endswith("赔偿 ¥500.00 · 值班领导 L01 已批准")
        assert not app.screen.query_one("#card-remedies").has_class("-pending")
        assert text(app, "#figures-remedies") == "补救 1 项 · 待审批 0 项"
        await until(pilot, lambda: bool(notifications(app)))  # notify() posts a message
        assert notifications(app) == [
            "第 1 号补救（A001）：值班领导 L01 已批准"]


async def test_a_refusal_reaches_the_clerk_after_the_ticket_has_left_the_card(
    counter_app: CounterFactory, hall: Hall
) -> None:
    serving(hall)
    app = counter_app(check_seconds=WATCH_SECONDS)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await watched_desk(pilot)
        await ask_remedy(pilot, 1, "300", "停电损失")
        await keys(pilot, "d")
        await keys(pilot, "enter")  # completed without a note: the card is empty
        assert shown(app) == ""
        (request,) = own_remedies(hall)
        with hall.write() as tx:
            remedies.refuse(tx, request.id, "L01", "不属于供电责任")
        await until(pilot, lambda: bool(notifications(app)))
        assert notifications(app) == [
            "第 1 号补救（A001）：值班领导 L01 已驳回：不属于供电责任"]
        assert text(app, "#figures-remedies") == "补救 0 项 · 待审批 0 项"


async def test_the_dialog_says_what_is_missing_and_changes_nothing(
    counter_app: CounterFactory, hall: Hall
) -> None:
    serving(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await ask_remedy(pilot, 0, "12.345", "r")
        assert isinstance(app.screen, RemedyScreen)
        assert text(app, "#remedy-error") == (
            "金额“12.345”最多两位小数（分）")
        amount = app.screen.query_one("#remedy-amount")
        amount.value = "12"  # type: ignore[attr-defined]
        app.screen.query_one("#remedy-reason").value = ""  # type: ignore[attr-defined]
        await keys(pilot, "enter", "enter")  # on to the reason, then submit
        assert text(app, "#remedy-error") == "请填写补救原因"
        await keys(pilot, "escape")
        assert isinstance(app.screen, DeskScreen)
        assert text(app, "#card-remedies") == ""
    assert own_remedies(hall) == []


async def test_the_core_refuses_a_remedy_for_a_customer_not_yet_served(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1")
        await ask_remedy(pilot, 2, "0", "上门")
        status = app.screen.query_one("#desk-status")
        assert status.has_class("-error")
        assert "A001" in text(app, "#desk-status")
    assert own_remedies(hall) == []


async def test_the_remedy_button_and_english(counter_app: CounterFactory, hall: Hall) -> None:
    serving(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "l")
        await click(pilot, "#do-remedy")
        assert isinstance(app.screen, RemedyScreen)
        assert "your limit 200 yuan" in text(app, ".title")
        await pilot.press("down", "down", "enter")
        await type_text(pilot, "0")
        await pilot.press("enter")
        await type_text(pilot, "meter check")
        await click(pilot, "#remedy-ok")
        assert text(app, "#desk-status") == "Remedy on A001: Home visit ¥0.00 granted"
        assert text(app, "#card-remedies") == "Remedies\n#1 Home visit ¥0.00 · granted"


async def test_todays_own_figures(
    counter_app: CounterFactory, hall: Hall, clock: ManualClock
) -> None:
    for minutes, score in ((4, 4), (5, 2)):
        number = serving(hall)
        clock.advance(minutes=minutes)
        with hall.write() as tx:
            ops.complete(tx, 1, number)
            ops.rate(tx, number, score)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        assert text(app, "#figures-served") == "已办结 2 件"
        assert text(app, "#figures-handling") == "平均办理 4.5 分钟"
        assert text(app, "#figures-satisfaction") == "满意率 50%（2 个评价）"
        await keys(pilot, "l")
        assert text(app, "#figures-served") == "Served 2"
        assert text(app, "#figures-satisfaction") == "Satisfied 50% of 2 ratings"


async def test_figures_before_the_first_service(counter_app: CounterFactory) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        assert text(app, "#figures-served") == "已办结 0 件"
        assert text(app, "#figures-handling") == "平均办理 —"
        assert text(app, "#figures-satisfaction") == "暂无评价"


async def test_another_processs_ticket_shows_without_a_step(
    counter_app: CounterFactory, hall: Hall
) -> None:
    app = counter_app(check_seconds=WATCH_SECONDS)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await watched_desk(pilot)
        assert "A 缴费：0 人" in queue_text(app)
        issue(hall)  # the kiosk, another process as far as the app knows
        await until(pilot, lambda: "A 缴费：1 人" in queue_text(app))


async def test_without_a_watcher_the_desk_reads_only_after_its_own_steps(
    counter_app: CounterFactory, hall: Hall
) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        desk = app.screen
        assert isinstance(desk, DeskScreen)
        # Nothing would read by itself: no timer asks the watcher, and it is never asked.
        assert all(timer._callback != desk.check_for_changes for timer in desk._timers)
        issue(hall)
        await settle(pilot)
        assert "A 缴费：0 人" in queue_text(app)
        assert isinstance(app.watcher, CountingWatcher) and app.watcher.checks == 0
        await keys(pilot, "f1")  # its own step reads what the kiosk committed
        assert shown(app) == "A001"


async def test_a_refusal_on_the_card_shows_the_leaders_words_as_typed(
    counter_app: CounterFactory, hall: Hall
) -> None:
    serving(hall)
    app = counter_app(check_seconds=WATCH_SECONDS)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await watched_desk(pilot)
        await ask_remedy(pilot, 1, "900", "停电损失")
        (request,) = own_remedies(hall)
        with hall.write() as tx:
            remedies.refuse(tx, request.id, "L01", "[/] 请走理赔流程 [bold]")
        await until(pilot, lambda: "已驳回" in text(app, "#card-remedies"))
        assert text(app, "#card-remedies").endswith(
            "赔偿 ¥900.00 · 值班领导 L01 已驳回：[/] 请走理赔流程 [bold]")
        await until(pilot, lambda: bool(notifications(app)))
        assert notifications(app) == [
            "第 1 号补救（A001）：值班领导 L01 已驳回：[/] 请走理赔流程 [bold]"]


async def test_a_referral_handed_back_comes_to_the_handlers_attention(
    counter_app: CounterFactory, hall: Hall
) -> None:
    serving(hall)
    app = counter_app(check_seconds=WATCH_SECONDS)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await watched_desk(pilot)
        assert text(app, "#figures-matters") == "在办：后台 0 · 待处理 0"
        await keys(pilot, "b", "enter")  # the pool
        await keys(pilot, "enter")
        assert text(app, "#figures-matters") == "在办：后台 1 · 待处理 0"
        with hall.write() as tx:  # the support desk, another process
            ops.take_referral(tx, "A001", "S01")
            ops.return_from_support(tx, "A001", "S01", note="勘查完毕")
        await until(pilot, lambda: text(app, "#figures-matters") == "在办：后台 0 · 待处理 1")
        await until(pilot, lambda: bool(notifications(app)))
        assert notifications(app) == [
            "A001 已由后台交回（备注：勘查完毕），请按 o 处理"]


async def test_a_duty_leader_at_a_counter_grants_without_a_limit(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app(2)
    async with app.run_test(size=DESK_SIZE) as pilot:
        with hall.write() as tx:
            counters.sign_in(tx, 2, "L01")
        leader = StaffView("L01", "杨洋", "leader", 200)
        await app.switch_screen(DeskScreen(app.machine, leader))
        await settle(pilot)
        await keys(pilot, "f1", "s", "g")
        assert "值班领导，不限额度" in text(app, ".title")
        await pilot.press("down", "enter", *"5000", "enter", *"投诉纠正")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已给予补救：赔偿 ¥5000.00"

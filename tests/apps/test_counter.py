"""The counter client, driven by the Pilot: sign-in, every step, stale clients, restarts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Button, Label, OptionList

from counter.screens.desk import DeskScreen
from counter.screens.dialogs import AskScreen, PickScreen, PromptScreen
from counter.screens.remedy import RemedyScreen
from counter.screens.signin import SignInScreen
from db.rules import ops
from db.store.session import Hall, ManualClock
from tests.apps.conftest import (
    DESK_SIZE,
    CounterFactory,
    at_desk,
    click,
    cut_text,
    issue,
    keys,
    options_of,
    settle,
    shown,
    sign_in,
    steady,
    text,
    ticket,
    type_text,
    until,
)
from tests.conftest import PIN


async def test_wrong_pin_stays_then_right_pin_opens_the_desk(
    counter_app: CounterFactory,
) -> None:
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await sign_in(pilot, "c01", "1111")
        assert isinstance(app.screen, SignInScreen)
        assert text(app, "#pin-error").startswith("C01 的 PIN 错误")
        await type_text(pilot, PIN)  # the PIN field was cleared and has the focus
        await keys(pilot, "enter")
        assert isinstance(app.screen, DeskScreen)
        assert "张伟（C01）" in text(app, "#desk-header")
        assert shown(app) == ""


async def test_a_support_colleague_cannot_take_a_counter(counter_app: CounterFactory) -> None:
    app = counter_app(2)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await sign_in(pilot, "S01")
        assert isinstance(app.screen, SignInScreen)
        assert "只有工作岗和值班领导可以签到窗口" in text(app, "#pin-error")


@pytest.mark.pg_too
async def test_call_next_shows_the_number_and_the_handler(
    counter_app: CounterFactory, hall: Hall, clock: ManualClock
) -> None:
    issue(hall, "B")
    issue(hall, "A", account="3100725")
    clock.advance(minutes=6)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        assert "A 缴费：1 人" in str(app.screen.query(".queue-count").first(Label).content)
        await keys(pilot, "f1")
        assert shown(app) == "A001"
        assert text(app, "#card-handler") == "首办责任人：张伟（C01）"
        assert text(app, "#card-waited") == "已等候 6 分钟"
        assert text(app, "#card-account") == "户号：3100725"
        assert text(app, "#desk-status") == "已呼叫 A001"
        await keys(pilot, "r")
        assert text(app, "#card-recalls") == "重呼 1 次"
        await keys(pilot, "n")  # the counter still holds A001: the core refuses
        assert "1 号窗口仍有 A001" in text(app, "#desk-status")
    assert ticket(hall, "A001").handler == "C01"


async def test_a_recall_past_the_limit_says_the_ticket_was_marked_no_show(
    counter_app: CounterFactory, hall: Hall
) -> None:
    hall.config = replace(hall.config, auto_no_show_after_recalls=1)
    issue(hall, "A", "A")
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "r")
        assert text(app, "#desk-status") == "已重呼 A001"
        await keys(pilot, "r")  # the second recall: a no-show by itself, and it says so
        assert text(app, "#desk-status") == "A001 已重呼 1 次仍未到，已自动按过号处理"
        assert shown(app) == ""  # the counter is free for the next
        await keys(pilot, "l")
        assert text(app, "#desk-status") == (
            "A001 recalled 1× and did not come: marked no-show automatically")
    assert ticket(hall, "A001").status == "no_show"


@pytest.mark.pg_too
async def test_start_then_complete_with_a_note(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s")
        assert text(app, "#card-status") == "办理中"
        await keys(pilot, "d")
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "paid")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已办结"
        assert shown(app) == ""
    done = ticket(hall, "A001")
    assert (done.status, done.note) == ("done", "paid")


@pytest.mark.pg_too
async def test_transfer_keeps_the_handler(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s", "t")
        assert isinstance(app.screen, PickScreen)
        offered = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert offered and not any(o.startswith("A ") for o in offered)  # not its own
        await pilot.press("enter")  # B, the first offered, then the note
        await type_text(pilot, "meter")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已转办到 B 报装接电"
        assert shown(app) == ""
    moved = ticket(hall, "A001")
    assert (moved.status, moved.business, moved.handler) == ("waiting", "B", "C01")


async def test_a_transferred_ticket_shows_where_it_came_from(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    with hall.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
        ops.transfer(tx, 1, "E", "A001", note="带电表")
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        assert not app.screen.query_one("#card-origin").display  # nothing held yet
        await keys(pilot, "f1")
        assert shown(app) == "A001"
        assert text(app, "#card-origin").startswith("来自：")
        assert "转办" in text(app, "#card-origin")
        assert text(app, "#card-note") == "备注：带电表"
        assert "经过：" in text(app, "#card-history")
        await keys(pilot, "l")  # the same in English
        assert text(app, "#card-origin").startswith("Came from:")


async def test_a_fresh_ticket_has_no_past_on_its_card(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1")
        for line in ("#card-origin", "#card-history"):
            assert not app.screen.query_one(line).display


async def test_next_service_counts_the_services(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s", "f8")
        offered = [o.id for o in app.screen.query_one(OptionList).options]
        assert "A" not in offered  # a next service to the same business is not offered
        await pilot.press("down", "down", "down", "enter")  # E
        await keys(pilot, "enter")
    moved = ticket(hall, "A001")
    assert (moved.business, moved.services) == ("E", 2)


async def test_refer_to_support_then_close_when_handed_back(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s", "b")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("down", "enter")  # the pool, then S01
        await type_text(pilot, "site survey")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已转后台"
        referred = ticket(hall, "A001")
        assert (referred.status, referred.support, referred.handler) == (
            "with_support", "S01", "C01")
        await keys(pilot, "o", "enter")  # still with support: nothing to do yet
        assert text(app, "#desk-status") == "A001 仍在后台，服务岗回复后才能办理"
        with hall.write() as tx:
            ops.return_from_support(tx, "A001", "S01", note="surveyed")
        await keys(pilot, "o")
        assert isinstance(app.screen, PickScreen)
        assert "A001 A 缴费 后台已办好（备注：surveyed）" in options_of(app)
        await keys(pilot, "enter")  # the matter; then what to do with it
        assert options_of(app) == ["客户已到：接回本窗口办理", "办结（客户不在场，可电话告知）",
                                   "答复并交回后台 S01"]
        await pilot.press("down", "enter")  # close it away, with the outcome
        await type_text(pilot, "phoned")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已办结"
    done = ticket(hall, "A001")
    assert (done.status, done.note) == ("done", "phoned")


async def test_walk_in_with_an_account_shows_earlier_visits(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall, "E", account="3100725")  # an earlier matter of the same customer
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "w")
        await pilot.press("enter")  # A, then the account
        await type_text(pilot, "3100725")
        await keys(pilot, "enter")
        assert shown(app) == "A001"
        assert text(app, "#card-status") == "办理中"
        assert "E001 E 发票与票据 等候中" in text(app, "#card-visits")
    walked = ticket(hall, "A001")
    assert (walked.status, walked.handler, walked.issued_by) == ("serving", "C01", "C01")


async def test_call_a_named_number(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "m")
        await type_text(pilot, "a2")
        await keys(pilot, "enter")
        assert shown(app) == "A002"


async def test_call_by_number_picks_from_the_waiting_and_the_no_shows(
    counter_app: CounterFactory, hall: Hall
) -> None:
    for _ in range(3):
        issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "x")  # A001 did not come
        await keys(pilot, "m")
        assert isinstance(app.screen, PickScreen)
        listed = app.screen.query_one(OptionList)
        assert [o.id for o in listed.options] == ["A002", "A003", "A001"]
        assert "过号" in str(listed.get_option("A001").prompt)
        await keys(pilot, "shift+tab", "down", "down", "enter")  # the no-show, at once
        assert isinstance(app.screen, DeskScreen)
        assert shown(app) == "A001"  # named-called back within the grace
        await keys(pilot, "x", "m")
        await click(pilot, "#pick-list")  # a touch on an entry calls it
        assert isinstance(app.screen, DeskScreen)
        touched = shown(app)
        assert touched in ("A002", "A003", "A001")
    assert ticket(hall, touched).status == "called"


async def test_a_stale_client_is_refused_and_refreshed(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1")
        with hall.write() as tx:  # another process at the same counter moves on
            ops.start(tx, 1, "A001")
            ops.complete(tx, 1, "A001")
            ops.call_next(tx, 1)
        assert shown(app) == "A001"
        await keys(pilot, "s")
        assert text(app, "#desk-status") == "1 号窗口已不再办理 A001（当前为 A002）"
        assert app.screen.query_one("#desk-status").has_class("-error")
        assert shown(app) == "A002"
    assert ticket(hall, "A002").status == "called"  # the refused step changed nothing


async def test_a_dialog_left_open_names_the_ticket_it_was_opened_for(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s", "d")
        with hall.write() as tx:  # meanwhile, the same counter moves on elsewhere
            ops.complete(tx, 1, "A001")
            ops.call_next(tx, 1)
        desk = app.screen_stack[-2]
        assert isinstance(app.screen, PromptScreen) and isinstance(desk, DeskScreen)
        desk.reload()  # as the periodic reload would, while the dialog is open
        await settle(pilot)
        assert desk.ticket is not None and desk.ticket.number == "A002"
        await type_text(pilot, "late")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "1 号窗口已不再办理 A001（当前为 A002）"
        assert shown(app) == "A002"
    assert ticket(hall, "A001").note is None


async def test_a_step_with_no_ticket_on_screen_reads_the_counter_again(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        with hall.write() as tx:
            ops.call_next(tx, 1)
        await keys(pilot, "s")
        assert text(app, "#desk-status") == "窗口没有当前客户"
        assert shown(app) == "A001"
    assert ticket(hall, "A001").status == "called"


async def test_restart_restores_the_current_ticket(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    first = counter_app()
    async with first.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s")
    again = counter_app()
    async with again.run_test(size=DESK_SIZE) as pilot:
        await sign_in(pilot)
        assert shown(again) == "A001"
        assert text(again, "#card-status") == "办理中"


async def test_pause_resume_and_sign_out(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "p")
        assert "暂停" in text(app, "#desk-header")
        await keys(pilot, "f1")
        assert text(app, "#desk-status") == "1 号窗口处于暂停状态：请先开放窗口再叫号"
        await keys(pilot, "f11", "f1", "f12")
        assert "仍有 A001" in text(app, "#desk-status")
        assert isinstance(app.screen, DeskScreen)
        await keys(pilot, "x", "f12")
        assert isinstance(app.screen, SignInScreen)
    with hall.read() as tx:
        assert ops.counter_row(tx, 1).staff_id is None


async def test_pause_asks_while_a_called_customer_walks_up(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "p")
        assert isinstance(app.screen, AskScreen)
        assert "A001" in text(app, "#ask-question")
        await keys(pilot, "enter")  # the focused button is Cancel: no pause
        assert isinstance(app.screen, DeskScreen)
        assert "暂停" not in text(app, "#desk-header")
        await keys(pilot, "p")
        await click(pilot, "#ask-ok")
        assert "暂停" in text(app, "#desk-header")
        await keys(pilot, "p")  # open again: nothing to ask
        assert isinstance(app.screen, DeskScreen)
        assert "暂停" not in text(app, "#desk-header")


async def test_buttons_do_what_keys_do(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await click(pilot, "#do-call_next")
        assert shown(app) == "A001"
        await click(pilot, "#do-no_show")
    assert ticket(hall, "A001").status == "no_show"


@pytest.mark.slow
async def test_every_button_does_what_its_key_does(counter_app: CounterFactory,
                                                  hall: Hall) -> None:
    """Touch each step's button in turn through a customer's visit: the same step or the
    same dialog as its key."""
    issue(hall)
    issue(hall)
    app = counter_app()
    dialogs = {"call_number": PickScreen, "complete": PromptScreen, "transfer": PickScreen,
               "next_service": PickScreen, "refer": PickScreen, "walk_in": PickScreen,
               "set_aside": PromptScreen, "remedy": RemedyScreen}
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await click(pilot, "#do-call_next")
        assert text(app, "#desk-status") == "已呼叫 A001"
        await click(pilot, "#do-recall")
        assert text(app, "#desk-status") == "已重呼 A001"
        await click(pilot, "#do-start")
        assert text(app, "#desk-status") == "A001 开始办理"
        for action, kind in dialogs.items():
            if action in ("call_number", "walk_in"):
                continue  # these two need a free counter: below
            await click(pilot, f"#do-{action}")
            assert isinstance(app.screen, kind), action
            await keys(pilot, "escape")
        await click(pilot, "#do-complete")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已办结"
        for action in ("call_number", "walk_in"):
            await click(pilot, f"#do-{action}")
            assert isinstance(app.screen, dialogs[action]), action
            await keys(pilot, "escape")
        await click(pilot, "#do-open_matters")
        assert text(app, "#desk-status") == "没有在办事项"
        await click(pilot, "#do-pause")
        assert "暂停" in text(app, "#desk-header")
        await click(pilot, "#do-pause")
        await click(pilot, "#do-close")
        assert "关闭" in text(app, "#desk-header")
        await click(pilot, "#do-close")
        await click(pilot, "#do-sign_out")
        assert isinstance(app.screen, SignInScreen)
    assert ticket(hall, "A001").status == "done"
    assert ticket(hall, "A001").recalls == 1


async def test_english(counter_app: CounterFactory, hall: Hall) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "l", "f1")
        assert text(app, "#card-handler") == "Handler: 张伟 (C01)"
        assert text(app, "#desk-status") == "Called A001"
        with hall.write() as tx:  # another process moves the counter on
            ops.no_show(tx, 1, "A001")
        await keys(pilot, "s")  # refused in the language the clerk chose
        assert text(app, "#desk-status") == "counter 1 holds no ticket; A001 is no longer here"


async def test_the_status_line_follows_the_language_switch(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1")
        assert text(app, "#desk-status") == "已呼叫 A001"
        await keys(pilot, "l")
        assert text(app, "#desk-status") == "Called A001"
        await keys(pilot, "l")
        assert text(app, "#desk-status") == "已呼叫 A001"


async def test_screens_left_behind_are_freed(counter_app: CounterFactory, hall: Hall) -> None:
    # A screen that watched the app's language stayed alive until the next switch: a
    # counter signed in and out all day would keep every desk it ever showed. (The desk
    # just left may still be held a moment by its last timer or worker; never more.)
    import gc

    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        for _ in range(3):  # a leak keeps one desk per sign-in: 4 > 2 shows it
            await keys(pilot, "f12")  # sign out: back to the sign-in
            assert isinstance(app.screen, SignInScreen)
            await sign_in(pilot)
            assert isinstance(app.screen, DeskScreen)
        await settle(pilot)
        gc.collect()
        desks = [o for o in gc.get_objects() if isinstance(o, DeskScreen)]
        assert len(desks) <= 2, len(desks)  # the old code kept every desk: 4 here


async def test_close_and_open_the_counter_while_signed_in(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "c")
        assert text(app, "#desk-status").startswith("窗口已关闭")
        assert str(app.screen.query_one("#do-close", Button).label) == "开放 c"
        with hall.read() as tx:
            row = ops.counter_row(tx, 1)
        assert (row.state, row.staff_id) == ("closed", "C01")  # closed, still signed in
        await keys(pilot, "f1")  # a closed counter calls no one
        assert text(app, "#desk-status") == "1 号窗口处于关闭状态：请先开放窗口再叫号"
        await keys(pilot, "c", "f1")
        assert shown(app) == "A001"
        await keys(pilot, "c")  # not while it holds a customer: the core refuses
        assert "仍有 A001" in text(app, "#desk-status")
    with hall.read() as tx:
        assert ops.counter_row(tx, 1).state == "open"


async def test_english_labels_in_full_where_there_is_room(counter_app: CounterFactory) -> None:
    app = counter_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await at_desk(pilot)
        await keys(pilot, "l")

        def label(action: str) -> str:
            return str(app.screen.query_one(f"#do-{action}", Button).label)

        assert (label("next_service"), label("call_number")) == ("Next service F8",
                                                                  "Call number F2")
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: label("next_service") == "Add svc F8")
        assert label("call_number") == "Number F2"  # short: the key stays on the button
        await pilot.resize_terminal(120, 36)
        await until(pilot, lambda: label("next_service") == "Next service F8")


async def test_the_desk_fits_a_phones_page(counter_app: CounterFactory, hall: Hall) -> None:
    """At a phone's page on the hall server (390×844 px in Chromium: 43×40 cells) the desk stacks:
    nothing cut, every step's button and key on screen, the hint whole, in both languages;
    with no customer and with one called; the call-by-number, transfer and note dialogs fit."""
    app = counter_app()
    async with app.run_test(size=(43, 40)) as pilot:
        await steady(pilot)
        assert cut_text(app) == []  # the sign-in
        await at_desk(pilot)
        issue(hall)
        for called in (False, True):
            if called:
                await keys(pilot, "f1")
                assert shown(app) == "A001"
            for lang in ("zh", "en"):
                app.language = lang
                await steady(pilot)
                assert cut_text(app) == [], (lang, called)
                assert text(app, "#desk-hint").endswith("Esc 取消" if lang == "zh"
                                                        else "Esc cancel")
                if not called:
                    assert text(app, "#card-empty") == ("当前没有客户 · 按 F1 叫下一位"
                                                        if lang == "zh" else
                                                        "No customer · F1 calls the next")
            assert str(app.screen.query_one("#do-call_next", Button).label) == "Next F1"
        app.language = "zh"
        for step, dialog in (("f2", PickScreen), ("f7", PickScreen), ("f6", PromptScreen)):
            await keys(pilot, step)  # the dialogs fit as well

            def opened(dialog: type[object] = dialog) -> bool:
                return isinstance(app.screen, dialog)

            await until(pilot, opened)
            await steady(pilot)
            assert cut_text(app) == [], step
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DeskScreen))

"""The supervision box (监督箱) on the kiosk."""

from __future__ import annotations

import time

from textual import events
from textual.widgets import Input, TextArea

from db.rules import ops, reception
from db.rules.text import FEEDBACK_MAX
from db.store.session import Hall
from kiosk.screens.feedback import FeedbackBox
from kiosk.screens.home import HomeScreen
from tests.apps.conftest import (
    SMALL,
    KioskFactory,
    click,
    events_of,
    text,
    type_text,
    wait_for_screen,
)


def stored(hall: Hall) -> list[tuple[str | None, str]]:
    with hall.read() as tx:
        return [(f.ticket, f.body) for f in reception.feedback_list(tx)]


async def test_anonymous_feedback_is_stored_and_acknowledged(
    kiosk: KioskFactory, hall: Hall
) -> None:
    app = kiosk()  # the thanks going by themselves: with a ticket number, below
    async with app.run_test(size=SMALL) as pilot:
        await click(pilot, "#feedback")
        assert isinstance(app.screen, FeedbackBox)
        await type_text(pilot, "Too hot")
        app.screen.query_one(TextArea).insert("，空调太热")  # what an IME would type
        await click(pilot, "#fb-send")
        assert app.screen.query_one("#fb-thanks").display
        assert text(app, "#fb-thanks") == "感谢您的意见，值班领导会认真处理"
        await click(pilot, "#fb-thanks")  # a touch goes back at once
        assert isinstance(app.screen, HomeScreen)
    assert stored(hall) == [(None, "Too hot，空调太热")]


async def test_feedback_with_a_ticket_number(kiosk: KioskFactory, hall: Hall) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    app = kiosk(confirm_seconds=0.5)
    async with app.run_test(size=SMALL) as pilot:
        await click(pilot, "#feedback")
        await type_text(pilot, "slow")
        app.screen.query_one("#fb-number").scroll_visible(animate=False)  # a short screen
        await click(pilot, "#fb-number")
        await type_text(pilot, "a1")
        sent = time.monotonic()
        await pilot.press("enter")
        await wait_for_screen(pilot, HomeScreen)  # the thanks go by themselves
        assert time.monotonic() - sent >= 0.5
    assert stored(hall) == [("A001", "slow")]


async def test_empty_feedback_is_refused_in_the_form(kiosk: KioskFactory, hall: Hall) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await click(pilot, "#feedback")
        await click(pilot, "#fb-send")
        assert isinstance(app.screen, FeedbackBox)
        assert text(app, "#fb-error") == "请先选择意见类别或填写内容再提交"
        await click(pilot, "#fb-cancel")
        assert isinstance(app.screen, HomeScreen)
    assert stored(hall) == []


async def test_typing_stops_where_the_core_would_refuse(kiosk: KioskFactory, hall: Hall) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    app = kiosk(confirm_seconds=0.5)
    async with app.run_test(size=SMALL) as pilot:
        await click(pilot, "#feedback")
        body = app.screen.query_one("#fb-body", TextArea)
        body.post_message(events.Paste("长" * (FEEDBACK_MAX + 5)))  # cut to what fits
        await pilot.pause()
        await type_text(pilot, "xy")  # nothing more goes in
        assert body.text == "长" * FEEDBACK_MAX
        app.screen.query_one("#fb-number").scroll_visible(animate=False)  # a short screen
        await click(pilot, "#fb-number")
        await type_text(pilot, "A0010000999")  # a ticket number's column holds 8
        assert app.screen.query_one("#fb-number", Input).value == "A0010000"
        await pilot.press("backspace", "backspace", "backspace", "backspace", "enter")
        await wait_for_screen(pilot, HomeScreen)
    assert stored(hall) == [("A001", "长" * FEEDBACK_MAX)]


async def test_feedback_by_touch_alone(kiosk: KioskFactory, hall: Hall) -> None:
    app = kiosk()  # a customer with only a finger: no key is pressed below
    async with app.run_test(size=SMALL) as pilot:
        await click(pilot, "#feedback")
        await click(pilot, "#fb-kind-suggestion")
        await click(pilot, "#fb-kind-complaint")  # changes their mind
        await click(pilot, "#fb-counter-3")
        assert text(app, "#fb-chosen") == "已选择：投诉 · 3号窗口（缴费）"
        await click(pilot, "#fb-send")
        assert text(app, "#fb-thanks")
        assert app.screen.query_one("#fb-thanks").display, text(app, "#fb-error")
    assert stored(hall) == [(None, "投诉 · 3号窗口（缴费）")]
    [event] = events_of(hall, "feedback")
    assert (event.counter_number, event.detail["about"]) == (3, "complaint")


async def test_feedback_kind_counter_taken_back_and_text(kiosk: KioskFactory, hall: Hall) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await click(pilot, "#feedback")
        await click(pilot, "#fb-kind-praise")
        await click(pilot, "#fb-counter-2")
        await click(pilot, "#fb-counter-2")  # taken back: no counter
        assert text(app, "#fb-chosen") == "已选择：表扬"
        app.screen.query_one(TextArea).insert("quick")  # typed, by whoever has a keyboard
        await click(pilot, "#fb-send")
    assert stored(hall) == [(None, "表扬：quick")]

"""The supervision box (监督箱) on the kiosk."""

from __future__ import annotations

from textual.widgets import TextArea

from db.rules import ops, reception
from db.store.session import Hall
from kiosk.screens.feedback import FeedbackBox
from kiosk.screens.home import HomeScreen
from tests.apps.conftest import SMALL, KioskFactory, settle, text, type_text


def stored(hall: Hall) -> list[tuple[str | None, str]]:
    with hall.read() as tx:
        return [(f.ticket, f.body) for f in reception.feedback_list(tx)]


async def test_anonymous_feedback_is_stored_and_acknowledged(
    kiosk: KioskFactory, hall: Hall
) -> None:
    app = kiosk(confirm_seconds=1.5)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.click("#feedback")
        assert isinstance(app.screen, FeedbackBox)
        await type_text(pilot, "Too hot")
        app.screen.query_one(TextArea).insert("，空调太热")  # what an IME would type
        await pilot.click("#fb-send")
        await settle(pilot)
        assert app.screen.query_one("#fb-thanks").display
        assert text(app, "#fb-thanks") == "感谢您的意见，值班领导会认真处理"
        await pilot.pause(1.6)
        assert isinstance(app.screen, HomeScreen)
    assert stored(hall) == [(None, "Too hot，空调太热")]


async def test_feedback_with_a_ticket_number(kiosk: KioskFactory, hall: Hall) -> None:
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.click("#feedback")
        await type_text(pilot, "slow")
        await pilot.click("#fb-number")
        await type_text(pilot, "a1")
        await pilot.press("enter")
        await settle(pilot)
    assert stored(hall) == [("A001", "slow")]


async def test_empty_feedback_is_refused_in_the_form(kiosk: KioskFactory, hall: Hall) -> None:
    app = kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.click("#feedback")
        await pilot.click("#fb-send")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackBox)
        assert text(app, "#fb-error") == "请先填写内容再提交"
        await pilot.click("#fb-cancel")
        assert isinstance(app.screen, HomeScreen)
    assert stored(hall) == []

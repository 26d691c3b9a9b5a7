"""The customer evaluator beside counter 1, driven by the Pilot: another "process" (the
test, through `hall.write()`) completes a service and the evaluator, learning of it through
its change watcher, asks for a rating; keys and touches answer it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Button

from counter.evaluator.app import EvaluatorApp, make_app
from counter.evaluator.screens.idle import IdleScreen
from counter.evaluator.screens.rating import RatingScreen
from counter.evaluator.screens.reason import ReasonScreen
from counter.evaluator.screens.thanks import ThanksScreen
from counter.evaluator.screens.unlock import LeaderUnlock
from db.config import EvaluatorConfig, HallConfig
from db.errors import NotFound, Refused
from db.rules import counters, ops, staff
from db.store.session import Hall, ManualClock
from db.store.views import TicketView
from db.store.watch import ChangeWatcher
from tests.apps.conftest import (
    DESK_SIZE,
    CountingWatcher,
    FlakyWatcher,
    click,
    details,
    seen_and_asked_again,
    text,
    ticket,
    until,
)
from tests.conftest import LEADER_PIN, PIN

EvaluatorFactory = Callable[..., EvaluatorApp]


@pytest.fixture
def evaluator(config: HallConfig, hall: Hall) -> EvaluatorFactory:
    """`evaluator(timeout=…, thanks=…, counter=…)`: the app on the test hall, its change
    watcher counted (`counted`); long timings unless a test is about them."""

    def build(timeout: float = 60, thanks: float = 60, counter: int = 1) -> EvaluatorApp:
        timings = EvaluatorConfig(timeout_seconds=timeout, thanks_seconds=thanks)
        return make_app(replace(config, evaluator=timings), hall, counter=counter,
                        watcher=CountingWatcher(ChangeWatcher.for_hall(hall)))

    return build


def counted(app: EvaluatorApp) -> CountingWatcher:
    """The counted watcher of an app the `evaluator` fixture built."""
    assert isinstance(app.watcher, CountingWatcher)
    return app.watcher


def served(hall: Hall, counter: int = 1) -> TicketView:
    """A customer issued, called, served and completed at `counter` (the clerk's client)."""
    with hall.write() as tx:
        ops.issue_ticket(tx, "A" if counter == 1 else "B")
    with hall.write() as tx:
        ops.call_next(tx, counter)
        ops.start(tx, counter)
    with hall.write() as tx:
        return ops.complete(tx, counter)


def rating_of(hall: Hall, number: str) -> int | None:
    return ticket(hall, number).rating


async def on(pilot: Pilot[Any], kind: type[Any]) -> None:
    """Until a `kind` screen is on top and composed."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind)
                and any(w.region.area for w in pilot.app.screen.query("Label")))


async def asked(pilot: Pilot[Any]) -> RatingScreen:
    await on(pilot, RatingScreen)
    # composed and laid out to the last widget: the buttons can be touched
    await until(pilot, lambda: any(w.region.area for w in pilot.app.screen.query("#language")))
    screen = pilot.app.screen
    assert isinstance(screen, RatingScreen)
    return screen


async def test_idle_shows_the_counter_and_its_clerk(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)
        assert text(app, "#idle-counter") == "1号窗口（缴费）"
        assert text(app, "#idle-serving") == "为您服务"
        assert text(app, "#idle-clerk") == "张伟  工号 C01"
        await pilot.press("l")
        assert text(app, "#idle-counter") == "Counter 1 (payment)"
        assert text(app, "#idle-clerk") == "张伟  staff no. C01"
        with hall.write() as tx:
            counters.sign_out(tx, 1)
        await until(pilot, lambda: text(app, "#idle-serving") == "Closed")
        assert text(app, "#idle-clerk") == "No one is at this counter"
        await click(pilot, "#language")
        assert text(app, "#idle-serving") == "暂停服务"


async def test_a_paused_counter_says_so(evaluator: EvaluatorFactory, hall: Hall) -> None:
    with hall.write() as tx:
        counters.set_state(tx, 1, "paused")
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)
        assert text(app, "#idle-serving") == "暂停服务"
        assert text(app, "#idle-clerk") == "张伟（工号 C01）暂时离开"


async def test_completion_asks_and_a_key_rates(evaluator: EvaluatorFactory, hall: Hall) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)
        done = served(hall)
        await asked(pilot)
        assert text(app, "#rating-ticket") == "A001 · 张伟（工号 C01）"
        # The key is the stored score (as `hall rate X 4`), shown on its button.
        assert str(app.screen.query_one("#score-4", Button).label) == "4  非常满意"
        assert str(app.screen.query_one("#score-1", Button).label) == "1  不满意"
        await pilot.press("4")
        await on(pilot, ThanksScreen)
        assert text(app, "#thanks-text") == "谢谢您的评价！"
        assert rating_of(hall, done.number) == 4
        assert details(hall, "rate") == [{"score": 4}]


async def test_a_touch_rates_too(evaluator: EvaluatorFactory, hall: Hall) -> None:
    app = evaluator()  # the thanks going by themselves: in the test below
    async with app.run_test(size=DESK_SIZE) as pilot:
        served(hall)
        await asked(pilot)
        await click(pilot, "#score-2")
        await on(pilot, ThanksScreen)
        assert rating_of(hall, "A001") == 2


async def test_dissatisfied_asks_why_by_key_and_by_touch(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator(thanks=2)  # seen under load, yet gone soon
    async with app.run_test(size=DESK_SIZE) as pilot:
        served(hall)
        await asked(pilot)
        await pilot.press("1")  # 不满意, stored as 1
        await on(pilot, ReasonScreen)
        await pilot.press("l")  # the customer reads English
        assert text(app, "#reason-title") == "We are sorry! What went wrong?"
        await pilot.press("3")
        await on(pilot, ThanksScreen)
        assert text(app, "#thanks-text") == "Thank you! The duty manager will follow it up"
        await on(pilot, IdleScreen)  # the thanks go by themselves
        assert app.language == "zh"  # the next customer starts in the hall's language
        served(hall)
        await asked(pilot)
        await click(pilot, "#score-1")
        await on(pilot, ReasonScreen)
        await click(pilot, "#reason-skip")
        await until(pilot, lambda: len(details(hall, "rate")) == 2)
    assert details(hall, "rate") == [{"score": 1, "reason": "attitude"}, {"score": 1}]
    assert (rating_of(hall, "A001"), rating_of(hall, "A002")) == (1, 1)


async def test_no_answer_records_not_rated(evaluator: EvaluatorFactory, hall: Hall) -> None:
    app = evaluator(timeout=3)  # long enough to press l on a loaded machine
    async with app.run_test(size=DESK_SIZE) as pilot:
        served(hall)
        await asked(pilot)
        seen = counted(app).changes  # the completion was seen; "not rated" is a commit too
        await pilot.press("l")
        assert app.language == "en"
        await on(pilot, IdleScreen)
        await until(pilot, lambda: details(hall, "not_rated") == [{"why": "timeout"}])
        assert app.language == "zh"
        await seen_and_asked_again(pilot, counted(app), seen)  # read after "not rated"
        assert isinstance(app.screen, IdleScreen)  # never offered again
        assert app.offered is None
    assert rating_of(hall, "A001") is None
    with hall.write() as tx, pytest.raises(Refused):
        ops.rate(tx, "A001", 4)


async def test_no_reason_in_time_keeps_the_dissatisfied_rating(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator(timeout=3)  # long enough to press 1 on a loaded machine
    async with app.run_test(size=DESK_SIZE) as pilot:
        served(hall)
        await asked(pilot)
        await pilot.press("1")
        await on(pilot, ReasonScreen)
        await on(pilot, ThanksScreen)
    assert details(hall, "rate") == [{"score": 1}]
    assert details(hall, "not_rated") == []


async def test_the_next_completion_replaces_an_unanswered_question(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        served(hall)
        await asked(pilot)
        served(hall)
        await until(pilot, lambda: isinstance(app.screen, RatingScreen)
                    and "A002" in text(app, "#rating-ticket"))
        await pilot.press("3")  # 满意, stored as 3
        await on(pilot, ThanksScreen)
    assert details(hall, "not_rated") == [{"why": "next_customer"}]
    assert (rating_of(hall, "A001"), rating_of(hall, "A002")) == (None, 3)


async def test_only_this_counters_completions_are_offered(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)
        seen = counted(app).changes
        served(hall, counter=4)
        await seen_and_asked_again(pilot, counted(app), seen)  # read after the completion
        assert isinstance(app.screen, IdleScreen)
        assert app.offered is None


async def test_rated_elsewhere_withdraws_the_question(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        served(hall)
        await asked(pilot)
        with hall.write() as tx:
            ops.rate(tx, "A001", 3)
        await on(pilot, IdleScreen)
    assert details(hall, "not_rated") == []


async def test_after_a_restart_only_a_fresh_completion_is_offered(
    evaluator: EvaluatorFactory, hall: Hall, clock: ManualClock
) -> None:
    served(hall)
    app = evaluator(timeout=30)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await asked(pilot)  # completed just now: the customer may still be there
    clock.advance(seconds=31)
    app = evaluator(timeout=30)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)  # the read that would offer it
        assert app.offered is None
        await pilot.pause()
        assert isinstance(app.screen, IdleScreen)


async def test_customers_cannot_quit_only_the_leader_can(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)
        for key in ("ctrl+q", "ctrl+c", "ctrl+p", "escape"):
            await pilot.press(key)
        assert app.is_running and isinstance(app.screen, IdleScreen)
        await pilot.press("f12")
        await on(pilot, LeaderUnlock)
        await pilot.press(*"C01", "enter", *PIN, "enter")  # a clerk: refused
        await until(pilot, lambda: text(app, "#pin-error") == "C01 不是值班领导")
        await pilot.press("escape")
        await on(pilot, IdleScreen)
        await pilot.press("f12")
        await on(pilot, LeaderUnlock)
        await pilot.press(*"l01", "enter", *LEADER_PIN, "enter")
        await until(pilot, lambda: not app.is_running)


async def test_a_wrong_leader_pin_throttles_the_evaluator_not_the_leader(
    evaluator: EvaluatorFactory, hall: Hall
) -> None:
    app = evaluator()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: app.idle.view is not None)
        await pilot.press("f12")
        await on(pilot, LeaderUnlock)
        await pilot.press(*"L01", "enter", *"000000", "enter")
        await until(pilot, lambda: text(app, "#pin-error")
                    == "L01 的 PIN 错误或工号不存在；请 1 秒后再试")
        assert app.is_running
    with hall.read() as tx:
        row = tx.conn.execute(select(ops.S).where(ops.S.c.id == "L01")).one()
        attempts = tx.conn.execute(select(staff.P.c.key, staff.P.c.failures)).all()
    assert (row.failed_pins, row.locked_until) == (0, None)
    assert [tuple(a) for a in attempts] == [("terminal:evaluator 1", 1)]


def test_an_unknown_counter_is_refused(config: HallConfig, hall: Hall) -> None:
    with pytest.raises(NotFound, match="unknown counter 99"):
        make_app(config, hall, counter=99)


def test_the_counter_client_has_no_way_to_rate() -> None:
    """Only the customer rates: nothing on the staff side of counter/ calls a rating."""
    import re
    from pathlib import Path

    rating = re.compile(r"\brate\(|rate_at_counter|not_rated\(|\bevaluation\b")
    root = Path(__file__).resolve().parents[2] / "counter"
    clerk_side = [p for p in root.rglob("*.py") if "evaluator" not in p.parts]
    assert clerk_side
    for path in clerk_side:
        found = rating.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path}: {found and found.group()}"


@pytest.mark.pg_too
async def test_a_lost_database_says_reconnecting_then_recovers(
    config: HallConfig, hall: Hall
) -> None:
    watcher = FlakyWatcher(ChangeWatcher.for_hall(hall), down=True)
    app = make_app(config, hall, counter=1, watcher=watcher)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await until(pilot, lambda: text(app, "#idle-status") == "正在重新连接…")
        served(hall)
        watcher.down = False
        await asked(pilot)
        assert not app.idle.query_one("#idle-status").display

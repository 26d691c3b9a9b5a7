"""The displays on the test hall: another "process" commits through `hall.write()` and the
display, learning of it through its change watcher, shows it within a few checks."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from textual.geometry import Region, Size
from textual.pilot import Pilot
from textual.widgets import Label

from db.config import HallConfig
from db.errors import NotFound
from db.rules import counters, estimate, ops, queries
from db.store.session import Hall, ManualClock, Tx
from db.store.views import HallSnapshot
from db.store.watch import ChangeWatcher
from display.app import DisplayApp, make_app
from display.screens.unlock import LeaderUnlock
from display.screens.wall import WallScreen
from display.widgets.banner import CallBanner
from display.widgets.big_number import BigNumber
from display.widgets.block_font import block_height
from display.widgets.calls import RecentCalls
from display.widgets.counter_card import CounterCard, card_scale
from display.widgets.queues import QueueBoard
from tests.apps.conftest import SMALL, FlakyWatcher, text, type_text, until
from tests.conftest import LEADER_PIN, PIN

ROOT = Path(__file__).resolve().parents[2]
LARGE = (160, 45)
PORTRAIT = (60, 80)


def banner(app: DisplayApp) -> CallBanner:
    return app.screen.query_one(CallBanner)


def shown_number(app: DisplayApp) -> str | None:
    """The number in the banner's big digits, when a call is on show."""
    view = banner(app)
    if view.call is None:
        return None
    return view.query_one("#call-number", BigNumber).value


def issue(hall: Hall, *businesses: str) -> None:
    with hall.write() as tx:
        for business in businesses:
            ops.issue_ticket(tx, business)


def call(hall: Hall, counter: int) -> None:
    with hall.write() as tx:
        ops.call_next(tx, counter)


async def test_wall_shows_waiting_counts(config: HallConfig, hall: Hall) -> None:
    issue(hall, "A", "A", "B")
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(QueueBoard)
        await until(pilot, lambda: board.snapshot is not None)
        assert board.snapshot is not None
        assert board.snapshot.waiting["A"] == 2 and board.snapshot.waiting["B"] == 1
        issue(hall, "B")
        await until(pilot, lambda: board.snapshot is not None
                    and board.snapshot.waiting["B"] == 2)
        assert text(app, "#call-en").startswith("欢迎光临")


async def test_a_call_committed_elsewhere_shows_in_the_banner(
    config: HallConfig, hall: Hall
) -> None:
    issue(hall, "A", "A")
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        assert shown_number(app) is None
        call(hall, 1)
        await until(pilot, lambda: shown_number(app) == "A001")
        assert banner(app).has_class("-fresh")  # a new call is highlighted
        assert text(app, "#call-en") == "Number A001, please go to Counter 1 (payment)"
        assert str(banner(app).query_one("#call-counter", BigNumber).value) == "1"


async def test_a_call_is_drawn_before_the_estimates_are_worked_out(
    config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The estimated waits (a play-out of the hall per business) do not hold up a call: the
    banner shows it while they are still being worked out, and the queue board then shows
    the counts and estimates of the read after it."""
    issue(hall, "A", "A")
    real = estimate.for_businesses
    held = threading.Event()

    def slow(tx: Tx, rank: int, give_way: Callable[[], bool] | None = None
             ) -> dict[str, estimate.Estimate] | None:
        held.wait(10)
        return real(tx, rank, give_way)

    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(QueueBoard)
        await until(pilot, lambda: app.settled and board.snapshot is not None)
        monkeypatch.setattr(estimate, "for_businesses", slow)
        call(hall, 1)
        await until(pilot, lambda: shown_number(app) == "A001")
        assert board.snapshot is not None and board.snapshot.waiting["A"] == 2
        assert not app.settled
        held.set()
        await until(pilot, lambda: app.settled)
        assert board.snapshot.waiting["A"] == 1 and board.snapshot.estimated_wait_min


async def test_the_estimates_give_way_to_a_call_made_while_they_are_worked_out(
    config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call committed while the queues' estimates are being worked out: they stop (before
    the next business), the call is read and drawn, and they are worked out again after it,
    once; the board then holds the state after that call."""
    issue(hall, "A", "A", "A")
    real = estimate.predict_new
    worked: list[str] = []
    committed = threading.Event()

    def predict(state: estimate.HallState, business: str, rank: int) -> estimate.Estimate:
        worked.append(business)
        if len(worked) == 1:
            committed.wait(10)  # the second call is committed during the first estimate
        return real(state, business, rank)

    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(QueueBoard)
        await until(pilot, lambda: app.settled and board.snapshot is not None)
        monkeypatch.setattr(estimate, "predict_new", predict)
        call(hall, 1)
        await until(pilot, lambda: shown_number(app) == "A001" and bool(worked))
        with hall.write() as tx:
            ops.no_show(tx, 1)
            ops.call_next(tx, 1)
        committed.set()
        await until(pilot, lambda: shown_number(app) == "A002" and app.settled)
        businesses = len(config.businesses)
        assert worked == ["A"] + [b.prefix for b in config.businesses]  # 1 + 6, not 6 + 6
        assert len(worked) == 1 + businesses
        assert board.snapshot is not None and board.snapshot.waiting["A"] == 1


async def test_a_recall_shows_again(config: HallConfig, hall: Hall) -> None:
    issue(hall, "A")
    call(hall, 1)
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: shown_number(app) == "A001")
        assert not banner(app).has_class("-fresh")  # already called before the start
        first = banner(app).call
        with hall.write() as tx:
            ops.recall(tx, 1)
        await until(pilot, lambda: banner(app).call != first)
        latest = banner(app).call
        assert latest is not None and latest.recall and latest.number == "A001"
        assert banner(app).has_class("-fresh")
        assert "重呼" in text(app, "#call-note")
        # One row per ticket: A001 is on the banner, not listed again (issue 12).
        assert [c.number for c in app.screen.query_one(RecentCalls).calls] == []


async def test_the_counter_display_shows_its_number_and_handler(
    config: HallConfig, hall: Hall
) -> None:
    issue(hall, "B", "A")
    app = make_app(config, hall, counter=4)
    async with app.run_test(size=SMALL) as pilot:
        card = app.screen.query_one(CounterCard)
        await until(pilot, lambda: card.counter is not None)
        assert "欢迎光临" in text(app, "#card-status") and "空闲" in text(app, "#card-status")
        assert "请稍候" not in text(app, "#card-status")  # read as "wait here" (issue 12)
        assert "王芳" in text(app, "#card-handler") and "C02" in text(app, "#card-staff-id")
        call(hall, 4)
        await until(pilot, lambda: card.query_one(BigNumber).value == "B001")
        assert "请 B001 号" in text(app, "#card-status")
        with hall.write() as tx:
            ops.start(tx, 4)
        await until(pilot, lambda: "正在办理" in text(app, "#card-status"))


async def test_a_counter_nobody_signed_in_at(config: HallConfig, hall: Hall) -> None:
    with hall.write() as tx:
        counters.sign_out(tx, 1)
    app = make_app(config, hall, counter=1)
    async with app.run_test(size=SMALL) as pilot:
        card = app.screen.query_one(CounterCard)
        await until(pilot, lambda: card.counter is not None)
        assert "暂停服务" in text(app, "#card-status")
        assert "本窗口暂无工作人员" in text(app, "#card-handler")
        assert not card.query_one(BigNumber).display


def test_the_counter_number_fills_its_screen() -> None:
    """A counter's display shows little else: its number as large as the screen allows."""
    assert card_scale(Size(*SMALL), "A023") == 3
    assert card_scale(Size(*LARGE), "A023") == 6
    assert card_scale(Size(*PORTRAIT), "A023") == 2


def inside(app: DisplayApp, selector: str) -> bool:
    """The widget is on show and wholly on the screen."""
    region = app.screen.query_one(selector).region
    return bool(region.area) and Region(0, 0, *app.size).contains_region(region)


async def test_the_counter_display_at_160x45(config: HallConfig, hall: Hall) -> None:
    issue(hall, "B")
    app = make_app(config, hall, counter=4)
    async with app.run_test(size=LARGE) as pilot:
        card = app.screen.query_one(CounterCard)
        await until(pilot, lambda: card.counter is not None)
        call(hall, 4)
        await until(pilot, lambda: card.query_one(BigNumber).value == "B001")
        await pilot.pause()
        number = card.query_one(BigNumber)
        assert number.scale == 6 and number.region.height == block_height(6)
        assert inside(app, "#card-number") and inside(app, "#card-staff-id")


def test_an_unknown_counter_is_refused(config: HallConfig, hall: Hall) -> None:
    with pytest.raises(NotFound):
        make_app(config, hall, counter=99)


@pytest.mark.pg_too
async def test_reconnecting_while_the_watcher_fails(config: HallConfig, hall: Hall) -> None:
    watcher = FlakyWatcher(ChangeWatcher.for_hall(hall))
    app = make_app(config, hall, watcher=watcher)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(QueueBoard)
        await until(pilot, lambda: board.snapshot is not None)
        status = app.screen.query_one("#status", Label)
        assert not status.display
        watcher.down = True
        await until(pilot, lambda: status.display)
        assert text(app, "#status") == "正在重新连接… / Reconnecting…"
        issue(hall, "D")  # committed while the display could not look
        watcher.down = False
        await until(pilot, lambda: not status.display)
        await until(pilot, lambda: board.snapshot is not None
                    and board.snapshot.waiting["D"] == 1)


async def test_the_clock_ticks_from_the_halls_clock(
    config: HallConfig, hall: Hall, clock: ManualClock
) -> None:
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, WallScreen)
        assert text(app, "#time") == "09:00:00"
        clock.advance(seconds=5)
        await until(pilot, lambda: text(app, "#time") == "09:00:05")


async def test_a_failed_read_says_reconnecting_and_reads_again(
    config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = queries.snapshot
    failures = [OperationalError("SELECT", {}, Exception("disk I/O error"))]

    def flaky(tx: Tx, recent: int = 8, *, estimates: bool = True) -> HallSnapshot:
        if failures:
            raise failures.pop()
        return real(tx, recent, estimates=estimates)

    monkeypatch.setattr(queries, "snapshot", flaky)
    app = make_app(config, hall)
    said: list[bool] = []  # the status line as each failure or recovery left it (it shows
    # for RETRY_SECONDS only: polling for it can miss it on a loaded machine)
    real_stale = app.show_stale

    def show_stale(error: Exception | None) -> None:
        real_stale(error)
        said.append(app.screen.query_one("#status", Label).display)

    app.show_stale = show_stale  # type: ignore[method-assign]
    async with app.run_test(size=SMALL) as pilot:
        status = app.screen.query_one("#status", Label)
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        assert said == [True, False] and not status.display


async def test_a_call_made_by_another_process_shows(
    config: HallConfig, hall: Hall, db_url: str
) -> None:
    """The real path: `hall issue` and `hall call` in a second process commit; the display
    (its own connection, the hall's real clock, as in the hall) learns of it and shows it."""
    live = Hall.open(db_url, config)  # the real clock: the other process has no other
    app = make_app(config, live)

    def hall_command(*argv: str) -> None:
        done = subprocess.run([sys.executable, "-m", "hall", "--db", db_url, *argv],
                              cwd=ROOT, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr

    try:
        async with app.run_test(size=SMALL) as pilot:
            await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
            hall_command("issue", "E")
            hall_command("call", "--counter", "1")
            await until(pilot, lambda: shown_number(app) == "E001", timeout=10)
            assert banner(app).has_class("-fresh")
    finally:
        live.dispose()


async def leader_pin(pilot: Pilot[None], staff: str, pin: str) -> None:
    """Type an id and a PIN into the unlock dialog (no `settle`: the display's watching
    worker never completes)."""
    await type_text(pilot, staff)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")


async def test_the_counter_display_is_locked_like_the_kiosk(
    config: HallConfig, hall: Hall
) -> None:
    """Issue 12: Ctrl+Q closed a counter's display; only the duty leader's PIN (F12) does."""
    app = make_app(config, hall, counter=1)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: app.screen.query_one(CounterCard).counter is not None)
        await pilot.press("ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "escape")
        await pilot.pause()
        assert app.is_running and not app._exit
        await pilot.press("f12")
        assert isinstance(app.screen, LeaderUnlock)
        await leader_pin(pilot, "C01", PIN)
        await until(pilot, lambda: "不是值班领导" in text(app, "#pin-error"))
        assert not app._exit
        await pilot.press("escape")
        await pilot.press("f12")
        await leader_pin(pilot, "L01", LEADER_PIN)
        await until(pilot, lambda: bool(app._exit))

"""Issue 12: the wall's calls one row per ticket, a recall updating its own row; no finished
ticket shown as a recall after a restart; the next numbers, the counters and why an
estimate is missing."""

from __future__ import annotations

from db.config import HallConfig
from db.rules import ops, queries
from db.store.session import Hall, ManualClock
from display.app import DisplayApp, make_app
from display.widgets.banner import CallBanner
from display.widgets.calls import RecentCalls
from display.widgets.counters import CounterBoard
from display.widgets.queues import QueueBoard
from tests.apps.conftest import SMALL, text, until
from tests.apps.test_display import call, issue

LARGE = (160, 45)


def listed(app: DisplayApp) -> list[tuple[str, bool]]:
    return [(c.number, c.recall) for c in app.screen.query_one(RecentCalls).calls]


def on_banner(app: DisplayApp) -> tuple[str, bool] | None:
    now = app.screen.query_one(CallBanner).call
    return None if now is None else (now.number, now.recall)


async def test_a_recall_updates_its_own_row(config: HallConfig, hall: Hall) -> None:
    issue(hall, "A", "B")
    app = make_app(config, hall)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: app.display_screen.snapshot is not None)
        call(hall, 1)
        call(hall, 4)
        await until(pilot, lambda: on_banner(app) == ("B001", False))
        assert listed(app) == [("A001", False)]
        for _ in range(3):
            with hall.write() as tx:
                ops.recall(tx, 1)
        await until(pilot, lambda: on_banner(app) == ("A001", True))
        assert listed(app) == [("B001", False)]  # A001 is on the banner: no row of its own
        with hall.write() as tx:
            ops.recall(tx, 4)
        await until(pilot, lambda: on_banner(app) == ("B001", True))
        assert listed(app) == [("A001", True)]  # one row for A001, marked 重呼
        rendered = str(app.screen.query_one(RecentCalls).render())
        assert rendered.count("重呼") == 1


async def test_no_finished_ticket_shows_as_a_recall_after_a_restart(
        config: HallConfig, hall: Hall) -> None:
    issue(hall, "A", "B")
    call(hall, 1)
    call(hall, 4)
    with hall.write() as tx:
        ops.recall(tx, 4)
        ops.recall(tx, 1)
        ops.start(tx, 1)
        ops.complete(tx, 1)
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: on_banner(app) is not None)
        assert on_banner(app) == ("A001", False)  # finished: a call, not a recall
        assert not app.screen.query_one("#call-note").display
        assert listed(app) == [("B001", True)]  # still held at counter 4: 重呼
        assert "重呼" not in text(app, "#call-en")


async def test_the_next_numbers_and_the_counters_show(config: HallConfig, hall: Hall) -> None:
    issue(hall, "A", "A", "B", "D")
    app = make_app(config, hall)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: app.display_screen.snapshot is not None)
        board = app.screen.query_one(CounterBoard)
        assert app.display_screen.next_numbers == {1: "A001", 4: "B001"}
        lines = str(board.render()).splitlines()
        assert "请 A001 号准备" in lines[0] and "请 B001 号准备" in lines[0]
        call(hall, 1)
        await until(pilot, lambda: app.display_screen.next_numbers.get(1) == "A002")
        await pilot.pause()
        lines = str(board.render()).splitlines()
        one = next(line for line in lines if line.startswith("1号窗口"))
        assert "请 A001 号" in one and "A·E" in one
        two = next(line for line in lines if line.startswith("2号窗口"))
        assert "关闭" in two or "暂停" in two  # nobody signed in there


async def test_the_banner_reads_as_one_sentence(config: HallConfig, hall: Hall) -> None:
    """"请 A006 号 到 1 号窗口": before, "号 到" in small type between the digits vanished
    across the hall and "A006" "1" read "A0061"."""
    issue(hall, "A")
    call(hall, 1)
    for size in (SMALL, LARGE, (120, 40)):
        app = make_app(config, hall)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda app=app: on_banner(app) is not None)  # type: ignore[misc]
            await pilot.pause()
            shown = app.screen.query_one(CallBanner)
            who = shown.query_one("#call-who").region
            where = shown.query_one("#call-where").region
            if where.y == who.y:  # on one line: clearly apart
                assert where.x - who.right >= 4, size
            if size != SMALL:
                assert text(app, "#call-zh") == "请 A001 号　到 1 号窗口"


async def test_a_missing_estimate_says_why(config: HallConfig, hall: Hall) -> None:
    issue(hall, "D")
    app = make_app(config, hall)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: app.display_screen.snapshot is not None and app.settled)
        await pilot.pause()
        queues = str(app.screen.query_one(QueueBoard).render())
        row = next(line for line in queues.splitlines() if line.startswith("D "))
        assert "暂无窗口" in row  # counters 3, 7, 8 serve D: none is open


def test_next_numbers_follow_the_overdue_rule(hall: Hall, clock: ManualClock) -> None:
    """An E who has waited `overdue_minutes` goes before the A at counter 1 (A, E), on the
    wall as at the call."""
    issue(hall, "E")
    clock.advance(minutes=31)
    issue(hall, "A")
    with hall.read() as tx:
        assert queries.next_numbers(tx, queries.counter_views(tx)) == {1: "E001"}
    with hall.write() as tx:
        assert ops.call_next(tx, 1).number == "E001"


def test_next_numbers_follow_call_nexts_order(hall: Hall) -> None:
    """The counter's profile in order (counter 1: A before E), however old the E ticket;
    a closed counter foresees nothing; nothing is claimed."""
    issue(hall, "E", "A", "A", "C")
    with hall.read() as tx:
        counters = queries.counter_views(tx)
        assert queries.next_numbers(tx, counters) == {1: "A001", 4: "C001"}
    with hall.write() as tx:
        assert ops.call_next(tx, 1).number == "A001"  # what the wall foresaw
        assert ops.call_next(tx, 4).number == "C001"

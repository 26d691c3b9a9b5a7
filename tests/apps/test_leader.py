"""The duty leader's console, driven by the Pilot: sign-in (leaders only), approvals,
complaints resolved by reassignment, counters, the notice, the supervision box, the board."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
)

from db.config import HallConfig
from db.rules import complaints, counters, duty, notices, ops, reception, remedies
from db.store.session import Hall, ManualClock
from db.store.views import StaffView, TicketView
from db.store.watch import ChangeWatcher
from leader.app import LeaderApp, make_app
from leader.screens.console import ConsoleScreen
from leader.screens.resolve import ResolveScreen
from leader.screens.signin import SignInScreen
from leader.widgets.charts import flow_chart
from leader.widgets.hour_chart import ChartSpec, HourChart, Series, draw
from tests.apps.conftest import (
    SMALL,
    click,
    issue,
    keys,
    settle,
    sign_in,
    text,
    type_text,
    until,
)
from tests.conftest import LEADER_PIN

SIZE = (120, 40)
LEADER = StaffView("L01", "杨洋", "leader", 200)
"""The fixture hall's duty leader (the PIN check has tests of its own)."""
LeaderFactory = Callable[[], LeaderApp]


@pytest.fixture
def leader_app(config: HallConfig, hall: Hall) -> LeaderFactory:
    """The console on the test hall, without watching for changes."""
    return lambda: make_app(config, hall, check_seconds=0)


async def at_console(pilot: Pilot[Any]) -> ConsoleScreen:
    """Open L01's console as a sign-in would."""
    app = pilot.app
    assert isinstance(app, LeaderApp)
    await app.switch_screen(app.console_for(LEADER))
    await settle(pilot)
    assert isinstance(app.screen, ConsoleScreen)
    return app.screen


def rendered(app: LeaderApp, selector: str) -> str:
    """What a Static of the current screen draws, as plain text."""
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(app.screen.query_one(selector, Static).content)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def chart(app: LeaderApp, selector: str) -> list[str]:
    """The lines an hour chart of the current screen draws, at its size now."""
    return app.screen.query_one(selector, HourChart).render().plain.split("\n")


def status(app: LeaderApp) -> str:
    return text(app, "#console-status")


def serving(hall: Hall, business: str = "A", counter: int = 1) -> TicketView:
    with hall.write() as tx:
        ops.issue_ticket(tx, business)
        ops.call_next(tx, counter)
        return ops.start(tx, counter)


# -- sign-in ----------------------------------------------------------------------------------


async def test_a_clerk_is_refused_in_one_line(leader_app: LeaderFactory) -> None:
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in(pilot, "c01")
        assert isinstance(app.screen, SignInScreen)
        error = text(app, "#signin-error")
        assert error == "C01 是工作岗：只有值班领导可以登录"


async def test_the_leader_signs_in_to_the_board(leader_app: LeaderFactory, hall: Hall) -> None:
    serving(hall)
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in(pilot, "l01", LEADER_PIN)
        assert isinstance(app.screen, ConsoleScreen)
        header = text(app, "#console-header")
        assert "杨洋（L01）" in header
        board = rendered(app, "#board-counters")
        assert "A001" in board and "张伟" in board


# -- approvals --------------------------------------------------------------------------------


async def test_approving_a_pending_remedy_removes_it(leader_app: LeaderFactory,
                                                     hall: Hall) -> None:
    number = serving(hall).number
    with hall.write() as tx:
        asked = remedies.grant(tx, number, "C01", "late_fee_waiver", 50_000, "系统故障")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f3")
        table = app.screen.query_one("#approvals-table", DataTable)
        assert table.row_count == 1
        app.screen.query_one("#decision", Input).value = "同意"
        await click(pilot, "#approve")
        assert table.row_count == 0
        assert status(app) == "已批准"
    with hall.read() as tx:
        decided = remedies.remedy(tx, asked.id)
    assert (decided.status, decided.decided_by, decided.decision_reason) == (
        "approved", "L01", "同意")


async def test_enter_in_the_reason_approves_and_ctrl_r_refuses(leader_app: LeaderFactory,
                                                                 hall: Hall) -> None:
    number = serving(hall).number
    with hall.write() as tx:
        first = remedies.grant(tx, number, "C01", "late_fee_waiver", 50_000, "系统故障")
        second = remedies.grant(tx, number, "C01", "compensation", 80_000, "停电损失")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f3")
        await click(pilot, "#decision")
        labels = [str(app.screen.query_one(b, Button).label) for b in ("#approve", "#refuse")]
        assert labels == ["批准 Enter", "驳回 Ctrl+R"]  # the keys are on the buttons
        await type_text(pilot, "同意")
        await keys(pilot, "enter")  # the first row: the waiver
        assert status(app) == "已批准"
        assert app.screen.query_one("#decision", Input).value == ""
        await type_text(pilot, "金额过高")
        await keys(pilot, "ctrl+r")
        assert status(app) == "已驳回"
    with hall.read() as tx:
        decided = [remedies.remedy(tx, r.id) for r in (first, second)]
    assert [(r.status, r.decision_reason) for r in decided] == [
        ("approved", "同意"), ("refused", "金额过高")]


async def test_refusing_without_a_reason_is_refused_on_the_status_line(
        leader_app: LeaderFactory, hall: Hall) -> None:
    number = serving(hall).number
    with hall.write() as tx:
        remedies.grant(tx, number, "C01", "late_fee_waiver", 50_000, "系统故障")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f3")
        await click(pilot, "#refuse")
        assert status(app) == "驳回须写明原因"
        assert app.screen.query_one("#approvals-table", DataTable).row_count == 1


# -- complaints -------------------------------------------------------------------------------


async def test_a_complaint_recorded_and_resolved_by_reassigning(
        leader_app: LeaderFactory, hall: Hall) -> None:
    number = serving(hall).number
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f2")
        screen = app.screen
        screen.query_one("#c-number", Input).value = number.lower()
        screen.query_one("#c-what", Input).value = "办理太慢，态度不好"
        screen.query_one("#c-phone", Input).value = "13800001234"
        await click(pilot, "#record")
        assert status(app) == "已登记投诉"
        assert [screen.query_one(f, Input).value for f in ("#c-what", "#c-phone")] == ["", ""]
        table = screen.query_one("#complaints-table", DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[-1] == "138****1234"  # a list masks the customer's phone
        history = rendered(app, "#history")
        assert "叫号 张伟 C01" in history and "投诉 杨洋 L01" in history
        await click(pilot, "#resolve")
        dialog = app.screen
        assert isinstance(dialog, ResolveScreen)
        assert "13800001234" in str(dialog.query_one("#resolve-detail", Label).render())
        dialog.query_one("#correction", Select).value = "reassign"
        dialog.query_one("#to", Input).value = "C02"
        dialog.query_one("#reason", Input).value = "客户要求换人办理"
        await click(pilot, "#resolve-ok")
        assert app.screen is screen
        assert status(app) == "投诉已处理"
        assert screen.query_one("#complaints-table", DataTable).row_count == 0
    with hall.read() as tx:
        ticket = ops.ticket_row(tx, number)
        [done] = complaints.day_complaints(tx)
    assert (ticket.handler_id, ticket.counter_number) == ("C02", None)
    assert (done.outcome, done.correction, done.new_handler) == ("upheld", "reassign", "C02")


async def test_a_refused_complaint_keeps_what_was_typed(leader_app: LeaderFactory) -> None:
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f2")
        typed = {"#c-number": "Z999", "#c-what": "办理太慢", "#c-name": "李先生",
                 "#c-phone": "13800001234"}
        for selector, value in typed.items():
            app.screen.query_one(selector, Input).value = value
        await click(pilot, "#record")
        assert "Z999" in status(app) and status(app) != "已登记投诉"
        assert {s: app.screen.query_one(s, Input).value for s in typed} == typed


async def test_remedies_and_history_read_as_words_not_codes(leader_app: LeaderFactory,
                                                            hall: Hall) -> None:
    number = serving(hall).number
    with hall.write() as tx:
        remedies.grant(tx, number, "C01", "compensation", 80_000, "停电损失")
        complaints.record_complaint(tx, "L01", number, "赔偿太慢")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f3")
        row = app.screen.query_one("#approvals-table", DataTable).get_row_at(0)
        assert row[2:5] == ["赔偿", "¥800.00", "张伟 C01"]
        await keys(pilot, "f2")
        history = rendered(app, "#history")
        assert "申请补救 张伟 C01：赔偿 ¥800.00，原因：停电损失" in history
        assert "叫号 张伟 C01：1号窗口" in history
        assert "投诉 杨洋 L01：第 1 号投诉，首办人 张伟 C01" in history
        assert "remedy_kind" not in history and "amount_fen" not in history
        await keys(pilot, "f10")
        history = rendered(app, "#history")
        assert "remedy request 张伟 C01: Compensation ¥800.00, reason: 停电损失" in history
        assert "call 张伟 C01: counter 1" in history


async def test_a_refused_resolution_keeps_the_complaint_open(
        leader_app: LeaderFactory, hall: Hall) -> None:
    number = serving(hall).number
    with hall.write() as tx:
        complaints.record_complaint(tx, "L01", number, "太慢")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f2")
        await click(pilot, "#resolve")
        app.screen.query_one("#correction", Select).value = "void"
        app.screen.query_one("#reason", Input).value = "作废"
        await click(pilot, "#resolve-ok")
        assert "只能作废等候中、已叫号或过号的票号" in status(app)
        assert app.screen.query_one("#complaints-table", DataTable).row_count == 1


# -- counters, notice, feedback -----------------------------------------------------------------


async def test_pausing_a_counter(leader_app: LeaderFactory, hall: Hall) -> None:
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f4")
        await click(pilot, "#pause-counter")  # the first row: counter 1, open
        assert status(app) == "窗口状态已更改"
        table = app.screen.query_one("#counters-table", DataTable)
        assert table.get_row_at(0)[1] == "暂停"
        app.screen.query_one("#profile", Input).value = "e, a"
        await click(pilot, "#set-profile")
        assert table.get_row_at(0)[4] == "E,A"
    with hall.read() as tx:
        desk = ops.counter_row(tx, 1)
    assert (desk.state, desk.profile) == ("paused", "E,A")


async def test_a_long_pause_is_flagged_on_the_board(leader_app: LeaderFactory, hall: Hall,
                                                    clock: ManualClock) -> None:
    with hall.write() as tx:
        counters.set_state(tx, 4, "paused")
    clock.advance(minutes=20)
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        board = rendered(app, "#board-counters")
        assert "暂停 20 分钟！" in board


async def test_the_charts_have_hours_a_scale_a_peak_and_a_legend_at_80x24(
        leader_app: LeaderFactory, hall: Hall, clock: ManualClock) -> None:
    serving(hall)  # 09:00: A001 served, A002 and A003 wait
    with hall.write() as tx:
        ops.complete(tx, 1)
    for business in "AABB":
        if business == "B":
            clock.advance(minutes=30)  # B001 at 09:30, B002 at 10:00 (now)
        issue(hall, business)
    app = leader_app()
    async with app.run_test(size=SMALL) as pilot:
        await at_console(pilot)
        await keys(pilot, "f7")
        assert app.screen.query_one("#pages", TabbedContent).active == "page-charts"
        flow = chart(app, "#charts-flow")
        assert flow[0] == "每小时取号与办结  ■ 取号 5，峰值 4（09时）  ■ 办结 1，峰值 1（09时）"
        assert flow[-1].split() == [f"{h:02d}" for h in range(8, 18)]  # 08:00 to 18:00
        assert flow[-2].startswith("  0└") and " 4┤" in "".join(flow)  # the scale
        assert len(flow) >= 7  # at least four rows of bars
        waiting = chart(app, "#charts-waiting")
        assert waiting[0] == "整点等候人数  ■ 等候 峰值 4（10时）"  # three at 09:59, four now
        assert waiting[-1].split()[0] == "08"
        width = app.screen.query_one("#charts-flow", HourChart).size.width
        assert max(cell_len(line) for line in flow + waiting) <= width
        await keys(pilot, "f10")
        assert chart(app, "#charts-flow")[0].startswith(
            "Arrivals and served per hour  ■ arrivals 5, peak 4 at 09:00")


def test_a_chart_fits_any_size_and_labels_whole_counts() -> None:
    spec = ChartSpec("每小时取号与办结", 7, (
        Series("取号", tuple(range(0, 360, 30)), "blue"),
        Series("办结", tuple(range(11, -1, -1)), "green"),
    ))
    for width in range(0, 170, 7):
        for height in range(0, 50, 3):
            lines = draw(spec, width, height)
            assert len(lines) <= height
            assert all(cell_len(line.plain) <= width for line in lines)
    plain = [line.plain for line in draw(spec, 80, 12)]
    assert plain[-1].split() == [f"{h:02d}" for h in range(7, 19)]
    scale = [line.split("┤")[0].strip() for line in plain if "┤" in line]
    assert scale and all(label.isdigit() for label in scale)


async def test_the_board_draws_the_charts_in_the_room_left(leader_app: LeaderFactory,
                                                          hall: Hall) -> None:
    serving(hall)
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        flow = chart(app, "#board-flow")
        assert len(flow) >= 6 and flow[-1].split()[:2] == ["08", "09"]


async def test_a_transferred_ticket_counts_as_waiting_on_the_chart(
        leader_app: LeaderFactory, hall: Hall) -> None:
    serving(hall)
    with hall.write() as tx:
        ops.transfer(tx, 1, "E")  # A001 waits again, in the E queue
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        assert chart(app, "#board-waiting")[0] == "整点等候人数  ■ 等候 峰值 1（09时）"


async def test_setting_and_clearing_the_notice(leader_app: LeaderFactory, hall: Hall) -> None:
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f6")
        await click(pilot, "#notice-text")
        await type_text(pilot, "下午三点系统升级")
        await keys(pilot, "enter")
        now = text(app, "#notice-now")
        assert now == "当前公告：下午三点系统升级"
        with hall.read() as tx:
            assert notices.current_notice(tx) == "下午三点系统升级"
        await click(pilot, "#set-notice")  # nothing typed: nothing changes
        assert status(app) == "请输入公告内容；清除公告请按“清除公告”"
        with hall.read() as tx:
            assert notices.current_notice(tx) == "下午三点系统升级"
        await click(pilot, "#clear-notice")
        assert text(app, "#notice-now") == "当前没有公告"


async def test_answering_the_supervision_box(leader_app: LeaderFactory, hall: Hall) -> None:
    with hall.write() as tx:
        note = reception.leave_feedback(tx, "大厅太冷")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f5")
        app.screen.query_one("#reply-text", Input).value = "已调高空调温度"
        await click(pilot, "#reply")
        table = app.screen.query_one("#feedback-table", DataTable)
        assert table.get_row_at(0)[4:] == ["已回复", "已调高空调温度"]
        await click(pilot, "#mark-closed")
        assert table.get_row_at(0)[4] == "已处理"
    with hall.read() as tx:
        [row] = reception.feedback_list(tx, status=None)
    assert (row.id, row.status, row.reply) == (note.id, "closed", "已调高空调温度")


@pytest.mark.pg_too
async def test_another_process_shows_on_the_board_without_a_key(
        config: HallConfig, hall: Hall) -> None:
    app = make_app(config, hall, watcher=ChangeWatcher.for_hall(hall), check_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        assert "C001" not in rendered(app, "#board-waits")
        with hall.write() as tx:  # a kiosk, as far as the console knows
            ops.issue_ticket(tx, "C")
        await until(pilot, lambda: "C001" in rendered(app, "#board-waits"))


async def test_the_page_keys_work_from_a_text_field(leader_app: LeaderFactory) -> None:
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f6")
        assert isinstance(app.focused, Input)
        await keys(pilot, "f1")
        assert app.screen.query_one("#pages", TabbedContent).active == "page-board"
        await keys(pilot, "f2")
        assert app.screen.query_one("#pages", TabbedContent).active == "page-complaints"


async def test_the_console_switches_to_english(leader_app: LeaderFactory) -> None:
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f10")
        assert "Duty leader: 杨洋 (L01)" in text(app, "#console-header")
        await keys(pilot, "f3")
        await click(pilot, "#approve")
        assert status(app) == "Select a row in the list first"


# -- what needs the leader (issue 12) ------------------------------------------------------


async def test_enter_on_a_highlighted_request_approves_it(leader_app: LeaderFactory,
                                                          hall: Hall) -> None:
    number = serving(hall).number
    with hall.write() as tx:
        asked = remedies.grant(tx, number, "C01", "late_fee_waiver", 50_000, "系统故障")
    app = leader_app()
    async with app.run_test(size=SIZE) as pilot:
        await at_console(pilot)
        await keys(pilot, "f3")
        table = app.screen.query_one("#approvals-table", DataTable)
        assert app.focused is table  # the page opens on its list
        await pilot.click("#approvals-table", offset=(2, 1))  # the highlighted row, clicked
        await pilot.click("#approvals-table", offset=(2, 1))
        await settle(pilot)
        assert table.row_count == 1  # a click never approves
        await keys(pilot, "enter")
        await until(pilot, lambda: status(app) == "已批准")
        assert table.row_count == 0
    with hall.read() as tx:
        assert remedies.remedy(tx, asked.id).status == "approved"


def tab_labels(app: LeaderApp) -> list[str]:
    tabs = app.screen.query_one("#pages", TabbedContent)
    return [str(tabs.get_tab(f"page-{page}").label) for page in
            ("complaints", "approvals", "feedback")]


@pytest.mark.pg_too
async def test_a_new_remedy_request_is_counted_on_its_tab_rung_and_told_once(
        config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    with hall.write() as tx:
        reception.leave_feedback(tx, "窗口太少")
    bells: list[int] = []
    monkeypatch.setattr(LeaderApp, "bell", lambda self: bells.append(1))
    app = make_app(config, hall, watcher=ChangeWatcher.for_hall(hall), check_seconds=0.05)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        console = await at_console(pilot)
        await until(pilot, lambda: tab_labels(app)[2] == "监督箱 F5 1")
        assert tab_labels(app)[:2] == ["投诉 F2", "审批 F3"]
        # what was there at sign-in: counted on its tab, not rung
        assert bells == [] and [n.message for n in app._notifications] == []
        number = serving(hall).number  # a clerk, as far as the console knows
        with hall.write() as tx:
            remedies.grant(tx, number, "C01", "late_fee_waiver", 50_000, "系统故障")
        await until(pilot, lambda: tab_labels(app)[1] == "审批 F3 1")
        await until(pilot, lambda: bool(app._notifications))
        assert bells == [1]
        [told] = [n.message for n in app._notifications]
        assert told.startswith("新的补救申请：A001 ") and "¥500" in told
        console.reload()  # a reload with nothing new: no second bell
        await settle(pilot)
        await pilot.pause(0.3)
        assert bells == [1] and len(app._notifications) == 1


def test_the_charts_run_in_business_day_order(hall: Hall) -> None:
    with hall.read() as tx:
        board = duty.board(tx)
    night = [0] * 24
    night[22], night[1] = 3, 2  # 22:00 and 01:00 of one business day (it starts at 04:00)
    board = dataclasses.replace(board, arrivals=tuple(night), served=(0,) * 24,
                                waiting=(0,) * 24)
    spec = flow_chart(board, "zh", 4)
    hours = [(spec.first_hour + i) % 24 for i in range(len(spec.series[0].counts))]
    assert hours == [*range(8, 24), 0, 1]  # the usual day widened to the night's work
    assert dict(zip(hours, spec.series[0].counts, strict=True))[1] == 2
    assert spec.series[0].counts[-1] == 2 and spec.series[0].counts[-4] == 3


async def test_the_board_at_80x24_reaches_the_queues_and_the_faults(
        leader_app: LeaderFactory, hall: Hall) -> None:
    serving(hall)
    app = leader_app()
    async with app.run_test(size=SMALL) as pilot:
        await at_console(pilot)
        board = app.screen.query_one("#board")
        for part in ("#board-queues", "#board-faults"):
            widget = app.screen.query_one(part)
            board.scroll_to_widget(widget, animate=False)
            await pilot.pause()
            assert widget.region.height > 0, part
            assert board.region.contains_region(widget.region), part


@pytest.mark.pg_too
async def test_a_printer_fault_and_a_wait_past_the_sla_ring_once_each(
        config: HallConfig, hall: Hall, clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bells: list[int] = []
    monkeypatch.setattr(LeaderApp, "bell", lambda self: bells.append(1))
    app = make_app(config, hall, watcher=ChangeWatcher.for_hall(hall), check_seconds=0.05)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        console = await at_console(pilot)
        # What the first read finds is only remembered, not told: the fault must come after
        # it (at load 14 a bare settle returned before the first read was in).
        await until(pilot, lambda: console.seen is not None)
        issue(hall, "A")
        with hall.write() as tx:
            reception.record_printer_fault(tx, "缺纸")
        await until(pilot, lambda: bool(app._notifications))
        assert [n.message for n in app._notifications] == ["打印机故障：缺纸"]
        assert bells == [1]
        clock.advance(minutes=config.sla_minutes + 1)
        console.reload()
        await until(pilot, lambda: len(app._notifications) == 2)
        assert list(app._notifications)[-1].message == (
            f"1 位客户等候超过 {config.sla_minutes:g} 分钟")
        assert bells == [1, 1]
        console.reload()  # still one past the target: nothing new
        await settle(pilot)
        await pilot.pause(0.3)
        assert bells == [1, 1]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_field_says_what_it_is_whole_at_80x24(leader_app: LeaderFactory,
                                                          lang: str) -> None:
    app = leader_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_console(pilot)
        if lang == "en":
            await keys(pilot, "f10")
        cut = []
        for page in ("f1", "f2", "f3", "f4", "f5", "f6", "f7"):
            await keys(pilot, page)
            await pilot.pause()
            for field in screen.query(Input):
                if field.region.width and cell_len(field.placeholder) > field.content_region.width:
                    cut.append((page, field.id, field.placeholder, field.content_region.width))
        assert cut == [], "\n".join(map(str, cut))

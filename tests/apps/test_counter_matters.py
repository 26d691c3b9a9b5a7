"""The counter client with matters that leave the counter and come back (waiting on the
customer, support's question answered), the customer's other open matters on the card, and
a second sign-in at the same counter ending this client's session."""

from __future__ import annotations

import pytest

from counter.machine import CounterMachine
from counter.screens.desk import DeskScreen
from counter.screens.dialogs import PickScreen, PromptScreen
from counter.screens.signin import SignInScreen
from db.config import HallConfig
from db.rules import ops
from db.store.session import Hall
from tests.apps.conftest import (
    DESK_SIZE,
    CounterFactory,
    at_desk,
    issue,
    keys,
    notifications,
    options_of,
    shown,
    sign_in,
    text,
    ticket,
    type_text,
    until,
)
from tests.conftest import PIN

pytestmark = pytest.mark.pg_too  # the watcher, the database lost and back, or a session rule


async def test_set_aside_for_the_customer_then_serve_it_again(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall, "A")
    issue(hall, "A")
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1", "s", "h")
        await keys(pilot, "enter")  # nothing typed: what is missing must be said
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "房产证原件")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 待客户补件，可叫下一位"
        assert shown(app) == ""
        assert text(app, "#figures-aside") == "待客户补件 1 件"
        await keys(pilot, "f1", "s", "d", "enter")  # A002 meanwhile, completed
        await keys(pilot, "o")
        assert options_of(app) == ["A001 A 缴费 待客户补件（备注：房产证原件）"]
        await keys(pilot, "enter", "enter", "enter")  # the matter, "customer is here", no text
        assert text(app, "#desk-status") == "A001 已接回本窗口"
        assert shown(app) == "A001"
        assert text(app, "#card-status") == "办理中"
    back = ticket(hall, "A001")
    assert (back.status, back.counter, back.handler) == ("serving", 1, "C01")


async def test_supports_question_is_answered_from_the_desk(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall)
    app = counter_app(check_seconds=0.05)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot, watch=0.05)
        await keys(pilot, "f1", "s", "b", "down", "enter")
        await type_text(pilot, "核对表计")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已转后台", notifications(app)
        with hall.write() as tx:  # the support desk, another process
            ops.return_from_support(tx, "A001", "S01", note="户号不符？", outcome="question")
        await until(pilot, lambda: any("后台有疑问" in n for n in notifications(app)))
        assert notifications(app)[-1] == "A001 后台有疑问（备注：户号不符？），请按 o 答复"
        await keys(pilot, "o", "enter")
        assert options_of(app)[0] == "答复并交回后台 S01"  # the answer first
        await keys(pilot, "enter")
        await type_text(pilot, "户号 3100001234")
        await keys(pilot, "enter")
        assert text(app, "#desk-status") == "A001 已转后台"
    again = ticket(hall, "A001")
    assert (again.status, again.support, again.note, again.handler) == (
        "with_support", "S01", "户号 3100001234", "C01")


async def test_the_card_shows_the_customers_other_open_matters(
    counter_app: CounterFactory, hall: Hall
) -> None:
    issue(hall, "B", account="3100777")
    with hall.write() as tx:  # C02 set B001 aside yesterday, say: still open
        ops.call_next(tx, 4)
        ops.start(tx, 4)
        ops.set_aside(tx, 4, "补充身份证复印件")
    issue(hall, "A", account="3100777")
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await at_desk(pilot)
        await keys(pilot, "f1")
        assert shown(app) == "A001"
        assert text(app, "#card-matters") == (
            "该户未办结事项\nB001 B 报装接电 待客户补件 · 首办 王芳")


async def test_a_second_sign_in_at_the_counter_ends_this_clients_session(
    counter_app: CounterFactory, hall: Hall, config: HallConfig
) -> None:
    issue(hall)
    app = counter_app()
    async with app.run_test(size=DESK_SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, DeskScreen)
        await keys(pilot, "f1")
        assert shown(app) == "A001"
        # The same clerk signs in at counter 1 on another machine.
        other = CounterMachine(Hall(hall.engine, config, hall.clock), config, 1)
        other.sign_in("C01", PIN)
        await keys(pilot, "s")  # refused: back to the sign-in, told why
        assert isinstance(app.screen, SignInScreen)
        await until(pilot, lambda: any("签到已结束" in n for n in notifications(app)))
        assert other.start("A001").status == "serving"  # the new client goes on
    assert ticket(hall, "A001").status == "serving"


async def test_a_client_watching_sees_its_session_end_without_a_key(
    counter_app: CounterFactory, hall: Hall, config: HallConfig
) -> None:
    app = counter_app(check_seconds=0.05)
    async with app.run_test(size=DESK_SIZE) as pilot:
        await sign_in(pilot)
        await keys(pilot, "f9")  # a dialog open over the desk goes too
        assert isinstance(app.screen, DeskScreen)  # (no ticket: refer asks for none)
        await keys(pilot, "f2")
        assert isinstance(app.screen, PickScreen)
        other = CounterMachine(Hall(hall.engine, config, hall.clock), config, 1)
        other.sign_in("C01", PIN)
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert len(app.screen_stack) == 2  # the default screen and the sign-in: nothing else

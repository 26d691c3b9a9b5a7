"""Fixtures and helpers of the Pilot-driven app tests: the kiosk (with a fake printer) and the
counter client on the test hall; waiting for workers, timers and toasts; keys, labels and
what the database holds."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Digits, Label, OptionList

from db.config import HallConfig
from db.rules import ops
from db.rules.ops import E, T
from db.store.session import Hall
from db.store.views import StaffView, TicketView
from db.store.watch import ChangeWatcher, HallUnavailable
from kiosk.app import KioskApp, make_app
from kiosk.printer import PrinterFault, TicketSlip
from tests.conftest import PIN

if TYPE_CHECKING:  # the counter's modules are imported where a counter test needs them, so
    # that the kiosk's tests still run while the counter's code does not import
    from counter.app import CounterApp


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (Textual's Pilot needs one; no plugin)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


SMALL = (80, 24)
"""The smallest terminal an app must look right in (the kiosk, the displays)."""


class FakePrinter:
    """Keeps the slips instead of printing them; raises PrinterFault when told to."""

    def __init__(self, fault: str | None = None, enabled: bool = True,
                 gate: threading.Event | None = None) -> None:
        self.fault = fault
        self.gate = gate
        """When given, printing blocks until the test sets it (a slow printer)."""
        self.slips: list[TicketSlip] = []
        self._enabled = enabled

    @property
    def enabled(self) -> bool:
        """As the real printer: False means no printer at all."""
        return self._enabled

    def print_ticket(self, slip: TicketSlip) -> None:
        """Keep the slip, or fail."""
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.fault is not None:
            raise PrinterFault(self.fault)
        self.slips.append(slip)


def quick(config: HallConfig, **kiosk: float) -> HallConfig:
    """The config with the kiosk timings a test sets: short for a test of the timer, else
    long, so that no screen goes away by itself while the test looks at it."""
    timings = {"confirm_seconds": 60.0, "idle_reset_seconds": 60.0,
               "fault_confirm_seconds": 60.0, **kiosk}
    return replace(config, kiosk=replace(config.kiosk, **timings))


KioskFactory = Callable[..., KioskApp]


@pytest.fixture
def printer() -> FakePrinter:
    """A printer that works."""
    return FakePrinter()


@pytest.fixture
def kiosk(hall: Hall, config: HallConfig, printer: FakePrinter) -> KioskFactory:
    """`kiosk(confirm_seconds=…, guide=…, printer=…, config=…)`: the app on the test hall."""

    def build(*, guide: bool = False, printer_: FakePrinter | None = None,
              config_: HallConfig | None = None, **timings: float) -> KioskApp:
        return make_app(quick(config_ or config, **timings), hall,
                        printer=printer_ or printer, guide=guide)

    return build


# -- waiting -------------------------------------------------------------------------------


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their answers be handled, four rounds over: an answer may start
    another worker (the kiosk's issue starts its print)."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def until(pilot: Pilot[Any], ready: Callable[[], bool], timeout: float = 10) -> None:
    """Let the app run until `ready()` holds, looking every 0.05 s: for what no worker brings,
    such as another process's commit reaching the screen through a change watcher, a timer,
    or a toast (App.notify posts a message, so it shows a tick after the code that called
    it). A widget not mounted yet (a screen still being composed) counts as not ready."""
    missing: NoMatches | None = None
    for _ in range(int(timeout / 0.05)):
        try:
            if ready():
                return
        except NoMatches as error:
            missing = error
        await pilot.pause(0.05)
    raise AssertionError(f"never happened; {pilot.app.screen!r} is showing"
                         + (f" ({missing})" if missing else ""))


async def wait_for_screen(pilot: Pilot[Any], kind: type[Any], timeout: float = 5) -> None:
    """Pause until `kind` is the current screen (while a worker is still busy)."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind), timeout)


# -- input ---------------------------------------------------------------------------------


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type characters one key at a time."""
    await pilot.press(*text)


async def keys(pilot: Pilot[Any], *pressed: str) -> None:
    """Press keys one at a time, each step finished before the next key (as a clerk sees
    the screen change before pressing on)."""
    for key in pressed:
        await pilot.press(key)
        await settle(pilot)


async def click(pilot: Pilot[Any], selector: str) -> None:
    """Touch a widget and let what it started finish."""
    await pilot.click(selector)
    await settle(pilot)


async def sign_in(pilot: Pilot[Any], staff: str = "c01", pin: str = PIN) -> None:
    """Type an id and a PIN into the sign-in form that has the focus, and submit."""
    await type_text(pilot, staff)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await settle(pilot)


# -- what the screen shows --------------------------------------------------------------


def text(app: App[Any], selector: str) -> str:
    """The plain text of a label on the current screen."""
    return str(app.screen.query_one(selector, Label).content)


def notifications(app: App[Any]) -> list[str]:
    """The messages of the toasts on show."""
    return [n.message for n in app._notifications]


# -- what the database holds ---------------------------------------------------------------


def tickets(hall: Hall) -> list[Any]:
    """Every ticket row, oldest first."""
    with hall.read() as tx:
        return list(tx.conn.execute(select(T).order_by(T.c.id)))


def ticket(hall: Hall, number: str) -> TicketView:
    """A ticket as the database has it now."""
    with hall.read() as tx:
        return TicketView.from_row(ops.ticket_row(tx, number))


def events_of(hall: Hall, kind: str) -> list[Any]:
    """Events of one kind, oldest first."""
    with hall.read() as tx:
        return list(tx.conn.execute(select(E).where(E.c.kind == kind).order_by(E.c.id)))


def details(hall: Hall, kind: str) -> list[Any]:
    """The details of the events of one kind, oldest first."""
    return [event.detail for event in events_of(hall, kind)]


def issue(hall: Hall, business: str = "A", account: str | None = None) -> TicketView:
    """A number taken at the kiosk (another process, as far as the app knows)."""
    with hall.write() as tx:
        return ops.issue_ticket(tx, business, account=account)


class FlakyWatcher(ChangeWatcher):
    """The real change watcher, except that it raises HallUnavailable while `down` is set
    (the database cannot be reached)."""

    def __init__(self, inner: ChangeWatcher, down: bool = False) -> None:
        self.inner = inner
        self.down = down

    def changed(self) -> bool:
        """As the real one, unless the database is "away"."""
        if self.down:
            raise HallUnavailable("the database is unavailable: test")
        return self.inner.changed()

    def close(self) -> None:
        """Close the real one."""
        self.inner.close()


# -- the counter client ------------------------------------------------------------------

DESK_SIZE = (100, 30)
"""The terminal of the apps at a desk in the tests: counter client, support desk, evaluator."""
CLERK = StaffView("C01", "张伟", "clerk", 200)
"""The clerk of the fixture hall's counter 1, signed in there already."""
CounterFactory = Callable[..., "CounterApp"]


@pytest.fixture
def counter_app(config: HallConfig, hall: Hall) -> CounterFactory:
    """`counter_app(counter=1, check_seconds=0)`: the client for a counter of the test hall;
    watching for other processes' changes is off unless a test asks for it."""

    from counter.app import make_app as make_counter_app

    def build(counter: int = 1, check_seconds: float = 0) -> CounterApp:
        return make_counter_app(config, hall, counter=counter, check_seconds=check_seconds)

    return build


async def at_desk(pilot: Pilot[Any], watch: float = 0) -> None:
    """Open C01's desk at counter 1 as a sign-in would (the PIN check has tests of its own,
    and argon2 costs a noticeable moment per test); watching for other processes' commits
    every `watch` seconds (0: only reading after its own steps)."""
    from counter.app import CounterApp
    from counter.screens.desk import DeskScreen

    app = pilot.app
    assert isinstance(app, CounterApp)
    await app.switch_screen(DeskScreen(app.machine, CLERK, app.watcher, watch))
    await settle(pilot)


def options_of(app: App[Any]) -> list[str]:
    """The lines of the pick list on show."""
    listed = app.screen.query_one(OptionList)
    return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]


def shown(app: CounterApp) -> str:
    """The ticket number the desk's card draws, or "" when it shows none."""
    screen = app.screen
    if not screen.query_one("#card-number-row").display:
        return ""
    letter = str(screen.query_one("#card-letter", Label).content)
    return letter + screen.query_one("#card-number", Digits).value

"""Fixtures and helpers of the Pilot-driven app tests: the kiosk (with a fake printer) and the
counter client on the test hall; waiting for workers, timers and toasts; keys, labels and
what the database holds."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from rich.cells import cell_len
from sqlalchemy import select
from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Digits, Label, OptionList
from textual.worker import WorkerState

from db.config import HallConfig
from db.rules import ops
from db.rules.ops import E, T
from db.store.session import Hall
from db.store.views import StaffView, TicketView
from db.store.watch import ChangeWatcher, HallUnavailable
from kiosk.app import KioskApp, make_app
from kiosk.printer import PrinterFault, TicketSlip
from kiosk.screens import confirm
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


@pytest.fixture
def no_touch_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the kiosk tests that touch the confirmation as soon as it is up: the guard against
    a double tap (`confirm.TOUCH_GUARD_SECONDS`) is off; it has tests of its own, in
    test_kiosk_customer.py."""
    monkeypatch.setattr(confirm, "TOUCH_GUARD_SECONDS", 0.0)


# -- waiting -------------------------------------------------------------------------------


async def workers_done(pilot: Pilot[Any], timeout: float = 60) -> None:
    """Let the app run until none of its workers is pending or running. A failed worker counts
    as done: the app shows its failure (from the worker's state change), and the test looks
    at that. (Textual's `workers.wait_for_complete` raises a failed worker's error, and a
    worker not started yet, as happens on a loaded machine, is an error to it.)"""
    deadline = time.monotonic() + timeout
    while busy := [worker for worker in pilot.app.workers if not worker.is_finished]:
        running = [worker for worker in busy if worker.state is WorkerState.RUNNING]
        if running:
            await asyncio.gather(*(worker.wait() for worker in running),
                                 return_exceptions=True)
        else:
            await asyncio.sleep(0.01)  # about to start
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still busy: {busy}")


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their answers be handled, four rounds over: an answer may start
    another worker (the kiosk's issue starts its print)."""
    for _ in range(4):
        await workers_done(pilot)
        await pilot.pause()


async def until(pilot: Pilot[Any], ready: Callable[[], bool], timeout: float = 20) -> None:
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


async def wait_for_screen(pilot: Pilot[Any], kind: type[Any], timeout: float = 20) -> None:
    """Pause until `kind` is the current screen (while a worker is still busy)."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind), timeout)


def _layout_pending(screen: Screen[Any]) -> bool:
    """Whether the screen has a layout, a scroll, a repaint or a recompose still to do
    (Textual's own flags, as its idle handler reads them)."""
    return bool(screen._layout_required or screen._scroll_required
                or screen._repaint_required or screen._recompose_required
                or screen._dirty_widgets)


async def steady(pilot: Pilot[Any], selector: str | None = None,
                 timeout: float = 20) -> Widget:
    """Let the app run until the current screen's layout has settled: nothing left to lay
    out or paint, and the widget `selector` names (else the screen) in the same place two
    frames running. A screen lays itself out again after its first frame when its size
    classes arrive (the kiosk's `-medium -short`): a widget found at once is not yet where
    it will be. Returns the widget."""
    deadline = time.monotonic() + timeout
    last: tuple[Widget, Any] | None = None
    while True:
        await pilot.pause()
        screen = pilot.app.screen
        try:
            widget = screen if selector is None else screen.query_one(selector)
        except NoMatches:  # still being composed
            widget = None
        if widget is not None:
            now = (widget, widget.region)
            if now == last and widget.region.area and not _layout_pending(screen):
                return widget
            last = now
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector or 'the screen'} never settled on "
                                 f"{screen!r}: last at {last}")


def _squeezed(widget: Widget) -> bool:
    """Whether a container that does not scroll cuts `widget` off: it is given less room
    than it takes (a container that scrolls only hides what a scroll shows)."""
    for ancestor in widget.ancestors:
        if not isinstance(ancestor, Widget) or isinstance(ancestor, Screen):
            return False
        if not ancestor.content_region.contains_region(widget.region):
            styles = ancestor.styles
            return not ((styles.overflow_y != "hidden" and ancestor.max_scroll_y > 0)
                        or (styles.overflow_x != "hidden" and ancestor.max_scroll_x > 0))
    return False


def _cut(screen: Screen[Any]) -> list[tuple[Widget, str]]:
    region = screen.region
    cut: list[tuple[Widget, str]] = []
    for widget in screen.query("Label, Button"):
        if not isinstance(widget, Label | Button) or not widget.display:
            continue
        text = str(widget.label if isinstance(widget, Button) else widget.content)
        if not text:
            continue
        one_line = isinstance(widget, Button) or widget.content_region.height <= 1
        if not region.contains_region(widget.region):
            cut.append((widget, f"off screen: {text}"))
        elif widget.content_region.height < 1 or _squeezed(widget):
            cut.append((widget, f"squeezed: {text}"))
        elif one_line and cell_len(text) > widget.content_region.width:
            cut.append((widget, f"{widget.content_region.width} < {cell_len(text)}: {text}"))
    return cut


def cut_text(app: App[Any]) -> list[str]:
    """Labels and buttons of the current screen whose text does not fit: outside the screen,
    squeezed (to no line, or cut by a container that does not scroll), or wider than their
    widget while on a single line (Chinese characters count two cells). A button's label must
    always fit on one line: a label that wraps makes the button taller here, but in a real
    terminal the button kept its one line and cut the rest ("Account no.: none")."""
    return [why for _, why in _cut(app.screen)]


async def reachable(pilot: Pilot[Any]) -> list[str]:
    """`cut_text` for a screen that scrolls (a phone's page): a label or a button below the
    screen counts as cut only if scrolling it into view does not show it whole."""
    cut = []
    for widget, why in _cut(pilot.app.screen):
        if why.startswith("off screen"):
            widget.scroll_visible(animate=False, immediate=True)
            await steady(pilot)
            again = [w for w, _ in _cut(pilot.app.screen) if w is widget]
            if not again:
                continue
        cut.append(why)
    return cut


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


async def click(pilot: Pilot[Any], selector: str | None = None, *,
                at: tuple[int, int] | None = None) -> None:
    """Touch a widget in its middle once the layout has settled, check that the touch landed
    on it (or on a widget inside it), and let what it started finish. `at` instead: a point
    of the screen, whatever lies there (a second touch where a button was). Every test's
    click goes through here: a widget touched while it still moves is touched where it was
    (pilot.click aims at the region it reads before its own pause)."""
    app = pilot.app
    if at is not None:
        assert selector is None, "either a selector or a point"
        await steady(pilot)
        await pilot.click(offset=at)
    else:
        assert selector is not None, "a selector or a point"
        widget = await steady(pilot, selector)
        region = widget.region
        middle = (region.width // 2, region.height // 2)
        under, _ = app.get_widget_at(region.x + middle[0], region.y + middle[1])
        assert under is widget or widget in under.ancestors, \
            f"{selector} at {region} is covered by {under!r}"
        # pilot.click says whether the widget itself was under the pointer: a label inside
        # it (a business button's lines) is a hit as well, as checked just above.
        landed = await pilot.click(widget, offset=middle)
        assert landed or under is not widget, f"the touch missed {selector} at {region}"
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


class CountingWatcher(ChangeWatcher):
    """The real change watcher, counting how often it was asked and what it answered: a
    test that checks that nothing happened after a commit first waits for the app to have
    seen the commit and asked again after (its read of it handled)."""

    def __init__(self, inner: ChangeWatcher) -> None:
        self.inner = inner
        self.checks = 0
        """How many times the app asked."""
        self.changes = 0
        """How many of those answers were "changed"."""
        self.last_change = 0
        """Which check (by `checks`) last answered "changed"; 0 for none yet."""

    def changed(self) -> bool:
        """As the real one, counted."""
        answer = self.inner.changed()
        self.checks += 1
        if answer:
            self.changes += 1
            self.last_change = self.checks
        return answer

    def close(self) -> None:
        """Close the real one."""
        self.inner.close()


async def seen_and_asked_again(pilot: Pilot[Any], watcher: CountingWatcher,
                               changes_before: int, timeout: float = 20) -> None:
    """Let the app run until its watcher has answered "changed" since `changes_before`
    (the commit the test made then was seen) and been asked once more after that: an app
    asks only once the read the answer started is over (a display's watching thread posts
    the read before it asks again; the pause lets the app handle it), so whatever that
    read would have shown or started, it has."""
    await until(pilot, lambda: watcher.changes > changes_before
                and watcher.checks > watcher.last_change, timeout)
    await pilot.pause()


class FlakyWatcher(CountingWatcher):
    """The real change watcher (counted), except that it raises HallUnavailable while `down`
    is set (the database cannot be reached)."""

    def __init__(self, inner: ChangeWatcher, down: bool = False) -> None:
        super().__init__(inner)
        self.down = down

    def changed(self) -> bool:
        """As the real one, unless the database is "away"."""
        if self.down:
            raise HallUnavailable("the database is unavailable: test")
        return super().changed()


# -- the counter client ------------------------------------------------------------------

DESK_SIZE = (100, 30)
"""The terminal of the apps at a desk in the tests: counter client, support desk, evaluator."""
CLERK = StaffView("C01", "张伟", "clerk", 200)
"""The clerk of the fixture hall's counter 1, signed in there already."""
CounterFactory = Callable[..., "CounterApp"]


@pytest.fixture
def counter_app(config: HallConfig, hall: Hall) -> CounterFactory:
    """`counter_app(counter=1, check_seconds=0)`: the client for a counter of the test hall,
    its change watcher counted (`app.watcher`); watching for other processes' changes is off
    unless a test asks for it."""

    from counter.app import make_app as make_counter_app

    def build(counter: int = 1, check_seconds: float = 0) -> CounterApp:
        return make_counter_app(config, hall, counter=counter, check_seconds=check_seconds,
                                watcher=CountingWatcher(ChangeWatcher.for_hall(hall)))

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

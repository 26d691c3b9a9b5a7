"""Fixtures for the Pilot-driven app tests: a kiosk on the test hall with a fake printer."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Label

from db.config import HallConfig
from db.ops import E, T
from db.session import Hall
from kiosk.app import KioskApp, make_app
from kiosk.printer import PrinterFault, TicketSlip


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (Textual's Pilot needs one; no plugin)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


SMALL = (80, 24)
"""The smallest terminal the kiosk must look right in."""


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


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their messages be handled (workers start workers)."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_for_screen(pilot: Pilot[Any], kind: type[Any], timeout: float = 5) -> None:
    """Pause until `kind` is the current screen (while a worker is still busy)."""
    for _ in range(int(timeout / 0.05)):
        if isinstance(pilot.app.screen, kind):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{kind.__name__} never came; {pilot.app.screen!r} is showing")


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type characters one key at a time."""
    await pilot.press(*text)


def tickets(hall: Hall) -> list[Any]:
    """Every ticket row, oldest first."""
    with hall.read() as tx:
        return list(tx.conn.execute(select(T).order_by(T.c.id)))


def events_of(hall: Hall, kind: str) -> list[Any]:
    """Events of one kind, oldest first."""
    with hall.read() as tx:
        return list(tx.conn.execute(select(E).where(E.c.kind == kind).order_by(E.c.id)))


def label_text(app: KioskApp, selector: str) -> str:
    """The plain text of a label on the current screen."""
    return str(app.screen.query_one(selector, Label).content)


def notifications(app: KioskApp) -> list[str]:
    """The messages of the toasts on show."""
    return [n.message for n in app._notifications]

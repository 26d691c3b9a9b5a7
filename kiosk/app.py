"""The kiosk (取号机): customers take a number; a guide signs in to work on it.

The app is locked down: nothing a customer can press quits it, opens the command palette
or suspends it to a shell. Only the duty leader's id and PIN (F12) close it.
"""

from __future__ import annotations

import gc

from textual import events, work
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.timer import Timer

from db.config import HallConfig
from db.store.session import Hall
from db.store.views import StaffView, TicketView
from kiosk.machine import KioskMachine, SlipPrinter
from kiosk.screens.account import AccountPad
from kiosk.screens.appointment import AppointmentCheckIn
from kiosk.screens.base import TicketIssued
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.feedback import FeedbackBox
from kiosk.screens.guide import GuideScreen
from kiosk.screens.guide_signin import GuideSignIn
from kiosk.screens.home import HomeScreen
from kiosk.screens.leader_unlock import LeaderUnlock
from kiosk.screens.staff_pin import StaffPinScreen
from kiosk.text import t
from ui.app import LockedApp

PREPARE_SECONDS = 2.0
"""How often an idle kiosk looks whether the hall changed, and reads it for the next
customer's estimate if it did (`KioskMachine.prepare`)."""

CUSTOMER_MODALS = (AccountPad, AppointmentCheckIn, FeedbackBox, StaffPinScreen)
"""What an idle kiosk closes: input a customer (or a passer-by) left half done."""


class KioskApp(LockedApp):
    """The kiosk: the home screen, guide mode above it, modals above those."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "取号机"
    TEXTS = t
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall"), (50, "-very-tall")]
    BINDINGS = [
        Binding("f2", "switch_language", show=False),
        Binding("f9", "guide_sign_in", show=False),
    ]

    def __init__(self, machine: KioskMachine, *, guide: bool = False,
                 tidy_memory: bool = False) -> None:
        super().__init__(machine.config)
        self.machine = machine
        self.start_in_guide = guide
        self.tidy_memory = tidy_memory
        """Collect garbage between customers (`collect_when_idle`): on in the kiosk's own
        process; off under tests, whose process holds far more than a kiosk."""
        self.last_ticket: TicketView | None = None
        """The last ticket this kiosk issued: what a guide's reprint prints."""
        self.idle_timer: Timer | None = None
        self.preparing = False
        """A read of the hall for the next estimate is under way (`prepare_estimate`)."""

    def on_mount(self) -> None:
        """Home screen first; guide sign-in above it when asked for."""
        self.language = self.machine.config.languages[0]
        self.push_screen(HomeScreen(self.machine))
        if self.start_in_guide:
            self.action_guide_sign_in()
        if self.tidy_memory:
            self.call_after_refresh(self.collect_when_idle, freeze=True)
        self.set_interval(PREPARE_SECONDS, self.prepare_estimate)

    # -- the next customer's estimate, read while nobody waits --------------------------------

    def prepare_estimate(self) -> None:
        """Read the hall for the next number's estimate, in a worker, if it changed since the
        last read: a key press then finds it read and only works the estimate out (measured,
        the read was two thirds of the estimate's cost in a press; benchmarks/README.md)."""
        if self.preparing or any(getattr(s, "issuing", False) for s in self.screen_stack):
            return  # (not beside a number being taken: its own read and write come first)
        self.preparing = True
        self._prepare()

    @work(thread=True, exit_on_error=False, group="prepare")
    def _prepare(self) -> None:
        try:
            self.machine.prepare()
        finally:
            self.preparing = False

    # -- garbage collection between customers -----------------------------------------------

    def collect_when_idle(self, *, freeze: bool = False) -> None:
        """Collect garbage now, while no one is waiting for the screen (started up, or back
        home after a customer), so that Python's full collection does not fall inside a
        press: measured, a full collection of the running kiosk takes ~100 ms and came
        every ten presses or so, which was the whole p95 of press → number
        (benchmarks/README.md). At start-up the objects that live all day (the app, its
        screens, Textual's and our modules) are frozen out of every later collection, so
        the collections after each customer stay short."""
        if not self.tidy_memory:
            return
        gc.collect()
        if freeze:
            gc.freeze()

    def unlock_screen(self) -> LeaderUnlock:
        """The duty leader's id and PIN close the kiosk."""
        return LeaderUnlock(self.machine)

    # -- guide mode -------------------------------------------------------------------------

    def action_guide_sign_in(self) -> None:
        """A guide signs in (from the home screen only)."""
        if isinstance(self.screen, HomeScreen):
            self.push_screen(GuideSignIn(self.machine), self._guide_signed_in)

    def _guide_signed_in(self, guide: StaffView | None) -> None:
        if guide is not None:
            screen = GuideScreen(self.machine, guide)
            screen.last_ticket = self.last_ticket
            self.push_screen(screen)

    def on_ticket_issued(self, event: TicketIssued) -> None:
        """Keep the last ticket for a reprint, and tell guide mode."""
        self.last_ticket = event.ticket
        self.call_after_refresh(self.prepare_estimate)  # once the number is on the screen
        for screen in self.screen_stack:
            if isinstance(screen, GuideScreen):
                screen.last_ticket = event.ticket

    # -- an idle kiosk forgets half-finished input ------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Any key or touch restarts the idle countdown."""
        if isinstance(event, events.Key | events.MouseDown):
            self.restart_idle()
        await super().on_event(event)

    def restart_idle(self) -> None:
        """Count `idle_reset_seconds` from now."""
        if self.idle_timer is not None:
            self.idle_timer.stop()
        seconds = self.machine.config.kiosk.idle_reset_seconds
        self.idle_timer = self.set_timer(seconds, self.reset_when_idle)

    async def reset_when_idle(self) -> None:
        """Close the customer's open dialogs, sign out a guide who has left the kiosk (a
        passer-by must not find guide mode open), clear the choices and go back to the
        hall's first language, for the next customer. A number on show is not idle: the
        countdown starts again once it has gone."""
        homes = [s for s in self.screen_stack if isinstance(s, HomeScreen)]
        if not homes:
            return
        if isinstance(self.screen, ConfirmScreen):
            self.restart_idle()
            return
        while isinstance(self.screen, CUSTOMER_MODALS):
            await self.pop_screen()
        if isinstance(self.screen, GuideScreen):
            await self.pop_screen()
        if not self.is_running or not homes[0].is_attached:
            return  # the kiosk is closing (its screens taken down): no next customer
        try:
            homes[0].reset_input()
        except NoMatches:  # taken down meanwhile (the pops above gave the loop a turn)
            return
        self.language = self.machine.config.languages[0]
        # The keyboard back on the first business: left on the supervision box's button
        # (where the closed box gave it back), the next customer's Enter would open the box.
        homes[0].call_after_refresh(homes[0].focus_home)


def make_app(
    config: HallConfig, hall: Hall, *, printer: SlipPrinter | None = None, guide: bool = False,
    tidy_memory: bool = False,
) -> KioskApp:
    """The kiosk on `hall`, showing `config`; the printer is built from `config.printer`
    unless one is given (tests give a fake). `tidy_memory`: the kiosk's own process
    (`hall kiosk`) collects garbage between customers."""
    if printer is None:
        from kiosk.printer import TicketPrinter

        printer = TicketPrinter(config.printer)
    return KioskApp(KioskMachine(hall, config, printer), guide=guide, tidy_memory=tidy_memory)

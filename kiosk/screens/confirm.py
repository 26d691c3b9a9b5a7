"""The confirmation: the number, the wait, the printer; back home by itself.

The slip is printed here, in a worker, after the ticket was committed: a printer fault
never costs the customer their number. While the slip is printing a touch does not leave
the screen (the customer would miss a fault message); a fault keeps the number up longer.
For a moment after the number appears no touch leaves it either (`TOUCH_GUARD_SECONDS`).
"""

from __future__ import annotations

import time

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label

from db.config import NORMAL
from db.store.views import TicketView
from kiosk.machine import KioskMachine
from kiosk.screens.base import KioskModal
from kiosk.text import t
from kiosk.widgets.ticket_card import CardText, TicketCard
from ui.screens.base import WorkFailed

TOUCH_GUARD_SECONDS = 1.0
"""Touches and keys this soon after the number appears are ignored: without a printer the
number is up within a few milliseconds, and the second press of a customer's quick double
tap took them home before they had seen it. (Its natural place is the [kiosk] section of
the hall config, which has no such setting yet.)"""


class ConfirmScreen(KioskModal[None]):
    """Shows one ticket; returns after `confirm_seconds` or at a touch or key."""

    class SlipPrinted(Message):
        """The printer took the slip."""

        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            """Whose slip (a late answer about an earlier customer changes nothing)."""

    class PrintFailed(Message):
        """The printer failed; the fault is already recorded."""

        def __init__(self, ticket_id: int, message: str) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            """Whose slip."""
            self.message = message
            """The printer's one-line message."""

    def __init__(
        self,
        machine: KioskMachine,
        ticket: TicketView,
        *,
        reprint: bool = False,
    ) -> None:
        super().__init__()
        self.machine = machine
        self.ticket = ticket
        self.reprint = reprint
        self.printing = False
        self.due = False
        self.timer: Timer | None = None
        self.fresh = True
        """A showing that has not begun yet (printing, countdown)."""
        self.shown_at = 0.0
        """When this showing began (time.monotonic()): the touch guard counts from here."""
        self.styled_for: tuple[object, ...] | None = None
        """What the screen's styles were last worked out for (`_look`)."""

    def compose(self) -> ComposeResult:
        """The card and the way back, in a box the screen centres (no centring container
        around it: each container of automatic height lays its contents out again)."""
        with Vertical(id="confirm-box"):
            yield TicketCard(self.ticket, self._card_text(), id="ticket-card")
            yield Label(id="touch-return", classes="status")

    def on_mount(self) -> None:
        """Print, and start the countdown home."""
        self._begin()

    def show(self, ticket: TicketView, *, reprint: bool = False) -> None:
        """Make the screen show another ticket, before it is pushed again: the kiosk keeps
        one confirmation and reuses it, so a press costs no composing of a new screen."""
        self._stop_timer()
        self.ticket, self.reprint = ticket, reprint
        self.printing = self.due = False
        self.fresh = True
        lang = self.language
        self.query_one(TicketCard).show(ticket, self._card_text(), lang)
        self.relabel(lang)

    def _begin(self) -> None:
        if not self.fresh:
            return
        self.fresh = False
        self.shown_at = time.monotonic()
        kiosk = self.machine.config.kiosk
        if self.machine.printer.enabled:
            self.printing = True
            self.query_one(TicketCard).print_state = "printing"
            self.print_slip(self.ticket, self.language)
        self.timer = self.set_timer(kiosk.confirm_seconds, self.time_up)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def relabel(self, lang: str) -> None:
        """Every line in `lang`."""
        self.query_one(TicketCard).language = lang
        self.query_one("#touch-return", Label).update(t("touch_return", lang))

    def _card_text(self) -> CardText:
        config = self.machine.config
        directed = self.ticket.directed_to
        counter = config.counter(directed) if directed is not None else None
        code = self.ticket.priority
        priority = config.priority(code) if code != NORMAL else None
        return CardText(config.business(self.ticket.business), counter, self.reprint, priority)

    @work(thread=True, exit_on_error=False, group="print")
    def print_slip(self, ticket: TicketView, lang: str) -> None:
        """Print in a worker thread; a fault is recorded there, in its own transaction."""
        fault = self.machine.print_slip(ticket, lang)
        done = self.SlipPrinted(ticket.id) if fault is None else self.PrintFailed(ticket.id, fault)
        self.post_message(done)

    def on_confirm_screen_slip_printed(self, event: SlipPrinted) -> None:
        """The slip is out: leave if the time is already up."""
        if event.ticket_id != self.ticket.id:
            return
        self.printing = False
        self.query_one(TicketCard).print_state = "printed"
        self.leave_if_due()

    def on_confirm_screen_print_failed(self, event: PrintFailed | None = None) -> None:
        """Keep the number up long enough to be written down."""
        if event is not None and event.ticket_id != self.ticket.id:
            return
        self.printing = False
        self.query_one(TicketCard).print_state = "fault"
        self.due = False
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_timer(self.machine.config.kiosk.fault_confirm_seconds, self.time_up)

    def on_work_failed(self, event: WorkFailed) -> None:
        """The printer broke in an unforeseen way: the customer is told as for a fault."""
        self.on_confirm_screen_print_failed()

    def time_up(self) -> None:
        """The countdown ended."""
        self.due = True
        self.leave_if_due()

    def leave_if_due(self) -> None:
        """Go home once the time is up and the printer has answered."""
        if self.due and not self.printing:
            self.close()

    def _look(self) -> tuple[object, ...]:
        """What this screen's CSS depends on from outside it: the app's theme and classes,
        Textual's own count of CSS changes (a theme, a terminal's colours, a reloaded
        stylesheet) and the terminal's size. (A change of a class of the screen or of one of
        its widgets, such as its breakpoints, restyles them at once.)"""
        app = self.app
        return (app.theme, app.ansi_color, frozenset(app.classes), app.size,
                getattr(app, "_css_update_count", None))

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown again for a new ticket: begin; back on top after a staff modal closed:
        leave if the time ran out meanwhile.

        Textual works out the styles of every widget of a screen it pushes again, which was
        a third of the main thread's work between the key and the number: when nothing the
        styles depend on has changed since this screen was last styled, it is skipped (the
        card's own changes restyle the widgets they touch as they are made). This handler
        runs before Textual's (subclass first)."""
        look = self._look()
        if look == self.styled_for:
            event.refresh_styles = False
        self.styled_for = look
        if self.fresh and self.is_mounted:
            self._begin()
        else:
            self.leave_if_due()

    def close(self, result: None = None) -> None:
        """Home, with no countdown left running behind."""
        if self.is_active:
            self._stop_timer()
        super().close(result)

    def on_key(self, event: events.Key) -> None:
        """Any key returns at once (unless the slip is still printing)."""
        event.stop()
        self.touched()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Any touch returns at once (unless the slip is still printing)."""
        self.touched()

    def touched(self) -> None:
        """The customer is done with the screen (unless the number has only just appeared:
        then it is the tail of the press that took it)."""
        if time.monotonic() - self.shown_at < TOUCH_GUARD_SECONDS:
            return
        self.due = True
        self.leave_if_due()

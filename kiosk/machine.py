"""The kiosk as a machine: the hall it writes to, its config and its ticket printer.

Every method is blocking (a short transaction, a PIN hash, a print bounded by the printer's
timeout) and meant for a worker thread; none touches a widget. Refusals are the core's
`HallError`s, raised unchanged for the app to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sqlalchemy.exc import SQLAlchemyError

from db.config import NORMAL, HallConfig
from db.errors import HallError
from db.rules import appointments, estimate, ops, queries, reception
from db.rules.links import ticket_link
from db.rules.staff import authenticate
from db.store.session import Hall
from db.store.views import FeedbackView, StaffView, TicketView
from kiosk.printer import PrinterAnswer, PrinterFault, TicketSlip
from ui.text import name

TERMINAL = "kiosk"
"""Where the kiosk's PINs are typed, as the core counts wrong ones per terminal."""


ESTIMATE_SECONDS = 10.0
"""The kiosk's read of the hall for the estimate is used for at most this long (when no step
was logged meanwhile); `prepare` reads it again after half of it."""


class SlipPrinter(Protocol):
    """What the kiosk needs of a ticket printer (`kiosk.printer.TicketPrinter`, or a fake)."""

    @property
    def enabled(self) -> bool:
        """False when the hall has no printer: the kiosk then only shows the number."""
        ...

    def print_ticket(self, slip: TicketSlip) -> None:
        """Print one slip; raises PrinterFault, within the printer's timeout."""
        ...


@runtime_checkable
class CheckedPrinter(Protocol):
    """A printer the guide can check (`kiosk.printer.TicketPrinter`): a test slip and what
    it has to say. A stand-in without these shows no warnings and prints no test slip."""

    def print_test_slip(self) -> PrinterAnswer:
        """Print the test slip and return the printer's status answers (even when they say
        it cannot print); raises PrinterFault when it cannot be reached."""
        ...

    def warnings(self) -> list[str]:
        """What the staff should know, one line each: the last fault while it lasts, then
        warnings that are no fault (characters the printer's code page lacks)."""
        ...


@dataclass(frozen=True)
class KioskMachine:
    """One kiosk's hall, configuration and printer, and the steps it takes on them."""

    hall: Hall
    """The hall's database and rules."""
    config: HallConfig
    """The configuration the kiosk shows (names, timings, printer footers)."""
    printer: SlipPrinter
    """Where slips are printed."""
    estimates: estimate.Memo = field(default_factory=lambda: estimate.Memo(ESTIMATE_SECONDS),
                                     compare=False)
    """The hall as last read for the estimate (`prepare`), so that a key press does not have
    to read it: the hall's state as of its latest event, at most `ESTIMATE_SECONDS` old."""

    def issue(
        self,
        business: str,
        *,
        priority: str = "normal",
        account: str | None = None,
        issued_by: str | None = None,
        directed_to: int | None = None,
    ) -> TicketView:
        """Take a number (committed), then read its place in the queue. What the customer
        is told (`db.rules.estimate`) is worked out from a read just before and stored with
        the ticket: the issue's write transaction (which holds the hall's write lock) stays
        as short as it was. The hall is read for it only if it changed since the kiosk last
        read it (`prepare`, while idle): at a key press, most often it has not."""
        config = self.hall.config
        with self.hall.read() as tx:
            told = self.estimates.predict_new(tx, config.business(business).prefix,
                                              config.priority(priority).rank, directed_to)
        with self.hall.write() as tx:
            view = ops.issue_ticket(tx, business, priority=priority, account=account or None,
                                    issued_by=issued_by, directed_to=directed_to, told=told)
        return self.with_wait(view)

    def prepare(self) -> bool:
        """Read the hall for the next customer's estimate if it changed (or the last read is
        getting old), while nobody is waiting for the kiosk; True if it was read."""
        with self.hall.read() as tx:
            return self.estimates.prepare(tx)

    def check_in(self, *, code: str | None = None, phone_last4: str | None = None,
                 account: str | None = None) -> TicketView:
        """Check an appointment in (预约签到) by its code, or by the phone's last four digits
        and the account: its number (committed), with its place in the queue. Outside the
        slot's window `appointments.OutsideWindow` names the booked business."""
        with self.hall.write() as tx:
            done = appointments.check_in(tx, code=code or None, phone_last4=phone_last4 or None,
                                         account=account or None)
        return self.with_wait(done.ticket)

    def with_wait(self, view: TicketView) -> TicketView:
        """The ticket as it stands now, with people ahead and the wait it was told at issue
        (kept with the ticket: the screen and the slip say what the ticket says)."""
        with self.hall.read() as tx:
            return queries.ticket_info(tx, view.number, view.business_day, live=False)

    def last_issued(self, guide: str | None = None) -> TicketView | None:
        """Today's latest ticket for a reprint when this app has issued none (it restarted):
        the signed-in guide's own, else the kiosk's."""
        with self.hall.read() as tx:
            own = queries.last_issued(tx, issued_by=guide, live=False) if guide else None
            return own or queries.last_issued(tx, live=False)

    def record_reprint(self, view: TicketView, staff: str) -> None:
        """Log that `staff` printed the ticket's slip again."""
        with self.hall.write() as tx:
            reception.record_reprint(tx, view.number, staff, day=view.business_day)

    def print_slip(self, view: TicketView, lang: str) -> str | None:
        """Print the ticket's slip. On a printer fault, record it in its own transaction and
        return its one-line message; the ticket itself is already committed and stands."""
        try:
            self.printer.print_ticket(self.slip(view, lang))
        except PrinterFault as fault:
            message = str(fault)
            with self.hall.write() as tx:
                reception.record_printer_fault(tx, message, number=view.number)
            return message
        return None

    def slip(self, view: TicketView, lang: str) -> TicketSlip:
        """What goes on the paper, in the customer's language."""
        printer = self.config.printer
        issued = view.issued_at.replace(tzinfo=dt.UTC).astimezone(self.config.tz)
        directed = view.directed_to
        counter = name(self.config.counter(directed), lang) if directed is not None else None
        return TicketSlip(
            hall_name=name(self.config, lang),
            number=view.number,
            business=name(self.config.business(view.business), lang),
            ahead=view.ahead,
            estimated_wait_min=view.estimated_wait_min,
            estimated_low=view.estimated_low,
            estimated_high=view.estimated_high,
            issued_at=issued,
            qr_data=self.qr_text(view),
            footer=printer.footer_en if lang == "en" else printer.footer_zh,
            language=lang,
            counter=counter,
            priority=(name(self.config.priority(view.priority), lang)
                      if view.priority != NORMAL else None),
        )

    def qr_text(self, view: TicketView) -> str:
        """What the slip's QR code carries: the address of the ticket's page on the hall
        server (`[server] public_url`), which a phone opens to follow the queue; without a
        public address, or when the hall's secret cannot be read, the plain number
        ("HALL:2026-11-27:A023")."""
        plain = f"HALL:{view.business_day.isoformat()}:{view.number}"
        public_url = self.config.server.public_url
        if public_url is None:
            return plain
        try:
            return ticket_link(self.hall, public_url, view)
        except (HallError, SQLAlchemyError):
            return plain  # the slip still prints; the number is what the customer needs

    def sign_in(self, staff_id: str, pin: str) -> StaffView:
        """Check a staff member's PIN (the core records failures and applies its lockout)."""
        return authenticate(self.hall, staff_id.strip(), pin, terminal=TERMINAL)

    def unlock(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN that leaves kiosk mode. Customers stand here: a wrong PIN throttles
        the kiosk (1, 2, 4 … s between tries) instead of counting toward the account's lock,
        so nobody at the kiosk can lock the duty leader out (see `authenticate`)."""
        return authenticate(self.hall, staff_id.strip(), pin, terminal=TERMINAL, throttled=True)

    def record_enquiry(self, staff: str, business: str, note: str | None) -> None:
        """A question the guide answered on the spot, without a ticket."""
        with self.hall.write() as tx:
            reception.record_enquiry(tx, staff, business, note=note or None)

    def leave_feedback(self, body: str, number: str | None, *, kind: str | None = None,
                       counter: int | None = None) -> FeedbackView:
        """A note for the duty leader from the supervision box: chosen by touch (`kind`,
        `counter`), written, or both."""
        with self.hall.write() as tx:
            return reception.leave_feedback(tx, body, number=number or None, kind=kind,
                                            counter=counter)


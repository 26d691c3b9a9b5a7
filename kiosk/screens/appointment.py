"""预约签到: a booked customer checks in by touch, with the appointment's code, or with the
phone's last four digits and the account number, typed on the on-screen keypad.

Inside the slot's window the number comes with the appointment priority and the screen
closes with it (the home screen shows it as any number); outside it the refusal says when
the window opens or that it closed, and one touch takes a normal number of the booked
business instead. Every other refusal (no such code, already checked in) is said on the
screen, which stays open to try again.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static

from db.errors import HallError
from db.rules.appointments import OutsideWindow
from db.rules.text import width
from db.store.models import Appointment
from db.store.views import TicketView
from kiosk.machine import KioskMachine
from kiosk.screens.base import KioskModal
from kiosk.text import t
from kiosk.widgets.numberpad import NumberPad, PadTyping, edited
from ui.screens.base import WorkFailed

FIELDS = ("code", "phone", "account")
"""What the keypad can type into: the code, the phone's last four digits, the account."""

LIMITS = {"code": 12, "phone": 4, "account": width(Appointment.__table__.c.account)}
"""The digits each field takes."""


class AppointmentCheckIn(PadTyping, KioskModal[TicketView | None]):
    """Check an appointment in; dismisses the number taken (appointment or normal), or None
    when the customer cancels."""

    AUTO_FOCUS = "#ap-ok"

    BINDINGS = [
        Binding("escape", "cancel", show=False),
        Binding("backspace", "edit('backspace')", show=False),
        Binding("delete", "edit('clear')", show=False),
    ]

    class Answered(Message):
        """The check-in's answer from the worker: a number, or why not."""

        def __init__(self, ticket: TicketView | None, error: HallError | None = None) -> None:
            super().__init__()
            self.ticket = ticket
            self.error = error

    def __init__(self, machine: KioskMachine) -> None:
        super().__init__()
        self.machine = machine
        self.values = dict.fromkeys(FIELDS, "")
        self.field = "code"
        self.busy = False
        self.message: HallError | str | None = None
        self.instead: str | None = None
        """The booked business, when a normal number of it is offered instead."""

    def compose(self) -> ComposeResult:
        """Title, the three fields, the pad, the answer, the buttons."""
        with Vertical(id="ap-box", classes="dialog"):
            yield Label(id="ap-title", classes="title")
            yield Label(id="ap-how")
            with Horizontal(id="ap-fields"):
                for field in FIELDS:
                    yield Button("", id=f"ap-{field}", classes="ap-field")
            yield Static(id="ap-value")
            yield NumberPad()
            yield Label(id="ap-message", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="ap-cancel", variant="default")
                yield Button("", id="ap-normal", variant="warning")
                yield Button("", id="ap-ok", variant="success")

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one("#ap-title", Label).update(t("ap_title", lang))
        self.query_one("#ap-how", Label).update(t("ap_how", lang))
        self.query_one(NumberPad).language = lang
        self.query_one("#ap-cancel", Button).label = t("cancel", lang)
        self.query_one("#ap-ok", Button).label = t("ap_ok", lang)
        self._show()

    # -- typing -------------------------------------------------------------------------

    @on(Button.Pressed, ".ap-field")
    def choose_field(self, event: Button.Pressed) -> None:
        """Touch a field to type into it."""
        self.field = (event.button.id or "").removeprefix("ap-")
        self._show()

    def enter(self) -> None:
        """Enter on the keyboard checks in."""
        self.check_in()

    def action_edit(self, key: str) -> None:
        """Apply one key to the chosen field: a digit, "backspace" or "clear"."""
        value = self.values[self.field] = edited(self.values[self.field], key, LIMITS[self.field])
        if self.field == "phone" and len(value) == 4 and not self.values["account"]:
            self.field = "account"  # four digits typed: on to the account
        self.message, self.instead = None, None
        self._show()

    # -- checking in --------------------------------------------------------------------

    @on(Button.Pressed, "#ap-ok")
    def check_in(self) -> None:
        """Check in with the code, else the phone's last four digits and the account."""
        if self.busy:
            return
        code, phone, account = (self.values[f] for f in FIELDS)
        if not code and (len(phone) != 4 or not account):
            self.message, self.instead = t("ap_need", self.language), None
            self._show()
            return
        self.busy = True
        self.message, self.instead = t("checking", self.language), None
        self._show()
        self.ask(code, phone, account)

    @work(thread=True, exit_on_error=False, group="appointment")
    def ask(self, code: str, phone: str, account: str) -> None:
        """The check-in in the database (worker thread)."""
        try:
            if code:
                ticket = self.machine.check_in(code=code)
            else:
                ticket = self.machine.check_in(phone_last4=phone, account=account)
        except HallError as refused:
            self.post_message(self.Answered(None, refused))
            return
        self.post_message(self.Answered(ticket))

    @on(Button.Pressed, "#ap-normal")
    def normal_number(self) -> None:
        """Outside the window: a normal number of the booked business instead."""
        if self.busy or self.instead is None:
            return
        self.busy = True
        self.take_normal(self.instead)

    @work(thread=True, exit_on_error=False, group="appointment")
    def take_normal(self, business: str) -> None:
        """A normal number (worker thread)."""
        try:
            ticket = self.machine.issue(business)
        except HallError as refused:
            self.post_message(self.Answered(None, refused))
            return
        self.post_message(self.Answered(ticket))

    def on_appointment_check_in_answered(self, event: Answered) -> None:
        """A number: leave with it; a refusal: say it, offering a normal number when it is
        only not the time."""
        self.busy = False
        if event.ticket is not None:
            self.dismiss(event.ticket)
            return
        error = event.error
        self.message = error
        self.instead = error.business if isinstance(error, OutsideWindow) else None
        self._show()

    def on_work_failed(self, event: WorkFailed) -> None:
        """A fault (not a refusal): the app says it; the screen can be used again."""
        self.busy = False
        self.message = t("system_fault", self.language)
        self._show()

    def action_cancel(self) -> None:
        """Leave without a number."""
        self.dismiss(None)

    @on(Button.Pressed, "#ap-cancel")
    def cancel(self) -> None:
        """Leave without a number."""
        self.dismiss(None)

    # -- showing ------------------------------------------------------------------------

    def _show(self) -> None:
        lang = self.language
        for field in FIELDS:
            shown = self.values[field] or "—"
            button = self.query_one(f"#ap-{field}", Button)
            button.label = t(f"ap_{field}", lang, value=shown)
            button.set_class(field == self.field, "-active")
        self.query_one("#ap-value", Static).update(self.values[self.field] or "—")
        message = self.message
        text = message.text(lang) if isinstance(message, HallError) else (message or "")
        label = self.query_one("#ap-message", Label)
        label.update(text)
        label.display = bool(text)
        normal = self.query_one("#ap-normal", Button)
        normal.label = t("ap_normal", lang)  # of the booked business, which the card names
        normal.display = self.instead is not None

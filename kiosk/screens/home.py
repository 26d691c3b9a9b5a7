"""The customer's home screen: one button per business, priority, account, feedback."""

from __future__ import annotations

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label

from db.config import NORMAL
from db.store.views import TicketView
from kiosk.machine import KioskMachine
from kiosk.screens.account import AccountPad
from kiosk.screens.appointment import AppointmentCheckIn
from kiosk.screens.base import TicketIssued
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.feedback import FeedbackBox
from kiosk.text import t
from kiosk.widgets.business import BusinessButton, BusinessGrid
from kiosk.widgets.header import KioskHeader
from kiosk.widgets.priority import PriorityChooser, customer_priorities
from ui.screens.base import HallScreen, WorkFailed
from ui.text import name

CONFIRM = "confirm"
"""The name the kiosk's confirmation screen is installed under."""

ISSUING_HINT_SECONDS = 0.25
"""After this long still taking a number, the screen says so."""


class HomeScreen(HallScreen):
    """Choose a business to take a number; priority and account number are optional."""

    BINDINGS = [
        *(Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)),
        Binding("l", "app.switch_language", show=False),
    ]

    def __init__(self, machine: KioskMachine) -> None:
        super().__init__()
        self.machine = machine
        self.account = ""
        self.issuing = False
        self.status_text: str | None = None
        """The status line as last written."""

    def compose(self) -> ComposeResult:
        """Header, businesses, priority, the bottom row and the key hint."""
        config = self.machine.config
        yield KioskHeader(self.machine.hall.clock, config.tz)
        with VerticalScroll(id="home-body"):
            yield Label(id="choose", classes="title")
            yield BusinessGrid(config.businesses, id="businesses")
            yield PriorityChooser(customer_priorities(config.priorities), id="priority")
            with Horizontal(id="home-actions"):
                yield Button("", id="appointment", variant="primary")
                yield Button("", id="account")
                yield Button("", id="feedback")
                yield Button("", id="language")
        yield Label(id="status", classes="status")

    def on_mount(self) -> None:
        """Keyboard starts on the first business."""
        self.focus_home()
        self.query_one("#language").display = len(self.machine.config.languages) > 1

    def focus_home(self) -> None:
        """Put the keyboard on the first business, where a customer starts."""
        self.query_one(BusinessGrid).focus_first()

    def on_screen_resume(self) -> None:
        """Back home after a customer (or a dialog): tidy memory once the screen is drawn,
        before the next customer presses."""
        collect = getattr(self.app, "collect_when_idle", None)  # the kiosk app's (a no-op
        if collect is not None:                                  # unless it tidies memory)
            self.app.call_after_refresh(collect)

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one(KioskHeader).hall_name = name(self.machine.config, lang)
        self.query_one("#choose", Label).update(t("choose", lang))
        self.query_one(BusinessGrid).language = lang
        self.query_one(PriorityChooser).language = lang
        appointment = self.query_one("#appointment", Button)
        appointment.label = t("ap_button", lang)
        appointment.refresh(layout=True)  # its width is its label's (a label alone repaints)
        self.query_one("#feedback", Button).label = t("feedback", lang)
        self.query_one("#language", Button).label = t("language", lang)
        self._show_account()
        self._show_status()

    # -- choosing -------------------------------------------------------------------------

    def action_pick(self, n: int) -> None:
        """Digit key n: take a number for the n-th business."""
        businesses = self.machine.config.businesses
        if 1 <= n <= len(businesses):
            self.take_number(businesses[n - 1].prefix)

    def on_business_button_pressed(self, event: BusinessButton.Pressed) -> None:
        """A business was touched."""
        self.take_number(event.business.prefix)

    def take_number(self, business: str) -> None:
        """Issue once: presses while a number is being taken are ignored (no double tickets)."""
        if self.issuing:
            return
        self.issuing = True
        # "Taking your number…" only if it takes long enough to be read: drawing it first
        # would put a redraw of this screen between the key and the number.
        self.set_timer(ISSUING_HINT_SECONDS, self._show_status)
        self.issue(business, self.query_one(PriorityChooser).selected, self.account)

    @work(thread=True, exit_on_error=False, group="issue")
    def issue(self, business: str, priority: str, account: str) -> None:
        """Take the number in the database (worker thread)."""
        ticket = self.machine.issue(business, priority=priority, account=account)
        self.post_message(TicketIssued(ticket))

    def on_ticket_issued(self, event: TicketIssued) -> None:
        """Show the number; the next customer starts afresh."""
        self.issuing = False
        # The number first; this screen is tidied behind it (not drawn until it returns).
        self.app.push_screen(self._confirmation(event.ticket))
        self._show_status()
        self.reset_input()

    def _confirmation(self, ticket: TicketView) -> str:
        """The kiosk's one confirmation screen, showing `ticket`: made once and kept
        installed, so that a press costs no composing of a new screen."""
        app = self.app
        if not app.is_screen_installed(CONFIRM):
            app.install_screen(ConfirmScreen(self.machine, ticket), CONFIRM)
        else:
            screen = app.get_screen(CONFIRM)
            assert isinstance(screen, ConfirmScreen)
            screen.show(ticket)
        return CONFIRM

    def on_work_failed(self, event: WorkFailed) -> None:
        """The app shows the message; the screen becomes usable again."""
        self.issuing = False
        self._show_status()

    # -- the optional parts ----------------------------------------------------------------

    @on(Button.Pressed, "#account")
    def account_pad(self) -> None:
        """The keypad for the account number (户号)."""
        self.app.push_screen(AccountPad(self.account), self._account_entered)

    @on(Button.Pressed, "#appointment")
    def appointment(self) -> None:
        """预约签到: the appointment's check-in, which may give a number."""
        if not self.issuing:
            self.app.push_screen(AppointmentCheckIn(self.machine), self._checked_in)

    def _checked_in(self, ticket: TicketView | None) -> None:
        if ticket is not None:  # shown (and kept for a reprint) as any number taken here
            self.post_message(TicketIssued(ticket))

    @on(Button.Pressed, "#feedback")
    def supervision_box(self) -> None:
        """The supervision box (监督箱)."""
        self.app.push_screen(FeedbackBox(self.machine))

    @on(Button.Pressed, "#language")
    async def switch_language(self) -> None:
        """中文 / English."""
        await self.run_action("app.switch_language")

    def _account_entered(self, account: str | None) -> None:
        if account is not None:
            self.account = account
            self._show_account()

    def reset_input(self) -> None:
        """Forget a half-finished choice: normal priority, no account number."""
        self.query_one(PriorityChooser).selected = NORMAL
        self.account = ""
        self._show_account()

    @property
    def has_input(self) -> bool:
        """Something was chosen that the next customer should not inherit."""
        return bool(self.account) or self.query_one(PriorityChooser).selected != NORMAL

    def _show_account(self) -> None:
        lang = self.language
        shown = self.account or t("account_none", lang)
        self.query_one("#account", Button).label = t("account", lang, value=shown)

    def _show_status(self) -> None:
        lang = self.language
        n = min(len(self.machine.config.businesses), 9)
        text = t("keys_hint", lang, n=n)
        if cell_len(text) > self.size.width - 2:  # (its padding) a phone's page: the keys
            text = t("keys_hint_short", lang, n=n)  # that matter, in a line that fits
        text = t("issuing", lang) if self.issuing else text
        if text != self.status_text:  # (an update lays the screen out again, even unchanged)
            self.status_text = text
            self.query_one("#status", Label).update(text)

    def on_resize(self) -> None:
        """The key hint that fits the new width."""
        self._show_status()

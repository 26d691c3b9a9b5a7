"""Guide mode (引导岗): issue for a customer, record an enquiry, send a customer to a named
counter, reprint the last ticket, sign out; and the ticket printer as staff need to see it:
its warnings and last fault, a test slip (F7) and what the printer answered."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from db.config import NORMAL
from db.rules.text import ENQUIRY_NOTE_MAX
from db.store.views import StaffView, TicketView
from kiosk.machine import CheckedPrinter, KioskMachine
from kiosk.printer import PrinterAnswer, PrinterFault, describe
from kiosk.screens.account import AccountPad
from kiosk.screens.base import TicketIssued
from kiosk.screens.confirm import ConfirmScreen
from kiosk.text import t
from kiosk.widgets.business import BusinessButton, BusinessGrid
from kiosk.widgets.header import KioskHeader
from kiosk.widgets.priority import PriorityChooser
from ui.screens.base import HallScreen
from ui.text import name

PHONE_COLUMNS = 50
"""Under this width (a phone's page on the hall server: ~40) guide mode drops what does not
fit beside or in its buttons."""

ACTIONS = (("g-issue", "g_issue"), ("g-direct", "g_direct"), ("g-enquiry", "g_enquiry"),
           ("g-reprint", "g_reprint"), ("g-sign-out", "g_sign_out"))
"""The action buttons and their text keys, in the order of their function keys."""


class GuideScreen(HallScreen):
    """The signed-in guide's desk on the kiosk."""

    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)),
        Binding("f3", "issue", show=False),
        Binding("f4", "direct", show=False),
        Binding("f5", "enquiry", show=False),
        Binding("f6", "reprint", show=False),
        Binding("f7", "test_print", show=False),
        Binding("f10", "sign_out", show=False),
    ]

    class EnquiryRecorded(Message):
        """The enquiry is in the log."""

        def __init__(self, business: str) -> None:
            super().__init__()
            self.business = business
            """Its business prefix."""

    class ReprintReady(Message):
        """The ticket to reprint, as it stands now (None: nothing issued today)."""

        def __init__(self, ticket: TicketView | None) -> None:
            super().__init__()
            self.ticket = ticket
            """The ticket, with its current place in the queue."""

    class TestPrinted(Message):
        """The test slip went out (`answer`) or could not (`fault`)."""

        def __init__(self, answer: PrinterAnswer | None, fault: str | None) -> None:
            super().__init__()
            self.answer = answer
            """What the printer answered to the status requests."""
            self.fault = fault
            """Why it could not print, one line."""

    def __init__(self, machine: KioskMachine, guide: StaffView) -> None:
        super().__init__()
        self.machine = machine
        self.guide = guide
        self.business: str | None = None
        self.account = ""
        self.last_ticket: TicketView | None = None
        """The app's last issued ticket (set by the app): what a reprint prints."""
        self.test_result: GuideScreen.TestPrinted | None = None
        """The last test slip's outcome, shown under the printer's warnings."""
        self.testing = False
        """A test slip is being printed."""

    def compose(self) -> ComposeResult:
        """Header with the guide's name, businesses, options, actions."""
        config = self.machine.config
        yield KioskHeader(self.machine.hall.clock, config.tz)
        with VerticalScroll(id="guide-body"):
            yield Label(id="guide-desk", classes="title")
            yield BusinessGrid(config.businesses, id="guide-businesses")
            yield PriorityChooser(config.priorities, id="guide-priority")
            with Horizontal(id="guide-options"):
                yield Button("", id="g-account")
                yield Select[int]([], id="g-counter")
                yield Input(id="g-note", max_length=ENQUIRY_NOTE_MAX)
            with Horizontal(id="guide-actions"):
                for button_id, _ in ACTIONS:  # g-sign-out runs action_sign_out, …
                    action = button_id.removeprefix("g-").replace("-", "_")
                    yield Button("", id=button_id, action=f"screen.{action}")
            with Horizontal(id="guide-printer"):
                yield Label(id="printer-state")
                yield Button("", id="g-test-print", action="screen.test_print", compact=True)
        yield Label(id="guide-status", classes="status")

    def on_mount(self) -> None:
        """Keyboard starts on the first business."""
        self.query_one(BusinessGrid).focus_first()

    def on_resize(self) -> None:
        """-phone under PHONE_COLUMNS (kiosk.tcss: the guide's name without the hall's, the
        priorities two to a row)."""
        self.set_class(self.size.width < PHONE_COLUMNS, "-phone")

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        config = self.machine.config
        header = self.query_one(KioskHeader)
        header.hall_name = name(config, lang)
        header.mode = t("guide_mode", lang, name=self.guide.name, id=self.guide.id)
        self.query_one("#guide-desk", Label).update(t("guide_desk", lang))
        self.query_one(BusinessGrid).language = lang
        self.query_one(PriorityChooser).language = lang
        self._relabel_counters(lang)
        self.query_one("#g-note", Input).placeholder = t("note", lang)
        for button_id, key in ACTIONS:
            self.query_one(f"#{button_id}", Button).label = t(key, lang)
        self.query_one("#g-test-print", Button).label = t("g_test_print", lang)
        self._show_choice()
        self.show_printer()

    def on_screen_resume(self) -> None:
        """Back from a confirmation: a print may have failed or warned meanwhile."""
        self.show_printer()

    def _relabel_counters(self, lang: str) -> None:
        select = self.query_one("#g-counter", Select)
        chosen = select.value
        select.prompt = t("counter_prompt", lang)
        select.set_options((name(c, lang), c.number) for c in self.machine.config.counters)
        if chosen is not Select.NULL:
            select.value = chosen

    # -- choosing ---------------------------------------------------------------------------

    def action_choose(self, n: int) -> None:
        """Digit key n: choose the n-th business."""
        businesses = self.machine.config.businesses
        if 1 <= n <= len(businesses):
            self.choose(businesses[n - 1].prefix)

    def on_business_button_pressed(self, event: BusinessButton.Pressed) -> None:
        """A business was touched: it becomes the chosen one."""
        self.choose(event.business.prefix)

    def choose(self, business: str) -> None:
        """Mark the business the next action is for."""
        self.business = business
        self.query_one(BusinessGrid).selected = business
        self._show_choice()

    @on(Button.Pressed, "#g-account")
    def account_pad(self) -> None:
        """The keypad for the customer's account number."""
        self.app.push_screen(AccountPad(self.account), self._account_entered)

    def _account_entered(self, account: str | None) -> None:
        if account is not None:
            self.account = account
            self._show_choice()

    # -- the actions ------------------------------------------------------------------------

    def action_issue(self) -> None:
        """Issue a number on the customer's behalf."""
        if self._need_business():
            self.issue(self._request(), None)

    def action_direct(self) -> None:
        """Issue a number that only the chosen counter calls."""
        counter = self.query_one("#g-counter", Select).value
        if not isinstance(counter, int):
            self.notify(t("pick_counter", self.language), severity="warning")
        elif self._need_business():
            self.issue(self._request(), counter)

    def action_enquiry(self) -> None:
        """Record a question answered here, without a ticket."""
        if self._need_business() and self.business is not None:
            note = self.query_one("#g-note", Input).value.strip()
            self.record_enquiry(self.business, note)

    def action_reprint(self) -> None:
        """Print the last ticket again."""
        self.find_reprint(self.last_ticket)

    def action_test_print(self) -> None:
        """Print the test slip and show what the printer answered."""
        if not self.machine.printer.enabled:
            self.notify(t("printer_none", self.language), severity="warning")
        elif not isinstance(self.machine.printer, CheckedPrinter):
            self.notify(t("printer_no_test", self.language), severity="warning")
        elif not self.testing:
            self.testing = True
            self.show_printer()
            self.test_print()

    def action_sign_out(self) -> None:
        """Back to customer mode."""
        self.dismiss()

    def _need_business(self) -> bool:
        if self.business is None:
            self.notify(t("pick_business", self.language), severity="warning")
        return self.business is not None

    def _request(self) -> tuple[str, str, str]:
        return (self.business or "", self.query_one(PriorityChooser).selected, self.account)

    # -- the workers ------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="guide")
    def issue(self, request: tuple[str, str, str], counter: int | None) -> None:
        """Issue in the guide's name (worker thread)."""
        business, priority, account = request
        ticket = self.machine.issue(business, priority=priority, account=account,
                                    issued_by=self.guide.id, directed_to=counter)
        self.post_message(TicketIssued(ticket))

    @work(thread=True, exit_on_error=False, group="guide")
    def record_enquiry(self, business: str, note: str) -> None:
        """Log the enquiry (worker thread)."""
        self.machine.record_enquiry(self.guide.id, business, note)
        self.post_message(self.EnquiryRecorded(business))

    @work(thread=True, exit_on_error=False, group="guide")
    def find_reprint(self, last: TicketView | None) -> None:
        """The app's last ticket as it stands now, else today's last one of this guide or of
        the kiosk; the reprint is logged (its own transaction) before it is shown."""
        machine = self.machine
        ticket = machine.with_wait(last) if last else machine.last_issued(self.guide.id)
        if ticket is not None:
            machine.record_reprint(ticket, self.guide.id)
        self.post_message(self.ReprintReady(ticket))

    @work(thread=True, exit_on_error=False, group="guide-printer")
    def test_print(self) -> None:
        """Print the test slip (worker thread: up to the printer's timeout)."""
        printer = self.machine.printer
        assert isinstance(printer, CheckedPrinter)
        try:
            answer = printer.print_test_slip()
        except PrinterFault as fault:
            self.post_message(self.TestPrinted(None, str(fault)))
        else:
            self.post_message(self.TestPrinted(answer, None))

    # -- their results ----------------------------------------------------------------------

    def on_guide_screen_test_printed(self, event: TestPrinted) -> None:
        """Show the answer (or the fault) under the printer's warnings."""
        self.testing = False
        self.test_result = event
        self.show_printer()

    def show_printer(self) -> None:
        """The printer's line: where it is, its last fault and warnings, the test slip's
        outcome; or that the hall has none."""
        lang, printer = self.language, self.machine.printer
        if not printer.enabled:
            self.query_one("#printer-state", Label).update(t("printer_none", lang))
            return
        warnings = printer.warnings() if isinstance(printer, CheckedPrinter) else []
        lines = [t("printer_at", lang, where=describe(self.machine.config.printer))]
        lines += [t("printer_warning", lang, what=w) for w in warnings]
        result = self.test_result
        if self.testing:
            lines.append(t("printer_testing", lang))
        elif result is not None and result.answer is not None:
            lines.append(answer_text(result.answer, lang))
        elif result is not None and result.fault and result.fault not in warnings:
            lines.append(t("printer_warning", lang, what=result.fault))
        self.query_one("#printer-state", Label).update("\n".join(lines))

    def on_ticket_issued(self, event: TicketIssued) -> None:
        """Hand the customer the number; clear the customer's details."""
        self._reset()
        self.app.push_screen(ConfirmScreen(self.machine, event.ticket))

    def on_guide_screen_enquiry_recorded(self, event: EnquiryRecorded) -> None:
        """Confirm it and clear the note."""
        business = name(self.machine.config.business(event.business), self.language)
        self.notify(t("enquiry_done", self.language, business=business))
        self._reset()

    def on_guide_screen_reprint_ready(self, event: ReprintReady) -> None:
        """Show and print it again."""
        if event.ticket is None:
            self.notify(t("no_ticket", self.language), severity="warning")
        else:
            self.app.push_screen(ConfirmScreen(self.machine, event.ticket, reprint=True))

    def _reset(self) -> None:
        self.query_one("#g-note", Input).value = ""
        self.query_one(PriorityChooser).selected = NORMAL
        self.query_one("#g-counter", Select).clear()
        self.account = ""
        self._show_choice()

    def _show_choice(self) -> None:
        lang, config = self.language, self.machine.config
        chosen = (t("selected", lang, business=name(config.business(self.business), lang))
                  if self.business else t("selected_none", lang))
        account = t("account", lang, value=self.account or t("account_none", lang))
        self.query_one("#g-account", Button).label = account
        self.query_one("#guide-status", Label).update(chosen)


def answer_text(answer: PrinterAnswer, lang: str) -> str:
    """The test slip's outcome in `lang`: printed, and the status bytes and what they say."""
    if answer.online is None or answer.paper is None:
        return t("printer_tested_unasked", lang)
    state = t("printer_ready", lang) if answer.problem is None else (
        t(PROBLEM_KEYS[answer.problem], lang) if answer.problem in PROBLEM_KEYS
        else answer.problem)
    return t("printer_tested", lang, online=f"0x{answer.online:02X}",
             paper=f"0x{answer.paper:02X}", state=state)


PROBLEM_KEYS = {
    "out of paper": "printer_no_paper",
    "offline (cover open, paper out or a printer error)": "printer_offline",
}
"""`kiosk.printer_port.status_problem`'s words and their text keys."""

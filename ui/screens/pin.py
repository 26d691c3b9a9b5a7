"""Staff id and PIN on a screen or a dialog: Enter moves from the id to the PIN (at once, so
that a scanner's burst of keys lands where it should), the core
checks the PIN in a worker (argon2 takes a moment; failures are recorded and the lockout
applies), and a refusal clears the PIN for another try.

`PinEntry` goes before the screen's base class (`class X(PinEntry, HallScreen)`); each
screen says what the check is (`authenticate`) and what a right PIN means (`Checked`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from db.rules.staff import PIN_MAX_LENGTH
from db.rules.text import width
from db.store.sql import S
from db.store.views import StaffView
from ui.screens.base import WorkFailed, language_of
from ui.text import Texts


class PinEntry(Screen[Any]):
    """The staff id and PIN fields, the status line, and the check."""

    TEXTS: ClassVar[Texts]
    """The app's strings: "checking" (and the screen's own labels)."""
    ERROR_ID: ClassVar[str] = "pin-error"
    """Id of the status line."""

    checking = False
    """A check is under way: Enter does not start another."""

    class Checked(Message):
        """The PIN was right."""

        def __init__(self, staff: StaffView) -> None:
            super().__init__()
            self.staff = staff
            """Who it is."""

    def pin_fields(self, id_label: str = "", pin_label: str = "") -> ComposeResult:
        """The id and PIN with their labels, and the status line."""
        yield Label(id_label, id="staff-id-label")
        yield Input(id="staff-id", max_length=width(S.c.id), restrict=r"[A-Za-z0-9_-]*")
        yield Label(pin_label, id="pin-label")
        yield Input(id="pin", password=True, max_length=PIN_MAX_LENGTH, restrict=r"[0-9]*")
        yield Label(id=self.ERROR_ID, classes="error")

    def on_mount(self) -> None:
        """Start on the staff id."""
        self.query_one(f"#{self.ERROR_ID}").display = False
        self.query_one("#staff-id", Input).focus()

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "enter", show=False, priority=True),
        Binding("tab", "tab_to_pin", show=False, priority=True),
    ]

    def action_tab_to_pin(self) -> None:
        """Tab from the staff id moves to the PIN at once, as Enter does (`action_enter`):
        a card reader sends "C01<Tab>1234<Enter>" in one burst, and through the app's own
        Tab (a binding found only after the id field had the next keys) the PIN's digits
        would land in the id. Elsewhere Tab moves the focus as usual."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "staff-id":
            self.set_focus(self.query_one("#pin", Input))
        else:
            raise SkipAction()

    def action_enter(self) -> None:
        """Enter on the id moves to the PIN; Enter on the PIN checks it; elsewhere (a
        button) Enter does what it does there. A priority binding runs as the app reads the
        key, so the focus has moved before the next key is delivered: a card scanner's or a
        fast typist's "id, Enter, PIN, Enter" arrives as one burst, and through the input's
        own Enter (a message handled later) the PIN would land in the id field."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "staff-id":
            # set_focus at once (Widget.focus() waits a turn). The keys before this Enter
            # may still be on their way into the id field: it is not read here.
            self.set_focus(self.query_one("#pin", Input))
        elif isinstance(focused, Input) and focused.id == "pin":
            self.call_after_refresh(self.submit)  # once the PIN's own keys have landed
        else:
            raise SkipAction()

    def entered_staff_id(self) -> str:
        """The staff id as typed, without surrounding blanks."""
        return self.query_one("#staff-id", Input).value.strip()

    def submit(self) -> None:
        """Check the PIN in a worker (argon2 takes a moment)."""
        staff_id = self.entered_staff_id()
        pin = self.query_one("#pin", Input).value
        if self.checking or not staff_id or not pin:
            return
        self.checking = True
        self.show_error(self.TEXTS("checking", language_of(self)))
        self.check(staff_id, pin)

    @work(thread=True, exit_on_error=False, group="pin")
    def check(self, staff_id: str, pin: str) -> None:
        """Ask the core (worker thread)."""
        self.post_message(self.checked(self.authenticate(staff_id, pin)))

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """The core's check of the PIN (on the worker thread): who it is, or a HallError."""
        raise NotImplementedError

    def checked(self, staff: StaffView) -> Message:
        """What a right PIN posts."""
        return self.Checked(staff)

    def refusal_of(self, event: WorkFailed) -> str | None:
        """The line a failed check shows here; None leaves a fault to the app."""
        return event.refusal

    def on_work_failed(self, event: WorkFailed) -> None:
        """A wrong PIN, a lock, a role not let in: one line, here on the screen."""
        self.checking = False
        refusal = self.refusal_of(event)
        if refusal is not None:
            event.stop()
            self.refuse(refusal)

    def refuse(self, message: str) -> None:
        """Show why, and clear the PIN for another try."""
        self.show_error(message)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def show_error(self, message: str) -> None:
        """The one status line."""
        error = self.query_one(f"#{self.ERROR_ID}", Label)
        error.update(message)
        error.display = bool(message)

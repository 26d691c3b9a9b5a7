"""Staff id and PIN on a screen or a dialog: Enter moves from the id to the PIN, the core
checks the PIN in a worker (argon2 takes a moment; failures are recorded and the lockout
applies), and a refusal clears the PIN for another try.

`PinEntry` goes before the screen's base class (`class X(PinEntry, HallScreen)`); each
screen says what the check is (`authenticate`) and what a right PIN means (`Checked`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from db.views import StaffView
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
        yield Input(id="staff-id", max_length=20, restrict=r"[A-Za-z0-9_-]*")
        yield Label(pin_label, id="pin-label")
        yield Input(id="pin", password=True, max_length=12, restrict=r"[0-9]*")
        yield Label(id=self.ERROR_ID, classes="error")

    def on_mount(self) -> None:
        """Start on the staff id."""
        self.query_one(f"#{self.ERROR_ID}").display = False
        self.query_one("#staff-id", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the id moves to the PIN; Enter on the PIN checks it."""
        if event.input.id == "staff-id":
            self.query_one("#pin", Input).focus()
        else:
            self.submit()

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

"""Staff id and PIN, checked by the core (failures recorded, lockout applied), then the role."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from db.views import StaffView
from kiosk.machine import KioskMachine
from kiosk.screens.base import KioskModal, WorkFailed
from kiosk.text import t


class StaffPinScreen(KioskModal[StaffView | None]):
    """Dismisses the staff member when the PIN is right and the role allowed, else None
    (cancelled). Subclasses name the roles and the texts."""

    ROLES: tuple[str, ...] = ()
    """Roles allowed through."""
    TITLE_KEY = ""
    """Text key of the title."""
    ACTION_KEY = "sign_in"
    """Text key of the OK button."""
    REFUSAL_KEY = ""
    """Text key of the message for a right PIN of a role not allowed."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    class StaffChecked(Message):
        """The PIN was right."""

        def __init__(self, staff: StaffView) -> None:
            super().__init__()
            self.staff = staff
            """Who it is."""

    def __init__(self, machine: KioskMachine) -> None:
        super().__init__()
        self.machine = machine
        self.checking = False

    def compose(self) -> ComposeResult:
        """Title, staff id, PIN, the error line, cancel and OK."""
        with Vertical(classes="dialog staff-pin"):
            yield Label(id="pin-title", classes="title")
            yield Label(id="staff-id-label")
            yield Input(id="staff-id", max_length=20, restrict=r"[A-Za-z0-9_-]*")
            yield Label(id="pin-label")
            yield Input(id="pin", password=True, max_length=12, restrict=r"[0-9]*")
            yield Label(id="pin-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="pin-cancel")
                yield Button("", id="pin-ok", variant="primary")

    def on_mount(self) -> None:
        """Start on the staff id."""
        self.query_one("#pin-error").display = False
        self.query_one("#staff-id", Input).focus()

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one("#pin-title", Label).update(t(self.TITLE_KEY, lang))
        self.query_one("#staff-id-label", Label).update(t("staff_id", lang))
        self.query_one("#pin-label", Label).update(t("pin", lang))
        self.query_one("#pin-cancel", Button).label = t("cancel", lang)
        self.query_one("#pin-ok", Button).label = t(self.ACTION_KEY, lang)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the id moves to the PIN; Enter on the PIN checks it."""
        if event.input.id == "staff-id":
            self.query_one("#pin", Input).focus()
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """OK or cancel."""
        if event.button.id == "pin-ok":
            self.submit()
        elif event.button.id == "pin-cancel":
            self.action_cancel()

    def submit(self) -> None:
        """Check the PIN in a worker (argon2 takes a moment)."""
        # Staff ids are stored in capitals ("G01"); a kiosk keyboard types "g01" as readily.
        staff_id = self.query_one("#staff-id", Input).value.strip().upper()
        pin = self.query_one("#pin", Input).value
        if self.checking or not staff_id or not pin:
            return
        self.checking = True
        self.show_error(t("checking", self.language))
        self.check(staff_id, pin)

    @work(thread=True, exit_on_error=False, group="pin")
    def check(self, staff_id: str, pin: str) -> None:
        """Ask the core (worker thread)."""
        self.post_message(self.StaffChecked(self.machine.sign_in(staff_id, pin)))

    def on_staff_pin_screen_staff_checked(self, event: StaffChecked) -> None:
        """A right PIN: let the allowed roles through."""
        self.checking = False
        if event.staff.role in self.ROLES:
            self.close(event.staff)
        else:
            self.refuse(t(self.REFUSAL_KEY, self.language))

    def on_work_failed(self, event: WorkFailed) -> None:
        """A wrong PIN or a lock: the core's one line, here in the dialog."""
        self.checking = False
        if event.refusal is not None:
            event.stop()
            self.refuse(event.refusal)

    def refuse(self, message: str) -> None:
        """Show why, and clear the PIN for another try."""
        self.show_error(message)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def show_error(self, message: str) -> None:
        """The dialog's one status line."""
        error = self.query_one("#pin-error", Label)
        error.update(message)
        error.display = bool(message)

    def action_cancel(self) -> None:
        """Leave without signing in."""
        self.close(None)

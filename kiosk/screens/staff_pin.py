"""Staff id and PIN, checked by the core (failures recorded, lockout applied), then the role."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from db.store.views import StaffView
from kiosk.machine import KioskMachine
from kiosk.screens.base import KioskModal
from kiosk.text import t
from ui.screens.pin import PinEntry


class StaffPinScreen(PinEntry, KioskModal[StaffView | None]):
    """Dismisses the staff member when the PIN is right and the role allowed, else None
    (cancelled). Subclasses name the roles and the texts."""

    TEXTS = t
    ROLES: tuple[str, ...] = ()
    """Roles allowed through."""
    TITLE_KEY = ""
    """Text key of the title."""
    ACTION_KEY = "sign_in"
    """Text key of the OK button."""
    REFUSAL_KEY = ""
    """Text key of the message for a right PIN of a role not allowed."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, machine: KioskMachine) -> None:
        super().__init__()
        self.machine = machine

    def compose(self) -> ComposeResult:
        """Title, staff id, PIN, the error line, cancel and OK."""
        with Vertical(classes="dialog staff-pin"):
            yield Label(id="pin-title", classes="title")
            yield from self.pin_fields()
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="pin-cancel")
                yield Button("", id="pin-ok", variant="primary")

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one("#pin-title", Label).update(t(self.TITLE_KEY, lang))
        self.query_one("#staff-id-label", Label).update(t("staff_id", lang))
        self.query_one("#pin-label", Label).update(t("pin", lang))
        self.query_one("#pin-cancel", Button).label = t("cancel", lang)
        self.query_one("#pin-ok", Button).label = t(self.ACTION_KEY, lang)

    @on(Button.Pressed, "#pin-ok")
    def ok(self) -> None:
        """Check the id and PIN typed."""
        self.submit()

    @on(Button.Pressed, "#pin-cancel")
    def cancel(self) -> None:
        """Leave without signing in."""
        self.action_cancel()

    def entered_staff_id(self) -> str:
        """The id in capitals."""
        # Staff ids are stored in capitals ("G01"); a kiosk keyboard types "g01" as readily.
        return self.query_one("#staff-id", Input).value.strip().upper()

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN (worker thread); the role is checked when it is right."""
        return self.machine.sign_in(staff_id, pin)

    def on_pin_entry_checked(self, event: PinEntry.Checked) -> None:
        """A right PIN: let the allowed roles through."""
        self.checking = False
        if event.staff.role in self.ROLES:
            self.close(event.staff)
        else:
            self.refuse(t(self.REFUSAL_KEY, self.language))

    def action_cancel(self) -> None:
        """Leave without signing in."""
        self.close(None)

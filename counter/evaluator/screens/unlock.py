"""Leaving the evaluator: only the duty leader's id and PIN close it (F12)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from counter.evaluator.machine import EvaluatorMachine
from counter.evaluator.screens.base import EvaluatorModal
from counter.evaluator.text import t
from db.store.views import StaffView
from ui.screens.base import WorkFailed
from ui.screens.pin import PinEntry


class LeaderUnlock(PinEntry, EvaluatorModal[StaffView]):
    """Staff id and PIN; dismisses the leader when right, None when cancelled."""

    TEXTS = t
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, machine: EvaluatorMachine) -> None:
        super().__init__()
        self.machine = machine

    def compose(self) -> ComposeResult:
        """Title, id, PIN, error line, cancel and unlock."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Label(self.initial("unlock-title"), id="unlock-title", classes="title")
            yield from self.pin_fields(self.initial("staff-id-label"), self.initial("pin-label"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.initial("unlock-cancel"), id="unlock-cancel", compact=True,
                             action="screen.cancel")
                yield Button(self.initial("unlock-ok"), id="unlock-ok", variant="primary",
                             compact=True)

    def texts(self, lang: str) -> dict[str, str]:
        """Every text of the dialog in `lang`."""
        return {
            "unlock-title": t("leader_title", lang),
            "staff-id-label": t("staff_id", lang),
            "pin-label": t("pin", lang),
            "unlock-cancel": t("cancel", lang),
            "unlock-ok": t("unlock", lang),
        }

    @on(Button.Pressed, "#unlock-ok")
    def unlock_pressed(self, event: Button.Pressed) -> None:
        """Unlock: check the id and PIN."""
        event.stop()
        self.submit()

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """The duty leader, or a refusal (worker thread)."""
        return self.machine.leader(staff_id, pin)

    def on_pin_entry_checked(self, event: PinEntry.Checked) -> None:
        """The leader: the app closes."""
        self.checking = False
        self.close(event.staff)

    def refusal_of(self, event: WorkFailed) -> str:
        """A wrong PIN, a lock, not a leader: the core's one line; a fault too is said here,
        in the dialog."""
        return event.refusal or t("system_fault", self.language)

    def action_cancel(self) -> None:
        """Back to the customer's screen."""
        self.close(None)

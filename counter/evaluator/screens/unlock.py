"""Leaving the evaluator: only the duty leader's id and PIN close it (F12)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label
from textual.worker import Worker, WorkerState

from counter.evaluator.machine import EvaluatorMachine
from counter.evaluator.screens.base import EvaluatorModal
from counter.evaluator.text import t
from db.errors import HallError
from db.views import StaffView


class LeaderUnlock(EvaluatorModal[StaffView]):
    """Staff id and PIN; dismisses the leader when right, None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    class Checked(Message):
        """The PIN was right and the role is leader."""

        def __init__(self, staff: StaffView) -> None:
            super().__init__()
            self.staff = staff
            """The duty leader."""

    def __init__(self, machine: EvaluatorMachine) -> None:
        super().__init__()
        self.machine = machine
        self.checking = False

    def compose(self) -> ComposeResult:
        """Title, id, PIN, error line, cancel and unlock."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Label(self.initial("unlock-title"), id="unlock-title", classes="title")
            yield Label(self.initial("staff-id-label"), id="staff-id-label")
            yield Input(id="staff-id", max_length=20, restrict=r"[A-Za-z0-9_-]*")
            yield Label(self.initial("pin-label"), id="pin-label")
            yield Input(id="pin", password=True, max_length=12, restrict=r"[0-9]*")
            yield Label(id="pin-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.initial("unlock-cancel"), id="unlock-cancel", compact=True)
                yield Button(self.initial("unlock-ok"), id="unlock-ok", variant="primary",
                             compact=True)

    def on_mount(self) -> None:
        """Start on the staff id."""
        self.query_one("#pin-error").display = False
        self.query_one("#staff-id", Input).focus()

    def texts(self, lang: str) -> dict[str, str]:
        """Every text of the dialog in `lang`."""
        return {
            "unlock-title": t("leader_title", lang),
            "staff-id-label": t("staff_id", lang),
            "pin-label": t("pin", lang),
            "unlock-cancel": t("cancel", lang),
            "unlock-ok": t("unlock", lang),
        }

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the id moves to the PIN; Enter on the PIN checks it."""
        event.stop()
        if event.input.id == "staff-id":
            self.query_one("#pin", Input).focus()
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Unlock or cancel."""
        event.stop()
        if event.button.id == "unlock-ok":
            self.submit()
        else:
            self.action_cancel()

    def submit(self) -> None:
        """Check the PIN in a worker (argon2 takes a moment)."""
        staff_id = self.query_one("#staff-id", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if self.checking or not staff_id or not pin:
            return
        self.checking = True
        self.show_error(t("checking", self.language))
        self.check(staff_id, pin)

    @work(thread=True, exit_on_error=False, group="unlock")
    def check(self, staff_id: str, pin: str) -> None:
        """Ask the core (worker thread)."""
        self.post_message(self.Checked(self.machine.leader(staff_id, pin)))

    def on_leader_unlock_checked(self, event: Checked) -> None:
        """The leader: the app closes."""
        self.checking = False
        self.close(event.staff)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A wrong PIN, a lock, not a leader: the core's one line, here in the dialog."""
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None:
            self.checking = False
            lang = self.language
            refusal = error.text(lang) if isinstance(error, HallError) else t("system_fault", lang)
            self.show_error(refusal)
            pin = self.query_one("#pin", Input)
            pin.value = ""
            pin.focus()

    def show_error(self, message: str) -> None:
        """The dialog's one status line."""
        error = self.query_one("#pin-error", Label)
        error.update(message)
        error.display = bool(message)

    def action_cancel(self) -> None:
        """Back to the customer's screen."""
        self.close(None)

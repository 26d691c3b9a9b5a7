"""Leaving a display: like the kiosk, only the duty leader's id and PIN close it (F12)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from db.errors import AuthFailed
from db.rules.staff import authenticate
from db.store.session import Hall
from db.store.views import StaffView
from display.text import both, t
from ui.screens.base import HallModal, WorkFailed
from ui.screens.pin import PinEntry


class LeaderUnlock(PinEntry, HallModal[StaffView]):
    """Staff id and PIN; dismisses the leader when right, None when cancelled (Escape)."""

    TEXTS = t
    BINDINGS = [Binding("escape", "cancel", show=False)]
    DEFAULT_CSS = """
    LeaderUnlock { align: center middle; }
    LeaderUnlock > #unlock-box {
        width: 50; height: auto; padding: 1 2; border: heavy $primary; background: $surface;
    }
    LeaderUnlock Input { margin-bottom: 1; }
    LeaderUnlock .error { color: $error; }
    LeaderUnlock Horizontal { height: auto; align-horizontal: right; }
    """

    def __init__(self, hall: Hall, terminal: str, languages: tuple[str, ...]) -> None:
        super().__init__()
        self.hall = hall
        self.terminal = terminal
        """Where the PIN is typed ("display", "display 3"): wrong PINs throttle it."""
        self.languages = languages

    def compose(self) -> ComposeResult:
        """Title, id, PIN, error line, cancel and unlock."""
        langs = self.languages
        with Vertical(id="unlock-box"):
            yield Label(both("leader_title", langs), id="unlock-title")
            yield from self.pin_fields(both("staff_id", langs), both("pin", langs))
            with Horizontal():
                yield Button(both("cancel", langs), id="unlock-cancel", compact=True,
                             action="screen.cancel")
                yield Button(both("unlock", langs), id="unlock-ok", variant="primary",
                             compact=True)

    @on(Button.Pressed, "#unlock-ok")
    def unlock_pressed(self, event: Button.Pressed) -> None:
        """Unlock: check the id and PIN."""
        event.stop()
        self.submit()

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """The duty leader, or a refusal (worker thread). Anyone can walk up to a display:
        a wrong PIN throttles this display, never the leader's account."""
        staff = authenticate(self.hall, staff_id.strip().upper(), pin,
                             terminal=self.terminal, throttled=True)
        if staff.role != "leader":
            raise AuthFailed(f"staff {staff.id} is not a duty leader",
                             zh=f"{staff.id} 不是值班领导")
        return staff

    def on_pin_entry_checked(self, event: PinEntry.Checked) -> None:
        """The leader: the app closes."""
        self.checking = False
        self.close(event.staff)

    def refusal_of(self, event: WorkFailed) -> str:
        """A wrong PIN, a lock, not a leader: the core's one line; a fault too."""
        return event.refusal or t("system_fault", self.language)

    def action_cancel(self) -> None:
        """Back to the display."""
        self.close(None)

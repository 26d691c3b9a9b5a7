"""The support colleague's sign-in: staff id and PIN checked by the core (lockout applies),
then the role (support, or the duty leader standing in)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from counter.screens.base import CounterScreen, WorkFailed
from counter.support.machine import NotSupport, SupportMachine
from counter.support.text import role, t
from db.views import StaffView


class SignInScreen(CounterScreen):
    """Staff id, PIN, one error line; posts `SignedIn` when the PIN and role are right."""

    class SignedIn(Message):
        """A support colleague (or the duty leader) signed in."""

        def __init__(self, staff: StaffView) -> None:
            super().__init__()
            self.staff = staff
            """Who signed in."""

    def __init__(self, machine: SupportMachine) -> None:
        super().__init__()
        self.machine = machine
        self.checking = False

    def compose(self) -> ComposeResult:
        """Title, staff id, PIN, the error line, the button."""
        with Vertical(id="signin-box", classes="dialog"):
            yield Label(id="signin-hall", classes="title")
            yield Label(id="signin-title", classes="title")
            yield Label(id="staff-id-label")
            yield Input(id="staff-id", max_length=20, restrict=r"[A-Za-z0-9_-]*")
            yield Label(id="pin-label")
            yield Input(id="pin", password=True, max_length=12, restrict=r"[0-9]*")
            yield Label(id="pin-error", classes="error")
            yield Button("", id="signin-ok", variant="primary")

    def on_mount(self) -> None:
        """Start on the staff id."""
        self.query_one("#pin-error").display = False
        self.query_one("#staff-id", Input).focus()

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        config = self.machine.config
        self.query_one("#signin-hall", Label).update(
            config.name_en if lang == "en" else config.name_zh)
        self.query_one("#signin-title", Label).update(t("signin_title", lang))
        self.query_one("#staff-id-label", Label).update(t("staff_id", lang))
        self.query_one("#pin-label", Label).update(t("pin", lang))
        self.query_one("#signin-ok", Button).label = t("sign_in", lang)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the id moves to the PIN; Enter on the PIN signs in."""
        if event.input.id == "staff-id":
            self.query_one("#pin", Input).focus()
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The sign-in button."""
        if event.button.id == "signin-ok":
            self.submit()

    def submit(self) -> None:
        """Check the PIN in a worker (argon2 takes a moment)."""
        staff_id = self.query_one("#staff-id", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if self.checking or not staff_id or not pin:
            return
        self.checking = True
        self.show_error(t("checking", self.language))
        self.check(staff_id, pin)

    @work(thread=True, exit_on_error=False, group="signin")
    def check(self, staff_id: str, pin: str) -> None:
        """Ask the core (worker thread)."""
        self.post_message(self.SignedIn(self.machine.sign_in(staff_id, pin)))

    def on_sign_in_screen_signed_in(self, event: SignedIn) -> None:
        """Let the app open the desk (the message bubbles on)."""
        self.checking = False

    def on_work_failed(self, event: WorkFailed) -> None:
        """A wrong PIN, a lock, a clerk: one line, here on the screen."""
        self.checking = False
        if event.refusal is None:
            return
        event.stop()
        error = event.error
        if isinstance(error, NotSupport):
            lang = self.language
            self.show_error(t("not_support", lang, id=error.staff.id,
                              role=role(error.staff.role, lang)))
        else:
            self.show_error(event.refusal)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def show_error(self, message: str) -> None:
        """The screen's one status line."""
        error = self.query_one("#pin-error", Label)
        error.update(message)
        error.display = bool(message)

"""A staff member's sign-in on a full screen: the hall, a title, staff id and PIN, one
status line and the button. Each app's sign-in says who may sign in (`authenticate`) and
its title; the app opens its desk on `SignedIn`."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from db.config import HallConfig
from db.store.views import StaffView
from ui.screens.base import HallScreen, language_of
from ui.screens.pin import PinEntry
from ui.text import name


class SignInScreen(PinEntry, HallScreen):
    """Staff id, PIN, one error line; posts `SignedIn` when the core lets the person in."""

    BOX_CLASSES: ClassVar[str] = "dialog"
    """Classes of the box around the fields."""

    MISSING: ClassVar[dict[str, tuple[str, str]]] = {
        "staff-id": ("请输入工号", "Please enter your staff ID"),
        "pin": ("请输入密码", "Please enter your PIN"),
    }
    """What an empty field's Enter says (zh, en)."""

    class SignedIn(Message):
        """The PIN was right and the person may work here."""

        def __init__(self, staff: StaffView) -> None:
            super().__init__()
            self.staff = staff
            """Who signed in."""

    def __init__(self, config: HallConfig) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        """Title, staff id, PIN, the error line, the button."""
        with Vertical(id="signin-box", classes=self.BOX_CLASSES):
            yield Label(id="signin-hall", classes="title")
            yield Label(id="signin-title", classes="title")
            yield from self.pin_fields()
            yield Button("", id="signin-ok", variant="primary")

    def title_text(self, lang: str) -> str:
        """The screen's title in `lang`."""
        return self.TEXTS("signin_title", lang)

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one("#signin-hall", Label).update(name(self.config, lang))
        self.query_one("#signin-title", Label).update(self.title_text(lang))
        self.query_one("#staff-id-label", Label).update(self.TEXTS("staff_id", lang))
        self.query_one("#pin-label", Label).update(self.TEXTS("pin", lang))
        self.query_one("#signin-ok", Button).label = self.TEXTS("sign_in", lang)

    def submit(self) -> None:
        """Check the PIN once the keys already sent to the two fields have landed there (a
        burst's last digits may still be queued at the PIN field when its Enter arrives);
        an empty id or PIN says what is missing instead of nothing."""
        if self.checking:
            return
        staff_id, pin = self.query_one("#staff-id", Input), self.query_one("#pin", Input)
        staff_id.call_later(pin.call_later, self._submit_typed)

    def _submit_typed(self) -> None:
        if self.checking:
            return
        for field in ("staff-id", "pin"):
            entry = self.query_one(f"#{field}", Input)
            if not entry.value.strip():
                zh, en = self.MISSING[field]
                self.show_error(en if language_of(self) == "en" else zh)
                entry.focus()
                return
        super().submit()

    @on(Button.Pressed, "#signin-ok")
    def sign_in_pressed(self) -> None:
        """The sign-in button."""
        self.submit()

    def checked(self, staff: StaffView) -> Message:
        """A right PIN: `SignedIn`, for the app."""
        return self.SignedIn(staff)

    def on_sign_in_screen_signed_in(self, event: SignedIn) -> None:
        """Let the app open the desk (the message bubbles on)."""
        self.checking = False

"""The account number (户号) keypad: on-screen keys, or the physical digit keys."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from db.rules.text import width
from db.store.sql import T
from kiosk.screens.base import KioskModal
from kiosk.text import t
from kiosk.widgets.numberpad import NumberPad, PadTyping, edited

ACCOUNT_MAX = width(T.c.account)
"""The characters an account number may have: what the core keeps."""


class AccountPad(PadTyping, KioskModal[str | None]):
    """Type an account number; dismisses it (maybe "" to clear), or None when cancelled."""

    AUTO_FOCUS = "#pad-ok"

    BINDINGS = [
        Binding("escape", "cancel", show=False),
        Binding("backspace", "edit('backspace')", show=False),
        Binding("delete", "edit('clear')", show=False),
    ]

    def __init__(self, account: str = "") -> None:
        super().__init__()
        self.account = account

    def compose(self) -> ComposeResult:
        """Title, what was typed, the pad, cancel and OK."""
        with Vertical(id="pad-box", classes="dialog"):
            yield Label(id="pad-title", classes="title")
            yield Static(id="pad-value")
            yield NumberPad()
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="pad-cancel", variant="default")
                yield Button("", id="pad-ok", variant="success")
            yield Label(id="pad-hint", classes="status")

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one("#pad-title", Label).update(t("pad_title", lang))
        self.query_one("#pad-hint", Label).update(t("pad_hint", lang))
        self.query_one(NumberPad).language = lang
        self.query_one("#pad-cancel", Button).label = t("cancel", lang)
        self.query_one("#pad-ok", Button).label = t("ok", lang)
        self._show()

    def enter(self) -> None:
        """Enter on the keyboard is OK."""
        self.close(self.account)

    def action_edit(self, key: str) -> None:
        """Apply one key: a digit, "backspace" or "clear"."""
        self.account = edited(self.account, key, ACCOUNT_MAX)
        self._show()

    @on(Button.Pressed, "#pad-ok")
    def ok(self) -> None:
        """Leave with the number typed."""
        self.close(self.account)

    @on(Button.Pressed, "#pad-cancel")

    def action_cancel(self) -> None:
        """Leave without changing the account number."""
        self.close(None)

    def _show(self) -> None:
        self.query_one("#pad-value", Static).update(self.account or "—")

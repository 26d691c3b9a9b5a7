"""The remedy dialog (授权补救): pick a kind, type an amount in yuan and a reason. Whether it
is granted at once or goes to the duty leader is the core's decision, not the dialog's."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from counter.text import t
from db.errors import HallError
from db.rules.remedies import R, parse_amount
from db.rules.text import width
from ui.screens.base import HallModal


@dataclass(frozen=True)
class RemedyAsked:
    """What a `RemedyScreen` dismisses."""

    kind: str
    """The remedy kind code picked."""
    amount: str
    """The amount as typed, in yuan (checked to parse)."""
    reason: str
    """Why, never empty."""


class RemedyScreen(HallModal[RemedyAsked]):
    """Kind list, amount, reason; Enter moves on, the last Enter (or OK) submits."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, title: str, kinds: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.kinds = kinds
        """(label, code) pairs, in the hall config's order."""

    def compose(self) -> ComposeResult:
        """Title, kinds, amount, reason, the error line, buttons."""
        lang = self.language
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            yield OptionList(*(Option(label, id=code) for label, code in self.kinds),
                             id="remedy-kind")
            yield Input(id="remedy-amount", placeholder=t("field_amount", lang),
                        restrict=r"[0-9.]*", max_length=12)
            yield Input(id="remedy-reason", placeholder=t("field_reason", lang),
                        max_length=width(R.c.reason))
            yield Label(id="remedy-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("cancel", lang), id="remedy-cancel", compact=True,
                             action="screen.cancel")
                yield Button(t("ok", lang), id="remedy-ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        """The kind list first, its first entry highlighted; no error line yet."""
        self.query_one("#remedy-error").display = False
        kinds = self.query_one(OptionList)
        kinds.highlighted = 0
        kinds.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a kind: on to the amount."""
        event.stop()
        self.query_one("#remedy-amount", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the amount: on to the reason; on the reason: done."""
        event.stop()
        if event.input.id == "remedy-amount":
            self.query_one("#remedy-reason", Input).focus()
        else:
            self.submit()

    @on(Button.Pressed, "#remedy-ok")
    def ok_pressed(self, event: Button.Pressed) -> None:
        """OK: submit."""
        event.stop()
        self.submit()

    def submit(self) -> None:
        """Dismiss the request, or say in the error line what is missing."""
        option = self.query_one(OptionList).highlighted_option
        amount = self.query_one("#remedy-amount", Input).value.strip() or "0"
        reason = self.query_one("#remedy-reason", Input).value.strip()
        try:
            parse_amount(amount)
        except HallError as error:
            self._error(error.text(self.language), "#remedy-amount")
            return
        if not reason:
            self._error(t("need_reason", self.language), "#remedy-reason")
            return
        if option is not None and option.id:
            self.close(RemedyAsked(option.id, amount, reason))

    def _error(self, message: str, field: str) -> None:
        error = self.query_one("#remedy-error", Label)
        error.update(message)
        error.display = True
        self.query_one(field, Input).focus()

    def action_cancel(self) -> None:
        """Leave without a result."""
        self.close(None)

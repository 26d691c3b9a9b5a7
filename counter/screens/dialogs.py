"""The desk's small dialogs: type one line (a number, a note), or pick from a list (a
business type, a support colleague) with an optional line of text."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from counter.text import t
from db.rules.text import width
from db.store.sql import T
from ui.screens.base import HallModal

NOTE_MAX = width(T.c.note)
"""Longest note a clerk can type: what a ticket's note keeps (the dialogs' default)."""


@dataclass(frozen=True)
class Picked:
    """What a `PickScreen` dismisses."""

    value: str
    """The chosen option's value (a business prefix, a staff id, or "" for the pool)."""
    text: str
    """The line typed under the list (a note, an account number), possibly empty."""


class PromptScreen(HallModal[str]):
    """A title and one input; Enter dismisses the text, Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, title: str, *, restrict: str | None = None, required: bool = True,
                 max_length: int = NOTE_MAX) -> None:
        super().__init__()
        self.title_text = title
        self.restrict = restrict
        self.required = required
        self.max_length = max_length
        """Where typing stops: the length of what the text is kept as."""

    def compose(self) -> ComposeResult:
        """Title, input, buttons."""
        lang = self.language
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            yield Input(id="prompt-input", max_length=self.max_length, restrict=self.restrict)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("cancel", lang), id="prompt-cancel", compact=True,
                             action="screen.cancel")
                yield Button(t("ok", lang), id="prompt-ok", variant="primary", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: done."""
        event.stop()
        self.submit()

    @on(Button.Pressed, "#prompt-ok")
    def ok_pressed(self, event: Button.Pressed) -> None:
        """OK: done."""
        event.stop()
        self.submit()

    def submit(self) -> None:
        """Dismiss the text (not an empty one when one is required)."""
        text = self.query_one(Input).value.strip()
        if text or not self.required:
            self.close(text)

    def action_cancel(self) -> None:
        """Leave without a result."""
        self.close(None)


class AskScreen(HallModal[bool]):
    """A question and two buttons: OK dismisses True, Cancel or Escape False."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """Question, buttons."""
        lang = self.language
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="title", id="ask-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("cancel", lang), id="ask-cancel", compact=True,
                             action="screen.cancel")
                yield Button(t("ok", lang), id="ask-ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        """Cancel is the safe default under Enter."""
        self.query_one("#ask-cancel", Button).focus()

    @on(Button.Pressed, "#ask-ok")
    def ok_pressed(self, event: Button.Pressed) -> None:
        """OK: yes."""
        event.stop()
        self.close(True)

    def action_cancel(self) -> None:
        """No."""
        self.close(False)


class PickScreen(HallModal[Picked]):
    """A title, a list to pick one from, and optionally one line of text beneath."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(
        self, title: str, options: list[tuple[str, str]], *, field: str | None = None,
        max_length: int = NOTE_MAX, restrict: str | None = None, text_first: bool = False,
    ) -> None:
        super().__init__()
        self.text_first = text_first
        """Start on the text line (the number a clerk types), and a pick from the list
        (a touch, or Enter on it) is done at once; Enter on an empty text line takes the
        highlighted entry, and a typed line needs no entry at all."""
        self.title_text = title
        self.options = options
        """(label, value) pairs."""
        self.field = field
        """The placeholder of the text line; None for no text line."""
        self.max_length = max_length
        """Where typing on the text line stops."""
        self.restrict = restrict
        """What the text line takes (a pattern), None for any text."""

    def compose(self) -> ComposeResult:
        """Title, list, text line, buttons."""
        lang = self.language
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            yield OptionList(*(Option(label, id=value or "-pool") for label, value in self.options),
                             id="pick-list")
            if self.field is not None:
                yield Input(id="pick-text", placeholder=self.field, max_length=self.max_length,
                            restrict=self.restrict)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("cancel", lang), id="pick-cancel", compact=True,
                             action="screen.cancel")
                yield Button(t("ok", lang), id="pick-ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        """The list first, its first entry highlighted."""
        options = self.query_one(OptionList)
        options.highlighted = 0
        if self.text_first and self.field is not None:
            self.query_one("#pick-text", Input).focus()
        else:
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on the list: on to the text line, or done when there is none."""
        event.stop()
        if self.field is not None and not self.text_first:
            self.query_one("#pick-text", Input).focus()
        else:
            self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the text line: done."""
        event.stop()
        self.submit()

    @on(Button.Pressed, "#pick-ok")
    def ok_pressed(self, event: Button.Pressed) -> None:
        """OK: done."""
        event.stop()
        self.submit()

    def submit(self) -> None:
        """Dismiss the highlighted option and the text."""
        option = self.query_one(OptionList).highlighted_option
        text = self.query_one("#pick-text", Input).value.strip() if self.field else ""
        if option is None:
            if self.text_first and text:
                self.close(Picked("", text))
            return
        value = "" if option.id == "-pool" else option.id or ""
        self.close(Picked(value, text))

    def action_cancel(self) -> None:
        """Leave without a result."""
        self.close(None)

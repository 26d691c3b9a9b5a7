"""An on-screen numeric keypad for touch screens: 0-9, backspace and clear."""

from __future__ import annotations

from typing import cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button

from kiosk.text import t

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "backspace")
"""Telephone order, with clear and backspace either side of the 0."""


class PadKey(Button, can_focus=False):
    """A key of the pad: touched, never focused, so that Enter on the keyboard stays OK."""


class NumberPad(Grid):
    """Twelve keys in a 3×4 grid; it only reports which key was touched."""

    DEFAULT_CSS = """
    NumberPad {
        grid-size: 3 4;
        grid-gutter: 0 1;
        grid-rows: 3;
        height: auto;
        width: 100%;
        & > Button { width: 100%; min-width: 5; }
        & > Button.-digit { text-style: bold; }
    }
    """

    language: reactive[str] = reactive("zh")
    """Language of the clear and backspace keys."""

    class KeyTouched(Message):
        """A key of the pad was touched."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key
            """"0"-"9", "clear" or "backspace"."""

    def compose(self) -> ComposeResult:
        """The twelve keys."""
        for key in KEYS:
            kind = "-digit" if key.isdigit() else "-edit"
            yield PadKey(key if key.isdigit() else "", id=f"pad-{key}", classes=kind)

    def watch_language(self, lang: str) -> None:
        """Relabel the two editing keys."""
        self.query_one("#pad-clear", Button).label = t("clear", lang)
        self.query_one("#pad-backspace", Button).label = "⌫ " + t("backspace", lang)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Report the key."""
        event.stop()
        self.post_message(self.KeyTouched((event.button.id or "").removeprefix("pad-")))


def edited(value: str, key: str, limit: int) -> str:
    """`value` after one key: a digit (kept while `value` is shorter than `limit`),
    "backspace" or "clear"."""
    if key == "clear":
        return ""
    if key == "backspace":
        return value[:-1]
    return value + key if len(value) < limit else value


class PadTyping:
    """For a screen with a NumberPad: the pad's keys and the keyboard's digit keys go to
    `action_edit`, Enter (when no button has the focus) to `enter`. Textual finds these
    handlers on the screen's class through this mixin."""

    def action_edit(self, key: str) -> None:
        raise NotImplementedError

    def enter(self) -> None:
        raise NotImplementedError

    def on_number_pad_key_touched(self, event: NumberPad.KeyTouched) -> None:
        """A key of the on-screen pad."""
        self.action_edit(event.key)

    def on_key(self, event: events.Key) -> None:
        """Physical digit keys type too; Enter is `enter`."""
        if event.character is not None and event.character.isdigit():
            event.stop()
            self.action_edit(event.character)
        elif event.key == "enter" and not isinstance(cast(Screen[object], self).focused, Button):
            event.stop()
            self.enter()

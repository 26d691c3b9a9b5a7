"""What every evaluator screen adds to the hall's screen bases (`ui.screens.base`): dialogs
worded at compose time, and a `relabel` the app calls on every open screen when the
language changes."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.widgets import Button, Label

from ui.screens.base import HallModal, HallScreen

R = TypeVar("R")


class EvaluatorScreen(HallScreen):
    """A full screen of the evaluator."""


class EvaluatorModal(HallModal[R]):
    """A screen above the idle one that dismisses a typed result (None: withdrawn)."""

    # A modal screen hides the app's own bindings: the language keys work here too.
    BINDINGS = [Binding("l", "app.switch_language", show=False),
                Binding("f2", "app.switch_language", show=False)]

    def texts(self, lang: str) -> dict[str, str]:
        """Widget id → its text in `lang`: every label and button the screen words."""
        return {}

    def initial(self, widget_id: str) -> str:
        """A widget's text at compose time, so that it never shows blank (a screen pushed
        and withdrawn at once may never run its mount handler)."""
        return self.texts(self.language).get(widget_id, "")

    def relabel(self, lang: str) -> None:
        """Write every label and button in `lang` (those not composed yet are skipped)."""
        for widget_id, text in self.texts(lang).items():
            for widget in self.query(f"#{widget_id}"):
                if isinstance(widget, Button):
                    widget.label = text
                elif isinstance(widget, Label):
                    widget.update(text)

    def close(self, result: R | None = None) -> None:
        """Dismiss with `result`, but only while it is the current screen."""
        if self.is_current:
            self.dismiss(result)

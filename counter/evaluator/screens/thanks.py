"""The thanks, for a few seconds; then the evaluator is idle again."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from counter.evaluator.screens.base import EvaluatorModal
from counter.evaluator.text import t


class ThanksScreen(EvaluatorModal[None]):
    """"Thank you", or for a dissatisfied customer, that the duty leader will follow it up."""

    def __init__(self, seconds: float, *, dissatisfied: bool = False) -> None:
        super().__init__()
        self.seconds = seconds
        self.dissatisfied = dissatisfied

    def compose(self) -> ComposeResult:
        """One big line."""
        with Vertical(id="thanks-body", classes="panel"):
            yield Label(self.initial("thanks-text"), id="thanks-text", classes="title")

    def on_mount(self) -> None:
        """Go away by itself."""
        self.set_timer(self.seconds, self.close)

    def texts(self, lang: str) -> dict[str, str]:
        """The line in `lang`."""
        return {"thanks-text": t("thanks_low" if self.dissatisfied else "thanks", lang)}

"""The question: four big buttons, 非常满意 to 不满意; dismisses the score (4 = very
satisfied … 1 = dissatisfied, as `db.store.views.RATINGS`). The key of each answer is its
stored score, shown on its button: key 4 is 非常满意 here as in `hall rate X 4`."""

from __future__ import annotations

import math
import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Vertical
from textual.widgets import Button, Label

from counter.evaluator.screens.base import EvaluatorModal
from counter.evaluator.text import t
from db.rules.evaluation import EvaluatorView

SCORES = (4, 3, 2, 1)
"""Left to right: the best first, as on the paper form; each one's key is the score."""


class RatingScreen(EvaluatorModal[int]):
    """Which service, how many seconds are left, the four answers."""

    BINDINGS = [Binding(str(score), f"score({score})", show=False) for score in SCORES]

    def __init__(self, view: EvaluatorView, seconds: float) -> None:
        super().__init__()
        self.view = view
        self.deadline = time.monotonic() + seconds

    def compose(self) -> ComposeResult:
        """Question, the ticket and clerk, the buttons, the seconds left, the language."""
        with Vertical(id="rating-body", classes="panel"):
            yield Label(self.initial("rating-title"), id="rating-title", classes="title")
            yield Label(self.initial("rating-ticket"), id="rating-ticket", classes="subtitle")
            with Grid(id="scores"):
                for score in SCORES:
                    yield Button(self.initial(f"score-{score}"), id=f"score-{score}",
                                 classes=f"score score-{score}", name=str(score),
                                 action=f"screen.score({score})")
            yield Label(self.initial("rating-left"), id="rating-left", classes="hint")
            with Center():
                yield Button(self.initial("language"), id="language", classes="language",
                             compact=True, action="app.switch_language")

    def on_mount(self) -> None:
        """The seconds left counting down."""
        self.set_interval(1, self._show_left)

    def restart(self, seconds: float) -> None:
        """A fresh countdown (the app's timer restarted)."""
        self.deadline = time.monotonic() + seconds
        self._show_left()

    def texts(self, lang: str) -> dict[str, str]:
        """Every text of the screen in `lang`."""
        ticket, who = self.view.pending, self.view.completed_by
        number = ticket.number if ticket else ""
        line = (t("ask_ticket", lang, number=number, name=self.view.handler_name, id=who)
                if who else t("ask_ticket_anon", lang, number=number))
        left = max(0, math.ceil(self.deadline - time.monotonic()))
        return {
            "rating-title": t("ask", lang),
            "rating-ticket": line,
            **{f"score-{score}": f"{score}  {t(f'score_{score}', lang)}" for score in SCORES},
            "rating-left": f"{t('left', lang, s=left)} · {t('keys_rate', lang)}",
            "language": t("language", lang),
        }

    def _show_left(self) -> None:
        for label in self.query("#rating-left").results(Label):
            label.update(self.texts(self.language)["rating-left"])

    def action_score(self, score: int) -> None:
        """The customer's answer."""
        self.close(score)

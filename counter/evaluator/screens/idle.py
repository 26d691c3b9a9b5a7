"""The evaluator at rest: the counter, and who serves there (or that it is closed)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Label

from counter.evaluator.screens.base import EvaluatorScreen
from counter.evaluator.text import t
from db.config import HallConfig
from db.rules.evaluation import EvaluatorView
from ui.text import name


class IdleScreen(EvaluatorScreen):
    """The hall, the counter's name, the clerk's name and staff number, a language button."""

    view: reactive[EvaluatorView | None] = reactive(None, init=False)
    """What the app read last; None before the first read."""
    reconnecting: reactive[bool] = reactive(False, init=False)
    """The database is away: one line says so."""

    def __init__(self, config: HallConfig, counter: int) -> None:
        super().__init__()
        self.config = config
        self.counter = counter

    def compose(self) -> ComposeResult:
        """Hall, counter, the clerk's two lines, the hint, the language button, status."""
        with Vertical(id="idle-body"):
            yield Label(id="idle-hall", classes="title")
            yield Label(id="idle-counter", classes="counter-name")
            yield Label(id="idle-serving", classes="serving")
            yield Label(id="idle-clerk", classes="clerk")
            yield Label(id="idle-hint", classes="hint")
            with Center():
                yield Button("", id="language", classes="language", compact=True,
                             action="app.switch_language")
        yield Label(id="idle-status", classes="status")

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        spec = self.config.counter(self.counter)
        self.query_one("#idle-hall", Label).update(name(self.config, lang))
        self.query_one("#idle-counter", Label).update(name(spec, lang))
        self.query_one("#language", Button).label = t("language", lang)
        self._show_clerk(lang)
        self._show_status(lang)

    def watch_view(self) -> None:
        """A new read: who is at the counter now."""
        self._show_clerk(self.language)

    def watch_reconnecting(self) -> None:
        """The status line follows the connection."""
        self._show_status(self.language)

    def _show_clerk(self, lang: str) -> None:
        if not self.query("#idle-clerk"):
            return  # not composed yet: the mount's relabel shows it
        desk = self.view.counter if self.view else None
        serving, clerk, hint = self.query_one("#idle-serving", Label), \
            self.query_one("#idle-clerk", Label), self.query_one("#idle-hint", Label)
        open_ = desk is not None and desk.staff is not None and desk.state == "open"
        self.set_class(not open_, "-closed")
        if desk is not None and open_:
            serving.update(t("serving", lang))
            clerk.update(t("clerk", lang, name=desk.staff_name, id=desk.staff))
            hint.update(t("idle_hint", lang))
        else:
            serving.update(t("closed", lang))
            paused = desk is not None and desk.staff is not None
            clerk.update(t("paused_hint", lang, name=desk.staff_name, id=desk.staff)
                         if paused and desk else t("closed_hint", lang))
            hint.update("")

    def _show_status(self, lang: str) -> None:
        if not self.query("#idle-status"):
            return
        status = self.query_one("#idle-status", Label)
        status.update(t("reconnecting", lang) if self.reconnecting else "")
        status.display = self.reconnecting

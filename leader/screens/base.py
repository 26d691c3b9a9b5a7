"""What every console screen shares: worker failures become `WorkFailed`, and the language.

Textual sends a worker's state changes only to the node that started it; the screen turns
a failure into `WorkFailed`, which it may handle itself (to show the refusal on its status
line) and which otherwise bubbles to the app, the one place that shows it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from db.errors import HallError

R = TypeVar("R")


class WorkFailed(Message):
    """A worker thread of a screen raised: a refusal of the core, or a fault."""

    def __init__(self, error: BaseException, lang: str = "zh") -> None:
        super().__init__()
        self.error = error
        """What was raised."""
        self.lang = lang
        """The language of the screen that started the work."""

    @property
    def refusal(self) -> str | None:
        """The core's one-line message in the screen's language; None for a fault."""
        return self.error.text(self.lang) if isinstance(self.error, HallError) else None


def language_of(screen: Screen[Any]) -> str:
    """The app's current language ("zh" or "en")."""
    return str(getattr(screen.app, "language", "zh"))


def _forward_failure(screen: Screen[Any], event: Worker.StateChanged) -> None:
    error = event.worker.error
    if event.state is WorkerState.ERROR and error is not None:
        screen.post_message(WorkFailed(error, language_of(screen)))


class LeaderScreen(Screen[None]):
    """A full screen of the console."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker."""
        _forward_failure(self, event)

    @property
    def language(self) -> str:
        """The language the console speaks now."""
        return language_of(self)

    def on_mount(self) -> None:
        """Speak the app's language; the app relabels open screens on every switch (a
        watcher per screen would keep every screen ever closed alive until the next switch)."""
        self.relabel(self.language)

    def relabel(self, lang: str) -> None:
        """Write every label in `lang`."""


class LeaderModal(ModalScreen[R]):
    """A dialog of the console that dismisses a typed result (None: cancelled)."""

    @property
    def language(self) -> str:
        """The language the console speaks now."""
        return language_of(self)

    def close(self, result: R | None = None) -> None:
        """Dismiss with `result`, but only while on top."""
        if self.is_active:
            self.dismiss(result)

"""What every screen of the hall's apps shares: worker failures become `WorkFailed`, and
the app's language.

Textual sends a worker's state changes only to the node that started it; the screen turns
a failure into `WorkFailed`, which it may handle itself (to show the refusal, end a "busy"
state or reload) and which otherwise bubbles to the app, the one place that shows it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App
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
        """The language of the screen that started the work, to word the refusal in."""

    @property
    def refusal(self) -> str | None:
        """The core's one-line message when it refused, in the screen's language; None for a
        fault (not a refusal)."""
        return self.error.text(self.lang) if isinstance(self.error, HallError) else None


def relabel_open_screens(app: App[Any], lang: str) -> None:
    """Every screen on `app`'s stack written in `lang` (an app's `watch_language`)."""
    for screen in app.screen_stack:
        relabel = getattr(screen, "relabel", None)
        if relabel is not None:
            relabel(lang)


def language_of(screen: Screen[Any]) -> str:
    """The app's current language ("zh" or "en")."""
    return str(getattr(screen.app, "language", "zh"))


def forward_failure(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Turn a failed worker of `screen` into WorkFailed, handled by the screen then the app."""
    error = event.worker.error
    if event.state is WorkerState.ERROR and error is not None:
        screen.post_message(WorkFailed(error, language_of(screen)))


class HallScreen(Screen[None]):
    """A full screen of an app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker."""
        forward_failure(self, event)

    @property
    def language(self) -> str:
        """The language the app speaks now."""
        return language_of(self)

    def on_mount(self) -> None:
        """Speak the app's language; the app relabels open screens on every switch (a
        watcher per screen would keep every screen ever closed alive until the next switch)."""
        self.relabel(self.language)

    def relabel(self, lang: str) -> None:
        """Write every label in `lang`."""


class HallModal(ModalScreen[R]):
    """A dialog of an app that dismisses a typed result (None: cancelled)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker."""
        forward_failure(self, event)

    @property
    def language(self) -> str:
        """The language the app speaks now."""
        return language_of(self)

    def close(self, result: R | None = None) -> None:
        """Dismiss with `result`, but only while on top (dismiss pops whatever is on top)."""
        if self.is_active:
            self.dismiss(result)

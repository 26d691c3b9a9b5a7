"""What every kiosk screen shares: worker failures go up to the app, and the language.

Workers started by a screen report their failures here (Textual sends a worker's state
changes only to the node that started it). The screen turns a failure into `WorkFailed`,
which it may handle itself (to end a "busy" state or show an inline error) and which then
bubbles to the app, the one place that shows it to the person at the kiosk.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from db.errors import HallError
from db.views import TicketView

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


class TicketIssued(Message):
    """A number was taken (committed); bubbles to the app, which keeps the last one."""

    def __init__(self, ticket: TicketView) -> None:
        super().__init__()
        self.ticket = ticket
        """The new ticket with its place in the queue."""


def language_of(screen: Screen[Any]) -> str:
    """The app's current language ("zh" or "en")."""
    return str(getattr(screen.app, "language", "zh"))


def _forward_failure(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Turn a failed worker of `screen` into WorkFailed, handled by the screen then the app."""
    error = event.worker.error
    if event.state is WorkerState.ERROR and error is not None:
        screen.post_message(WorkFailed(error, language_of(screen)))


class KioskScreen(Screen[None]):
    """A full screen of the kiosk."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker."""
        _forward_failure(self, event)

    @property
    def language(self) -> str:
        """The language the kiosk speaks now."""
        return language_of(self)

    def on_mount(self) -> None:
        """Speak the kiosk's language; the app relabels open screens on every switch (a
        watcher per screen would keep every closed confirmation alive all day)."""
        self.relabel(self.language)

    def relabel(self, lang: str) -> None:
        """Write every label in `lang`."""


class KioskModal(ModalScreen[R]):
    """A modal of the kiosk that dismisses a typed result."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker."""
        _forward_failure(self, event)

    @property
    def language(self) -> str:
        """The language the kiosk speaks now."""
        return language_of(self)

    def on_mount(self) -> None:
        """Speak the kiosk's language; the app relabels open screens on every switch (a
        watcher per screen would keep every closed confirmation alive all day)."""
        self.relabel(self.language)

    def relabel(self, lang: str) -> None:
        """Write every label in `lang`."""

    def close(self, result: R | None = None) -> None:
        """Dismiss with `result`, but only while on top (dismiss pops whatever is on top)."""
        if self.is_active:
            self.dismiss(result)

"""What the kiosk's screens add to the hall's screen bases (`ui.screens.base`): the news of
a number taken, and dialogs that speak the kiosk's language from the start."""

from __future__ import annotations

from typing import TypeVar

from textual.message import Message

from db.store.views import TicketView
from ui.screens.base import HallModal

R = TypeVar("R")


class TicketIssued(Message):
    """A number was taken (committed); bubbles to the app, which keeps the last one."""

    def __init__(self, ticket: TicketView) -> None:
        super().__init__()
        self.ticket = ticket
        """The new ticket with its place in the queue."""


class KioskModal(HallModal[R]):
    """A modal of the kiosk that dismisses a typed result."""

    def on_mount(self) -> None:
        """Speak the kiosk's language; the app relabels open screens on every switch (a
        watcher per screen would keep every closed confirmation alive all day)."""
        self.relabel(self.language)

    def relabel(self, lang: str) -> None:
        """Write every label in `lang`."""

"""What both display screens share: the snapshot they show and the "reconnecting" line."""

from __future__ import annotations

from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Label

from db.config import HallConfig
from db.store.views import HallSnapshot
from display.calling import CallsOnShow
from display.text import both


class DisplayScreen(Screen[None]):
    """A full screen of a display. The app sets `snapshot` after every reload and
    `reconnecting` on the app while the database is away; the screen shows both."""

    # repaint=False on the screen's reactives: the widgets they feed repaint themselves; a
    # repaint of the screen would redraw all of it on every snapshot.
    snapshot: reactive[HallSnapshot | None] = reactive(None, init=False, repaint=False)
    """The hall as last read."""

    calls: reactive[CallsOnShow] = reactive(CallsOnShow, init=False, repaint=False,
                                            always_update=True)
    """The banner's call and the list, as the announcement queue has them (the wall's)."""

    queues: reactive[HallSnapshot | None] = reactive(None, init=False, repaint=False)
    """The queues with their estimated waits, read after `snapshot` (the wall's)."""

    shows_queues = False
    """The screen shows the queues (the app then reads them after each read)."""

    next_numbers: dict[int, str] = {}
    """Counter → the ticket it would call next; set by the app just before `snapshot`."""

    notice: reactive[str] = reactive("", init=False, repaint=False)
    """The duty leader's notice; "" for none (the wall shows it, a counter does not)."""

    voice_off: reactive[str] = reactive("", init=False, repaint=False)
    """Why the voice is off, when it should speak but cannot; "" otherwise."""

    def __init__(self, config: HallConfig) -> None:
        super().__init__()
        self.config = config

    def status_line(self) -> Label:
        """The bottom line that says "reconnecting" (hidden while all is well)."""
        return Label(both("reconnecting", self.config.languages), id="status",
                     classes="status")

    def on_mount(self) -> None:
        """Follow the app's connection state."""
        self.watch(self.app, "reconnecting", self.show_connection)

    def show_connection(self, reconnecting: bool) -> None:
        """Show or hide the "reconnecting" line."""
        self.query_one("#status", Label).display = reconnecting

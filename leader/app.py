"""The duty leader's console (值班领导岗): the leader signs in (staff id + PIN, leader role
only) and watches the hall, handles complaints, approves remedies, moves counters, answers
the supervision box and sets the wall display's notice. F12 signs out."""

from __future__ import annotations

from textual.binding import Binding

from db.config import HallConfig
from db.store.session import Hall
from db.store.views import StaffView
from db.store.watch import ChangeWatcher
from leader.screens.console import CHECK_SECONDS, ConsoleScreen
from leader.screens.signin import SignInScreen
from leader.text import t
from ui.app import HallApp


class LeaderApp(HallApp):
    """The sign-in, then the console."""

    CSS_PATH = "leader.tcss"
    TITLE = "值班领导岗"
    TEXTS = t
    BINDINGS = [Binding("l", "switch_language", show=False),
                Binding("f10", "switch_language", show=False)]

    def __init__(self, config: HallConfig, hall: Hall, *, watcher: ChangeWatcher,
                 check_seconds: float) -> None:
        super().__init__(config)
        self.hall = hall
        self.watcher = watcher
        """Tells the console when another process committed."""
        self.check_seconds = check_seconds

    def on_mount(self) -> None:
        """The hall's first language; the sign-in."""
        self.language = self.config.languages[0]
        self.title = t("title", self.language)
        self.push_screen(SignInScreen(self.config, self.hall))

    def on_unmount(self) -> None:
        """Let go of the watcher's connection."""
        self.watcher.close()

    def on_sign_in_screen_signed_in(self, event: SignInScreen.SignedIn) -> None:
        """A duty leader: the console replaces the sign-in."""
        self.switch_screen(self.console_for(event.staff))

    def console_for(self, staff: StaffView) -> ConsoleScreen:
        """The console of a signed-in duty leader, watching as this app does."""
        return ConsoleScreen(self.config, self.hall, staff, self.watcher, self.check_seconds)

    def on_console_screen_signed_out(self, event: ConsoleScreen.SignedOut) -> None:
        """Back to the sign-in."""
        self.switch_screen(SignInScreen(self.config, self.hall))


def make_app(
    config: HallConfig,
    hall: Hall,
    *,
    watcher: ChangeWatcher | None = None,
    check_seconds: float = CHECK_SECONDS,
) -> LeaderApp:
    """The duty leader's console on `hall`. The watcher is the cheapest the database allows
    unless one is given; `check_seconds` 0 turns watching off, so the console reads only
    after its own steps (tests)."""
    return LeaderApp(config, hall, watcher=watcher or ChangeWatcher.for_hall(hall),
                     check_seconds=check_seconds)

"""The support desk (服务岗): a support colleague signs in, then takes, notes and hands back
the clerks' referrals. The handler keeps owning each ticket throughout; the desk only
works on it and reports back."""

from __future__ import annotations

from textual.binding import Binding

from counter.support.machine import SupportMachine
from counter.support.screens.desk import DeskScreen
from counter.support.screens.signin import SignInScreen
from counter.support.text import t
from db.config import HallConfig
from db.store.session import Hall
from db.store.watch import ChangeWatcher
from ui.app import HallApp


class SupportApp(HallApp):
    """The sign-in screen, then the desk."""

    CSS_PATH = "support.tcss"
    TITLE = "服务岗"
    TEXTS = t
    BINDINGS = [Binding("l", "switch_language", show=False)]

    def __init__(self, machine: SupportMachine, *, watch: bool = True) -> None:
        super().__init__(machine.config)
        self.machine = machine
        self.watch_database = watch

    def on_mount(self) -> None:
        """The hall's first language; the sign-in."""
        self.language = self.machine.config.languages[0]
        self.push_screen(SignInScreen(self.machine))

    def on_sign_in_screen_signed_in(self, event: SignInScreen.SignedIn) -> None:
        """The desk replaces the sign-in."""
        hall = self.machine.hall
        watcher = ChangeWatcher.for_hall(hall) if self.watch_database else None
        self.switch_screen(DeskScreen(self.machine, event.staff, watcher))

    def on_desk_screen_signed_out(self, event: DeskScreen.SignedOut) -> None:
        """Back to the sign-in for the next colleague."""
        self.switch_screen(SignInScreen(self.machine))


def make_app(config: HallConfig, hall: Hall, *, watch: bool = True) -> SupportApp:
    """The support desk on `hall`; `watch` False turns the live reload off (tests)."""
    return SupportApp(SupportMachine(hall, config), watch=watch)

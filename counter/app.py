"""The counter client (窗口): a clerk signs in at one counter and serves the customers.

Sign-in first; the desk above it. Signing out goes back to the sign-in. Restarting the app
and signing in again finds the counter's current ticket where it was (it lives in the
database, not in the app).
"""

from __future__ import annotations

from textual.binding import Binding

from counter.machine import CounterMachine
from counter.screens.desk import CHECK_SECONDS, DeskScreen
from counter.screens.signin import SignInScreen
from counter.text import t
from db.config import HallConfig
from db.store.session import Hall
from db.store.watch import ChangeWatcher
from ui.app import HallApp
from ui.text import name


class CounterApp(HallApp):
    """The sign-in screen, then the desk."""

    CSS_PATH = "counter.tcss"
    TITLE = "窗口"
    TEXTS = t
    BINDINGS = [Binding("l", "switch_language", show=False)]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-normal")]
    """Under 60 columns (a phone's page is ~40) the desk stacks (counter.tcss)."""

    def __init__(self, machine: CounterMachine, *, watcher: ChangeWatcher,
                 check_seconds: float) -> None:
        super().__init__(machine.config)
        self.machine = machine
        self.watcher = watcher
        """Tells the desk when another process committed."""
        self.check_seconds = check_seconds

    def on_mount(self) -> None:
        """The hall's first language; the sign-in."""
        config = self.machine.config
        self.language = config.languages[0]
        self.title = name(config.counter(self.machine.counter), self.language)
        self.push_screen(SignInScreen(self.machine))

    def on_unmount(self) -> None:
        """Let go of the watcher's connection."""
        self.watcher.close()

    def on_sign_in_screen_signed_in(self, event: SignInScreen.SignedIn) -> None:
        """The counter is the clerk's: the desk replaces the sign-in."""
        desk = DeskScreen(self.machine, event.staff, self.watcher, self.check_seconds)
        self.switch_screen(desk)

    def on_desk_screen_signed_out(self, event: DeskScreen.SignedOut) -> None:
        """Back to the sign-in for the next clerk (a dialog left open over the desk goes)."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, DeskScreen):
            self.pop_screen()
        self.switch_screen(SignInScreen(self.machine))


def make_app(
    config: HallConfig,
    hall: Hall,
    *,
    counter: int,
    watcher: ChangeWatcher | None = None,
    check_seconds: float = CHECK_SECONDS,
) -> CounterApp:
    """The counter client for counter `counter` of `hall` (NotFound if the config has no
    such counter). The watcher is the cheapest the database allows unless one is given;
    `check_seconds` 0 turns watching off, so the desk reads only after its own steps (tests)."""
    config.counter(counter)
    return CounterApp(CounterMachine(hall, config, counter),
                      watcher=watcher or ChangeWatcher.for_hall(hall),
                      check_seconds=check_seconds)

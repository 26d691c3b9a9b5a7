"""The counter client (窗口): a clerk signs in at one counter and serves the customers.

Sign-in first; the desk above it. Signing out goes back to the sign-in. Restarting the app
and signing in again finds the counter's current ticket where it was (it lives in the
database, not in the app).
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from counter.machine import CounterMachine
from counter.screens.base import WorkFailed
from counter.screens.desk import DeskScreen
from counter.screens.signin import SignInScreen
from counter.text import name, t
from db.config import HallConfig
from db.session import Hall

REFRESH_SECONDS = 5.0
"""How often the desk reads the queue again to see other processes' work."""


class CounterApp(App[None]):
    """The sign-in screen, then the desk."""

    CSS_PATH = "counter.tcss"
    TITLE = "窗口"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("l", "switch_language", show=False)]

    language: reactive[str] = reactive("zh")
    """The language every screen speaks: "zh" or "en"."""

    def __init__(self, machine: CounterMachine, *, refresh_seconds: float) -> None:
        super().__init__()
        self.machine = machine
        self.refresh_seconds = refresh_seconds

    def on_mount(self) -> None:
        """The hall's first language; the sign-in."""
        config = self.machine.config
        self.language = config.languages[0]
        self.title = name(config.counter(self.machine.counter), self.language)
        self.push_screen(SignInScreen(self.machine))

    def action_switch_language(self) -> None:
        """中文 ⇄ English, among the languages the hall offers."""
        languages = self.machine.config.languages
        self.language = languages[(languages.index(self.language) + 1) % len(languages)]

    def on_sign_in_screen_signed_in(self, event: SignInScreen.SignedIn) -> None:
        """The counter is the clerk's: the desk replaces the sign-in."""
        desk = DeskScreen(self.machine, event.staff, self.refresh_seconds)
        self.switch_screen(desk)

    def on_desk_screen_signed_out(self, event: DeskScreen.SignedOut) -> None:
        """Back to the sign-in for the next clerk."""
        self.switch_screen(SignInScreen(self.machine))

    def on_work_failed(self, event: WorkFailed) -> None:
        """Every worker failure a screen did not show itself: one line, never a traceback."""
        if event.refusal is not None:
            self.notify(event.refusal, severity="error", timeout=8)
        else:
            self.log.error(f"worker failed: {event.error!r}")
            self.notify(t("system_fault", self.language), severity="error", timeout=8)


def make_app(
    config: HallConfig, hall: Hall, *, counter: int, refresh_seconds: float = REFRESH_SECONDS
) -> CounterApp:
    """The counter client for counter `counter` of `hall` (NotFound if the config has no
    such counter); `refresh_seconds` 0 turns the periodic reload off (tests)."""
    config.counter(counter)
    return CounterApp(CounterMachine(hall, config, counter), refresh_seconds=refresh_seconds)

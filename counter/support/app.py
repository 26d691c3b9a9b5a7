"""The support desk (服务岗): a support colleague signs in, then takes, notes and hands back
the clerks' referrals. The handler keeps owning each ticket throughout; the desk only
works on it and reports back."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from counter.screens.base import WorkFailed, relabel_open_screens
from counter.support.machine import SupportMachine
from counter.support.screens.desk import DeskScreen
from counter.support.screens.signin import SignInScreen
from counter.support.text import t
from db.config import HallConfig
from db.session import Hall
from db.watch import ChangeWatcher


class SupportApp(App[None]):
    """The sign-in screen, then the desk."""

    CSS_PATH = "support.tcss"
    TITLE = "服务岗"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("l", "switch_language", show=False)]

    language: reactive[str] = reactive("zh")
    """The language every screen speaks: "zh" or "en"."""

    def __init__(self, machine: SupportMachine, *, watch: bool = True) -> None:
        super().__init__()
        self.machine = machine
        self.watch_database = watch

    def on_mount(self) -> None:
        """The hall's first language; the sign-in."""
        self.language = self.machine.config.languages[0]
        self.push_screen(SignInScreen(self.machine))

    def watch_language(self, lang: str) -> None:
        """Relabel every open screen in the new language."""
        relabel_open_screens(self, lang)

    def action_switch_language(self) -> None:
        """中文 ⇄ English, among the languages the hall offers."""
        languages = self.machine.config.languages
        self.language = languages[(languages.index(self.language) + 1) % len(languages)]

    def on_sign_in_screen_signed_in(self, event: SignInScreen.SignedIn) -> None:
        """The desk replaces the sign-in."""
        hall = self.machine.hall
        watcher = ChangeWatcher.for_hall(hall) if self.watch_database else None
        self.switch_screen(DeskScreen(self.machine, event.staff, watcher))

    def on_desk_screen_signed_out(self, event: DeskScreen.SignedOut) -> None:
        """Back to the sign-in for the next colleague."""
        self.switch_screen(SignInScreen(self.machine))

    def on_work_failed(self, event: WorkFailed) -> None:
        """Every worker failure a screen did not show itself: one line, never a traceback."""
        if event.refusal is not None:
            self.notify(event.refusal, severity="error", timeout=8)
        else:
            self.log.error(f"worker failed: {event.error!r}")
            self.notify(t("system_fault", self.language), severity="error", timeout=8)


def make_app(config: HallConfig, hall: Hall, *, watch: bool = True) -> SupportApp:
    """The support desk on `hall`; `watch` False turns the live reload off (tests)."""
    return SupportApp(SupportMachine(hall, config), watch=watch)

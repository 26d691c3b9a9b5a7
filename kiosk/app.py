"""The kiosk (取号机): customers take a number; a guide signs in to work on it.

The app is locked down: nothing a customer can press quits it, opens the command palette
or suspends it to a shell. Only the duty leader's id and PIN (F12) close it.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.timer import Timer

from db.config import HallConfig
from db.session import Hall
from db.views import StaffView, TicketView
from kiosk.machine import KioskMachine, SlipPrinter
from kiosk.screens.account import AccountPad
from kiosk.screens.base import TicketIssued, WorkFailed
from kiosk.screens.feedback import FeedbackBox
from kiosk.screens.guide import GuideScreen
from kiosk.screens.guide_signin import GuideSignIn
from kiosk.screens.home import HomeScreen
from kiosk.screens.leader_unlock import LeaderUnlock
from kiosk.screens.staff_pin import StaffPinScreen
from kiosk.text import t

LOCKED_KEYS = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p", "ctrl+backslash")
"""Keys that quit, copy-and-hint, suspend or open the palette in a normal Textual app."""

CUSTOMER_MODALS = (AccountPad, FeedbackBox, StaffPinScreen)
"""What an idle kiosk closes: input a customer (or a passer-by) left half done."""


class KioskApp(App[None]):
    """The kiosk: the home screen, guide mode above it, modals above those."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "取号机"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall"), (50, "-very-tall")]
    BINDINGS = [
        *(Binding(key, "locked", show=False, priority=True, system=True) for key in LOCKED_KEYS),
        Binding("f2", "switch_language", show=False),
        Binding("f9", "guide_sign_in", show=False),
        Binding("f12", "leader_unlock", show=False, priority=True),
    ]

    language: reactive[str] = reactive("zh")
    """The language every screen speaks: "zh" or "en"."""

    def __init__(self, machine: KioskMachine, *, guide: bool = False) -> None:
        super().__init__()
        self.machine = machine
        self.start_in_guide = guide
        self.last_ticket: TicketView | None = None
        """The last ticket this kiosk issued: what a guide's reprint prints."""
        self.idle_timer: Timer | None = None

    def on_mount(self) -> None:
        """Home screen first; guide sign-in above it when asked for."""
        self.language = self.machine.config.languages[0]
        self.push_screen(HomeScreen(self.machine))
        if self.start_in_guide:
            self.action_guide_sign_in()

    # -- lockdown ---------------------------------------------------------------------------

    def action_locked(self) -> None:
        """A key that would leave kiosk mode: it does nothing."""

    async def action_quit(self) -> None:
        """Nothing quits the kiosk but the leader's unlock."""

    def action_help_quit(self) -> None:
        """No hint about how to quit, either."""

    def action_suspend_process(self) -> None:
        """No way out to a shell."""

    def action_command_palette(self) -> None:
        """No command palette."""

    def action_leader_unlock(self) -> None:
        """The hidden key: the duty leader's id and PIN close the kiosk."""
        if not isinstance(self.screen, LeaderUnlock):
            self.push_screen(LeaderUnlock(self.machine), self._unlocked)

    def _unlocked(self, leader: StaffView | None) -> None:
        if leader is not None:
            self.exit()

    # -- language and guide mode ------------------------------------------------------------

    def watch_language(self, lang: str) -> None:
        """Relabel every open screen in the new language."""
        for screen in self.screen_stack:
            relabel = getattr(screen, "relabel", None)
            if relabel is not None:
                relabel(lang)

    def action_switch_language(self) -> None:
        """中文 ⇄ English, among the languages the hall offers."""
        languages = self.machine.config.languages
        self.language = languages[(languages.index(self.language) + 1) % len(languages)]

    def action_guide_sign_in(self) -> None:
        """A guide signs in (from the home screen only)."""
        if isinstance(self.screen, HomeScreen):
            self.push_screen(GuideSignIn(self.machine), self._guide_signed_in)

    def _guide_signed_in(self, guide: StaffView | None) -> None:
        if guide is not None:
            screen = GuideScreen(self.machine, guide)
            screen.last_ticket = self.last_ticket
            self.push_screen(screen)

    def on_ticket_issued(self, event: TicketIssued) -> None:
        """Keep the last ticket for a reprint, and tell guide mode."""
        self.last_ticket = event.ticket
        for screen in self.screen_stack:
            if isinstance(screen, GuideScreen):
                screen.last_ticket = event.ticket

    # -- failures ---------------------------------------------------------------------------

    def on_work_failed(self, event: WorkFailed) -> None:
        """Every worker failure a screen did not show itself: one line, never a traceback."""
        if event.refusal is not None:
            self.notify(event.refusal, severity="error", timeout=8)
        else:
            self.log.error(f"worker failed: {event.error!r}")
            self.notify(t("system_fault", self.language), severity="error", timeout=8)

    # -- an idle kiosk forgets half-finished input ------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Any key or touch restarts the idle countdown."""
        if isinstance(event, events.Key | events.MouseDown):
            self.restart_idle()
        await super().on_event(event)

    def restart_idle(self) -> None:
        """Count `idle_reset_seconds` from now."""
        if self.idle_timer is not None:
            self.idle_timer.stop()
        seconds = self.machine.config.kiosk.idle_reset_seconds
        self.idle_timer = self.set_timer(seconds, self.reset_when_idle)

    async def reset_when_idle(self) -> None:
        """Close the customer's open dialogs, clear their choices and go back to the hall's
        first language, for the next customer (not in guide mode)."""
        stack = self.screen_stack
        homes = [s for s in stack if isinstance(s, HomeScreen)]
        if not homes or any(isinstance(s, GuideScreen) for s in stack):
            return
        while isinstance(self.screen, CUSTOMER_MODALS):
            await self.pop_screen()
        homes[0].reset_input()
        self.language = self.machine.config.languages[0]


def make_app(
    config: HallConfig, hall: Hall, *, printer: SlipPrinter | None = None, guide: bool = False
) -> KioskApp:
    """The kiosk on `hall`, showing `config`; the printer is built from `config.printer`
    unless one is given (tests give a fake)."""
    if printer is None:
        from kiosk.printer import TicketPrinter

        printer = TicketPrinter(config.printer)
    return KioskApp(KioskMachine(hall, config, printer), guide=guide)

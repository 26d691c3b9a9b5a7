"""What every app of the hall shares: the language it speaks (and switches among the
hall's), relabelling the open screens, and one line for every worker failure a screen did
not show itself. `LockedApp` adds the lockdown of a customer-facing device.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from db.config import HallConfig
from db.store.views import StaffView
from ui import compositor
from ui.screens.base import WorkFailed, relabel_open_screens
from ui.text import Texts

compositor.install()  # a toast over Chinese labels keeps every character (issue 12)


class HallApp(App[None]):
    """An app of the hall, speaking the hall's languages."""

    ENABLE_COMMAND_PALETTE = False
    TEXTS: ClassVar[Texts]
    """The app's strings: "system_fault" (and whatever the app itself says)."""

    language: reactive[str] = reactive("zh")
    """The language every screen speaks: "zh" or "en"."""

    def __init__(self, config: HallConfig) -> None:
        super().__init__()
        self.config = config

    def watch_language(self, lang: str) -> None:
        """Relabel every open screen in the new language."""
        relabel_open_screens(self, lang)

    def action_switch_language(self) -> None:
        """中文 ⇄ English, among the languages the hall offers."""
        languages = self.config.languages
        self.language = languages[(languages.index(self.language) + 1) % len(languages)]

    def on_work_failed(self, event: WorkFailed) -> None:
        """Every worker failure a screen did not show itself: one line, never a traceback."""
        if event.refusal is not None:
            self.notify(event.refusal, severity="error", timeout=8)
        else:
            self.log.error(f"worker failed: {event.error!r}")
            self.notify(self.TEXTS("system_fault", self.language), severity="error", timeout=8)


LOCKED_KEYS = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p", "ctrl+backslash")
"""Keys that quit, copy-and-hint, suspend or open the palette in a normal Textual app."""


class LockedApp(HallApp):
    """A device customers touch (kiosk, evaluator): nothing they can press quits it, opens
    the command palette or suspends it to a shell. Only the duty leader's id and PIN (F12)
    close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, "locked", show=False, priority=True, system=True) for key in LOCKED_KEYS),
        Binding("f12", "leader_unlock", show=False, priority=True),
    ]

    def action_locked(self) -> None:
        """A key that would leave the device: it does nothing."""

    async def action_quit(self) -> None:
        """Nothing quits the device but the leader's unlock."""

    def action_help_quit(self) -> None:
        """No hint about how to quit, either."""

    def action_suspend_process(self) -> None:
        """No way out to a shell."""

    def action_command_palette(self) -> None:
        """No command palette."""

    def unlock_screen(self) -> Screen[Any]:
        """The dialog that asks for the duty leader's id and PIN."""
        raise NotImplementedError

    def action_leader_unlock(self) -> None:
        """The hidden key: the duty leader's id and PIN close the device."""
        unlock = self.unlock_screen()
        if not isinstance(self.screen, type(unlock)):
            self.push_screen(unlock, self._unlocked)

    def _unlocked(self, leader: StaffView | None) -> None:
        if leader is not None:
            self.exit()

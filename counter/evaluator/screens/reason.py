"""After 不满意: the short list of reasons (the core's `REASONS`), keys 1-N, 0 to skip;
dismisses the reason's code, or "" when skipped."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Vertical
from textual.widgets import Button, Label

from counter.evaluator.screens.base import EvaluatorModal
from counter.evaluator.text import t
from db.rules.evaluation import REASONS
from ui.text import name


class ReasonScreen(EvaluatorModal[str]):
    """One button per reason and a skip."""

    BINDINGS = [
        *(Binding(str(key), f"pick({key})", show=False)
          for key in range(1, len(REASONS) + 1)),
        Binding("0", "pick(0)", show=False),
    ]

    def compose(self) -> ComposeResult:
        """Title, the reasons, skip, the keys, the language."""
        with Vertical(id="reason-body", classes="panel"):
            yield Label(self.initial("reason-title"), id="reason-title", classes="title")
            with Grid(id="reasons"):
                for key, reason in enumerate(REASONS, start=1):
                    yield Button(self.initial(f"reason-{reason.code}"),
                                 id=f"reason-{reason.code}", classes="reason", name=str(key),
                                 action=f"screen.pick({key})")
                yield Button(self.initial("reason-skip"), id="reason-skip",
                             classes="reason skip", name="0", action="screen.pick(0)")
            yield Label(self.initial("reason-keys"), id="reason-keys", classes="hint")
            with Center():
                yield Button(self.initial("language"), id="language", classes="language",
                             compact=True, action="app.switch_language")

    def texts(self, lang: str) -> dict[str, str]:
        """Every text of the screen in `lang`."""
        return {
            "reason-title": t("reason_title", lang),
            **{f"reason-{reason.code}": f"{key}  {name(reason, lang)}"
               for key, reason in enumerate(REASONS, start=1)},
            "reason-skip": f"0  {t('skip', lang)}",
            "reason-keys": t("keys_reason", lang, n=len(REASONS)),
            "language": t("language", lang),
        }

    def action_pick(self, key: int) -> None:
        """Reason number `key` (1-based), or 0: skip."""
        self.close(REASONS[key - 1].code if key else "")

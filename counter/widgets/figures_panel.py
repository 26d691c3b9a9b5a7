"""The clerk's own figures of today (served, handling, satisfaction, remedies), open matters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label

from counter.text import t
from db.store.views import DayFigures, MatterView

LINES = ("served", "handling", "satisfaction", "remedies", "matters", "aside")
"""The panel's lines, top to bottom."""


class FiguresPanel(Vertical):
    """Today's figures from the core's `day_figures`, and the clerk's open matters, read
    with the desk; nothing computed here but the wording and the counts."""

    DEFAULT_CSS = """
    FiguresPanel {
        height: auto;
        padding: 0 1;
        border: round $secondary;
        & > Label { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #figures-served { text-style: bold; }
    }
    """

    figures: reactive[DayFigures | None] = reactive(None)
    """The clerk's figures as the desk read them last."""
    pending: reactive[int] = reactive(0)
    """How many of the clerk's remedy requests of today wait for the duty leader."""
    matters: reactive[tuple[MatterView, ...]] = reactive(())
    """The clerk's open matters away from the counter (with support, to handle, or waiting
    on the customer)."""
    language: reactive[str] = reactive("zh")
    """Language of the panel."""

    def compose(self) -> ComposeResult:
        """One label per line, written by `show` (updated in place: the desk reloads often)."""
        for line in LINES:
            yield Label(id=f"figures-{line}")

    def on_mount(self) -> None:
        """Show what there is."""
        self.show()

    def watch_figures(self) -> None:
        """New figures: show them."""
        self.show()

    def watch_pending(self) -> None:
        """Another count of pending requests: show it."""
        self.show()

    def watch_matters(self) -> None:
        """Open matters changed: show them."""
        self.show()

    def watch_language(self) -> None:
        """Another language: write it again."""
        self.show()

    def show(self) -> None:
        """Write every line for the current figures and language."""
        if not self.is_mounted:
            return
        lang = self.language
        self.border_title = t("figures_title", lang)
        lines = self._lines(self.figures, lang) if self.figures is not None else {}
        for line in LINES:
            self.query_one(f"#figures-{line}", Label).update(lines.get(line, ""))

    def _lines(self, figures: DayFigures, lang: str) -> dict[str, str]:
        handling = figures.average_handling_min
        satisfaction = figures.satisfaction
        return {
            "served": t("figures_served", lang, n=figures.served),
            "handling": t("figures_handling", lang, m=f"{handling:.1f}")
            if handling is not None else t("figures_handling_none", lang),
            "satisfaction": t("figures_satisfaction", lang, pct=round(satisfaction * 100),
                              n=sum(figures.ratings.values()))
            if satisfaction is not None else t("figures_no_ratings", lang),
            "remedies": t("figures_remedies", lang, n=figures.remedies_granted, p=self.pending),
            "matters": t("figures_matters", lang,
                         support=sum(m.stage == "with_support" for m in self.matters),
                         close=sum(m.stage in ("returned", "question") for m in self.matters)),
            "aside": t("figures_aside", lang,
                       n=sum(m.stage == "awaiting_customer" for m in self.matters)),
        }

"""The clerk's view of the current customer: number, business, waits, handler, visits."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Digits, Label

from counter.machine import MOVES, DeskState
from counter.news import kind_name, outcome
from counter.text import minutes, t
from db.config import NORMAL, HallConfig
from db.store.views import TicketView
from ui.history import event_line
from ui.text import name
from ui.widgets.number import number_parts

LINES = ("status", "business", "origin", "priority", "account", "waited", "at-counter",
         "handler", "recalls", "note", "history", "remedies", "matters", "visits")
"""The card's text lines, top to bottom."""
HISTORY_SHOWN = 6
"""The latest steps a moved ticket's card lists."""


def span_min(since: dt.datetime | None, until: dt.datetime) -> float:
    """Minutes from `since` to `until` (0 when `since` is unknown)."""
    return (until - since).total_seconds() / 60 if since is not None else 0.0


class TicketCard(Vertical):
    """The ticket the counter holds, or a line saying there is none."""

    DEFAULT_CSS = """
    TicketCard {
        height: auto;
        padding: 0 1;
        border: round $primary;
        & > Horizontal { height: auto; width: 100%; }
        & #card-letter { width: auto; height: 3; content-align: center middle;
                         text-style: bold; }
        & Digits { width: auto; }
        & > Label { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #card-status { text-style: bold; color: $warning; }
        & > #card-handler { text-style: bold; }
        & > #card-visits { color: $text-muted; text-wrap: wrap; }
        & > #card-origin { text-style: bold; color: $accent; }
        & > #card-note { text-wrap: wrap; }
        & > #card-history { color: $text-muted; text-wrap: wrap; }
        & > #card-remedies { text-wrap: wrap; }
        & > #card-remedies.-pending { color: $warning; }
        & > #card-matters { color: $warning; text-wrap: wrap; }
        & > #card-empty { color: $text-muted; padding: 1 0; }
    }
    """

    state: reactive[DeskState | None] = reactive(None)
    """What the desk read last; the card shows its ticket."""
    language: reactive[str] = reactive("zh")
    """Language of the card."""

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config

    def compose(self) -> ComposeResult:
        """The empty line, the number, the text lines."""
        yield Label(id="card-empty")
        with Horizontal(id="card-number-row"):
            yield Label(id="card-letter")
            yield Digits("", id="card-number")
        for line in LINES:
            yield Label(id=f"card-{line}")

    def on_mount(self) -> None:
        """Show what there is."""
        self.show()

    def watch_state(self) -> None:
        """New data: show it."""
        self.show()

    def watch_language(self) -> None:
        """Another language: write it again."""
        self.show()

    @property
    def ticket(self) -> TicketView | None:
        """The ticket on show, if any."""
        return self.state.ticket if self.state is not None else None

    def show(self) -> None:
        """Write every line for the current state and language."""
        if not self.is_mounted:
            return
        ticket, lang = self.ticket, self.language
        self.border_title = t("card_title", lang)
        self._set("empty", t("no_ticket", lang) if ticket is None else "")
        self.query_one("#card-number-row").display = ticket is not None
        letter, digits = number_parts(ticket.number if ticket else "")
        self.query_one("#card-letter", Label).update(letter)
        self.query_one("#card-number", Digits).update(digits)
        lines = self._lines(ticket, lang) if ticket is not None else {}
        for line in LINES:
            self._set(line, lines.get(line, ""))
        pending = self.state is not None and any(
            r.status == "pending" for r in self.state.remedies)
        self.query_one("#card-remedies").set_class(pending, "-pending")

    def _lines(self, ticket: TicketView, lang: str) -> dict[str, str]:
        assert self.state is not None
        now, names = self.state.now, self.state.staff_names
        at_counter_since = ticket.started_at if ticket.status == "serving" else ticket.called_at
        handler = ticket.handler or ""
        lines = {
            "status": t(f"status_{ticket.status}", lang) if ticket.status in (
                "called", "serving") else ticket.status,
            "business": t("business", lang, business=self._business(ticket.business, lang)),
            "waited": t("waited", lang, m=minutes(
                span_min(ticket.issued_at, ticket.first_called_at or now))),
            "at-counter": t("at_counter", lang, m=minutes(span_min(at_counter_since, now))),
            "handler": t("handler", lang, name=names.get(handler, handler), id=handler)
            if handler else "",
            "recalls": t("recalls", lang, n=ticket.recalls) if ticket.recalls else "",
            "account": t("account", lang, account=ticket.account) if ticket.account else "",
            "remedies": self._remedies(lang),
            **self._past(ticket, lang),
            "matters": self._matters(lang),
            "visits": self._visits(lang),
        }
        if ticket.priority != NORMAL:
            klass = self.config.priority(ticket.priority)
            lines["priority"] = t("priority", lang, priority=name(klass, lang))
        return lines

    def _past(self, ticket: TicketView, lang: str) -> dict[str, str]:
        """A moved ticket: where it came from (its last move), its note and its steps (the
        support desk's wording, `ui.history`)."""
        assert self.state is not None
        steps, names = self.state.history, self.state.staff_names
        if not steps:
            return {}
        moves = [e for e in steps if e.kind in MOVES]
        lines = [event_line(e, self.config, names, lang) for e in steps[-HISTORY_SHOWN:]]
        return {
            "origin": t("origin", lang, step=event_line(moves[-1], self.config, names, lang)),
            "note": t("card_note", lang, note=ticket.note) if ticket.note else "",
            "history": "\n".join([t("history", lang)] + lines),
        }

    def _remedies(self, lang: str) -> str:
        if self.state is None or not self.state.remedies:
            return ""
        rows = [t("remedies", lang)] + [
            t("remedy_line", lang, id=r.id, kind=kind_name(self.config, r.kind, lang),
              amount=r.amount, status=outcome(r, lang))
            for r in self.state.remedies
        ]
        return "\n".join(rows)

    def _matters(self, lang: str) -> str:
        """The customer's other open matters (any handler, any day): ask about them first."""
        if self.state is None or not self.state.account_matters:
            return ""
        names = self.state.staff_names
        rows = [t("account_matters", lang)] + [
            t("account_matter_line", lang, number=m.ticket.number,
              business=self._business(m.ticket.business, lang),
              status=t(f"stage_{m.stage}", lang),
              handler=names.get(m.ticket.handler or "", m.ticket.handler or "—"))
            for m in self.state.account_matters
        ]
        return "\n".join(rows)

    def _visits(self, lang: str) -> str:
        if self.state is None or not self.state.visits:
            return ""
        rows = [t("visits", lang)] + [
            t("visit_line", lang, day=v.business_day.isoformat(), number=v.number,
              business=self._business(v.business, lang), status=t(f"ticket_{v.status}", lang))
            + (t("visit_hall", lang, hall=v.hall) if v.hall else "")
            for v in self.state.visits
        ]
        return "\n".join(rows)

    def _business(self, prefix: str, lang: str) -> str:
        return f"{prefix} {name(self.config.business(prefix), lang)}"

    def _set(self, part: str, text: str) -> None:
        label = self.query_one(f"#card-{part}", Label)
        label.update(Content(text))  # plain text: a typed reason may hold "[" or "[/]"
        label.display = bool(text)

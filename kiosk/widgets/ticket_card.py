"""The confirmation card: the number in large digits, the business, the wait, the printer."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Digits, Label

from db.rules.waits import wait_line
from db.store.views import TicketView
from kiosk.text import t
from ui.text import Named, name
from ui.widgets.number import number_parts

PRINT_LINES = {"none": None, "printing": "printing", "printed": "printed",
               "fault": "printer_fault"}
"""Print states (no printer; printing; the slip came out; the printer failed) and the text
each shows."""


@dataclass(frozen=True)
class CardText:
    """What the card names besides the ticket itself."""

    business: Named
    """The ticket's business type."""
    counter: Named | None = None
    """The named counter a guide sent the customer to, if any."""
    reprint: bool = False
    """A reprinted slip, said in the heading."""
    priority: Named | None = None
    """The priority class the customer chose, repeated unless it is the normal one."""


class TicketCard(Vertical):
    """A taken number as the customer sees it."""

    DEFAULT_CSS = """
    TicketCard {
        height: auto;
        align-horizontal: center;
        & > Label { width: 100%; text-align: center; }
        & > #card-heading { color: $text-muted; }
        & > Horizontal { height: auto; width: 100%; align-horizontal: center; }
        & #card-letter { width: auto; height: 3; content-align: center middle; text-style: bold; }
        & Digits { width: auto; }
        & > #card-business { text-style: bold; }
        & > #card-counter { text-style: bold; color: $warning; }
        & > #card-watch { margin-top: 1; }
        & > #card-print.-fault { background: $error; color: $text; text-style: bold; }
    }
    """

    language: reactive[str] = reactive("zh")
    """Language of the card."""
    print_state: reactive[str] = reactive("none")
    """One of the keys of `PRINT_LINES`."""

    def __init__(self, ticket: TicketView, text: CardText, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ticket = ticket
        self.text = text

    def compose(self) -> ComposeResult:
        """Heading, number, business, queue, hint, printer line."""
        letter, digits = number_parts(self.ticket.number)
        yield Label(id="card-heading")
        with Horizontal():
            shown = Label(letter, id="card-letter")
            shown.display = bool(letter)  # always there: the card can show another ticket
            yield shown
            yield Digits(digits, id="card-number")
        for part in ("business", "counter", "priority", "account", "ahead", "wait", "watch",
                     "print"):
            yield Label(id=f"card-{part}")

    def show(self, ticket: TicketView, text: CardText, lang: str) -> None:
        """Show another ticket on the same card, in `lang`: the kiosk reuses one
        confirmation, and the language may have changed while it was off the screen (the
        app relabels only the screens on its stack)."""
        self.ticket, self.text = ticket, text
        letter, digits = number_parts(ticket.number)
        shown = self.query_one("#card-letter", Label)
        shown.update(letter)
        shown.display = bool(letter)
        self.query_one("#card-number", Digits).update(digits)
        # Set without their watchers, then write every line once, in `lang`.
        self.set_reactive(TicketCard.print_state, "none")
        self.set_reactive(TicketCard.language, lang)
        self.watch_language(lang)

    def watch_language(self, lang: str) -> None:
        """Write every line in `lang`."""
        text = self.text
        self._set("heading", t("reprint" if text.reprint else "your_number", lang))
        self._set("business", f"{self.ticket.number}  {name(text.business, lang)}")
        counter = name(text.counter, lang) if text.counter else ""
        self._set("counter", t("go_to", lang, counter=counter) if counter else "")
        priority = name(text.priority, lang) if text.priority else ""
        self._set("priority", t("card_priority", lang, name=priority) if priority else "")
        account = self.ticket.account
        self._set("account", t("account", lang, value=account) if account else "")
        self._set("ahead", self._ahead(lang))
        self._set("wait", self._wait(lang))
        self._set("watch", t("watch", lang))
        self.watch_print_state(self.print_state)

    def watch_print_state(self, state: str) -> None:
        """Say what the printer did."""
        key = PRINT_LINES[state]
        line = t(key, self.language) if key else ""
        self._set("print", line)
        self.query_one("#card-print", Label).set_class(state == "fault", "-fault")

    def _ahead(self, lang: str) -> str:
        ahead = self.ticket.ahead
        if ahead is None:
            return ""
        return t("ahead", lang, n=ahead) if ahead else t("ahead_none", lang)

    def _wait(self, lang: str) -> str:
        if self.ticket.status != "waiting":
            return ""
        v = self.ticket
        line = wait_line(v.estimated_wait_min, v.estimated_low, v.estimated_high, lang)
        return t("wait_unknown", lang) if line is None else line

    def _set(self, part: str, text: str) -> None:
        label = self.query_one(f"#card-{part}", Label)
        label.update(text)
        label.display = bool(text)

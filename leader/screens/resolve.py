"""Resolving a complaint: outcome, correction (with the new handler or the remedy request
it needs) and the reason, dismissed as a `Resolution` or None."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from db.config import HallConfig
from db.rules.complaints import K
from db.rules.text import width
from db.store.views import ComplaintView, RemedyView
from leader.text import t
from ui.history import remedy_name
from ui.screens.base import HallModal

CORRECTIONS = ("none", "reassign", "reopen", "void", "remedy")


@dataclass(frozen=True)
class Resolution:
    """What the leader decided."""

    outcome: str
    """upheld or not_upheld."""
    correction: str
    """none, reassign, reopen, void or remedy."""
    reason: str
    """Why."""
    to: str | None
    """The new handler (reassign; reopen optionally)."""
    remedy: int | None
    """The remedy request approved (remedy)."""


class ResolveScreen(HallModal[Resolution]):
    """The resolve dialog of one complaint."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, config: HallConfig, complaint: ComplaintView, pending: list[RemedyView]
                 ) -> None:
        super().__init__()
        self.config = config
        self.complaint = complaint
        self.pending = pending
        """The ticket's remedy requests pending the duty leader."""

    def compose(self) -> ComposeResult:
        """Outcome, correction, new handler, remedy request, reason, cancel and OK."""
        lang, c = self.language, self.complaint
        with Vertical(id="resolve-box"):
            yield Label(t("resolve_title", lang, id=c.id, ticket=c.ticket,
                          handler=c.handler or "—"), classes="title")
            # The complaint's own detail: what was said and the customer, phone in full.
            customer = " ".join(x for x in (c.customer_name, c.customer_phone) if x)
            yield Label(Text(f"{c.body}  {customer}" if customer else c.body),
                        id="resolve-detail")
            yield Label(t("outcome", lang))
            yield Select([(t(o, lang), o) for o in ("upheld", "not_upheld")], value="upheld",
                         allow_blank=False, id="outcome")
            yield Label(t("correction", lang))
            yield Select([(t(f"cor_{k}", lang), k) for k in CORRECTIONS], value="none",
                         allow_blank=False, id="correction")
            yield Input(placeholder=t("f_to", lang), id="to", max_length=width(K.c.new_handler_id),
                        restrict=r"[A-Za-z0-9_-]*")
            remedies = [(f"#{r.id} {remedy_name(self.config, r.kind, lang)} ¥{r.amount} "
                         f"{r.requested_by}", r.id) for r in self.pending]
            yield Select(remedies, prompt=t("f_remedy", lang), id="remedy")
            yield Input(placeholder=t("f_reason", lang), id="reason",
                        max_length=width(K.c.resolution))
            with Horizontal(classes="buttons"):
                # As in every app's dialog: cancel on the left, confirm on the right.
                yield Button(t("cancel", lang), id="resolve-cancel", action="screen.cancel")
                yield Button(t("ok", lang), id="resolve-ok", variant="primary")

    def on_mount(self) -> None:
        """Start on the reason (the usual outcome and no correction are preselected)."""
        self.query_one("#reason", Input).focus()

    @on(Button.Pressed, "#resolve-ok")
    def ok_pressed(self) -> None:
        """OK: the form as it stands."""
        self.close(self.resolution())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the reason is OK."""
        if event.input.id == "reason":
            self.close(self.resolution())

    def action_cancel(self) -> None:
        """Escape: nothing decided."""
        self.close(None)

    def resolution(self) -> Resolution:
        """The form as it stands (the core checks it)."""
        remedy = self.query_one("#remedy", Select).value
        to = self.query_one("#to", Input).value.strip()
        return Resolution(
            outcome=str(self.query_one("#outcome", Select).value),
            correction=str(self.query_one("#correction", Select).value),
            reason=self.query_one("#reason", Input).value,
            to=to or None,
            remedy=remedy if isinstance(remedy, int) else None,
        )

"""The evaluator as a machine: its counter, and the few things it asks the core.

Every method is blocking (one short transaction, or a PIN hash) and meant for a worker
thread; none touches a widget. Which service may be rated, and whether a rating is taken,
is the core's decision (`db.rules.evaluation`); the evaluator only offers and reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from db.config import HallConfig
from db.errors import AuthFailed
from db.rules import evaluation
from db.rules.evaluation import EvaluatorView
from db.rules.staff import authenticate
from db.store.session import Hall
from db.store.views import StaffView, TicketView

HOLD_SLACK_SECONDS = 10.0
"""Added to the hold window: a read may come a little after the question went up."""


@dataclass(frozen=True)
class EvaluatorMachine:
    """One counter's evaluator on the hall's database."""

    hall: Hall
    """The hall's database and rules."""
    config: HallConfig
    """The hall's configuration (names, the evaluator's timings)."""
    counter: int
    """The counter this evaluator stands beside."""

    def window(self, holding: bool = False) -> dt.timedelta:
        """How fresh a completed service must be to be offered: the answer time, so that
        after a restart an old one is not. While one is on offer (`holding`), a late read
        must not withdraw it before the evaluator's own timer ends it: twice that."""
        seconds = self.config.evaluator.timeout_seconds
        return dt.timedelta(seconds=seconds * 2 + HOLD_SLACK_SECONDS if holding else seconds)

    def view(self, holding: bool = False) -> EvaluatorView:
        """The counter and the service to rate now, if any."""
        with self.hall.read() as tx:
            return evaluation.evaluator_view(tx, self.counter, self.window(holding))

    def rate(self, ticket: TicketView, score: int, reason: str | None) -> TicketView:
        """The customer's rating of `ticket` (refused if it was rated, or is no longer the
        service just completed here)."""
        with self.hall.write() as tx:
            return evaluation.rate_at_counter(tx, self.counter, ticket.id, score, reason)

    def not_rated(self, ticket: TicketView, why: str) -> TicketView:
        """Nobody rated `ticket` ("timeout"), or the next customer came first."""
        with self.hall.write() as tx:
            return evaluation.not_rated(tx, self.counter, ticket.id, why)

    def leader(self, staff_id: str, pin: str) -> StaffView:
        """The duty leader's id and PIN; AuthFailed otherwise. Customers stand here: a wrong
        PIN throttles this evaluator (1, 2, 4 … s between tries) instead of counting toward
        the leader's account lock (see `authenticate`)."""
        staff = authenticate(self.hall, staff_id.strip().upper(), pin,
                             terminal=f"evaluator {self.counter}", throttled=True)
        if staff.role != "leader":
            raise AuthFailed(f"staff {staff.id} is not a duty leader",
                             zh=f"{staff.id} 不是值班领导")
        return staff

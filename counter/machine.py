"""The counter as a machine: its hall, its number, and the steps a clerk takes there.

Every method is blocking (a short transaction, or a PIN hash) and meant for a worker
thread; none touches a widget. Refusals are the core's `HallError`s, raised unchanged for
the screen to show in one line. Each counter step names the ticket the screen shows
(`expect`), so a screen another process has overtaken is refused by the core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from db.config import HallConfig
from db.errors import NotFound
from db.rules import counters, ops, queries, remedies
from db.rules.staff import authenticate, list_staff
from db.store.session import Hall, Tx
from db.store.views import (
    CounterView,
    DayFigures,
    EventView,
    MatterView,
    QueueLine,
    RemedyView,
    StaffView,
    TicketView,
)

VISITS_SHOWN = 5
"""How many of the customer's earlier visits the card lists."""
MOVES = frozenset({"transfer", "next_service", "requeue", "no_show", "refer", "handback",
                   "set_aside", "resume"})
"""Steps after which a ticket comes to a counter with a past: its card shows where it came
from, the notes and its history."""


@dataclass(frozen=True)
class DeskState:
    """Everything the desk screen shows, read in one transaction."""

    now: dt.datetime
    """When it was read (naive UTC, as the views' times)."""
    counter: CounterView
    """The counter: state, profile, who is signed in."""
    ticket: TicketView | None
    """The ticket the counter holds (called or serving), if any."""
    staff_names: dict[str, str] = field(default_factory=dict)
    """Staff id → name, to name the handler."""
    visits: tuple[TicketView, ...] = ()
    """The customer's earlier visits (by account number), newest first, this one left out."""
    queue: tuple[QueueLine, ...] = ()
    """The counter's business types in profile order."""
    remedies: tuple[RemedyView, ...] = ()
    """The remedies on the current ticket, oldest first."""
    figures: DayFigures | None = None
    """The signed-in clerk's own figures of today; None while no one is signed in."""
    own_remedies: tuple[RemedyView, ...] = ()
    """What the signed-in clerk granted or asked for today (to tell them of a decision)."""
    matters: tuple[MatterView, ...] = ()
    """The signed-in clerk's open matters away from the counter: with support, handed back
    (done or with a question), or waiting on the customer (to tell them when support hands
    one back)."""
    history: tuple[EventView, ...] = ()
    """The current ticket's steps, oldest first, when it came here moved (transferred,
    re-queued, a next service, back from support or set aside); else empty."""
    account_matters: tuple[MatterView, ...] = ()
    """The customer's other open matters (by account number), whoever handles them."""
    session_ended: bool = False
    """This client's sign-in here has ended (signed in again elsewhere, or signed out)."""


@dataclass(frozen=True)
class CounterMachine:
    """One counter of the hall and the steps a clerk takes at it."""

    hall: Hall
    """The hall's database and rules."""
    config: HallConfig
    """The hall's configuration (names of businesses, counters, the hall)."""
    counter: int
    """This counter's number."""

    # -- signing in and out -----------------------------------------------------------------

    def sign_in(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN (the core records failures and locks), then take the counter and
        keep the session's token: every later step is refused by the core once another
        sign-in here (a second client, or this clerk after a restart) has ended it."""
        staff = authenticate(self.hall, staff_id.strip().upper(), pin,
                             terminal=f"counter {self.counter}")
        self.forget_session()  # signing in is the one step taken without a session
        with self.hall.write() as tx:
            token = counters.sign_in(tx, self.counter, staff.id)
        self.hall.sessions[self.counter] = token
        return staff

    def sign_out(self) -> None:
        """Leave the counter (the core refuses while it holds a ticket)."""
        with self.hall.write() as tx:
            counters.sign_out(tx, self.counter)
        self.forget_session()

    def forget_session(self) -> None:
        """Drop this client's session at the counter (signed out, or ended elsewhere)."""
        self.hall.sessions.pop(self.counter, None)

    def set_state(self, state: str) -> None:
        """Open or close the counter (the core refuses closing while it holds a ticket)."""
        with self.hall.write() as tx:
            counters.set_state(tx, self.counter, state)

    def set_paused(self, paused: bool) -> None:
        """Pause the counter (no calls) or open it again."""
        with self.hall.write() as tx:
            counters.set_state(tx, self.counter, "paused" if paused else "open")

    # -- the ticket steps -------------------------------------------------------------------
    # The calls and the outcomes of the counter's own ticket are written as steps of this
    # counter (`Hall.write(counter)`): on PostgreSQL they run side by side with the other
    # counters' (each guards its own rows: the claim skips a ticket another is taking).

    def call_next(self) -> TicketView:
        """Claim the next customer for this counter."""
        with self.hall.write(self.counter) as tx:
            return ops.call_next(tx, self.counter)

    def call_number(self, number: str) -> TicketView:
        """Call a named number (指呼)."""
        with self.hall.write(self.counter) as tx:
            return ops.call_number(tx, self.counter, number)

    def callable_tickets(self) -> tuple[list[TicketView], list[TicketView]]:
        """Who this counter may call by number: the waiting of its businesses, in calling
        order, and today's no-shows within the grace."""
        with self.hall.read() as tx:
            profile = self._counter_view(tx).profile
            return queries.callable_tickets(tx, self.counter, profile)

    def recall(self, expect: str) -> TicketView:
        """Call the held ticket again."""
        with self.hall.write(self.counter) as tx:
            return ops.recall(tx, self.counter, expect)

    def no_show(self, expect: str) -> TicketView:
        """The called customer did not come."""
        with self.hall.write(self.counter) as tx:
            return ops.no_show(tx, self.counter, expect)

    def start(self, expect: str) -> TicketView:
        """The customer arrived: service begins."""
        with self.hall.write(self.counter) as tx:
            return ops.start(tx, self.counter, expect)

    def complete(self, expect: str, note: str | None) -> TicketView:
        """Finish the matter, with an optional outcome note."""
        with self.hall.write(self.counter) as tx:
            return ops.complete(tx, self.counter, expect, note=note or None)

    def transfer(self, expect: str, to: str, note: str | None) -> TicketView:
        """Send the ticket to another business queue; the handler keeps it."""
        with self.hall.write() as tx:
            return ops.transfer(tx, self.counter, to, expect, note=note or None)

    def next_service(self, expect: str, to: str, note: str | None) -> TicketView:
        """Another service in the same visit."""
        with self.hall.write() as tx:
            return ops.add_next_service(tx, self.counter, to, expect, note=note or None)

    def refer(self, expect: str, to: str | None, note: str | None) -> TicketView:
        """Hand the work to a support colleague (or the pool when `to` is None); naming one
        of the clerk's open matters refers it again (an answer to support's question)."""
        with self.hall.write() as tx:
            return ops.refer(tx, self.counter, to, expect, note=note or None)

    def set_aside(self, expect: str, note: str) -> TicketView:
        """The customer must bring or do something first: the matter waits on them, still
        the clerk's, and the counter is free."""
        with self.hall.write() as tx:
            return ops.set_aside(tx, self.counter, note, expect)

    def resume(self, number: str) -> TicketView:
        """The customer of one of the clerk's open matters is back: serve it here again."""
        with self.hall.write() as tx:
            return ops.resume(tx, self.counter, number)

    def walk_in(self, business: str, account: str | None) -> TicketView:
        """Register a customer who came straight to the counter."""
        with self.hall.write() as tx:
            return ops.walk_in(tx, self.counter, business, account=account or None)

    def grant_remedy(self, expect: str, kind: str, amount: str, reason: str) -> RemedyView:
        """Grant a remedy on the served ticket (an amount typed in yuan): granted within the
        clerk's authority, else a request pending the duty leader."""
        fen = remedies.parse_amount(amount)
        with self.hall.write() as tx:
            return remedies.grant_at_counter(tx, self.counter, kind, fen, reason, expect)

    # -- reading ----------------------------------------------------------------------------

    def support_staff(self) -> list[StaffView]:
        """The colleagues on the support post, to refer to."""
        with self.hall.read() as tx:
            return [s for s in list_staff(tx) if s.role == "support"]

    def open_matters(self, handler: str) -> list[MatterView]:
        """The handler's own matters away from the counter, each with where it stands."""
        with self.hall.read() as tx:
            return queries.matters(tx, handler)

    def state(self) -> DeskState:
        """The counter, its ticket, the customer's visits and the queue, as of now."""
        with self.hall.read() as tx:
            desk = self._counter_view(tx)
            row = ops.current_ticket(tx, self.counter)
            ticket = TicketView.from_row(row) if row is not None else None
            return DeskState(
                now=tx.now,
                counter=desk,
                ticket=ticket,
                staff_names={s.id: s.name for s in list_staff(tx)},
                visits=self._visits(tx, ticket),
                history=self._history(tx, ticket),
                queue=tuple(queries.queue_lines(tx, desk.profile)),
                remedies=tuple(remedies.ticket_remedies(tx, ticket.id)) if ticket else (),
                figures=queries.day_figures(tx, desk.staff) if desk.staff else None,
                own_remedies=tuple(remedies.staff_remedies(tx, desk.staff)) if desk.staff else (),
                matters=tuple(queries.matters(tx, desk.staff)) if desk.staff else (),
                account_matters=self._account_matters(tx, ticket),
                session_ended=self._session_ended(tx),
            )

    def _session_ended(self, tx: Tx) -> bool:
        mine = self.hall.sessions.get(self.counter)
        if mine is None:
            return False
        now = tx.conn.execute(select(ops.C.c.session).where(ops.C.c.number == self.counter))
        return bool(mine != now.scalar())

    @staticmethod
    def _account_matters(tx: Tx, ticket: TicketView | None) -> tuple[MatterView, ...]:
        if ticket is None or not ticket.account:
            return ()
        return tuple(m for m in queries.account_matters(tx, ticket.account)
                     if m.ticket.id != ticket.id)

    def _history(self, tx: Tx, ticket: TicketView | None) -> tuple[EventView, ...]:
        """The ticket's steps if it was moved before it came to this counter."""
        if ticket is None:
            return ()
        steps = queries.history(tx, ticket.number)
        moved = any(e.kind in MOVES for e in steps)
        return tuple(steps) if moved else ()

    def _counter_view(self, tx: Tx) -> CounterView:
        for view in queries.counter_views(tx):
            if view.number == self.counter:
                return view
        raise NotFound(f"unknown counter {self.counter}")

    @staticmethod
    def _visits(tx: Tx, ticket: TicketView | None) -> tuple[TicketView, ...]:
        if ticket is None or not ticket.account:
            return ()
        earlier = [v for v in queries.visits(tx, ticket.account, VISITS_SHOWN + 1)
                   if v.id != ticket.id]
        return tuple(earlier[:VISITS_SHOWN])

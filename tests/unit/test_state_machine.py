"""The ticket life cycle as a hypothesis state machine: random sequences of the real steps of
`db.rules.ops` and `db.rules.counters`, each in its own write transaction, checked against a
small model.

The model predicts every step's outcome (success or refusal) and, on success, the ticket it
touches; after every step the whole database is compared with the model. What it proves:

- every ticket is in exactly one valid state, with the state, queue, counter, handler,
  support colleague, recalls, services, rating and queue time the model says;
- call_next claims exactly the ticket the rules name (those a guide sent to the counter,
  then the profile's overdue ones, longest-waiting first, then work-profile order; within
  each, priority rank, then queue time, then id), and is
  refused only when nothing fits;
- a counter holds at most one called-or-serving ticket; the first-responsible handler never
  changes once set;
- numbers are unique per business day and contiguous per prefix from 001 (refused steps
  never consume a number);
- each successful step appends exactly one event of its kind; a refused step (a `HallError`)
  changes nothing at all.

Each example runs on a SQLite file of its own (`TestTicketLifeCycle`), and, fewer of them,
on a database of its own in the worker's PostgreSQL cluster, cloned from the migrated
template (`test_ticket_life_cycle_on_postgres`).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from argon2 import PasswordHasher
from hypothesis import event as note_event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from db.config import load_config
from db.errors import HallError
from db.rules import counters, ops, staff
from db.rules.ops import C, E, T
from db.store.models import AT_COUNTER, TICKET_STATES, DaySequence
from db.store.schema import init_db
from db.store.session import Hall, ManualClock, Tx
from db.store.views import TicketView
from tests.conftest import LEADER_PIN, OPENING, PIN, PgClusterForTests

CONFIG = load_config()
GRACE = dt.timedelta(minutes=CONFIG.no_show_grace_minutes)
LAST_STEP_AT = OPENING + dt.timedelta(hours=18)
"""The clock stays inside the opening business day (which ends at 04:00 local, 19 h on)."""

TEAM = {
    "C01": "clerk", "C02": "clerk", "C03": "clerk", "C04": "clerk",
    "S01": "support", "S02": "support", "L01": "leader", "G01": "guide",
}
SEATS = {1: "C01", 2: "C02", 3: "C03"}
COUNTERS = (1, 2, 3, 4)
PROFILES = {1: ("A", "B"), 2: ("B", "C", "A"), 3: ("C", "A"), 4: ("D", "A")}
"""Overlapping work profiles; counter 4 (the only one serving D) starts unstaffed."""
OTHER_PROFILES = (("A",), ("B", "D"), ("A", "C", "B"), ("D", "C"))
BUSINESSES = ("A", "B", "C", "D")
PRIORITIES = ("normal", "normal", "normal", "elderly", "appointment", "disabled")
MISSING = "Z999"
"""A well-formed number no ticket has."""


@contextmanager
def cheap_pins() -> Iterator[None]:
    """argon2id at its lowest cost while the team is added: no rule checks a PIN, and the
    real cost (~0.2 s a hash on this machine) would dominate every example."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with mock.patch.object(staff, "_hasher", lambda: cheap):
        yield


@dataclass
class Ticket:
    """What the model believes about one ticket."""

    id: int
    number: str
    business: str
    rank: int
    issued_at: dt.datetime
    queued_at: dt.datetime
    status: str
    counter: int | None = None
    handler: str | None = None
    support: str | None = None
    no_show_at: dt.datetime | None = None
    recalls: int = 0
    services: int = 1
    rating: int | None = None
    directed: int | None = None

    def row(self) -> tuple[Any, ...]:
        """The fields compared with the database row."""
        return (self.id, self.number, self.business, self.rank, self.status, self.counter,
                self.handler, self.support, self.no_show_at, self.recalls, self.services,
                self.rating, self.queued_at, self.issued_at, self.directed)


def db_row(r: Any) -> tuple[Any, ...]:
    """A tickets row in the shape of `Ticket.row`."""
    return (r.id, r.number, r.business, r.priority_rank, r.status, r.counter_number,
            r.handler_id, r.support_id, r.no_show_at, r.recalls, r.services, r.rating,
            r.queued_at, r.issued_at, r.directed_to)


def view_row(v: TicketView) -> tuple[Any, ...]:
    """The fields of a returned view the model predicts."""
    return (v.id, v.number, v.business, v.status, v.last_counter, v.handler, v.support,
            v.recalls, v.services, v.rating, v.directed_to)


@dataclass
class Desk:
    """What the model believes about one counter."""

    staff: str | None
    state: str
    profile: tuple[str, ...]


class HallMachine(RuleBasedStateMachine):
    """One hall on its own SQLite file per example, driven by the rules below."""

    def new_database(self) -> str:
        """The example's database, not yet initialised (`init_db` makes it)."""
        return f"sqlite:///{self.folder}/hall.db"

    def forget_database(self) -> None:
        """After the example."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="hall-state-machine-")
        self.clock = ManualClock(OPENING)
        self.url = self.new_database()
        self.hall = Hall.open(self.url, CONFIG, self.clock)
        init_db(self.hall)
        with cheap_pins(), self.hall.write() as tx:
            for staff_id, role in TEAM.items():
                pin = LEADER_PIN if role == "leader" else PIN
                staff.add_staff(tx, staff_id, f"员工{staff_id}", role, pin, authority_limit=200)
            for number, profile in PROFILES.items():
                counters.set_profile(tx, number, list(profile))
            for number, staff_id in SEATS.items():
                counters.sign_in(tx, number, staff_id)
        self.desks = {
            n: Desk(SEATS.get(n), "open" if n in SEATS else "closed", PROFILES[n])
            for n in COUNTERS
        }
        self.tickets: dict[int, Ticket] = {}
        self.seq: Tally[str] = Tally()
        self.handlers: dict[int, str] = {}
        """Every handler ever seen, by ticket id: it must never change."""
        self.events = self.event_count()
        """Set-up events, plus one for every successful step since."""

    def teardown(self) -> None:
        self.hall.dispose()
        self.forget_database()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- reading the database ------------------------------------------------------------

    def event_count(self) -> int:
        with self.hall.read() as tx:
            return int(tx.conn.execute(select(func.count()).select_from(E)).scalar_one())

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything a refused step must leave exactly as it was."""
        with self.hall.read() as tx:
            return (
                tx.conn.execute(select(func.count()).select_from(E)).scalar_one(),
                tuple(tx.conn.execute(select(T).order_by(T.c.id))),
                tuple(tx.conn.execute(select(C).order_by(C.c.number))),
                tuple(tx.conn.execute(select(DaySequence.__table__).order_by(
                    *DaySequence.__table__.primary_key))),
            )

    def last_event(self) -> Any:
        with self.hall.read() as tx:
            return tx.conn.execute(select(E).order_by(E.c.id.desc()).limit(1)).one()

    # -- the model's vocabulary ----------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock.now.astimezone(dt.UTC).replace(tzinfo=None)

    def held(self, counter: int) -> Ticket | None:
        found = [t for t in self.tickets.values()
                 if t.counter == counter and t.status in AT_COUNTER]
        assert len(found) <= 1
        return found[0] if found else None

    def in_grace(self, ticket: Ticket) -> bool:
        assert ticket.no_show_at is not None
        late = self.now() - ticket.no_show_at
        note_event("a no-show past the grace" if late > GRACE else "a no-show within the grace")
        return late <= GRACE

    def by_number(self, number: str | None) -> Ticket | None:
        """Today's ticket a typed number means (`a7` is A007), if any."""
        if number is None:
            return None
        wanted = ops.normalize_number(number)
        return next((t for t in self.tickets.values() if t.number == wanted), None)

    def returned(self, ticket: Ticket | None) -> bool:
        """An open matter away from any counter (handed back by support, or set aside for the
        customer): serving at no counter, to be closed, referred again or resumed by its
        handler."""
        return ticket is not None and ticket.status == "serving" and ticket.counter is None

    def can_call(self, counter: int) -> bool:
        desk = self.desks[counter]
        return desk.staff is not None and desk.state == "open" and self.held(counter) is None

    def seated(self, staff_id: str) -> int | None:
        return next((n for n, d in self.desks.items() if d.staff == staff_id), None)

    def candidates(self, counter: int) -> list[Ticket]:
        """The waiting tickets the counter serves, in the order it must call them: those a
        guide sent to it, then the others of its work profile in profile order; within
        each, by priority rank, then queue time, then id."""
        profile = self.desks[counter].profile
        overdue = self.now() - dt.timedelta(minutes=CONFIG.overdue_minutes)

        def order(t: Ticket) -> tuple[Any, ...]:
            if t.directed == counter:
                return (-2, t.rank, t.queued_at, t.id)
            if CONFIG.overdue_minutes and t.queued_at <= overdue:  # longest-waiting first
                return (-1, 0, t.queued_at, t.id)
            return (profile.index(t.business), t.rank, t.queued_at, t.id)

        waiting = [t for t in self.tickets.values() if t.status == "waiting" and (
            t.directed == counter or (t.directed is None and t.business in profile))]
        return sorted(waiting, key=order)

    def holds_expected(self, counter: int, expect: str | None, states: tuple[str, ...]) -> bool:
        """The guard every step on the counter's current ticket passes (`ops._held`)."""
        held = self.held(counter)
        return (
            self.desks[counter].staff is not None
            and held is not None
            and (expect is None or ops.normalize_number(expect) == held.number)
            and held.status in states
        )

    # -- drawing arguments ---------------------------------------------------------------

    def pick_counter(self, data: st.DataObject, fits: Callable[[int], bool]) -> int:
        """Mostly a counter where the step makes sense, sometimes any counter."""
        good = [n for n in COUNTERS if fits(n)]
        if good and data.draw(st.integers(0, 4), label="fitting counter?") > 0:
            return data.draw(st.sampled_from(good), label="counter")
        return data.draw(st.sampled_from(COUNTERS), label="counter")

    def pick_ticket(self, data: st.DataObject, *states: str) -> str:
        """Mostly the number of a ticket in one of `states`, sometimes any, rarely none."""
        every = [self.tickets[i] for i in sorted(self.tickets)]
        good = [t for t in every if t.status in states]
        roll = data.draw(st.integers(0, 9), label="ticket kind")
        if good and roll > 2:
            chosen = data.draw(st.sampled_from(good), label="ticket")
        elif every and roll > 0:
            chosen = data.draw(st.sampled_from(every), label="ticket")
        else:
            return MISSING
        return self.spelling(data, chosen.number)

    def pick_expect(self, data: st.DataObject, counter: int) -> str | None:
        """What the counter's screen believes it holds: nothing named, the right number,
        or a stale one."""
        held = self.held(counter)
        roll = data.draw(st.integers(0, 5), label="expect kind")
        if roll < 2:
            return None
        if held is not None and roll < 5:
            return self.spelling(data, held.number)
        stale = [t.number for t in self.tickets.values()] or [MISSING]
        return self.spelling(data, data.draw(st.sampled_from(stale), label="stale number"))

    def spelling(self, data: st.DataObject, number: str) -> str:
        """The number as the clerk may type it: `A007`, or `a7`."""
        if number != MISSING and data.draw(st.booleans(), label="loose spelling"):
            return f"{number[0].lower()}{int(number[1:])}"
        return number

    # -- running a step ------------------------------------------------------------------

    def attempt(self, kind: str, step: Callable[[Tx], Any], ok: bool,
                ticket: int | None = None) -> Any:
        """Run one step in its own write transaction. The model said whether it succeeds;
        a refusal must change nothing, a success must append exactly one `kind` event."""
        note_event(f"{kind}: {'done' if ok else 'refused'}")  # see --hypothesis-show-statistics
        before = self.fingerprint()
        try:
            with self.hall.write() as tx:
                result = step(tx)
        except HallError as err:
            assert not ok, f"{kind} was refused but the model expected success: {err}"
            assert self.fingerprint() == before, f"the refused {kind} changed the database"
            return None
        assert ok, f"{kind} succeeded but the model expected a refusal: {result}"
        self.events += 1
        assert self.event_count() == self.events, f"{kind} did not append exactly one event"
        event = self.last_event()
        assert event.kind == kind
        if ticket is not None:
            assert event.ticket_id == ticket
        return result

    def agree(self, view: TicketView, ticket: Ticket) -> None:
        assert view_row(view) == (
            ticket.id, ticket.number, ticket.business, ticket.status, ticket.counter,
            ticket.handler, ticket.support, ticket.recalls, ticket.services, ticket.rating,
            ticket.directed,
        )

    def claim(self, ticket: Ticket, counter: int) -> None:
        ticket.status, ticket.counter, ticket.no_show_at = "called", counter, None
        ticket.directed = None
        ticket.handler = ticket.handler or self.desks[counter].staff

    def new_ticket(self, view: TicketView, business: str, priority: str, **values: Any) -> None:
        self.seq[business] += 1
        assert view.number == f"{business}{self.seq[business]:03d}"
        assert view.id not in self.tickets
        now = self.now()
        ticket = Ticket(view.id, view.number, business, CONFIG.priority(priority).rank,
                        issued_at=now, queued_at=now, **values)
        self.tickets[view.id] = ticket
        self.agree(view, ticket)

    # == the steps: the model's prediction, the real step, the model moved on ============

    def do_issue(self, business: str, priority: str, issued_by: str | None = None,
                 directed_to: int | None = None) -> None:
        """A kiosk or staff number; a guide or leader may send it to one named counter."""
        ok = issued_by is None or issued_by in TEAM
        if directed_to is not None:
            ok = ok and issued_by is not None and TEAM[issued_by] in ("guide", "leader")
        view = self.attempt(
            "issue",
            lambda tx: ops.issue_ticket(tx, business, priority=priority, issued_by=issued_by,
                                        directed_to=directed_to),
            ok,
        )
        if view is not None:
            self.new_ticket(view, business, priority, status="waiting", directed=directed_to)

    def do_walk_in(self, counter: int, business: str, priority: str) -> None:
        desk = self.desks[counter]
        ok = self.can_call(counter)
        view = self.attempt(
            "walk_in", lambda tx: ops.walk_in(tx, counter, business, priority=priority), ok
        )
        if view is not None:
            self.new_ticket(view, business, priority, status="serving", counter=counter,
                            handler=desk.staff)

    def do_call_next(self, counter: int) -> None:
        queue = self.candidates(counter)
        ok = self.can_call(counter) and bool(queue)
        view = self.attempt("call", lambda tx: ops.call_next(tx, counter), ok,
                            queue[0].id if queue else None)
        if view is not None:
            expected = queue[0]
            assert view.id == expected.id, (
                f"counter {counter} called {view.number}, the rules say {expected.number}"
            )
            self.claim(expected, counter)
            self.agree(view, expected)

    def do_call_number(self, counter: int, number: str) -> None:
        ticket = self.by_number(number)
        ok = self.can_call(counter) and ticket is not None and (
            ticket.status == "waiting" or (ticket.status == "no_show" and self.in_grace(ticket))
        ) and ticket.directed in (None, counter)  # a customer sent elsewhere stays theirs
        view = self.attempt("call", lambda tx: ops.call_number(tx, counter, number), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            self.claim(ticket, counter)
            self.agree(view, ticket)

    AT_COUNTER_STEPS: dict[str, tuple[Callable[..., TicketView], tuple[str, ...]]] = {
        "recall": (ops.recall, ("called",)),
        "no_show": (ops.no_show, ("called",)),
        "start": (ops.start, ("called",)),
        "complete": (ops.complete, ("serving",)),
    }
    """Steps on the counter's current ticket, and the states they accept it in."""

    def do_at_counter(self, kind: str, counter: int, expect: str | None) -> None:
        step, states = self.AT_COUNTER_STEPS[kind]
        ticket = self.held(counter)
        ok = self.holds_expected(counter, expect, states)
        if kind == "complete" and self.returned(self.by_number(expect)):
            return self.do_complete_named(counter, expect or "")
        view = self.attempt(kind, lambda tx: step(tx, counter, expect), ok,
                            ticket.id if ticket else None)
        if view is None:
            return None
        assert ticket is not None
        if kind == "recall":
            ticket.recalls += 1
        elif kind == "no_show":
            ticket.status, ticket.no_show_at = "no_show", self.now()
        else:
            ticket.status = "serving" if kind == "start" else "done"
        self.agree(view, ticket)
        return None

    def do_requeue(self, number: str, by: str | None = None) -> None:
        ticket = self.by_number(number)
        ok = ticket is not None and ticket.status == "no_show" and self.in_grace(ticket)
        view = self.attempt("requeue", lambda tx: ops.requeue(tx, number, staff=by), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.status, ticket.queued_at, ticket.no_show_at = "waiting", self.now(), None
            self.agree(view, ticket)

    def do_move(self, kind: str, counter: int, to: str, expect: str | None) -> None:
        """transfer (to another queue) or next_service, both from serving: back in a queue
        with its place kept by arrival time, the handler kept."""
        ticket = self.held(counter)
        if kind == "transfer":
            ok = self.holds_expected(counter, expect, ("serving",))
            ok = ok and ticket is not None and ticket.business != to
            step = ops.transfer
        else:  # a next service is another business too
            ok = self.holds_expected(counter, expect, ("serving",))
            ok = ok and ticket is not None and ticket.business != to
            step = ops.add_next_service
        view = self.attempt(kind, lambda tx: step(tx, counter, to, expect), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.status, ticket.business, ticket.counter = "waiting", to, None
            ticket.queued_at = ticket.issued_at
            ticket.services += kind == "next_service"
            self.agree(view, ticket)

    def do_refer(self, counter: int, to: str | None, expect: str | None) -> None:
        """refer the counter's serving ticket; or, naming one of the clerk's own matters
        away from the counter (handed back, set aside), refer that one again."""
        named, desk = self.by_number(expect), self.desks[counter]
        ticket: Ticket | None
        if self.returned(named):
            assert named is not None
            ticket = named
            ok = (to is None or TEAM[to] == "support") and desk.staff is not None \
                and desk.staff == named.handler
            note_event(f"refer a matter again: {'done' if ok else 'refused'}")
        else:
            ticket = self.held(counter)
            ok = (to is None or TEAM[to] == "support") and self.holds_expected(
                counter, expect, ("serving",))
        view = self.attempt("refer", lambda tx: ops.refer(tx, counter, to, expect), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.status, ticket.support, ticket.counter = "with_support", to, None
            self.agree(view, ticket)

    def do_support(self, kind: str, number: str, who: str) -> None:
        """take (a referral from the pool) or return (it to its handler): by support or a
        leader; a named referral is not in the pool, only its colleague returns it."""
        ticket = self.by_number(number)
        ok = (TEAM[who] in ("support", "leader") and ticket is not None
              and ticket.status == "with_support"
              and ticket.support in ((None,) if kind == "take" else (None, who)))
        step = ops.take_referral if kind == "take" else ops.return_from_support
        view = self.attempt(kind, lambda tx: step(tx, number, who), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            if kind == "take":
                ticket.support = who
            else:
                ticket.status, ticket.support = "serving", None
            self.agree(view, ticket)

    def do_complete_named(self, counter: int, number: str) -> None:
        """complete(tx, counter, number): a ticket support handed back, closed by its handler
        at their counter; or, naming the counter's own ticket, the ordinary completion."""
        named = self.by_number(number)
        desk = self.desks[counter]
        ticket: Ticket | None
        if self.returned(named):
            assert named is not None
            ok, ticket = desk.staff is not None and desk.staff == named.handler, named
            note_event(f"complete a handed-back ticket: {'done' if ok else 'refused'}")
        else:
            ok = self.holds_expected(counter, number, ("serving",))
            ticket = self.held(counter)
        view = self.attempt("complete", lambda tx: ops.complete(tx, counter, number), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.status = "done"
            self.agree(view, ticket)

    def do_set_aside(self, counter: int, expect: str | None) -> None:
        """The counter's serving ticket waits on the customer, away from the counter."""
        ticket = self.held(counter)
        ok = self.holds_expected(counter, expect, ("serving",))
        view = self.attempt("set_aside", lambda tx: ops.set_aside(tx, counter, "带证件", expect),
                            ok, ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.counter = None
            self.agree(view, ticket)

    def do_resume(self, counter: int, number: str) -> None:
        """One of the clerk's own matters away from the counter is served there again."""
        named, desk = self.by_number(number), self.desks[counter]
        ok = (self.returned(named) and named is not None and desk.staff is not None
              and desk.staff == named.handler and self.held(counter) is None)
        view = self.attempt("resume", lambda tx: ops.resume(tx, counter, number), ok,
                            named.id if named else None)
        if view is not None:
            assert named is not None
            named.counter = counter
            self.agree(view, named)

    def do_cancel(self, number: str, who: str) -> None:
        ticket = self.by_number(number)
        ok = TEAM[who] == "leader" and ticket is not None and ticket.status in (
            "waiting", "called")
        view = self.attempt("cancel", lambda tx: ops.cancel(tx, number, who), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.status = "cancelled"
            self.agree(view, ticket)

    def do_rate(self, number: str, score: int) -> None:
        ticket = self.by_number(number)
        ok = (score in (1, 2, 3, 4) and ticket is not None and ticket.status == "done"
              and ticket.rating is None)
        if ticket is not None and ticket.rating is not None:
            note_event("rate a second time")
        view = self.attempt("rate", lambda tx: ops.rate(tx, number, score), ok,
                            ticket.id if ticket else None)
        if view is not None:
            assert ticket is not None
            ticket.rating = score
            self.agree(view, ticket)

    def do_sign_in(self, counter: int, who: str) -> None:
        desk = self.desks[counter]
        ok = (TEAM[who] in ("clerk", "leader") and desk.staff in (None, who)
              and self.seated(who) in (None, counter))
        self.attempt("sign_in", lambda tx: counters.sign_in(tx, counter, who), ok)
        if ok:
            # Signing in again (a restart) keeps a paused counter paused; else it opens.
            again_paused = desk.staff == who and desk.state == "paused"
            desk.staff, desk.state = who, "paused" if again_paused else "open"

    def do_sign_out(self, counter: int) -> None:
        desk = self.desks[counter]
        ok = desk.staff is not None and self.held(counter) is None
        self.attempt("sign_out", lambda tx: counters.sign_out(tx, counter), ok)
        if ok:
            desk.staff, desk.state = None, "closed"

    def do_set_state(self, counter: int, state: str) -> None:
        desk = self.desks[counter]
        ok = (
            not (state == "open" and desk.staff is None)
            and not (state == "closed" and self.held(counter) is not None)
            and desk.state != state
        )
        kind = {"open": "open", "paused": "pause", "closed": "close"}[state]
        self.attempt(kind, lambda tx: counters.set_state(tx, counter, state), ok)
        if ok:
            desk.state = state

    # == the rules: random steps with random (mostly sensible) arguments ==================

    @initialize(kinds=st.lists(st.tuples(st.sampled_from(BUSINESSES),
                                         st.sampled_from(PRIORITIES)), max_size=6))
    def morning_queue(self, kinds: list[tuple[str, str]]) -> None:
        for business, priority in kinds:
            self.do_issue(business, priority)

    @rule(business=st.sampled_from(BUSINESSES), priority=st.sampled_from(PRIORITIES),
          issued_by=st.sampled_from([None, None, "G01", "C04", "X99"]))
    def issue(self, business: str, priority: str, issued_by: str | None) -> None:
        self.do_issue(business, priority, issued_by)

    @rule(business=st.sampled_from(BUSINESSES), priority=st.sampled_from(PRIORITIES),
          issued_by=st.sampled_from([None, "G01", "G01", "L01", "C01"]),
          counter=st.sampled_from(COUNTERS))
    def issue_to_counter(self, business: str, priority: str, issued_by: str | None,
                         counter: int) -> None:
        """The guide sends the customer to one named counter: only it calls them next."""
        self.do_issue(business, priority, issued_by, counter)

    @rule(data=st.data(), business=st.sampled_from(BUSINESSES),
          priority=st.sampled_from(PRIORITIES))
    def walk_in(self, data: st.DataObject, business: str, priority: str) -> None:
        self.do_walk_in(self.pick_counter(data, self.can_call), business, priority)

    @rule(data=st.data())
    def call_next(self, data: st.DataObject) -> None:
        self.do_call_next(
            self.pick_counter(data, lambda n: self.can_call(n) and bool(self.candidates(n))))

    @rule(data=st.data())
    def call_number(self, data: st.DataObject) -> None:
        counter = self.pick_counter(data, self.can_call)
        self.do_call_number(counter, self.pick_ticket(data, "waiting", "no_show"))

    @rule(data=st.data(), kind=st.sampled_from(sorted(AT_COUNTER_STEPS)))
    def at_counter(self, data: st.DataObject, kind: str) -> None:
        """recall, no_show, start or complete of the counter's current ticket."""
        states = self.AT_COUNTER_STEPS[kind][1]
        counter = self.pick_counter(
            data, lambda n: (held := self.held(n)) is not None and held.status in states)
        self.do_at_counter(kind, counter, self.pick_expect(data, counter))

    @rule(data=st.data(), by=st.sampled_from([None, "G01"]))
    def requeue(self, data: st.DataObject, by: str | None) -> None:
        self.do_requeue(self.pick_ticket(data, "no_show"), by)

    @rule(data=st.data(), kind=st.sampled_from(["transfer", "next_service"]),
          to=st.sampled_from(BUSINESSES))
    def move(self, data: st.DataObject, kind: str, to: str) -> None:
        counter = self.pick_counter(data, lambda n: self.held(n) is not None)
        self.do_move(kind, counter, to, self.pick_expect(data, counter))

    @rule(data=st.data(), to=st.sampled_from([None, None, "S01", "S02", "C02", "L01"]))
    def refer(self, data: st.DataObject, to: str | None) -> None:
        counter = self.pick_counter(
            data, lambda n: (held := self.held(n)) is not None and held.status == "serving")
        self.do_refer(counter, to, self.pick_expect(data, counter))

    @rule(data=st.data(), kind=st.sampled_from(["take", "return"]),
          who=st.sampled_from(["S01", "S01", "S02", "L01", "C01"]))
    def support(self, data: st.DataObject, kind: str, who: str) -> None:
        self.do_support(kind, self.pick_ticket(data, "with_support"), who)

    def pick_away_matter(self, data: st.DataObject) -> tuple[str, int]:
        """A serving ticket's number (mostly one away from the counter, as picked) and a
        counter to act on it from: mostly its handler's own, sometimes any."""
        number = self.pick_ticket(data, "serving")
        named = self.by_number(number)
        home = self.seated(named.handler) if named and named.handler else None
        if home is None or not data.draw(st.integers(0, 3), label="at the handler's counter?"):
            home = data.draw(st.sampled_from(COUNTERS), label="counter")
        return number, home

    @rule(data=st.data())
    def complete_named(self, data: st.DataObject) -> None:
        number, home = self.pick_away_matter(data)
        self.do_complete_named(home, number)

    @rule(data=st.data())
    def set_aside(self, data: st.DataObject) -> None:
        counter = self.pick_counter(
            data, lambda n: (held := self.held(n)) is not None and held.status == "serving")
        self.do_set_aside(counter, self.pick_expect(data, counter))

    @rule(data=st.data())
    def resume(self, data: st.DataObject) -> None:
        number, home = self.pick_away_matter(data)
        self.do_resume(home, number)

    @rule(data=st.data())
    def refer_again(self, data: st.DataObject) -> None:
        number, home = self.pick_away_matter(data)
        self.do_refer(home, data.draw(st.sampled_from([None, "S01", "C02"]), label="to"),
                      number)

    @rule(data=st.data(), who=st.sampled_from(["L01", "L01", "C01"]))
    def cancel(self, data: st.DataObject, who: str) -> None:
        self.do_cancel(self.pick_ticket(data, "waiting", "called"), who)

    @rule(data=st.data(), score=st.sampled_from([1, 2, 3, 4, 4, 0, 5]))
    def rate(self, data: st.DataObject, score: int) -> None:
        self.do_rate(self.pick_ticket(data, "done"), score)

    @rule(data=st.data())
    def sign_out(self, data: st.DataObject) -> None:
        self.do_sign_out(self.pick_counter(
            data, lambda n: self.desks[n].staff is not None and self.held(n) is None))

    @rule(data=st.data(), who=st.sampled_from(["C01", "C02", "C03", "C04", "L01", "S01"]))
    def sign_in(self, data: st.DataObject, who: str) -> None:
        self.do_sign_in(self.pick_counter(data, lambda n: self.desks[n].staff is None), who)

    @rule(counter=st.sampled_from(COUNTERS),
          state=st.sampled_from(["open", "paused", "paused", "closed"]))
    def set_state(self, counter: int, state: str) -> None:
        self.do_set_state(counter, state)

    @rule(counter=st.sampled_from(COUNTERS), profile=st.sampled_from(OTHER_PROFILES))
    def set_profile(self, counter: int, profile: tuple[str, ...]) -> None:
        self.attempt("profile", lambda tx: counters.set_profile(tx, counter, list(profile)), True)
        self.desks[counter].profile = profile

    @rule(minutes=st.sampled_from([0.5, 2, 10, 29.5, 30, 31, 45]))
    def wait(self, minutes: float) -> None:
        """Time passes (no event): service times, and the no-show grace running out."""
        if self.clock.now + dt.timedelta(minutes=minutes) <= LAST_STEP_AT:
            self.clock.advance(minutes=minutes)

    # == progress: a ticket's natural next step, so long life cycles happen often =========

    def progress(self, data: st.DataObject) -> None:
        """Move one live ticket on by up to five natural next steps."""
        live = [t for _, t in sorted(self.tickets.items())
                if t.status != "cancelled" and t.rating is None]
        if not live:
            return self.do_issue(data.draw(st.sampled_from(BUSINESSES), label="business"),
                                 "normal")
        ticket = data.draw(st.sampled_from(live), label="ticket to move on")
        for _ in range(data.draw(st.integers(1, 5), label="steps")):
            if ticket.status == "cancelled" or ticket.rating is not None:
                break
            self.natural_step(data, ticket)
        return None

    def natural_step(self, data: st.DataObject, ticket: Ticket) -> None:
        def choose(*options: Any) -> Any:
            return data.draw(st.sampled_from(options), label="next step")

        if ticket.status == "waiting":
            return self.progress_waiting(data, ticket)
        if ticket.status == "called":
            assert ticket.counter is not None
            return self.do_at_counter(choose("start", "start", "start", "no_show", "recall"),
                                      ticket.counter, ticket.number)
        if ticket.status == "serving" and ticket.counter is not None:
            step = choose("complete", "complete", "refer", "next_service", "transfer")
            if step == "complete":
                return self.do_at_counter(step, ticket.counter, ticket.number)
            if step == "refer":
                return self.do_refer(ticket.counter, choose(None, "S01", "S02"), ticket.number)
            return self.do_move(step, ticket.counter, choose(*BUSINESSES), ticket.number)
        if ticket.status == "serving":
            return self.progress_returned(data, ticket)
        if ticket.status == "with_support":
            if ticket.support is None and choose(True, False):
                return self.do_support("take", ticket.number, choose("S01", "S02"))
            return self.do_support("return", ticket.number, ticket.support or choose("S01", "S02"))
        if ticket.status == "no_show":
            return self.do_requeue(ticket.number)
        return self.do_rate(ticket.number, choose(1, 2, 3, 4))

    def progress_waiting(self, data: st.DataObject, ticket: Ticket) -> None:
        ready = [n for n in COUNTERS if self.can_call(n)]
        if ready:
            counter = data.draw(st.sampled_from(ready), label="counter")
            if data.draw(st.booleans(), label="by number?"):
                return self.do_call_number(counter, ticket.number)
            return self.do_call_next(counter)
        # No counter can call: open one that is free, or seat someone.
        for n in COUNTERS:
            if self.desks[n].staff is not None and self.held(n) is None:
                return self.do_set_state(n, "open")
        idle = [s for s in ("C01", "C02", "C03", "C04", "L01") if self.seated(s) is None]
        empty = [n for n in COUNTERS if self.desks[n].staff is None]
        if idle and empty:
            return self.do_sign_in(empty[0], idle[0])
        return None

    def progress_returned(self, data: st.DataObject, ticket: Ticket) -> None:
        assert ticket.handler is not None
        home = self.seated(ticket.handler)
        if home is not None:
            return self.do_complete_named(home, ticket.number)
        empty = [n for n in COUNTERS if self.desks[n].staff is None]
        if empty:
            return self.do_sign_in(data.draw(st.sampled_from(empty), label="counter"),
                                   ticket.handler)
        return None

    # Rules are drawn uniformly: two entries make progress about one step in ten.
    @rule(data=st.data())
    def next_steps(self, data: st.DataObject) -> None:
        self.progress(data)

    @rule(data=st.data())
    def more_next_steps(self, data: st.DataObject) -> None:
        self.progress(data)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def database_matches_model(self) -> None:
        with self.hall.read() as tx:
            rows = tx.conn.execute(select(T).order_by(T.c.id)).all()
            desks = tx.conn.execute(select(C).where(C.c.number.in_(COUNTERS))).all()
            sequences = tx.conn.execute(select(DaySequence.__table__)).all()
            events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
        assert events == self.events, "events are not one per successful step"
        assert [r.id for r in rows] == sorted(self.tickets)
        for r in rows:
            assert r.status in TICKET_STATES
            assert db_row(r) == self.tickets[r.id].row(), f"{r.number} differs from the model"
        for d in desks:
            desk = self.desks[d.number]
            assert (d.staff_id, d.state, tuple(d.profile.split(","))) == (
                desk.staff, desk.state, desk.profile)
        self.check_counters_hold_one(rows)
        self.check_handlers_kept(rows)
        self.check_numbering(rows, sequences)

    def check_counters_hold_one(self, rows: Sequence[Any]) -> None:
        busy = Tally(r.counter_number for r in rows
                     if r.status in AT_COUNTER and r.counter_number is not None)
        assert all(n == 1 for n in busy.values()), f"a counter holds two tickets: {busy}"
        for r in rows:
            if r.status not in ("waiting", "cancelled"):
                assert r.handler_id is not None, f"{r.number} is {r.status} without a handler"
            if r.status in ("with_support", "called"):
                assert (r.counter_number is None) == (r.status == "with_support")

    def check_handlers_kept(self, rows: Sequence[Any]) -> None:
        for r in rows:
            if r.id in self.handlers:
                assert r.handler_id == self.handlers[r.id], f"{r.number} changed its handler"
            elif r.handler_id is not None:
                self.handlers[r.id] = r.handler_id

    def check_numbering(self, rows: Sequence[Any], sequences: Sequence[Any]) -> None:
        numbers = [(r.business_day, r.number) for r in rows]
        assert len(set(numbers)) == len(numbers), "a number was given out twice in a day"
        given: dict[tuple[dt.date, str], list[int]] = {}
        for day, number in numbers:
            given.setdefault((day, number[0]), []).append(int(number[1:]))
        for key, seqs in given.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"gap in {key}: {seqs}"
        assert {(s.business_day, s.prefix): s.last_seq for s in sequences} == {
            key: len(seqs) for key, seqs in given.items()
        }


TestTicketLifeCycle = pytest.mark.slow(HallMachine.TestCase)
TestTicketLifeCycle.settings = settings(max_examples=50, stateful_step_count=35, deadline=None)

PG_EXAMPLES = 6
"""On PostgreSQL an example's own database costs 0.5-1.5 s to clone at load 10 and a step
about three times SQLite's; the rules are the same code, so a few longer examples check that
the guarded statements, the claim (SKIP LOCKED) and the numbering behave the same there."""


@pytest.mark.slow
def test_ticket_life_cycle_on_postgres(pg: PgClusterForTests) -> None:
    class OnPostgres(HallMachine):
        def new_database(self) -> str:
            return pg.database("empty")  # migrated already: `init_db` finds it at the head

        def forget_database(self) -> None:
            pg.drop(self.url)

    run_state_machine_as_test(OnPostgres, settings=settings(
        max_examples=PG_EXAMPLES, stateful_step_count=50, deadline=None))

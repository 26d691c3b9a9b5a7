"""Staff at counters: signing in and out, and opening, pausing and closing a counter."""

from __future__ import annotations

from sqlalchemy import select, update

from db.errors import Refused
from db.ops import C, counter_row, current_ticket, log, staff_row
from db.session import Tx

COUNTER_ROLES = ("clerk", "leader")
"""Who may take a counter; the handler of a ticket is whoever is signed in when it is called."""


def sign_in(tx: Tx, counter: int, staff: str) -> None:
    """Put `staff` at `counter` and open it. PIN checking is the caller's (`db.staff`).
    Signing in again where one already is, after a restart, is allowed."""
    person = staff_row(tx, staff)
    if person.role not in COUNTER_ROLES:
        raise Refused(f"staff {staff} is a {person.role}; only clerks and leaders take a counter")
    desk = counter_row(tx, counter)
    if desk.staff_id not in (None, staff):
        raise Refused(f"counter {counter} is taken by {desk.staff_id}; they must sign out first")
    elsewhere = tx.conn.execute(
        select(C.c.number).where(C.c.staff_id == staff, C.c.number != counter)
    ).scalar()
    if elsewhere is not None:
        raise Refused(f"staff {staff} is signed in at counter {elsewhere}; sign out there first")
    values = {"staff_id": staff, "state": "open"}
    if desk.staff_id is None:
        values["signed_in_at"] = tx.now  # type: ignore[assignment]
    tx.conn.execute(update(C).where(C.c.number == counter).values(**values))
    log(tx, "sign_in", staff=staff, counter=counter)


def sign_out(tx: Tx, counter: int) -> None:
    """Take the staff member off the counter and close it; it must hold no ticket."""
    desk = counter_row(tx, counter)
    if desk.staff_id is None:
        raise Refused(f"no one is signed in at counter {counter}")
    _refuse_if_busy(tx, counter, "signing out")
    tx.conn.execute(
        update(C)
        .where(C.c.number == counter, C.c.staff_id == desk.staff_id)
        .values(staff_id=None, state="closed", signed_in_at=None)
    )
    log(tx, "sign_out", staff=desk.staff_id, counter=counter)


def _refuse_if_busy(tx: Tx, counter: int, doing: str) -> None:
    row = current_ticket(tx, counter)
    if row is not None:
        raise Refused(
            f"counter {counter} holds {row.number} ({row.status}); finish it before {doing}"
        )


_STATE_EVENTS = {"open": "open", "paused": "pause", "closed": "close"}


def set_state(tx: Tx, counter: int, state: str, *, staff: str | None = None) -> None:
    """Open, pause or close a counter. Only an open counter calls; pausing keeps the current
    customer, closing needs the counter free."""
    if state not in ("open", "paused", "closed"):
        raise Refused(f"a counter is open, paused or closed, not {state!r}")
    desk = counter_row(tx, counter)
    if state == "open" and desk.staff_id is None:
        raise Refused(f"no one is signed in at counter {counter}: sign in to open it")
    if state == "closed":
        _refuse_if_busy(tx, counter, "closing")
    if desk.state == state:
        raise Refused(f"counter {counter} is already {state}")
    if staff is not None:
        staff_row(tx, staff)
    tx.conn.execute(update(C).where(C.c.number == counter).values(state=state))
    log(tx, _STATE_EVENTS[state], staff=staff or desk.staff_id, counter=counter)


def set_profile(tx: Tx, counter: int, profile: list[str], *, staff: str | None = None) -> None:
    """Change which business types a counter serves, and in what order (resource moves)."""
    if not profile or len(set(profile)) != len(profile):
        raise Refused("a work profile names each business type once, at least one")
    prefixes = [tx.config.business(p).prefix for p in profile]
    counter_row(tx, counter)
    if staff is not None:
        staff_row(tx, staff)
    tx.conn.execute(update(C).where(C.c.number == counter).values(profile=",".join(prefixes)))
    log(tx, "profile", staff=staff, counter=counter, profile=prefixes)

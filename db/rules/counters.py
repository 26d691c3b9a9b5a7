"""Staff at counters: signing in and out, and opening, pausing and closing a counter."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from db.errors import Refused, role_zh, state_zh, status_zh
from db.rules.ops import C, check_session, counter_row, current_ticket, log, staff_row
from db.store.session import Tx

COUNTER_ROLES = ("clerk", "leader")
"""Who may take a counter; the handler of a ticket is whoever is signed in when it is called."""


def sign_in(tx: Tx, counter: int, staff: str) -> str:
    """Put `staff` at `counter` and open it; return the new session's token. PIN checking is
    the caller's (`db.rules.staff`).

    Signing in again where one already is (after a restart, or from a second client) is
    allowed and ends the earlier session: the client that holds it is refused from then on
    (`SessionEnded`), so a counter never has two live clients. A paused counter stays paused
    through such a sign-in; a closed one opens."""
    person = staff_row(tx, staff)
    if person.role not in COUNTER_ROLES:
        raise Refused(f"staff {staff} is a {person.role}; only clerks and leaders take a counter",
                      zh=f"{staff} 是{role_zh(person.role)}：只有工作岗和值班领导可以签到窗口")
    desk = counter_row(tx, counter)
    if desk.staff_id not in (None, staff):
        raise Refused(f"counter {counter} is taken by {desk.staff_id}; they must sign out first",
                      zh=f"{counter} 号窗口已由 {desk.staff_id} 签到，请其先签退")
    elsewhere = tx.conn.execute(
        select(C.c.number).where(C.c.staff_id == staff, C.c.number != counter)
    ).scalar()
    if elsewhere is not None:
        raise Refused(f"staff {staff} is signed in at counter {elsewhere}; sign out there first",
                      zh=f"{staff} 已在 {elsewhere} 号窗口签到，请先在那里签退")
    again = desk.staff_id == staff
    token = secrets.token_hex(16)
    values: dict[str, object] = {"staff_id": staff, "session": token}
    if not (again and desk.state == "paused"):
        values["state"] = "open"
    if not again:
        values["signed_in_at"] = tx.now
    tx.conn.execute(update(C).where(C.c.number == counter).values(**values))
    log(tx, "sign_in", staff=staff, counter=counter, **({"again": True} if again else {}))
    return token


def sign_out(tx: Tx, counter: int) -> None:
    """Take the staff member off the counter and close it; it must hold no ticket."""
    desk = counter_row(tx, counter)
    check_session(tx, counter, desk.session)
    if desk.staff_id is None:
        raise Refused(f"no one is signed in at counter {counter}", zh=f"{counter} 号窗口无人签到")
    _refuse_if_busy(tx, counter, "signing out")
    tx.conn.execute(
        update(C)
        .where(C.c.number == counter, C.c.staff_id == desk.staff_id)
        .values(staff_id=None, state="closed", signed_in_at=None, session=None)
    )
    log(tx, "sign_out", staff=desk.staff_id, counter=counter)


DOING_ZH = {"signing out": "签退", "closing": "关闭窗口"}


def _refuse_if_busy(tx: Tx, counter: int, doing: str) -> None:
    row = current_ticket(tx, counter)
    if row is not None:
        raise Refused(
            f"counter {counter} holds {row.number} ({row.status}); finish it before {doing}",
            zh=f"{counter} 号窗口仍有 {row.number}（{status_zh(row.status)}），"
            f"请先办结再{DOING_ZH.get(doing, doing)}",
        )


_STATE_EVENTS = {"open": "open", "paused": "pause", "closed": "close"}


def set_state(tx: Tx, counter: int, state: str, *, staff: str | None = None) -> None:
    """Open, pause or close a counter. Only an open counter calls; pausing keeps the current
    customer, closing needs the counter free."""
    if state not in ("open", "paused", "closed"):
        raise Refused(f"a counter is open, paused or closed, not {state!r}",
                      zh="窗口状态只能是开放、暂停或关闭")
    desk = counter_row(tx, counter)
    check_session(tx, counter, desk.session)
    if state == "open" and desk.staff_id is None:
        raise Refused(f"no one is signed in at counter {counter}: sign in to open it",
                      zh=f"{counter} 号窗口无人签到：请先签到再开放")
    if state == "closed":
        _refuse_if_busy(tx, counter, "closing")
    if desk.state == state:
        raise Refused(f"counter {counter} is already {state}",
                      zh=f"{counter} 号窗口已经是{state_zh(state)}状态")
    if staff is not None:
        staff_row(tx, staff)
    tx.conn.execute(update(C).where(C.c.number == counter).values(state=state))
    log(tx, _STATE_EVENTS[state], staff=staff or desk.staff_id, counter=counter)


def set_profile(tx: Tx, counter: int, profile: list[str], *, staff: str | None = None) -> None:
    """Change which business types a counter serves, and in what order (resource moves)."""
    if not profile or len(set(profile)) != len(profile):
        raise Refused("a work profile names each business type once, at least one",
                      zh="窗口业务至少一项，每种业务只列一次")
    prefixes = [tx.config.business(p).prefix for p in profile]
    counter_row(tx, counter)
    if staff is not None:
        staff_row(tx, staff)
    tx.conn.execute(update(C).where(C.c.number == counter).values(profile=",".join(prefixes)))
    log(tx, "profile", staff=staff, counter=counter, profile=prefixes)

"""The ticket life cycle: every step of docs/design.md as one function on an open transaction.

Each function takes the caller's `Tx`, changes what the step changes with guarded
statements (the UPDATE names the state it expects, so a step another process has already
overtaken changes nothing), appends exactly one event, and returns a frozen view.
"""

from __future__ import annotations

import datetime as dt
import re
from logging import INFO
from typing import Any

from sqlalchemy import Row, select, update

from db.errors import AuthFailed, NotFound, Refused, SessionEnded, state_zh, status_zh
from db.rules.estimate import Estimate, told_now
from db.rules.text import CANCEL_REASON_MAX, check_fits, check_length
from db.store import sql
from db.store.audit import GENESIS, canonical_text, digest
from db.store.engine import append_event, chain_head, first_returned, next_sequence
from db.store.session import STEPS, Tx
from db.store.sql import C, E, S, T, status_in
from db.store.views import RATINGS, TicketView

__all__ = ["C", "E", "S", "T"]  # the tables, as the queries and apps know them

ACCOUNT_RE = re.compile(r"^[0-9A-Za-z-]+$")
"""An account number's characters; its length is its column's."""
NUMBER_RE = re.compile(r"^[A-Z]\d{3,}$")


class QueueEmpty(Refused):
    """Nothing is waiting for the counter's work profile."""


# -- helpers shared by the steps ------------------------------------------------------


def log(
    tx: Tx,
    kind: str,
    *,
    ticket: int | None = None,
    staff: str | None = None,
    counter: int | None = None,
    **detail: Any,
) -> None:
    """Append one event; the log is the source of every figure. On SQLite chained to the one
    before it at once (`db.store.audit`); on a database server written unsealed, and chained
    by the sealer after commit (`db.store.audit.seal`), so writers need not wait in turn."""
    details = detail or None
    values = {"at": tx.now, "business_day": tx.day, "kind": kind, "ticket_id": ticket,
              "staff_id": staff, "counter_number": counter, "detail": details}
    if tx.conn.dialect.name == "sqlite":
        if tx.chain:  # this transaction's own last event
            last_id, previous = tx.chain
        else:
            head = chain_head(tx.conn)
            last_id, previous = (head[0], head[1] or GENESIS) if head else (0, GENESIS)
        event_id = last_id + 1
        text = canonical_text(event_id, tx.now, tx.day, kind, ticket, staff, counter, details)
        chained = digest(previous, text)
        append_event(tx.conn, {**values, "id": event_id, "prev_hash": previous,
                               "hash": chained, "seal": event_id})
        tx.chain[:] = [event_id, chained]
    else:
        event_id = append_event(tx.conn, values)
    if STEPS.isEnabledFor(INFO):  # no details: they may hold notes, names, phone numbers
        tx.said.append(" ".join([f"event #{event_id} {kind}", *(
            f"{name}={value}" for name, value in (
                ("ticket", ticket), ("staff", staff), ("counter", counter))
            if value is not None)]))


def counter_row(tx: Tx, number: int) -> Row[Any]:
    """The counter, or NotFound."""
    row = tx.conn.execute(sql.COUNTER_BY_NUMBER, {"counter": number}).first()
    if row is None:
        raise NotFound(f"unknown counter {number}", zh=f"没有 {number} 号窗口")
    return row


def check_session(tx: Tx, counter: int, current: str | None) -> None:
    """Refuse a client whose sign-in at `counter` has ended (`current` is the counter's
    session now); a caller holding no session there (the CLI, the leader) is not checked."""
    mine = tx.session(counter)
    if mine is not None and mine != current:
        raise SessionEnded(
            f"this sign-in at counter {counter} has ended (signed in again elsewhere, or "
            "signed out): sign in again",
            zh=f"本机在 {counter} 号窗口的签到已结束（已在别处重新签到或已签退），请重新签到",
        )


def staff_row(tx: Tx, staff_id: str) -> Row[Any]:
    """The staff member, or NotFound."""
    row = tx.conn.execute(sql.STAFF_BY_ID, {"staff": staff_id}).first()
    if row is None or not row.active:
        raise NotFound(f"unknown staff id {staff_id!r}", zh=f"没有工号 {staff_id}")
    return row


def current_ticket(tx: Tx, counter: int) -> Row[Any] | None:
    """The ticket the counter holds (called or serving), if any."""
    return tx.conn.execute(sql.CURRENT_TICKET, {"counter": counter}).first()


class Desk:
    """A counter with who is signed in at it and the ticket it holds, read in one statement."""

    __slots__ = ("number", "staff_id", "state", "profile", "session", "ticket")

    def __init__(self, number: int, row: Row[Any]) -> None:
        self.number = number
        self.staff_id: str | None = row.desk_staff
        self.state: str = row.desk_state
        self.profile: str = row.desk_profile
        self.session: str | None = row.desk_session
        self.ticket: Row[Any] | None = row if row.id is not None else None

    def ensure_free(self) -> None:
        """Refuse to take on a customer while the counter still holds one."""
        if self.ticket is not None:
            number, status = self.ticket.number, self.ticket.status
            raise Refused(
                f"counter {self.number} still holds {number} ({status}): "
                "finish, transfer or mark it no-show first",
                zh=f"{self.number} 号窗口仍有 {number}（{status_zh(status)}）："
                "请先办结、转办或记为过号",
            )


def _desk(tx: Tx, counter: int, *, calling: bool = False) -> tuple[str, Desk]:
    """The counter, checked to have someone signed in (and open, when calling)."""
    row = tx.conn.execute(sql.DESK, {"counter": counter}).first()
    if row is None:
        raise NotFound(f"unknown counter {counter}", zh=f"没有 {counter} 号窗口")
    desk = Desk(counter, row)
    check_session(tx, counter, desk.session)
    if desk.staff_id is None:
        raise Refused(f"no one is signed in at counter {counter}", zh=f"{counter} 号窗口无人签到")
    if calling and desk.state != "open":
        raise Refused(
            f"counter {counter} is {desk.state}: open it before calling",
            zh=f"{counter} 号窗口处于{state_zh(desk.state)}状态：请先开放窗口再叫号",
        )
    return desk.staff_id, desk


def _held(
    tx: Tx, counter: int, expect: str | None, states: tuple[str, ...]
) -> tuple[str, Row[Any]]:
    """Who is at the counter, and its current ticket, checked against what the caller
    believes it holds."""
    staff, desk = _desk(tx, counter)
    return staff, _check_held(desk, expect, states)


def _held_step(
    tx: Tx,
    counter: int,
    expect: str | None,
    states: tuple[str, ...],
    keep: tuple[str, ...] = (),
    **values: Any,
) -> tuple[str, TicketView] | None:
    """The step on the counter's current ticket in one guarded UPDATE; None when the
    counter is not as the caller believes (the caller then finds out why, the long way)."""
    try:
        number = normalize_number(expect) if expect else None
    except NotFound:
        return None  # the long way says what is wrong, in its order
    stmt = sql.held_step(states, tuple(sorted(values)), keep)
    params = {
        "counter": counter,
        "expect": number,
        "session": tx.session(counter),
        **{f"v_{k}": v for k, v in values.items()},
    }
    row = first_returned(tx.conn, stmt, params)
    if row is None:
        return None
    return row["desk_staff"], TicketView.from_mapping(row)


def _held_move(
    tx: Tx,
    counter: int,
    expect: str | None,
    states: tuple[str, ...],
    keep: tuple[str, ...] = (),
    *,
    away: bool = False,
    **values: Any,
) -> tuple[str, TicketView]:
    """A step on the counter's current ticket: one guarded UPDATE when the counter is as the
    caller believes, else the long way, which refuses with the reason or (`away`: the
    clerk's own matter away from the counter, named by `expect`) moves that one. A key in
    `keep` holds its value where the step gives None."""
    done = _held_step(tx, counter, expect, states, keep, **values)
    if done is not None:
        return done
    if away:
        staff, row = _held_or_away(tx, counter, expect)
    else:
        staff, row = _held(tx, counter, expect, states)
    kept = {k: row._mapping[k] for k in keep if values.get(k) is None}
    return staff, _transition(tx, row, states, **{**values, **kept})


def _check_held(desk: Desk, expect: str | None, states: tuple[str, ...]) -> Row[Any]:
    row = desk.ticket
    if row is None:
        held = f"; {expect} is no longer here" if expect else ""
        held_zh = f"；{expect} 已不在本窗口" if expect else ""
        raise Refused(f"counter {desk.number} holds no ticket{held}",
                      zh=f"{desk.number} 号窗口当前没有票号{held_zh}")
    if expect and row.number != normalize_number(expect):
        raise Refused(
            f"counter {desk.number} no longer holds {expect} (it holds {row.number})",
            zh=f"{desk.number} 号窗口已不再办理 {expect}（当前为 {row.number}）",
        )
    if row.status not in states:
        raise Refused(
            f"{row.number} is {row.status}, not {' or '.join(states)}",
            zh=f"{row.number} 为{status_zh(row.status)}，"
            f"不是{'或'.join(status_zh(s) for s in states)}",
        )
    return row


def _transition(tx: Tx, row: Row[Any], states: tuple[str, ...], **values: Any) -> TicketView:
    """Move one ticket on, but only if it is still in one of `states` (the expected-state check)."""
    stmt = sql.transition(states, tuple(sorted(values)))
    params = {"row_id": row.id, **{f"v_{k}": v for k, v in values.items()}}
    new = tx.conn.execute(stmt, params).first()
    if new is None:
        raise Refused(f"{row.number} was changed by someone else; reload and try again",
                      zh=f"{row.number} 已被他人处理，请刷新后重试")
    return TicketView.from_row(new)


def normalize_number(number: str) -> str:
    """`a7` and ` A007 ` both mean A007."""
    text = number.strip().upper()
    if len(text) >= 2 and text[0].isalpha() and text[1:].isdigit():
        return f"{text[0]}{int(text[1:]):03d}"
    raise NotFound(f"{number!r} is not a ticket number (a letter and digits, e.g. A023)",
                   zh=f"“{number}”不是票号（一个字母加数字，如 A023）")


def ticket_row(tx: Tx, number: str, day: dt.date | None = None) -> Row[Any]:
    """Today's (or `day`'s) ticket with that number, or NotFound."""
    wanted = normalize_number(number)
    row = tx.conn.execute(sql.TICKET_BY_NUMBER, {"day": day or tx.day, "number": wanted}).first()
    if row is None:
        on = (day or tx.day).isoformat()
        raise NotFound(f"no ticket {wanted} on {on}", zh=f"{on} 没有票号 {wanted}")
    return row


def _check_account(account: str | None) -> str | None:
    if account is None or account == "":
        return None
    check_fits(account, T.c.account, "an account number", "户号")
    if not ACCOUNT_RE.match(account):
        raise Refused(f"account number {account!r}: letters, digits and '-' only",
                      zh="户号只能由字母、数字和“-”组成")
    return account


def check_note(note: str | None) -> None:
    """Refuse a note longer than a ticket's note column holds (every step that keeps one)."""
    check_fits(note, T.c.note, "a ticket's note", "备注")


def _new_ticket(
    tx: Tx, business: str, priority: str, account: str | None, **values: Any
) -> Row[Any]:
    kind = tx.config.business(business)
    klass = tx.config.priority(priority)
    account = _check_account(account)
    seq = next_sequence(tx.conn, tx.day, kind.prefix)
    params = {
        "business_day": tx.day,
        "number": f"{kind.prefix}{seq:03d}",
        "business": kind.prefix,
        "origin_business": kind.prefix,
        "priority": klass.code,
        "priority_rank": klass.rank,
        "account": account,
        "issued_at": tx.now,
        "queued_at": tx.now,
        "recalls": 0,
        "services": 1,
        **values,
    }
    return tx.conn.execute(sql.INSERT_TICKET, params).one()


# -- issuing -----------------------------------------------------------------------------


def issue_ticket(
    tx: Tx,
    business: str,
    *,
    priority: str = "normal",
    account: str | None = None,
    issued_by: str | None = None,
    directed_to: int | None = None,
    appointment: str | None = None,
    told: Estimate | None = None,
) -> TicketView:
    """Give the next number of `business` (kiosk, or a guide on the customer's behalf). A
    guide may send the customer to one named counter (`directed_to`): only it calls them.
    A checked-in appointment (`db.rules.appointments`) names its code in the event.

    The ticket keeps what the customer is told (`db.rules.estimate`): `told` when the caller
    worked it out (from a read just before, or the simulator knowing when it closes), else
    it is worked out here, in this transaction, before the ticket is inserted."""
    if issued_by is not None:
        staff_row(tx, issued_by)
    if directed_to is not None:
        _check_direction(tx, issued_by, directed_to)
    if told is None:
        kind = tx.config.business(business)
        told = told_now(tx, kind.prefix, tx.config.priority(priority).rank, directed_to)
    row = _new_ticket(
        tx, business, priority, account, status="waiting", issued_by=issued_by,
        directed_to=directed_to, told_minutes=told.minutes, told_low=told.low,
        told_high=told.high,
    )
    extra: dict[str, Any] = {}
    if directed_to is not None:
        extra["directed_to"] = directed_to
    if appointment is not None:
        extra["appointment"] = appointment
    log(tx, "issue", ticket=row.id, staff=issued_by, business=row.business, number=row.number,
        **extra)
    return TicketView.from_row(row)


def _check_direction(tx: Tx, issued_by: str | None, counter: int) -> None:
    if issued_by is None or staff_row(tx, issued_by).role not in ("guide", "leader"):
        raise AuthFailed("only a guide or the duty leader sends a customer to a named counter",
                         zh="只有引导岗或值班领导可以指定窗口")
    counter_row(tx, counter)


def walk_in(
    tx: Tx, counter: int, business: str, *, priority: str = "normal", account: str | None = None
) -> TicketView:
    """Register a customer who came straight to the counter; its clerk is the handler at once."""
    staff, desk = _desk(tx, counter, calling=True)
    desk.ensure_free()
    row = _new_ticket(
        tx,
        business,
        priority,
        account,
        status="serving",
        counter_number=counter,
        handler_id=staff,
        issued_by=staff,
        called_at=tx.now,
        first_called_at=tx.now,
        started_at=tx.now,
    )
    log(tx, "walk_in", ticket=row.id, staff=staff, counter=counter, number=row.number)
    return TicketView.from_row(row)


# -- calling -----------------------------------------------------------------------------


def _claim_values(tx: Tx, row: Row[Any], counter: int, staff_id: str) -> dict[str, Any]:
    return {
        "status": "called",
        "counter_number": counter,
        # The first call makes the caller the first-responsible handler; later calls keep it.
        "handler_id": row.handler_id or staff_id,
        "called_at": tx.now,
        "first_called_at": row.first_called_at or tx.now,
        "no_show_at": None,
        "directed_to": None,
    }


def call_next(tx: Tx, counter: int) -> TicketView:
    """Claim the next ticket for the counter: customers a guide sent to it, then whoever of
    its profile has waited `overdue_minutes` (the longest-waiting), then its work profile in
    order, then priority, then the oldest. One guarded UPDATE: two counters never
    get the same ticket."""
    hinted = tx.hints.get(("profile", counter))
    if hinted is not None:
        # The usual case in one statement: the UPDATE itself checks that the counter is
        # still staffed, open, free and of this profile; anything else takes the long way.
        view = _claim(tx, counter, hinted)
        if view is not None:
            return view
    _, desk = _desk(tx, counter, calling=True)
    desk.ensure_free()
    profile = tuple(desk.profile.split(","))
    tx.hints[("profile", counter)] = profile
    view = _claim(tx, counter, profile) if profile != hinted else None
    if view is not None:
        return view
    raise QueueEmpty(f"no one is waiting for counter {counter} ({', '.join(profile)})",
                     zh=f"{counter} 号窗口（{'、'.join(profile)}）暂无等候客户")


def _claim(tx: Tx, counter: int, profile: tuple[str, ...]) -> TicketView | None:
    overdue = tx.config.overdue_minutes
    stmt = sql.claim(tx.conn.dialect.name, profile, overdue > 0)
    params = {"counter": counter, "day": tx.day, "profile": ",".join(profile), "now": tx.now,
              "session": tx.session(counter)}
    if overdue > 0:
        params["cutoff"] = tx.now - dt.timedelta(minutes=overdue)
    row = first_returned(tx.conn, stmt, params)
    if row is None:
        return None
    log(tx, "call", ticket=row["id"], staff=row["desk_staff"], counter=counter)
    return TicketView.from_mapping(row)


def call_number(tx: Tx, counter: int, number: str) -> TicketView:
    """Call a named number (指呼): a waiting one, or a no-show still within the grace."""
    staff, desk = _desk(tx, counter, calling=True)
    desk.ensure_free()
    row = ticket_row(tx, number)
    if row.status == "no_show":
        _check_grace(tx, row)
    elif row.status != "waiting":
        raise Refused(f"{row.number} is {row.status}, not waiting",
                      zh=f"{row.number} 为{status_zh(row.status)}，不在等候中")
    if row.directed_to not in (None, counter):
        raise Refused(f"{row.number} was sent to counter {row.directed_to}",
                      zh=f"{row.number} 已被指定到 {row.directed_to} 号窗口")
    view = _transition(
        tx, row, ("waiting", "no_show"), **_claim_values(tx, row, counter, staff)
    )
    log(tx, "call", ticket=row.id, staff=staff, counter=counter, named=True)
    return view


def recall(tx: Tx, counter: int, expect: str | None = None) -> TicketView:
    """Call the counter's called ticket again (重呼); the count is kept. With `[service]
    auto_no_show_after_recalls = N` (N > 0), the recall of a ticket already recalled N
    times makes it a no-show instead (过号, one `no_show` event with `auto` and the count)."""
    staff, row = _held(tx, counter, expect, ("called",))
    limit = tx.config.auto_no_show_after_recalls
    if limit and row.recalls >= limit:
        view = _transition(tx, row, ("called",), status="no_show", no_show_at=tx.now)
        log(tx, "no_show", ticket=row.id, staff=staff, counter=counter, auto=True,
            recalls=row.recalls)
        return view
    view = _transition(tx, row, ("called",), recalls=row.recalls + 1, called_at=tx.now)
    log(tx, "recall", ticket=row.id, staff=staff, counter=counter,
        count=view.recalls)
    return view


def no_show(tx: Tx, counter: int, expect: str | None = None) -> TicketView:
    """The called customer did not come (过号); they may be re-queued within the grace."""
    staff, view = _held_move(tx, counter, expect, ("called",),
                             status="no_show", no_show_at=tx.now)
    log(tx, "no_show", ticket=view.id, staff=staff, counter=counter)
    return view


def _check_grace(tx: Tx, row: Row[Any]) -> None:
    grace = dt.timedelta(minutes=tx.config.no_show_grace_minutes)
    if row.no_show_at is None or tx.now - row.no_show_at > grace:
        late = (tx.now - (row.no_show_at or tx.now)).total_seconds() / 60
        kept = tx.config.no_show_grace_minutes
        raise Refused(
            f"{row.number} missed its call {late:.0f} min ago, past the "
            f"{kept:g}-min grace: please take a new number",
            zh=f"{row.number} 已过号 {late:.0f} 分钟，超过 {kept:g} 分钟的保留时间：请重新取号",
        )


def requeue(tx: Tx, number: str, *, staff: str | None = None) -> TicketView:
    """Put a no-show back in its queue, within the grace; it queues from now."""
    if staff is not None:
        staff_row(tx, staff)
    row = ticket_row(tx, number)
    if row.status != "no_show":
        raise Refused(f"{row.number} is {row.status}, not a no-show",
                      zh=f"{row.number} 为{status_zh(row.status)}，不是过号")
    _check_grace(tx, row)
    view = _transition(
        tx, row, ("no_show",), status="waiting", queued_at=tx.now, no_show_at=None
    )
    log(tx, "requeue", ticket=row.id, staff=staff)
    return view


# -- serving -----------------------------------------------------------------------------


def start(tx: Tx, counter: int, expect: str | None = None) -> TicketView:
    """The called customer has arrived: service begins."""
    staff, view = _held_move(tx, counter, expect, ("called",),
                             status="serving", started_at=tx.now)
    log(tx, "start", ticket=view.id, staff=staff, counter=counter)
    return view


def complete(
    tx: Tx, counter: int, expect: str | None = None, *, note: str | None = None
) -> TicketView:
    """Finish the matter. The counter's serving ticket, or (naming it) one of its clerk's own
    matters away from the counter (handed back by support, or set aside for the customer):
    closed away, with the customer not at the counter, so its completion is logged at no
    counter and the counter's evaluator never offers it (the customer at the counter rates
    their own service, not this one)."""
    check_note(note)
    staff, view = _held_move(tx, counter, expect, ("serving",), ("note",), away=True,
                             status="done", completed_at=tx.now, note=note or None)
    if view.last_counter is None:
        log(tx, "complete", ticket=view.id, staff=staff, note=note, away=True)
    else:
        log(tx, "complete", ticket=view.id, staff=staff, counter=counter, note=note)
    return view


def _held_or_away(tx: Tx, counter: int, expect: str | None) -> tuple[str, Row[Any]]:
    """The counter's serving ticket, or, when `expect` names one, the clerk's own matter
    away from the counter (serving at no counter)."""
    staff, desk = _desk(tx, counter)
    if expect:
        row = _own_away_matter(tx, staff, expect)
        if row is not None:
            return staff, row
    return staff, _check_held(desk, expect, ("serving",))


def _own_away_matter(tx: Tx, staff: str, number: str) -> Row[Any] | None:
    """`staff`'s own matter `number` away from the counter, None when there is no such
    matter open; refused when it is still with support or someone else's."""
    row = open_matter(tx, number, ("serving", "with_support"))
    if row is None or row.counter_number is not None:
        return None
    if row.status == "with_support":
        raise Refused(f"{row.number} is still with support; it can be closed once returned",
                      zh=f"{row.number} 仍在后台处理，退回后才能办理")
    if row.handler_id != staff:
        raise Refused(f"{row.number} belongs to handler {row.handler_id}",
                      zh=f"{row.number} 的首办责任人是 {row.handler_id}")
    return row


def set_aside(tx: Tx, counter: int, note: str, expect: str | None = None) -> TicketView:
    """The customer must come back (a document to bring, a signature to get): the matter
    leaves the counter, still the handler's and open, waiting on the customer (`note` says
    for what); the counter is free for the next customer. `resume` brings it back."""
    if not (note or "").strip():
        raise Refused("say what the customer is to bring or do", zh="请写明需要客户补充什么")
    check_note(note.strip())
    staff, row = _held(tx, counter, expect, ("serving",))
    view = _transition(tx, row, ("serving",), counter_number=None, note=note.strip())
    log(tx, "set_aside", ticket=row.id, staff=staff, counter=counter, note=note.strip())
    return view


def resume(tx: Tx, counter: int, number: str) -> TicketView:
    """The customer of one of the clerk's own open matters is back at the counter (after
    support handed it back, or with what was missing): the matter is the counter's current
    ticket again, served, completed and rated there."""
    staff, desk = _desk(tx, counter)
    desk.ensure_free()
    row = _own_away_matter(tx, staff, number)
    if row is None:
        wanted = normalize_number(number)
        raise Refused(f"{wanted} is not an open matter of {staff} away from the counter",
                      zh=f"{wanted} 不是 {staff} 在办的事项")
    view = _transition(tx, row, ("serving",), counter_number=counter)
    log(tx, "resume", ticket=row.id, staff=staff, counter=counter)
    return view


def open_matter(tx: Tx, number: str, states: tuple[str, ...]) -> Row[Any] | None:
    """The latest ticket with that number in one of `states`, whatever its business day: a
    referral or a handed-back matter may outlast the day its number was given."""
    wanted = normalize_number(number)
    query = (
        select(T).where(T.c.number == wanted, status_in(*states)).order_by(T.c.id.desc()).limit(1)
    )
    return tx.conn.execute(query).first()


def _move_to_queue(
    tx: Tx, counter: int, expect: str | None, to: str, kind: str, note: str | None
) -> TicketView:
    check_note(note)
    target = tx.config.business(to)
    staff, row = _held(tx, counter, expect, ("serving",))
    if target.prefix == row.business:  # the queue it is in, the service just given
        if kind == "transfer":
            raise Refused(f"{row.number} is already in business {target.prefix}",
                          zh=f"{row.number} 已经是{target.name_zh}业务")
        raise Refused(f"{row.number} has just been served for {target.name_en}: a next "
                      "service is another business",
                      zh=f"{row.number} 刚办理的就是{target.name_zh}业务：续办须选择其他业务")
    extra = {"services": row.services + 1} if kind == "next_service" else {}
    view = _transition(
        tx, row, ("serving",), status="waiting", business=target.prefix, counter_number=None,
        # Keep the customer's place by arrival time: one visit, not a second wait from the back.
        queued_at=row.issued_at, note=note or row.note, **extra,
    )
    log(tx, kind, ticket=row.id, staff=staff, counter=counter,
        from_business=row.business, to_business=target.prefix, note=note)
    return view


def transfer(
    tx: Tx, counter: int, to: str, expect: str | None = None, *, note: str | None = None
) -> TicketView:
    """Send the ticket to another business type's queue (转办); the handler stays its owner."""
    return _move_to_queue(tx, counter, expect, to, "transfer", note)


def add_next_service(
    tx: Tx, counter: int, to: str, expect: str | None = None, *, note: str | None = None
) -> TicketView:
    """This service is done and the customer needs another one in the same visit (续办):
    another business than the ticket's own, which is refused."""
    return _move_to_queue(tx, counter, expect, to, "next_service", note)


# -- back office (服务蓝图) -----------------------------------------------------------------


def refer(
    tx: Tx, counter: int, to: str | None = None, expect: str | None = None, *,
    note: str | None = None,
) -> TicketView:
    """Hand part of the work to support (a named colleague, or the pool when `to` is None).
    The counter is free for the next customer; the handler still owns the ticket. Naming
    one of the clerk's own matters away from the counter refers it again (the answer to a
    question support sent back, or more work)."""
    check_note(note)
    if to is not None and staff_row(tx, to).role != "support":
        raise Refused(f"staff {to} is not on the support post", zh=f"{to} 不是服务岗（后台）人员")
    staff, row = _held_or_away(tx, counter, expect)
    away = row.counter_number is None
    view = _transition(
        tx, row, ("serving",), status="with_support", support_id=to, counter_number=None,
        note=note or row.note,
    )
    if away:
        log(tx, "refer", ticket=row.id, staff=staff, to=to, note=note, again=True)
    else:
        log(tx, "refer", ticket=row.id, staff=staff, counter=counter, to=to, note=note)
    return view


def _support_staff(tx: Tx, staff: str) -> None:
    if staff_row(tx, staff).role not in ("support", "leader"):
        raise AuthFailed(f"staff {staff} is not on the support post",
                         zh=f"{staff} 不是服务岗（后台）人员")


def take_referral(tx: Tx, number: str, staff: str) -> TicketView:
    """A support colleague takes a referral from the pool."""
    _support_staff(tx, staff)
    row = _with_support(tx, number)
    if row.support_id is not None:
        raise Refused(f"{row.number} is not waiting in the support pool (it is with "
                      f"{row.support_id})", zh=f"{row.number} 已由 {row.support_id} 接手")
    view = _transition(tx, row, ("with_support",), support_id=staff)
    log(tx, "take", ticket=row.id, staff=staff)
    return view


def _with_support(tx: Tx, number: str) -> Row[Any]:
    row = open_matter(tx, number, ("with_support",))
    if row is None:
        wanted = normalize_number(number)
        raise Refused(f"{wanted} is not with support", zh=f"{wanted} 不在后台处理中")
    return row


RETURN_OUTCOMES = ("done", "question")
"""How support hands a referral back: the work is done, or they need the handler's answer."""


def return_from_support(
    tx: Tx, number: str, staff: str, *, note: str | None = None, outcome: str = "done"
) -> TicketView:
    """Support reports back (`outcome` done, or a question for the handler in `note`); the
    ticket is with its handler again, who closes it or refers it again."""
    if outcome not in RETURN_OUTCOMES:
        raise Refused(f"a referral is handed back as done or question, not {outcome!r}",
                      zh="后台退回只能是“已办好”或“有疑问”")
    if outcome == "question" and not (note or "").strip():
        raise Refused("a question for the handler needs its text", zh="请写下要问首办人的问题")
    check_note(note)
    _support_staff(tx, staff)
    row = _with_support(tx, number)
    if row.support_id not in (None, staff):
        raise Refused(f"{row.number} was referred to {row.support_id}, not {staff}",
                      zh=f"{row.number} 转给的是 {row.support_id}，不是 {staff}")
    view = _transition(
        tx, row, ("with_support",), status="serving", support_id=None, note=note or row.note
    )
    extra: dict[str, Any] = {"outcome": outcome} if outcome != "done" else {}
    log(tx, "return", ticket=row.id, staff=staff, note=note, **extra)
    return view


# -- leader and customer -----------------------------------------------------------------


def cancel(tx: Tx, number: str, staff: str, *, reason: str | None = None) -> TicketView:
    """Void a ticket that is waiting or called (duty leader only)."""
    check_length(reason, CANCEL_REASON_MAX, "a reason", "作废原因")
    if staff_row(tx, staff).role != "leader":
        raise AuthFailed(f"only a duty leader can cancel a ticket; {staff} is not one",
                         zh=f"只有值班领导可以作废票号，{staff} 不是值班领导")
    row = ticket_row(tx, number)
    if row.status not in ("waiting", "called"):
        raise Refused(f"{row.number} is {row.status}: only waiting or called tickets are voided",
                      zh=f"{row.number} 为{status_zh(row.status)}：只能作废等候中或已叫号的票号")
    view = _transition(tx, row, ("waiting", "called"), status="cancelled")
    log(tx, "cancel", ticket=row.id, staff=staff, counter=row.counter_number, reason=reason)
    return view


LEFTOVER_STATES = ("waiting", "called", "no_show")
"""States a ticket of an earlier business day can be left in and voided from at day close."""


def expire_leftovers(tx: Tx, *, staff: str | None = None) -> list[TicketView]:
    """Void the numbers earlier business days left waiting, called or missed: the customers
    have gone home. Tickets being served or with support stay open matters of their handler.
    A person doing it must be a duty leader; without `staff` it is the system's own sweep."""
    if staff is not None and staff_row(tx, staff).role != "leader":
        raise AuthFailed(f"only a duty leader closes the day; {staff} is not one",
                         zh=f"只有值班领导可以日终结账，{staff} 不是值班领导")
    stale = tx.conn.execute(
        update(T)
        .where(T.c.business_day < tx.day, T.c.status.in_(LEFTOVER_STATES))
        .values(status="cancelled")
        .returning(*T.c)
    ).all()
    for row in stale:
        log(tx, "expire", ticket=row.id, staff=staff, business_day=row.business_day.isoformat())
    return [TicketView.from_row(r) for r in stale]


def rate(
    tx: Tx, number: str, score: int, *, day: dt.date | None = None, reason: str | None = None,
    counter: int | None = None,
) -> TicketView:
    """The customer's on-the-spot rating: once, only after completion, and not after the
    evaluator recorded "not rated". `reason` (why dissatisfied) and `counter` (where it was
    given; default the ticket's) go into the event."""
    if score not in RATINGS:
        raise Refused(f"rating must be 1 to 4 (4 = very satisfied), got {score}",
                      zh="评价只能是 1 到 4（4 为非常满意）")
    row = ticket_row(tx, number, day)
    if row.status != "done":
        raise Refused(f"{row.number} is {row.status}: only a completed service can be rated",
                      zh=f"{row.number} 为{status_zh(row.status)}：办结后才能评价")
    passed = (  # "not rated" recorded since this completion: the moment to rate has passed
        select(E.c.id)
        .where(E.c.ticket_id == row.id, E.c.kind == "not_rated", E.c.at >= T.c.completed_at)
        .exists()
    )
    stmt = (
        update(T)
        .where(T.c.id == row.id, T.c.status == "done", T.c.rating.is_(None), ~passed)
        .values(rating=score, rated_at=tx.now)
        .returning(*T.c)
    )
    new = tx.conn.execute(stmt).first()
    if new is None:
        rated = row.rating is not None
        done = "been rated" if rated else "been recorded as not rated"
        raise Refused(f"{row.number} has already {done}",
                      zh=f"{row.number} {'已经评价过' if rated else '已记为未评价'}")
    extra: dict[str, Any] = {"reason": reason} if reason else {}
    log(tx, "rate", ticket=row.id, counter=counter or row.counter_number, score=score, **extra)
    return TicketView.from_row(new)

"""Remedies within authority (授权): a handler grants a fee waiver, compensation or a service
on their ticket up to their authority limit; above it the request waits for the duty
leader, who approves or refuses it with a reason.

Each step is one function on the caller's `Tx`: it checks, changes one row with a guarded
statement (a decision names the state it expects, so a request already decided elsewhere
changes nothing), appends one event, and returns a frozen `RemedyView`. The handler's own
grants on one ticket count together against their limit, so a 300-yuan remedy cannot be
split into two of 150 to stay under a 200-yuan limit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from sqlalchemy import Row, Table, func, insert, select, update

from db.errors import AuthFailed, NotFound, Refused, status_zh
from db.rules.ops import (
    T,
    check_session,
    counter_row,
    current_ticket,
    log,
    normalize_number,
    staff_row,
    ticket_row,
)
from db.rules.text import check_fits
from db.store import sql
from db.store.models import Remedy
from db.store.session import Tx
from db.store.views import RemedyView, yuan

R = cast(Table, Remedy.__table__)

REMEDY_TICKET_STATES = ("serving", "with_support", "done")
"""A remedy is granted on a matter being handled or completed, never on a number still in
line (waiting, called, no-show) or voided."""

MAX_AMOUNT_FEN = 100_000_000
"""One million yuan: anything larger is a typing mistake, not a remedy."""

AMOUNT_RE = re.compile(r"(\d{1,9})(?:\.(\d{1,2}))?")
"""Yuan, with at most two decimals."""


# -- money ---------------------------------------------------------------------------------


def parse_amount(text: str) -> int:
    """An amount typed in yuan ("50", "12.5", "12.50", "¥30", "1,200") as integer fen;
    Refused with a one-line message for anything else (a negative, three decimals, a
    word, more than `MAX_AMOUNT_FEN`)."""
    cleaned = text.strip().removeprefix("¥").removeprefix("￥").replace(",", "").strip()
    match = AMOUNT_RE.fullmatch(cleaned)
    if match is None:
        if re.fullmatch(r"\d+\.\d{3,}", cleaned):
            raise Refused(f"amount {text!r} has more than two decimals (fen)",
                          zh=f"金额“{text}”最多两位小数（分）")
        raise Refused(f"amount {text!r} is not a number of yuan, 0 or more, such as 50 or 12.50",
                      zh=f"金额“{text}”不是有效的元数（0 或以上，如 50 或 12.50）")
    fen = int(match[1]) * 100 + int((match[2] or "").ljust(2, "0"))
    if fen > MAX_AMOUNT_FEN:
        raise Refused(f"amount {text!r} is above {yuan(MAX_AMOUNT_FEN)} yuan",
                      zh=f"金额“{text}”超过 {yuan(MAX_AMOUNT_FEN)} 元")
    return fen


# -- reading -------------------------------------------------------------------------------


def _views(tx: Tx, *where: Any) -> list[RemedyView]:
    query = sql.with_ticket(R, *where, ticket_number=T.c.number)
    return [RemedyView.of_row(row, ticket="ticket_number") for row in tx.conn.execute(query)]


def remedy(tx: Tx, remedy_id: int) -> RemedyView:
    """One remedy, or NotFound."""
    found = _views(tx, R.c.id == remedy_id)
    if not found:
        raise NotFound(f"there is no remedy #{remedy_id}", zh=f"没有第 {remedy_id} 号补救申请")
    return found[0]


def ticket_remedies(tx: Tx, ticket_id: int) -> list[RemedyView]:
    """Every remedy on one ticket, oldest first (the card lists them)."""
    return _views(tx, R.c.ticket_id == ticket_id)


def pending_requests(tx: Tx) -> list[RemedyView]:
    """Requests waiting for the duty leader, oldest first, whatever their day."""
    return _views(tx, R.c.status == "pending")


def staff_remedies(tx: Tx, staff: str, day: dt.date | None = None) -> list[RemedyView]:
    """What one staff member granted or asked for on a business day (default today)."""
    return _views(tx, R.c.requested_by == staff, R.c.business_day == (day or tx.day))


def day_remedies(tx: Tx, day: dt.date | None = None) -> list[RemedyView]:
    """Every remedy granted or asked for on a business day (default today)."""
    return _views(tx, R.c.business_day == (day or tx.day))


# -- granting ------------------------------------------------------------------------------


def grant(
    tx: Tx, number: str, staff: str, kind: str, amount_fen: int, reason: str
) -> RemedyView:
    """The ticket's handler (or a duty leader) grants a remedy on ticket `number`, the
    latest one with that number still handled or completed. Within the handler's authority
    it is granted at once; above it, it becomes a request pending the duty leader."""
    person = staff_row(tx, staff)
    row = _remedy_ticket(tx, number)
    return _grant(tx, row, person, kind, amount_fen, reason, counter=None)


def grant_at_counter(
    tx: Tx, counter: int, kind: str, amount_fen: int, reason: str, expect: str | None = None
) -> RemedyView:
    """The clerk signed in at `counter` grants a remedy on the ticket the counter is serving
    (`expect`: the number the clerk's screen shows; another one there is refused)."""
    desk = counter_row(tx, counter)
    check_session(tx, counter, desk.session)
    if desk.staff_id is None:
        raise Refused(f"no one is signed in at counter {counter}",
                      zh=f"{counter} 号窗口无人签到")
    row = current_ticket(tx, counter)
    if row is None:
        raise Refused(f"counter {counter} holds no ticket", zh=f"{counter} 号窗口当前没有票号")
    if expect and row.number != normalize_number(expect):
        raise Refused(f"counter {counter} no longer holds {expect} (it holds {row.number})",
                      zh=f"{counter} 号窗口已不再办理 {expect}（当前为 {row.number}）")
    return _grant(tx, row, staff_row(tx, desk.staff_id), kind, amount_fen, reason,
                  counter=counter)


def _remedy_ticket(tx: Tx, number: str) -> Row[Any]:
    """Today's ticket with that number, or an older matter still open under it."""
    wanted = normalize_number(number)
    query = (
        select(T)
        .where(T.c.number == wanted, T.c.status.in_(("serving", "with_support")))
        .order_by(T.c.id.desc())
        .limit(1)
    )
    row = tx.conn.execute(query).first()
    return row if row is not None else ticket_row(tx, wanted)


def _grant(
    tx: Tx, row: Row[Any], person: Row[Any], kind: str, amount_fen: int, reason: str,
    *, counter: int | None,
) -> RemedyView:
    tx.config.remedy(kind)
    # The ticket's row locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    # writers) and read again: two grants at once cannot both fit under one limit.
    row = tx.conn.execute(select(T).where(T.c.id == row.id).with_for_update()).one()
    reason = _check_request(row, person, amount_fen, reason)
    _check_not_repeated(tx, row, kind)
    status = "granted" if _within_authority(tx, row, person, amount_fen) else "pending"
    new_id = tx.conn.execute(
        insert(R).values(
            ticket_id=row.id, business_day=tx.day, kind=kind, amount_fen=amount_fen,
            reason=reason, status=status, requested_by=person.id, requested_at=tx.now,
        ).returning(R.c.id)
    ).scalar_one()
    log(tx, "remedy_grant" if status == "granted" else "remedy_request", ticket=row.id,
        staff=person.id, counter=counter, remedy=new_id, remedy_kind=kind, amount_fen=amount_fen,
        reason=reason)
    return remedy(tx, new_id)


def _check_request(row: Row[Any], person: Row[Any], amount_fen: int, reason: str) -> str:
    """The request as such: who asks, on what ticket, how much, why."""
    if person.role != "leader" and row.handler_id != person.id:
        owner = row.handler_id or "no one yet"
        raise AuthFailed(
            f"only the handler of {row.number} ({owner}) or a duty leader grants a remedy on it",
            zh=f"只有 {row.number} 的首办责任人（{owner}）或值班领导可以给予补救",
        )
    if row.status not in REMEDY_TICKET_STATES:
        raise Refused(
            f"{row.number} is {row.status}: a remedy is granted on a ticket being served, "
            "with support or completed",
            zh=f"{row.number} 为{status_zh(row.status)}："
               "补救只能给予办理中、后台处理中或已办结的票号",
        )
    if not 0 <= amount_fen <= MAX_AMOUNT_FEN:
        raise Refused(f"a remedy amount is 0 to {yuan(MAX_AMOUNT_FEN)} yuan",
                      zh=f"补救金额须为 0 至 {yuan(MAX_AMOUNT_FEN)} 元")
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("a remedy needs a reason", zh="请填写补救原因")
    check_fits(reason, R.c.reason, "a reason", "原因")
    return reason


def _check_not_repeated(tx: Tx, row: Row[Any], kind: str) -> None:
    """One open request of a kind per ticket: a second press of the key asks nothing new."""
    pending = tx.conn.execute(
        select(R.c.id).where(R.c.ticket_id == row.id, R.c.kind == kind, R.c.status == "pending")
    ).first()
    if pending is not None:
        raise Refused(
            f"{row.number} already has a {kind} request pending the duty leader (#{pending.id})",
            zh=f"{row.number} 已有同类补救申请（第 {pending.id} 号）在等待值班领导审批",
        )


def _within_authority(tx: Tx, row: Row[Any], person: Row[Any], amount_fen: int) -> bool:
    """A duty leader's own grant needs no one's approval; a handler's grants on this ticket
    (this one included) must stay within their authority limit (yuan)."""
    if person.role == "leader":
        return True
    already = tx.conn.execute(
        select(func.coalesce(func.sum(R.c.amount_fen), 0)).where(
            R.c.ticket_id == row.id, R.c.requested_by == person.id, R.c.status == "granted"
        )
    ).scalar_one()
    return int(already) + amount_fen <= int(person.authority_limit) * 100


# -- the duty leader's decision --------------------------------------------------------------


def approve(tx: Tx, remedy_id: int, leader: str, reason: str | None = None) -> RemedyView:
    """The duty leader approves a pending request (an optional reason)."""
    return _decide(tx, remedy_id, leader, "approved", reason or "")


def refuse(tx: Tx, remedy_id: int, leader: str, reason: str) -> RemedyView:
    """The duty leader refuses a pending request; the handler is told why."""
    return _decide(tx, remedy_id, leader, "refused", reason)


def _decide(tx: Tx, remedy_id: int, leader: str, outcome: str, reason: str) -> RemedyView:
    if staff_row(tx, leader).role != "leader":
        raise AuthFailed(
            f"only a duty leader approves or refuses a remedy; {leader} is not one",
            zh=f"只有值班领导可以审批补救申请，{leader} 不是值班领导",
        )
    current = remedy(tx, remedy_id)
    reason = " ".join(reason.split())
    if outcome == "refused" and not reason:
        raise Refused("a refusal needs a reason for the handler", zh="驳回须写明原因")
    check_fits(reason, R.c.decision_reason, "a reason", "原因")
    decided = tx.conn.execute(
        update(R)
        .where(R.c.id == remedy_id, R.c.status == "pending")
        .values(status=outcome, decided_by=leader, decided_at=tx.now,
                decision_reason=reason or None)
        .returning(R.c.id)
    ).first()
    if decided is None:
        raise _not_pending(current)
    log(tx, "remedy_approve" if outcome == "approved" else "remedy_refuse",
        ticket=current.ticket_id, staff=leader, remedy=remedy_id, reason=reason or None)
    return remedy(tx, remedy_id)


def _not_pending(view: RemedyView) -> Refused:
    if view.status == "granted":
        return Refused(
            f"remedy #{view.id} was granted within authority, so there is nothing to decide",
            zh=f"第 {view.id} 号补救在授权额度内已给予，无需审批",
        )
    outcome_zh = "批准" if view.status == "approved" else "驳回"
    return Refused(f"remedy #{view.id} is already {view.status} by {view.decided_by}",
                   zh=f"第 {view.id} 号补救申请已由 {view.decided_by} {outcome_zh}")

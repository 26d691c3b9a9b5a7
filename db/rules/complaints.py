"""Complaints to the duty leader (投诉, 不满意可到值班领导岗要求纠正).

A customer unhappy with a service escalates to the duty leader, who records the complaint
against the ticket and its handler (what, and from whom when the customer says), reads the
ticket's whole history (`db.rules.queries.history`), and resolves it with an outcome (upheld or
not upheld) and one correction:

- **none**: the outcome alone (an explanation was enough).
- **reassign**: the ticket gets another handler, with the reason. This is the one
  sanctioned change of the first-responsible handler (首办责任人); the event keeps the old
  and the new handler. A ticket still waiting (after a transfer) or with support keeps its
  place and only changes owner. A ticket called or being served at the old handler's
  counter leaves that counter — the customer is at the leader's desk, not at the counter —
  and becomes an open matter (serving, at no counter) of the new handler, who closes it by
  naming it at their counter. A completed ticket is reopened, not reassigned.
- **reopen**: a completed ticket (done) goes back to serving, at no counter, among its
  handler's open matters (or another handler's, when one is named): a real hall does not
  interrupt the counter where the handler is serving someone else; the handler finishes
  the matter when free and completes it again. Its rating, if given, stays with it.
- **void**: the leader's void, as `db.rules.ops.cancel`, of a ticket not yet being served
  (waiting, called) or missed (no-show). A matter being served, with support or done is
  never voided — it was real work; it is reassigned or reopened instead. This keeps the
  life cycle of docs/design.md (`waiting/called → cancelled`, and a no-show, which the day's
  close voids too).
- **remedy**: the leader approves a remedy request pending on the ticket (`db.rules.remedies`).

Each step is one function on the caller's `Tx`: it checks that a duty leader does it,
changes its rows with guarded statements (a complaint already resolved elsewhere, or a
ticket another process moved on, changes nothing), appends one event in the leader's name,
and returns a frozen `ComplaintView`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from sqlalchemy import Row, Table, func, insert, select, update

from db.errors import AuthFailed, NotFound, Refused, role_zh, status_zh
from db.rules.counters import COUNTER_ROLES
from db.rules.ops import T, log, staff_row, ticket_row
from db.rules.remedies import R
from db.rules.text import check_fits
from db.store import sql
from db.store.models import COMPLAINT_CORRECTIONS, COMPLAINT_OUTCOMES, Complaint
from db.store.session import Tx
from db.store.views import ComplaintView

K = cast(Table, Complaint.__table__)

PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{2,18}$")
"""A phone number as people write it: digits, spaces and dashes, an optional leading +."""

REASSIGN_STATES = ("waiting", "called", "serving", "with_support")
"""A ticket that can change owner: an open matter (a completed one is reopened instead)."""

VOID_STATES = ("waiting", "called", "no_show")
"""A ticket the leader may void: not yet served (see the module docstring)."""

OUTCOME_ZH = {"upheld": "投诉成立", "not_upheld": "投诉不成立"}
CORRECTION_ZH = {"none": "不需纠正", "reassign": "改派首办人", "reopen": "重新办理",
                 "void": "作废", "remedy": "批准补救"}

_EVENTS = {"none": "complaint_resolve", "reassign": "reassign", "reopen": "reopen",
           "void": "cancel", "remedy": "remedy_approve"}
"""The event each correction appends: a void is a cancel and an approval a remedy_approve,
as when done on their own, so every figure counts them alike."""


# -- reading -------------------------------------------------------------------------------


def _views(tx: Tx, *where: Any) -> list[ComplaintView]:
    query = sql.with_ticket(K, *where, number=T.c.number, ticket_day=T.c.business_day)
    return [ComplaintView.of_row(row, ticket="number", handler="handler_id",
                                 new_handler="new_handler_id")
            for row in tx.conn.execute(query)]


def complaint(tx: Tx, complaint_id: int) -> ComplaintView:
    """One complaint, or NotFound."""
    found = _views(tx, K.c.id == complaint_id)
    if not found:
        raise NotFound(f"there is no complaint #{complaint_id}", zh=f"没有第 {complaint_id} 号投诉")
    return found[0]


def open_complaints(tx: Tx) -> list[ComplaintView]:
    """Complaints not yet resolved, oldest first, whatever their day."""
    return _views(tx, K.c.status == "open")


def day_complaints(tx: Tx, day: dt.date | None = None) -> list[ComplaintView]:
    """Every complaint recorded on a business day (default today), open or resolved."""
    return _views(tx, K.c.business_day == (day or tx.day))


def ticket_complaints(tx: Tx, ticket_id: int) -> list[ComplaintView]:
    """Every complaint about one ticket, oldest first."""
    return _views(tx, K.c.ticket_id == ticket_id)


def upheld_by_handler(tx: Tx, first: dt.date, last: dt.date) -> dict[str, int]:
    """Upheld complaints per handler complained about, recorded from `first` to `last`
    (inclusive): the figure the staff report (奖惩) takes points off for."""
    rows = tx.conn.execute(
        select(K.c.handler_id, func.count())
        .where(K.c.outcome == "upheld", K.c.handler_id.is_not(None),
               K.c.business_day.between(first, last))
        .group_by(K.c.handler_id)
    ).all()
    return {str(handler): int(count) for handler, count in rows}


# -- recording -----------------------------------------------------------------------------


def _leader(tx: Tx, staff: str, doing: str, doing_zh: str) -> None:
    person = staff_row(tx, staff)
    if person.role != "leader":
        raise AuthFailed(f"only a duty leader {doing}; {staff} is a {person.role}",
                         zh=f"只有值班领导可以{doing_zh}；{staff} 是{role_zh(person.role)}")


def _text(text: str, column: Any, what: str, what_zh: str) -> str:
    tidy = " ".join(text.split())
    if not tidy:
        raise Refused(f"please write the {what}", zh=f"请填写{what_zh}")
    check_fits(tidy, column, f"the {what}", what_zh)
    return tidy


def _customer(name: str | None, phone: str | None) -> tuple[str | None, str | None]:
    name = " ".join((name or "").split()) or None
    phone = (phone or "").strip() or None
    check_fits(name, K.c.customer_name, "a customer's name", "客户姓名")
    check_fits(phone, K.c.customer_phone, "a phone number", "电话")
    if phone is not None and not PHONE_RE.match(phone):
        raise Refused(f"phone number {phone!r}: digits, spaces and '-', 3 to 19",
                      zh=f"电话“{phone}”只能由数字、空格和“-”组成，3 到 19 位")
    return name, phone


def record_complaint(
    tx: Tx, leader: str, number: str, body: str, *, customer_name: str | None = None,
    customer_phone: str | None = None, day: dt.date | None = None,
) -> ComplaintView:
    """The duty leader records a complaint about ticket `number` of `day` (default today)
    and its handler: what it is about, and from whom when the customer says."""
    _leader(tx, leader, "records a complaint", "登记投诉")
    body = _text(body, K.c.body, "complaint", "投诉内容")
    name, phone = _customer(customer_name, customer_phone)
    row = ticket_row(tx, number, day)
    already = tx.conn.execute(
        select(K.c.id).where(K.c.ticket_id == row.id, K.c.status == "open")
    ).scalar()
    if already is not None:
        raise Refused(f"{row.number} already has an open complaint (#{already})",
                      zh=f"{row.number} 已有未处理的投诉（第 {already} 号）")
    new_id = tx.conn.execute(
        insert(K).values(
            ticket_id=row.id, business_day=tx.day, handler_id=row.handler_id, body=body,
            customer_name=name, customer_phone=phone, status="open", recorded_by=leader,
            recorded_at=tx.now,
        ).returning(K.c.id)
    ).scalar_one()
    log(tx, "complaint", ticket=row.id, staff=leader, complaint=new_id, handler=row.handler_id)
    return complaint(tx, new_id)


# -- resolving -----------------------------------------------------------------------------


def resolve(
    tx: Tx, complaint_id: int, leader: str, outcome: str, reason: str, *,
    correction: str = "none", to: str | None = None, remedy: int | None = None,
) -> ComplaintView:
    """The duty leader resolves an open complaint: `outcome` upheld or not_upheld, why
    (`reason`), and one `correction` (none, reassign `to` a handler, reopen — to its
    handler or `to` another —, void, or approve pending `remedy`). See the module
    docstring for what each does to the ticket."""
    _leader(tx, leader, "resolves a complaint", "处理投诉")
    _check_choice(outcome, correction)
    reason = _text(reason, K.c.resolution, "reason", "处理意见")
    current = complaint(tx, complaint_id)
    if current.status != "open":
        raise _already_resolved(current)
    ticket = tx.conn.execute(select(T).where(T.c.id == current.ticket_id)).one()
    _check_arguments(correction, to, remedy)
    detail = _correct(tx, ticket, correction, to, remedy)
    if correction == "remedy" and remedy is not None:
        _approve(tx, ticket, remedy, leader, reason)
    done = tx.conn.execute(
        update(K)
        .where(K.c.id == complaint_id, K.c.status == "open")
        .values(status="resolved", outcome=outcome, correction=correction, resolution=reason,
                resolved_by=leader, resolved_at=tx.now, new_handler_id=detail.get("to_handler"),
                remedy_id=remedy if correction == "remedy" else None)
        .returning(K.c.id)
    ).first()
    if done is None:
        raise _already_resolved(complaint(tx, complaint_id))
    log(tx, _EVENTS[correction], ticket=ticket.id, staff=leader,
        counter=detail.pop("counter", None), complaint=complaint_id, outcome=outcome,
        reason=reason, **detail)
    return complaint(tx, complaint_id)


def _check_choice(outcome: str, correction: str) -> None:
    if outcome not in COMPLAINT_OUTCOMES:
        raise Refused(f"a complaint is upheld or not_upheld, not {outcome!r}",
                      zh="投诉处理结果只能是“成立”或“不成立”")
    if correction not in COMPLAINT_CORRECTIONS:
        raise Refused(f"a correction is one of {', '.join(COMPLAINT_CORRECTIONS)}, "
                      f"not {correction!r}",
                      zh="纠正方式只能是不需纠正、改派、重新办理、作废或批准补救")


def _check_arguments(correction: str, to: str | None, remedy: int | None) -> None:
    if correction == "reassign" and to is None:
        raise Refused("a reassignment names the new handler", zh="改派须指定新的首办责任人")
    if correction == "remedy" and remedy is None:
        raise Refused("approving a remedy names the request", zh="批准补救须指定补救申请编号")
    if to is not None and correction not in ("reassign", "reopen"):
        raise Refused("a new handler goes with reassign or reopen only",
                      zh="只有改派或重新办理可以指定新的首办责任人")
    if remedy is not None and correction != "remedy":
        raise Refused("a remedy request goes with the remedy correction only",
                      zh="只有“批准补救”可以指定补救申请")


def _already_resolved(view: ComplaintView) -> Refused:
    return Refused(f"complaint #{view.id} is already resolved by {view.resolved_by}",
                   zh=f"第 {view.id} 号投诉已由 {view.resolved_by} 处理")


def _correct(
    tx: Tx, ticket: Row[Any], correction: str, to: str | None, remedy: int | None
) -> dict[str, Any]:
    """Apply the correction to the ticket (or its remedy); the event's details."""
    if correction == "reassign":
        return _reassign(tx, ticket, _new_handler(tx, ticket, to))
    if correction == "reopen":
        return _reopen(tx, ticket, _new_handler(tx, ticket, to) if to is not None else None)
    if correction == "void":
        return _void(tx, ticket)
    return {"remedy": remedy} if correction == "remedy" else {}


def _new_handler(tx: Tx, ticket: Row[Any], to: str | None) -> str:
    staff = (to or "").strip().upper()
    person = staff_row(tx, staff)
    if person.role not in COUNTER_ROLES:
        raise Refused(f"{staff} is a {person.role}; a handler is a clerk or a duty leader",
                      zh=f"{staff} 是{role_zh(person.role)}：首办责任人须是工作岗或值班领导")
    if staff == ticket.handler_id:
        raise Refused(f"{staff} is already the handler of {ticket.number}",
                      zh=f"{staff} 已经是 {ticket.number} 的首办责任人")
    return staff


def _moved(tx: Tx, ticket: Row[Any], states: tuple[str, ...], **values: Any) -> None:
    """The guarded UPDATE: only if the ticket is still as read (state, handler, counter)."""
    done = tx.conn.execute(
        update(T)
        .where(T.c.id == ticket.id, T.c.status.in_(states),
               T.c.handler_id.is_(None) if ticket.handler_id is None
               else T.c.handler_id == ticket.handler_id)
        .values(**values)
        .returning(T.c.id)
    ).first()
    if done is None:
        raise Refused(f"{ticket.number} was changed by someone else; reload and try again",
                      zh=f"{ticket.number} 已被他人处理，请刷新后重试")


def _reassign(tx: Tx, ticket: Row[Any], to: str) -> dict[str, Any]:
    if ticket.status not in REASSIGN_STATES:
        hint = "; reopen it with the new handler" if ticket.status == "done" else ""
        hint_zh = "；请用“重新办理”并指定新的首办责任人" if ticket.status == "done" else ""
        raise Refused(f"{ticket.number} is {ticket.status}: only an open matter is "
                      f"reassigned{hint}",
                      zh=f"{ticket.number} 为{status_zh(ticket.status)}：只能改派在办事项{hint_zh}")
    if ticket.handler_id is None:
        raise Refused(f"{ticket.number} has no handler yet: the counter that calls it first "
                      "becomes its handler",
                      zh=f"{ticket.number} 尚无首办责任人：首先叫号的窗口即为首办责任人")
    values: dict[str, Any] = {"handler_id": to}
    at_counter = ticket.status in ("called", "serving") and ticket.counter_number is not None
    if at_counter:
        # The customer is at the leader's desk: the old counter is free for its next customer.
        values.update(status="serving", counter_number=None,
                      started_at=ticket.started_at or tx.now)
    _moved(tx, ticket, (ticket.status,), **values)
    return {"from_handler": ticket.handler_id, "to_handler": to,
            "counter": ticket.counter_number if at_counter else None}


def _reopen(tx: Tx, ticket: Row[Any], to: str | None) -> dict[str, Any]:
    if ticket.status != "done":
        raise Refused(f"{ticket.number} is {ticket.status}: only a completed ticket is reopened",
                      zh=f"{ticket.number} 为{status_zh(ticket.status)}：只能重新办理已办结的票号")
    handler = to or ticket.handler_id
    _moved(tx, ticket, ("done",), status="serving", counter_number=None, completed_at=None,
           handler_id=handler)
    detail: dict[str, Any] = {"handler": handler}
    if to is not None:
        detail.update(from_handler=ticket.handler_id, to_handler=to)
    return detail


def _void(tx: Tx, ticket: Row[Any]) -> dict[str, Any]:
    if ticket.status not in VOID_STATES:
        raise Refused(
            f"{ticket.number} is {ticket.status}: only a ticket waiting, called or missed is "
            "voided (reassign or reopen a matter instead)",
            zh=f"{ticket.number} 为{status_zh(ticket.status)}：只能作废等候中、已叫号或过号的票号"
               "（在办或已办结的事项请改派或重新办理）",
        )
    _moved(tx, ticket, (ticket.status,), status="cancelled")
    return {"counter": ticket.counter_number if ticket.status == "called" else None}


def _approve(tx: Tx, ticket: Row[Any], remedy_id: int, leader: str, reason: str) -> None:
    row = tx.conn.execute(select(R).where(R.c.id == remedy_id)).first()
    if row is None or row.ticket_id != ticket.id:
        raise NotFound(f"{ticket.number} has no remedy request #{remedy_id}",
                       zh=f"{ticket.number} 没有第 {remedy_id} 号补救申请")
    approved = tx.conn.execute(
        update(R)
        .where(R.c.id == remedy_id, R.c.status == "pending")
        .values(status="approved", decided_by=leader, decided_at=tx.now,
                decision_reason=reason)
        .returning(R.c.id)
    ).first()
    if approved is None:
        raise Refused(f"remedy #{remedy_id} is {row.status}, not pending",
                      zh=f"第 {remedy_id} 号补救申请不是待审批状态")

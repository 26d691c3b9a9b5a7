"""The customer's on-the-spot evaluation (服务质量评议) at the evaluator beside a counter.

The evaluator offers only the service its counter completed last, and only while it is
fresh; the customer rates it once (with a reason when dissatisfied), or the evaluator
records "not rated" when nobody answers. The rating itself is `db.rules.ops.rate`, the one rule
for every way of rating; this module decides which ticket a counter's evaluator may offer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, select

from db.errors import NotFound, Refused, status_zh
from db.rules import ops, queries
from db.store.session import Tx
from db.store.sql import E, S, T
from db.store.views import CounterView, TicketView

NOT_RATED_WHY = ("timeout", "next_customer")
"""Why a rating was not given: nobody answered in time, or the counter completed the next
customer's service first."""


@dataclass(frozen=True)
class Reason:
    """A reason a dissatisfied customer can pick (stored by `code` in the rating's event)."""

    code: str
    """Stable identifier stored in the event."""
    name_zh: str
    """Chinese text on the evaluator."""
    name_en: str
    """English text."""


REASONS: tuple[Reason, ...] = (
    Reason("long_wait", "等候时间太长", "Waited too long"),
    Reason("slow_service", "办理速度慢", "Service was slow"),
    Reason("attitude", "服务态度不好", "Unfriendly service"),
    Reason("unresolved", "问题没有解决", "Problem not solved"),
    Reason("other", "其他原因", "Another reason"),
)
"""The short list a dissatisfied customer picks from, in the order shown."""


@dataclass(frozen=True)
class EvaluatorView:
    """What a counter's evaluator shows: who serves there, and the service to rate."""

    counter: CounterView
    """The counter: its state and who is signed in."""
    pending: TicketView | None
    """The service just completed here and not yet rated, if any."""
    handler_name: str | None
    """Name of the staff member who completed it (the one the customer rates)."""
    completed_by: str | None
    """Their staff id."""


def _last_completion(tx: Tx, counter: int) -> Row[Any] | None:
    """The latest "complete" event of today at `counter`."""
    query: Select[Any] = (
        select(E.c.ticket_id, E.c.at, E.c.staff_id)
        .where(E.c.kind == "complete", E.c.business_day == tx.day, E.c.counter_number == counter)
        .order_by(E.c.id.desc())
        .limit(1)
    )
    return tx.conn.execute(query).first()


def _passed(tx: Tx, ticket: Row[Any]) -> bool:
    """Whether "not rated" was recorded since the ticket's completion."""
    query = select(E.c.id).where(
        E.c.ticket_id == ticket.id, E.c.kind == "not_rated", E.c.at >= ticket.completed_at
    )
    return tx.conn.execute(query.limit(1)).first() is not None


def _completed_here(tx: Tx, counter: int, ticket_id: int) -> Row[Any]:
    """The ticket, refused unless its latest completion was at `counter` and is unrated."""
    row = tx.conn.execute(select(T).where(T.c.id == ticket_id)).first()
    if row is None:
        raise NotFound(f"no ticket with id {ticket_id}", zh=f"没有编号为 {ticket_id} 的排队号")
    if row.status != "done":
        raise Refused(f"{row.number} is {row.status}: only a completed service can be rated",
                      zh=f"{row.number} {status_zh(row.status)}：只有办结的服务才能评价")
    where = tx.conn.execute(
        select(E.c.counter_number)
        .where(E.c.ticket_id == ticket_id, E.c.kind == "complete")
        .order_by(E.c.id.desc())
        .limit(1)
    ).scalar()
    if where != counter:
        raise Refused(f"{row.number} was not completed at counter {counter}",
                      zh=f"{row.number} 不是在 {counter} 号窗口办结的")
    return row


def awaiting_rating(tx: Tx, counter: int, within: dt.timedelta) -> TicketView | None:
    """The service `counter` completed last, if it was within `within`, is still done and
    has neither been rated nor recorded as not rated. An earlier one is never offered."""
    last = _last_completion(tx, counter)
    if last is None or last.ticket_id is None or tx.now - last.at > within:
        return None
    row = tx.conn.execute(select(T).where(T.c.id == last.ticket_id)).first()
    if row is None or row.status != "done" or row.rating is not None:
        return None
    if row.completed_at != last.at or _passed(tx, row):
        return None  # reopened and completed again elsewhere, or its moment has passed
    return TicketView.from_row(row)


def evaluator_view(tx: Tx, counter: int, within: dt.timedelta) -> EvaluatorView:
    """The counter and the service its evaluator should offer now."""
    desk = next((c for c in queries.counter_views(tx) if c.number == counter), None)
    if desk is None:
        raise NotFound(f"unknown counter {counter}", zh=f"没有 {counter} 号窗口")
    pending = awaiting_rating(tx, counter, within)
    staff_id = name = None
    last = _last_completion(tx, counter) if pending is not None else None
    if last is not None and last.staff_id is not None:
        staff_id = last.staff_id
        name = tx.conn.execute(select(S.c.name).where(S.c.id == staff_id)).scalar()
    return EvaluatorView(desk, pending, name, staff_id)


def reason(code: str) -> Reason:
    """The reason with this code, or Refused."""
    for known in REASONS:
        if known.code == code:
            return known
    codes = ", ".join(r.code for r in REASONS)
    raise Refused(f"unknown reason {code!r}; known: {codes}", zh=f"未知的原因 {code!r}")


def rate_at_counter(
    tx: Tx, counter: int, ticket_id: int, score: int, why: str | None = None
) -> TicketView:
    """The customer at `counter`'s evaluator rates the service completed there last; `why`
    (a `REASONS` code) only with "dissatisfied" (1). Once, like every rating."""
    if why is not None and score != 1:
        raise Refused("a reason is given only with a rating of 1 (dissatisfied)",
                      zh="只有“不满意”时才选择原因")
    if why is not None:
        reason(why)
    row = _completed_here(tx, counter, ticket_id)
    last = _last_completion(tx, counter)
    if last is None or last.ticket_id != ticket_id:
        raise Refused(f"{row.number} is no longer the service just completed at counter "
                      f"{counter}", zh=f"{row.number} 已不是 {counter} 号窗口刚办结的服务")
    return ops.rate(tx, row.number, score, day=row.business_day, reason=why, counter=counter)


def not_rated(tx: Tx, counter: int, ticket_id: int, why: str = "timeout") -> TicketView:
    """Record that the customer did not rate the service completed at `counter` (`why` one
    of `NOT_RATED_WHY`); afterwards it can no longer be rated."""
    if why not in NOT_RATED_WHY:
        raise Refused(f"not rated because {why!r}? known: {', '.join(NOT_RATED_WHY)}",
                      zh=f"未评价的原因 {why!r} 不明")
    row = _completed_here(tx, counter, ticket_id)
    if row.rating is not None:
        raise Refused(f"{row.number} has already been rated", zh=f"{row.number} 已经评价过了")
    if _passed(tx, row):
        raise Refused(f"{row.number} has already been recorded as not rated",
                      zh=f"{row.number} 已记为未评价")
    ops.log(tx, "not_rated", ticket=row.id, counter=counter, why=why)
    return TicketView.from_row(row)

"""The statements of the hot paths, built once and reused.

Building a SQLAlchemy statement costs more than SQLite takes to run it, and every write runs
while the hall's write lock is held; so the steps of `db.rules.ops` execute these prebuilt
statements with parameters. States are written into the SQL as literals, never bound: SQLite
can use a partial index (`WHERE status = 'waiting'`) only when it sees the value when it
prepares the statement, and a literal lets it prepare the statement once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Insert,
    Integer,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)

from db.store.engine import lock_candidate
from db.store.models import AT_COUNTER, Counter, Event, Staff, Ticket

T = cast(Table, Ticket.__table__)
C = cast(Table, Counter.__table__)
S = cast(Table, Staff.__table__)
E = cast(Table, Event.__table__)


def literal(text: str) -> ColumnElement[Any]:
    """A string constant written into the SQL (only for fixed state names and prefixes)."""
    if not text.replace("_", "").isalnum():
        raise ValueError(f"not a plain word: {text!r}")
    return literal_column(f"'{text}'")


def status_in(*states: str) -> ColumnElement[bool]:
    """`status IN ('a', 'b')` with the states as literals."""
    if len(states) == 1:
        return T.c.status == literal(states[0])
    return T.c.status.in_([literal(s) for s in states])


COUNTER_BY_NUMBER: Select[Any] = select(C).where(C.c.number == bindparam("counter"))
STAFF_BY_ID: Select[Any] = select(S).where(S.c.id == bindparam("staff"))
# Worded like the partial unique index `uq_tickets_counter_current`, so SQLite uses it.
CURRENT_TICKET: Select[Any] = select(T).where(
    T.c.counter_number == bindparam("counter"),
    status_in(*AT_COUNTER),
    T.c.counter_number.is_not(None),
)
DESK: Select[Any] = (
    select(
        C.c.staff_id.label("desk_staff"),
        C.c.state.label("desk_state"),
        C.c.profile.label("desk_profile"),
        C.c.session.label("desk_session"),
        *T.c,
    )
    .select_from(
        C.outerjoin(
            T,
            and_(
                T.c.counter_number == C.c.number,
                status_in(*AT_COUNTER),
                T.c.counter_number.is_not(None),
            ),
        )
    )
    .where(C.c.number == bindparam("counter"))
)
"""A counter and the ticket it holds in one round trip: the desk_* columns are the counter's,
the rest the ticket's (all NULL when it holds none)."""
TICKET_BY_NUMBER: Select[Any] = select(T).where(
    T.c.business_day == bindparam("day"), T.c.number == bindparam("number")
)
INSERT_TICKET: Insert = insert(T).returning(*T.c)


def with_ticket(table: Table, *where: Any, **ticket_columns: Any) -> Select[Any]:
    """The rows of `table` (a ticket's complaints, remedies…) that match `where`, oldest
    first, each with the named columns of its ticket (name=column)."""
    labelled = [column.label(name) for name, column in ticket_columns.items()]
    return (select(table, *labelled).join(T, T.c.id == table.c.ticket_id)
            .where(*where).order_by(table.c.id))


@lru_cache(maxsize=256)
def transition(states: tuple[str, ...], keys: tuple[str, ...]) -> Update:
    """`UPDATE tickets SET <keys> WHERE id = :row_id AND status IN <states> RETURNING *`;
    parameters `row_id` and `v_<key>`."""
    return (
        update(T)
        .where(T.c.id == bindparam("row_id"), status_in(*states))
        .values({k: bindparam(f"v_{k}", type_=T.c[k].type) for k in keys})
        .returning(*T.c)
    )


def _candidate(dialect: str, where: ColumnElement[bool], *, oldest: bool = False) -> Any:
    order = (T.c.queued_at, T.c.id) if oldest else (T.c.priority_rank, T.c.queued_at, T.c.id)
    query = (
        select(T.c.id)
        .where(status_in("waiting"), T.c.business_day == bindparam("day", type_=Date()), where)
        .order_by(*order)
        .limit(1)
    )
    return lock_candidate(dialect, query).scalar_subquery()


def _desk_staff() -> Any:
    """The staff id signed in at counter :counter (a scalar subquery for RETURNING)."""
    return (
        select(C.c.staff_id)
        .where(C.c.number == bindparam("counter", type_=Integer()))
        .scalar_subquery()
        .label("desk_staff")
    )


def _same_session() -> ColumnElement[bool]:
    """The counter's session is :session, or the caller holds none (NULL: not checked)."""
    mine = bindparam("session", type_=C.c.session.type)
    return mine.is_(None) | (C.c.session == mine)


def _counter_holds_none() -> ColumnElement[bool]:
    held = select(T.c.id).where(
        T.c.counter_number == bindparam("counter", type_=Integer()),
        status_in(*AT_COUNTER),
        T.c.counter_number.is_not(None),
    )
    return ~held.exists()


@lru_cache(maxsize=256)
def claim(dialect: str, profile: tuple[str, ...], overdue: bool = False) -> Update:
    """The claim of call-next as one guarded UPDATE: the first of the customers sent to this
    counter, then (`overdue`) the longest-waiting of the profile's customers queued at or
    before :cutoff, then of each business of its profile in order (COALESCE stops at the
    first found), priority first, then the oldest. It claims nothing unless the counter
    still is as the caller believes: someone signed in, open, holding no ticket, with the
    work profile `profile` (parameter `profile`, the comma-joined prefixes), in session
    :session (NULL: any). Parameters: counter, day, profile, now, session (and cutoff).
    RETURNING the ticket and `desk_staff`, who called it."""
    probes = [_candidate(dialect, T.c.directed_to == bindparam("counter", type_=Integer()))]
    if overdue:
        probes.append(_candidate(
            dialect,
            T.c.business.in_([literal(prefix) for prefix in profile])
            & T.c.directed_to.is_(None)
            & (T.c.queued_at <= bindparam("cutoff", type_=T.c.queued_at.type)),
            oldest=True,
        ))
    probes += [
        _candidate(dialect, (T.c.business == literal(prefix)) & T.c.directed_to.is_(None))
        for prefix in profile
    ]
    now = bindparam("now", type_=T.c.called_at.type)
    desk_ready = (
        select(C.c.number)
        .where(
            C.c.number == bindparam("counter", type_=Integer()),
            C.c.staff_id.is_not(None),
            C.c.state == literal("open"),
            C.c.profile == bindparam("profile", type_=C.c.profile.type),
            _same_session(),
        )
        .exists()
    )
    staff = (
        select(C.c.staff_id)
        .where(C.c.number == bindparam("counter", type_=Integer()))
        .scalar_subquery()
    )
    return (
        update(T)
        .where(
            T.c.id == func.coalesce(*probes),
            status_in("waiting"),
            desk_ready,
            _counter_holds_none(),
        )
        .values(
            status="called",
            counter_number=bindparam("counter", type_=Integer()),
            # The first call makes the caller the first-responsible handler; later calls keep it.
            handler_id=func.coalesce(T.c.handler_id, staff),
            called_at=now,
            first_called_at=func.coalesce(T.c.first_called_at, now),
            no_show_at=None,
            directed_to=None,
        )
        .returning(*T.c, _desk_staff())
    )


@lru_cache(maxsize=64)
def held_step(states: tuple[str, ...], keys: tuple[str, ...], keep: tuple[str, ...] = ()) -> Update:
    """A step on the ticket counter :counter holds, as one guarded UPDATE: it changes nothing
    unless someone is signed in at the counter (in session :session, unless NULL) and its
    current ticket is in one of `states`
    (and is number :expect, when that is not NULL). Sets `keys` from `v_<key>`; a key in
    `keep` keeps its old value when `v_<key>` is NULL. RETURNING the ticket and `desk_staff`."""
    staffed = (
        select(C.c.number)
        .where(
            C.c.number == bindparam("counter", type_=Integer()),
            C.c.staff_id.is_not(None),
            _same_session(),
        )
        .exists()
    )
    expect = bindparam("expect", type_=T.c.number.type)
    values: dict[str, Any] = {}
    for k in keys:
        value = bindparam(f"v_{k}", type_=T.c[k].type)
        values[k] = func.coalesce(value, T.c[k]) if k in keep else value
    return (
        update(T)
        .where(
            T.c.counter_number == bindparam("counter", type_=Integer()),
            status_in(*AT_COUNTER),
            T.c.counter_number.is_not(None),
            status_in(*states),
            expect.is_(None) | (T.c.number == expect),
            staffed,
        )
        .values(values)
        .returning(*T.c, _desk_staff())
    )

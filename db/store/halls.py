"""Which hall of the database a `Hall` works on (issue 17: many halls in one database).

A database holds one or more halls (`halls`: id, code, name). Every hall-scoped row carries
its hall (`hall_id`, migration 0014). On PostgreSQL, row-level security keeps every
statement to the hall the transaction names (`hall.id`, a setting local to the transaction,
set here); naming none (or 0) sees every hall, as the migrations and whole-database tools
do, and cannot write a hall's row. On SQLite a database is one hall: no second hall is
added, so nothing needs scoping there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, inspect, select, text
from sqlalchemy.engine import Connection

from db.errors import Misuse, Refused
from db.store.models import HallRow

H = cast(Table, HallRow.__table__)

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}")
"""A hall code: letters, digits, `-` and `_`, at most 16 characters."""

ALL_HALLS = "0"
"""The setting's value that lets a read see every hall (a customer's visits by account, a
report across halls)."""


@dataclass(frozen=True)
class HallInfo:
    """One hall of the database."""

    id: int
    code: str
    name: str


def halls(conn: Connection) -> list[HallInfo]:
    """Every hall of the database, in the order they were added."""
    return [HallInfo(r.id, r.code, r.name)
            for r in conn.execute(select(H.c.id, H.c.code, H.c.name).order_by(H.c.id))]


def has_halls(conn: Connection) -> bool:
    """Whether the schema has halls yet (a database before migration 0014 has not)."""
    return bool(inspect(conn).has_table("halls"))


def resolve(conn: Connection, code: str | None) -> HallInfo:
    """The hall `code` names (None: the database's only hall). An unknown code, or no code
    on a database of several halls, is Misuse (one line, exit 2); so is a database of
    several halls opened by a role that row-level security does not hold (a superuser, a
    role with BYPASSRLS): it would see and change every hall's rows."""
    known = halls(conn)
    codes = ", ".join(h.code for h in known)
    if code is None:
        if len(known) != 1:
            raise Misuse(f"this database holds {len(known)} halls ({codes}): choose one with "
                         "--hall CODE or $HALL_CODE",
                         zh=f"此数据库有 {len(known)} 个营业厅（{codes}）：请用 --hall 或 "
                            "$HALL_CODE 指定")
        chosen = known[0]
    else:
        found = [h for h in known if h.code == code]
        if not found:
            raise Misuse(f"no hall {code!r} in this database (it holds: {codes})",
                         zh=f"此数据库中没有营业厅 {code}（现有：{codes}）")
        chosen = found[0]
    if len(known) > 1 and conn.dialect.name == "postgresql":
        held = conn.execute(text("SELECT row_security_active('tickets')")).scalar_one()
        if not held:
            user = conn.execute(text("SELECT current_user")).scalar_one()
            raise Misuse(
                f"role {user} is not held by row-level security (a superuser, or BYPASSRLS): "
                "a database of several halls must be used through a plain role",
                zh=f"数据库角色 {user} 不受行级安全约束（超级用户或 BYPASSRLS）："
                   "多营业厅数据库须用普通角色连接")
    return chosen


def scope(conn: Connection, hall_id: int | str) -> None:
    """Keep the rest of this transaction to hall `hall_id` (ALL_HALLS: every hall, for
    reading); a no-op on SQLite, whose database is one hall."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('hall.id', :hall, true)"), {"hall": str(hall_id)})


@contextmanager
def across_halls(conn: Connection, hall_id: int) -> Iterator[None]:
    """Within it, the transaction's reads see every hall of the database (a customer's
    visits by account); afterwards it is kept to `hall_id` again."""
    scope(conn, ALL_HALLS)
    try:
        yield
    finally:
        scope(conn, hall_id)


def add(conn: Connection, code: str, name: str) -> HallInfo:
    """Add a hall to the database (PostgreSQL only: a SQLite database is one hall). The
    code must be new and well-formed; Misuse otherwise, nothing changed."""
    if not CODE.fullmatch(code):
        raise Misuse(f"bad hall code {code!r}: letters, digits, - and _, at most 16",
                     zh=f"营业厅代码 {code} 有误：只可用字母、数字、- 和 _，至多 16 个字符")
    name = name.strip() or code
    if len(name) > 80:
        raise Misuse("the hall's name is longer than 80 characters",
                     zh="营业厅名称超过 80 个字符")
    if conn.dialect.name == "sqlite":
        raise Refused(
            "a SQLite database holds one hall: put several halls in one PostgreSQL database "
            "(`hall migrate --to URL` moves this one there)",
            zh="SQLite 数据库只能容纳一个营业厅：多个营业厅请用 PostgreSQL 数据库")
    if any(h.code == code for h in halls(conn)):
        raise Refused(f"hall {code!r} is already in this database",
                      zh=f"营业厅 {code} 已在此数据库中")
    row: Any = conn.execute(H.insert().values(code=code, name=name)
                            .returning(H.c.id, H.c.code, H.c.name)).one()
    return HallInfo(row.id, row.code, row.name)


def ensure(conn: Connection, code: str, name: str = "") -> HallInfo | None:
    """Make hall `code` one of the database's (`hall init --hall CODE`); the new hall, or
    None when it was there. On SQLite, whose database is one hall, the hall takes the code
    while its database holds no event yet (a new hall named at `hall init`); later it is
    refused (`add`)."""
    known = halls(conn)
    if any(h.code == code for h in known):
        return None
    if conn.dialect.name == "sqlite" and len(known) == 1 and CODE.fullmatch(code):
        from db.store.models import Event

        events = cast(Table, Event.__table__)
        if conn.execute(select(events.c.id).limit(1)).first() is None:
            conn.execute(H.update().where(H.c.id == known[0].id)
                         .values(code=code, name=name.strip() or code))
            return HallInfo(known[0].id, code, name.strip() or code)
    return add(conn, code, name)


def verify(conn: Connection, hall_id: int, progress: Any = None, anchor: str | None = None,
           *, full: bool = False) -> Any:
    """`db.store.audit.verify` for the hall the transaction is kept to: the event log is one
    chain over every hall of the database, so the chain is walked across the halls, and
    each of this hall's tickets, counters, remedies and complaints replayed from its own
    events (a counter's number is the hall's). On SQLite (one hall) it is `audit.verify`."""
    from dataclasses import replace

    from db.store import audit

    if conn.dialect.name == "sqlite":
        return audit.verify(conn, progress, anchor, full=full)
    with across_halls(conn, hall_id):
        chain = audit.verify(conn, progress, anchor, tables=False, full=full)
    if chain.problem is not None:
        return chain
    problem, count = audit.check_tickets(conn, hall_id)
    rows = 0
    if problem is None:
        problem, rows = audit.check_tables(conn, hall_id)
    return replace(chain, ok=problem is None, problem=problem, tickets=count, rows=rows)

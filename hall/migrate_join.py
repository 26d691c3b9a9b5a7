"""`hall migrate --to URL` into a PostgreSQL database that already holds other halls (issue 17:
many halls in one database): the hall is added as a new hall of that database, its code and
name kept.

How it differs from copying a hall into an empty database (`hall.migrate`):
- The ids of the growing tables (tickets, remedies, complaints, feedback, appointments,
  events) are the target's other halls' too, so the hall's rows take a range of ids of their
  own: each table's range is reserved from its id sequence (under a brief table lock, so that
  the other halls' writers, which may be running, never take an id in it), and every id is
  moved by that table's offset, with every reference to it (a ticket's, a remedy's; an
  event's detail naming a complaint, remedy or feedback).
- The event log is one chain over the whole database: the hall's events cannot keep their
  hashes (they cover the id and the event before). Its own chain is verified first, on the
  source (a log that fails is refused, never laundered into the target's chain); its events
  are then written unsealed, in their order, and sealed onto the database's chain (by this
  command, or meanwhile by any other hall's sealer). A head hash written down from the
  source (a closing report's) stays checkable against the source's file, not the target.
- Business types are the database's: the hall's are added where the database lacks them;
  those it has are kept. The hall secret (phone links) is the database's: a phone link the
  source signed no longer opens. Stored day figures are not copied (derived).
- Staff ids are the utility's: a staff id another hall of the target already has is refused
  before anything is written.

Resumable: each chunk is one transaction, in id order, the tables in an order that lets a
later table find its references' offsets in the rows already copied (a table's offset is
where its first copied row stands); run it again and it goes on. A hall of that code already
in the target is refused (exit 2) unless it is this same migration left half done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from db.errors import Refused
from hall.errors import UsageError

CHUNK = 2_000
"""Rows per transaction (as `hall.migrate.CHUNK`)."""
ORDER = ("tickets", "remedies", "complaints", "feedback", "appointments", "events")
"""The growing tables in the order they are copied: events last, so that the offsets their
details need are all known (found again on a resumed run) by then."""
SMALL = ("staff", "pin_attempts", "counters", "day_sequences")
"""The hall's own small tables, written whole each run."""
REFERENCES = {"ticket_id": "tickets", "remedy_id": "remedies"}
"""A column naming a row of a growing table, and the table."""
IN_DETAIL = {"complaint": "complaints", "remedy": "remedies", "feedback": "feedback"}
"""An event detail's key naming a row of a growing table, and the table."""


def joining(src: Any, dst: Any) -> bool:
    """Whether the hall goes into the target as a hall beside others (a PostgreSQL target
    holding other halls, or any hall's history other than this one's own copy), rather than
    as the database's one hall (an empty target, or this hall's copy left half done)."""
    from sqlalchemy import func, select

    from db.rules.ops import E, S, T
    from db.store import halls

    if dst.dialect.name != "postgresql":
        return False
    first = dst.execute(select(E.c.hash).order_by(E.c.id).limit(1)).scalar()
    mine = src.execute(select(E.c.hash).order_by(E.c.id).limit(1)).scalar()
    several = len(halls.halls(dst)) > 1
    used = any(dst.execute(select(func.count()).select_from(table)).scalar()
               for table in (E, T, S))
    dst.commit()
    src.commit()
    if first is not None and first == mine and not several:
        return False  # this hall's own copy, left half done or moved on (`_same_hall`)
    return several or used


def add_hall(src: Any, dst: Any, tables: list[Any], tell: Callable[[int, int], None] | None
             ) -> tuple[int, dict[str, int]]:
    """Copy the source's one hall into the target as a hall of its own; its id there and
    the rows copied per table (the hall's rows, counted on both sides)."""
    from db.store import halls

    known = halls.halls(src)
    if len(known) != 1:
        raise Refused("the hall to move is in a database of several halls: move one hall "
                      "at a time from a database of one",
                      zh="源数据库有多个营业厅：请从单营业厅数据库迁移")
    mine = known[0]
    hall_id = _target_hall(src, dst, mine.code, mine.name)
    by_name = {t.name: t for t in tables}
    total = sum(_count(src, by_name[n]) for n in (*SMALL, *ORDER))
    copied = 0
    _business_types(src, dst, by_name["business_types"])
    for name in SMALL:
        copied += _small(src, dst, by_name[name], hall_id)
        if tell is not None:
            tell(copied, total)
    offsets: dict[str, int] = {}
    for name in ORDER:
        for n in _grow(src, dst, by_name[name], hall_id, offsets):
            copied += n
            if tell is not None:
                tell(copied, total)
    counts = {}
    for name in (*SMALL, *ORDER):
        mine_n, theirs = _count(src, by_name[name]), _count(dst, by_name[name], hall_id)
        if mine_n != theirs:
            raise Refused(f"table {name}: {mine_n} rows in the hall, {theirs} in the copy "
                          "(did an app write during the migration? stop them and run it again)",
                          zh=f"表 {name}：本厅 {mine_n} 行，副本 {theirs} 行"
                             "（迁移时是否有程序在写？请停止各终端后重新运行）")
        counts[name] = mine_n
    src.commit()
    dst.commit()
    return hall_id, counts


def _target_hall(src: Any, dst: Any, code: str, name: str) -> int:
    """The hall's id in the target: added, or (this migration left half done) found. A hall
    of that code that is not this migration's is refused (exit 2); so is a staff id of the
    hall that another hall of the target has. Nothing is written before these checks."""
    from sqlalchemy import select

    from db.rules.ops import S
    from db.store import halls

    there = next((h for h in halls.halls(dst) if h.code == code), None)
    if there is not None and not _same_migration(src, dst, there.id):
        raise UsageError(f"migrate: hall {code!r} is already in the target database (and "
                         "is not this hall's migration left half done): nothing was written")
    staff_ids = [r for (r,) in src.execute(select(S.c.id))]
    taken = dst.execute(select(S.c.id, S.c.hall_id).where(S.c.id.in_(staff_ids))).all()
    clash = [r.id for r in taken if there is None or r.hall_id != there.id]
    dst.commit()
    src.commit()
    if clash:
        raise Refused(f"staff id {clash[0]} is already another hall's in the target database "
                      "(a staff id is the utility's): give the person another id here first",
                      zh=f"工号 {clash[0]} 在目标数据库中已属另一营业厅：请先在本厅改用其他工号")
    if there is not None:
        return there.id
    with dst.begin():
        return halls.add(dst, code, name).id


def _same_migration(src: Any, dst: Any, hall_id: int) -> bool:
    """Whether the target's hall `hall_id` is this hall's copy left half done: its staff are
    the hall's, and its first and last copied tickets and events are the hall's (by their
    day and number, their time and kind: the ids moved, the events' hashes too)."""
    from sqlalchemy import func, select

    from db.rules.ops import E, S, T

    theirs = {r for (r,) in dst.execute(select(S.c.id).where(S.c.hall_id == hall_id))}
    mine = {r for (r,) in src.execute(select(S.c.id))}
    if not theirs <= mine:
        return False
    for table, columns in ((T, (T.c.business_day, T.c.number)), (E, (E.c.at, E.c.kind))):
        low, high = dst.execute(select(func.min(table.c.id), func.max(table.c.id))
                                .where(table.c.hall_id == hall_id)).one()
        if low is None:
            continue
        start = src.execute(select(func.min(table.c.id))).scalar()
        if start is None:
            return False
        for at, then in ((low, start), (high, start + high - low)):
            there = dst.execute(select(*columns).where(table.c.id == at)).first()
            here = src.execute(select(*columns).where(table.c.id == then)).first()
            if here is None or tuple(there or ()) != tuple(here):
                return False
    return True


def _count(conn: Any, table: Any, hall_id: int | None = None) -> int:
    from sqlalchemy import func, select

    query = select(func.count()).select_from(table)
    if hall_id is not None:
        query = query.where(table.c.hall_id == hall_id)
    return int(conn.execute(query).scalar() or 0)


def _business_types(src: Any, dst: Any, table: Any) -> None:
    """The hall's business types the database lacks, added (those it has are kept)."""
    from sqlalchemy import insert, select

    rows = src.execute(select(table)).mappings().all()
    have = {p for (p,) in dst.execute(select(table.c.prefix))}
    src.commit()
    dst.commit()
    missing = [dict(r) for r in rows if r["prefix"] not in have]
    if missing:
        with dst.begin():
            dst.execute(insert(table), missing)


def _small(src: Any, dst: Any, table: Any, hall_id: int) -> int:
    """One of the hall's small tables, written whole: each row inserted, or updated where
    the hall has it (its key within the hall)."""
    from sqlalchemy import and_, insert, select, update

    from db.store import halls

    key = [c for c in table.primary_key.columns if c.name != "hall_id"]
    rows = src.execute(select(table)).mappings().all()
    src.commit()
    dst.commit()
    with dst.begin():
        halls.scope(dst, hall_id)
        for row in rows:
            values = {**row, "hall_id": hall_id}
            match = and_(table.c.hall_id == hall_id, *(c == row[c.name] for c in key))
            if dst.execute(select(*key).where(match)).first() is None:
                dst.execute(insert(table).values(**values))
            else:
                dst.execute(update(table).where(match).values(**values))
    return len(rows)


def _grow(src: Any, dst: Any, table: Any, hall_id: int, offsets: dict[str, int]) -> Any:
    """Copy a growing table's rows into the hall's id range (its offset found from the rows
    already copied, else reserved), chunk by chunk; yields the rows written."""
    from sqlalchemy import func, insert, select

    from db.store import halls

    ident = table.c.id
    low, high = src.execute(select(func.min(ident), func.max(ident))).one()
    src.commit()
    if low is None:
        return
    first = dst.execute(select(func.min(ident)).where(table.c.hall_id == hall_id)).scalar()
    last = dst.execute(select(func.max(ident)).where(table.c.hall_id == hall_id)).scalar()
    dst.commit()
    offset = first - low if first is not None else _reserve(dst, table.name, low, high)
    offsets[table.name] = offset
    done = last - offset if last is not None else low - 1
    events = table.name == "events"
    while True:
        rows = src.execute(select(table).where(ident > done).order_by(ident).limit(CHUNK)
                           ).mappings().all()
        src.commit()
        if not rows:
            return
        moved = [_moved(dict(r), offset, hall_id, offsets, events) for r in rows]
        with dst.begin():  # kept to the hall: the day's-figures trigger of an event too
            halls.scope(dst, hall_id)
            dst.execute(insert(table), moved)
        done = int(rows[-1]["id"])
        yield len(rows)


def _moved(row: dict[str, Any], offset: int, hall_id: int, offsets: dict[str, int],
           events: bool) -> dict[str, Any]:
    """A row as it goes into the hall's id ranges."""
    row["id"] += offset
    row["hall_id"] = hall_id
    for column, table in REFERENCES.items():
        if row.get(column) is not None:
            row[column] += offsets[table]
    if events:
        row["seal"] = row["prev_hash"] = row["hash"] = None  # chained again in the target
        detail = row.get("detail")
        if isinstance(detail, dict):
            row["detail"] = {k: (v + offsets[IN_DETAIL[k]]
                                 if k in IN_DETAIL and isinstance(v, int) and IN_DETAIL[k]
                                 in offsets else v) for k, v in detail.items()}
    return row


def _reserve(dst: Any, table: str, low: int, high: int) -> int:
    """Reserve a range of `high - low + 1` ids of `table` from its sequence; the offset that
    moves the source's ids into it. Under a brief lock that holds the other halls' inserts
    back, so that none takes an id inside the range."""
    from sqlalchemy import text

    with dst.begin():
        dst.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        sequence = dst.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                               {"t": table}).scalar()
        base = int(dst.execute(text(
            f"SELECT greatest(nextval('{sequence}'), "  # noqa: S608 (our own names)
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1)")).scalar())
        dst.execute(text(f"SELECT setval('{sequence}', {base + high - low})"))
    return base - low


def seal_all(target: Any) -> None:
    """Chain every unsealed event of the target (the hall's, written unsealed) now."""
    from db.store.audit import seal

    raw = target.raw_connection()
    try:
        seal(raw.driver_connection, wait=True)
    finally:
        raw.close()


def verify(target: Any, hall_id: int) -> Any:
    """`hall audit verify` on the target for the hall: the whole chain, and the hall's
    tickets, counters, remedies and complaints against its events, in one snapshot."""
    from db.store import halls
    from db.store.engine import READ_ONLY

    with target.connect() as conn:
        conn.execution_options(**{READ_ONLY: True}, isolation_level="REPEATABLE READ",
                               postgresql_readonly=True)
        with conn.begin():
            halls.scope(conn, hall_id)
            return halls.verify(conn, hall_id)

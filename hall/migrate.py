"""`hall migrate --to URL`: a hall's whole history from its database (the SQLite file,
usually) into another (PostgreSQL, usually), verified, and resumable after an interruption.

How: the target's schema is brought to the newest revision (as `hall init` does, without
writing the config's rows: they come from the source); then every table is copied in the
order its foreign keys need. A table keyed by an integer id is copied in chunks of rows
above the target's highest id, each chunk one transaction: a run cut off (Ctrl+C, a lost
connection) goes on from the last chunk that was written. The small tables keyed otherwise
(business types, staff, counters, the day's sequences, the hall's secrets, PIN attempts)
are written whole each run, row by row, inserted or updated. The stored figures of closed
days are kept on the source first (the days no report or close kept yet) and copied last, so
that the target's first report over the hall's history reads them.
Server sequences are moved past the copied ids. Then it is verified: every table's rows
counted on both sides, the newest event's hash the same, and `hall audit verify` (the chain,
and every ticket, counter, remedy and complaint against its events) on the target.

Run it with the hall's apps stopped: rows that change while it copies (a ticket called) are
not followed. On PostgreSQL the source's committed events are sealed into the chain first;
a log whose chain order is not its id order (written side by side there) can only go to
another PostgreSQL database. A SQLite target that holds another hall's history (its first
event differs) is refused; one that holds part of this hall's is the resumable case. A
PostgreSQL target that holds other halls takes the hall as one beside them
(`hall.migrate_join`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from db.errors import Misuse, Refused
from hall.errors import UsageError, masked
from hall.output import progress_bar
from hall.run import Run, parse_url

CHUNK = 2_000
"""Rows per transaction when copying a table keyed by id."""
DERIVED = {"day_figures"}
"""Tables not copied (what they hold is replayed from the log again)."""
TARGET_ENV = "HALL_MIGRATE_TO"
"""Where the target URL may be given instead of `--to` (a password kept off the command line)."""


def migrate(run: Run) -> None:
    """`migrate --to URL`: copy the hall into the database at URL and verify the copy."""
    from sqlalchemy import MetaData

    from db.figures.days import keep_closed_days
    from db.store import halls
    from db.store.audit import head as audit_head
    from db.store.engine import create_database, make_engine
    from db.store.models import Base
    from db.store.schema import current_revision, head_revision, upgrade
    from hall import migrate_join as join

    target_url = run.args.to or os.environ.get(TARGET_ENV)
    if not target_url:
        raise UsageError(f"migrate: give --to URL (or ${TARGET_ENV}) of the database to fill")
    parse_url(target_url)
    if target_url == run.url:
        raise UsageError("migrate: --to is the hall's own database")
    source = run.hall().engine
    if current_revision(source) != head_revision(source):
        raise Refused("the hall's database is not at the newest schema: run `hall init` on it "
                      "first", zh="本厅数据库不是最新结构：请先运行 hall init")
    run.hall().seal()  # PostgreSQL: every committed event into the chain before it is copied
    with progress_bar("日数据 keeping the closed days' figures") as tell, \
            contextlib.suppress(Misuse):  # a source of several halls: its kept days copied
        keep_closed_days(run.hall(), tell)  # copied at the end: the target's reports read them
    if target_url.startswith("sqlite"):
        _chained_in_id_order(source)
    create_database(target_url)
    target = make_engine(target_url)
    try:
        upgrade(target)
        metadata: MetaData = Base.metadata
        tables = [t for t in metadata.sorted_tables if t.name not in DERIVED]
        with source.connect() as src, target.connect() as dst:
            if join.joining(src, dst):  # a hall beside the target's others
                _source_verified(source)  # its events are chained again there
                with progress_bar("迁移 migrating", after=0) as tell:
                    hall_id, counts = join.add_hall(src, dst, tables, tell)
                join.seal_all(target)
                days = _copy_figures(src, dst, hall_id)
                result = join.verify(target, hall_id)
                code = next(h.code for h in halls.halls(src))
                src.commit()
                added = True
            else:
                added = False
        if added:
            _joined(run, target_url, code, counts, days, result)
            return
        with source.connect() as src, target.connect() as dst:
            _same_hall(src, dst)
            copied = 0
            with progress_bar("迁移 migrating", after=0) as tell:
                total = sum(_count(src, t) for t in tables)
                for table in tables:
                    for n in _copy(src, dst, table):
                        copied += n
                        if tell is not None:
                            tell(copied, total)
            _move_sequences(dst, tables)
            counts = _compare_counts(src, dst, tables)
            days = _copy_figures(src, dst, None)
        result = _verify(target)
        with source.connect() as src:
            newest = audit_head(src)
    finally:
        target.dispose()
    where = masked(target_url)
    if result.problem is not None:
        raise Refused(f"the copy in {where} fails verification: {result.problem.message}",
                      zh=f"{where} 中的副本校验未通过：{result.problem.message_zh}")
    if newest is not None and (result.head_id, result.head_hash) != tuple(newest):
        raise Refused(f"the copy's newest event is not the hall's (event {newest[0]}): did an "
                      "app write during the migration? stop them and run it again",
                      zh="副本的最新事件与本厅不同：迁移时是否有程序在写？请停止各终端后重新运行")
    rows = sum(counts.values())
    run.out.done(
        f"已迁移到 {where}：{len(counts)} 张表 {rows} 行，事件 {result.events} 条，"
        f"{days} 个已结束营业日的统计已保存，校验通过 (migrated: {len(counts)} tables, {rows} "
        f"rows, {result.events} events, {days} closed days' figures kept, verified)",
        {"to": where, "tables": counts, "days_kept": days, "events": result.events,
         "head_id": result.head_id,
         "head_hash": result.head_hash, "verified": True})


def _copy_figures(src: Any, dst: Any, hall_id: int | None) -> int:
    """The closed days' stored figures (`db.figures.days`, kept on the source first), copied
    after the events (an event written on a day drops that day's figures): the target's
    first report over the hall's history reads them instead of replaying it. `hall_id`: the
    hall's id in the target when it was added beside others. Returns the days copied."""
    from sqlalchemy import delete, insert, select

    from db.figures.days import D as table
    from db.store import halls

    rows = [dict(r) for r in src.execute(select(table)).mappings()]
    src.commit()
    dst.commit()
    if not rows:
        return 0
    with dst.begin():
        if hall_id is not None:
            halls.scope(dst, hall_id)
            for row in rows:
                row["hall_id"] = hall_id
        mine = hall_id if hall_id is not None else rows[0]["hall_id"]
        dst.execute(delete(table).where(table.c.hall_id == mine))
        dst.execute(insert(table), rows)
    return len(rows)


def _source_verified(source: Any) -> None:
    """Refuse a hall whose own log fails `audit verify`: added beside other halls its events
    are chained again, which would hide what was done to them."""
    problem = _verify(source).problem
    if problem is not None:
        raise Refused(f"the hall's own event log fails verification ({problem.message}): it "
                      "is not moved into another database's chain",
                      zh=f"本厅事件记录校验未通过（{problem.message_zh}）：不迁入其他数据库的事件链")


def _joined(run: Run, target_url: str, code: str, counts: dict[str, int], days: int,
            result: Any) -> None:
    """The answer of a hall added beside the target's others (`hall.migrate_join`)."""
    where = masked(target_url)
    if result.problem is not None:
        raise Refused(f"the copy in {where} fails verification: {result.problem.message}",
                      zh=f"{where} 中的副本校验未通过：{result.problem.message_zh}")
    rows = sum(counts.values())
    run.out.done(
        f"已作为营业厅 {code} 迁入 {where}：{len(counts)} 张表 {rows} 行，事件 "
        f"{counts.get('events', 0)} 条已接入该库的事件链，{days} 个已结束营业日的统计已保存，"
        f"校验通过 (added as hall {code}: {len(counts)} tables, {rows} rows, "
        f"{counts.get('events', 0)} events chained onto the database's chain, {days} closed "
        "days' figures kept, verified; a head hash written down from this hall stays "
        "checkable against its own file)",
        {"to": where, "hall": code, "added": True, "tables": counts, "days_kept": days,
         "events": counts.get("events", 0), "head_id": result.head_id,
         "head_hash": result.head_hash, "verified": True})


def _chained_in_id_order(source: Any) -> None:
    """Refuse to copy into SQLite a log whose chain order is not its id order (written side by
    side on PostgreSQL, its events sealed after commit): on SQLite an event's place in the
    chain is its id."""
    from sqlalchemy import select

    from db.rules.ops import E

    with source.connect() as conn:
        odd = conn.execute(select(E.c.id).where(E.c.seal.is_distinct_from(E.c.id))
                           .limit(1)).first()
    if odd is not None:
        raise Refused(
            f"this hall's event chain is not in id order (from event {odd.id} on: its events "
            "were written side by side on PostgreSQL), and on SQLite an event's place in the "
            "chain is its id: copy it to another PostgreSQL database instead",
            zh=f"本厅事件链的顺序与编号顺序不同（自第 {odd.id} 条起，为 PostgreSQL 上并行写入），"
               "而 SQLite 中事件在链中的位置即其编号：请迁移到另一个 PostgreSQL 数据库")


def _same_hall(src: Any, dst: Any) -> None:
    """Refuse a target whose log is not a beginning of the source's: another hall's (its
    first event differs), or a copy that has moved on since (its newest event is not the
    source's event of that id). Checked before anything is written."""
    from sqlalchemy import select

    from db.rules.ops import E

    def at(conn: Any, newest: bool, ident: int | None = None) -> Any:
        query = select(E.c.id, E.c.hash)
        if ident is not None:
            query = query.where(E.c.id == ident)
        return conn.execute(query.order_by(E.c.id.desc() if newest else E.c.id).limit(1)).first()

    first = at(dst, newest=False)
    dst.commit()
    if first is None:
        return
    if tuple(first) != tuple(at(src, newest=False) or ()):
        raise Refused("the target holds another hall's history (its first event differs): "
                      "give an empty database",
                      zh="目标数据库中是另一个营业厅的记录：请使用空数据库")
    last = at(dst, newest=True)
    if tuple(last) != tuple(at(src, newest=False, ident=last.id) or ()):
        raise Refused(f"the target has moved on from this hall (its event {last.id} is not the "
                      "hall's): it is in use; give an empty database",
                      zh=f"目标数据库已在使用（其第 {last.id} 条事件与本厅不同）：请使用空数据库")
    src.commit()
    dst.commit()


def _count(conn: Any, table: Any) -> int:
    from sqlalchemy import func, select

    return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def _keyed_by_id(table: Any) -> bool:
    """Keyed by an integer `id` (the growing tables: tickets, events, ...). Not `halls`: the
    target's migration made its hall 1 already, which takes the source's code and name."""
    from sqlalchemy import Integer

    key = list(table.primary_key.columns)
    return (table.name != "halls" and len(key) == 1 and key[0].name == "id"
            and isinstance(key[0].type, Integer))


def _copy(src: Any, dst: Any, table: Any) -> Iterator[int]:
    """Copy one table; yields the rows written, chunk by chunk (each chunk committed)."""
    from sqlalchemy import func, insert, select

    if not _keyed_by_id(table):
        yield _sync_small(src, dst, table)
        return
    ident = table.c.id
    done = int(dst.execute(select(func.max(ident))).scalar() or 0)
    dst.commit()
    while True:
        rows = src.execute(select(table).where(ident > done).order_by(ident).limit(CHUNK)
                           ).mappings().all()
        src.commit()  # no read transaction held open between chunks
        if not rows:
            return
        with dst.begin():
            dst.execute(insert(table), [dict(r) for r in rows])
        done = int(rows[-1]["id"])
        yield len(rows)


def _sync_small(src: Any, dst: Any, table: Any) -> int:
    """A small table keyed otherwise: every row inserted, or updated where it is there."""
    from sqlalchemy import and_, insert, select, update

    key = list(table.primary_key.columns)
    rows = src.execute(select(table)).mappings().all()
    src.commit()
    dst.commit()  # nothing open: the rows go in as one transaction
    with dst.begin():
        for row in rows:
            match = and_(*(c == row[c.name] for c in key))
            if dst.execute(select(*key).where(match)).first() is None:
                dst.execute(insert(table).values(**row))
            else:
                dst.execute(update(table).where(match).values(**row))
    return len(rows)


def _move_sequences(dst: Any, tables: list[Any]) -> None:
    """On PostgreSQL, each id sequence past the highest id copied (new rows must not clash)."""
    from sqlalchemy import text

    if dst.dialect.name != "postgresql":
        return
    dst.commit()
    with dst.begin():
        for table in tables:
            if not _keyed_by_id(table):
                continue
            sequence = dst.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                   {"t": table.name}).scalar()
            if sequence:
                dst.execute(text(f"SELECT setval('{sequence}', "  # noqa: S608 (our own names)
                                 f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))


def _compare_counts(src: Any, dst: Any, tables: list[Any]) -> dict[str, int]:
    """Rows per table, the same on both sides, else Refused naming the first that differs."""
    counts: dict[str, int] = {}
    for table in tables:
        mine, theirs = _count(src, table), _count(dst, table)
        if mine != theirs:
            raise Refused(f"table {table.name}: {mine} rows in the hall, {theirs} in the copy "
                          "(did an app write during the migration? stop them and run it again)",
                          zh=f"表 {table.name}：本厅 {mine} 行，副本 {theirs} 行"
                             "（迁移时是否有程序在写？请停止各终端后重新运行）")
        counts[table.name] = mine
    src.commit()
    dst.commit()
    return counts


def _verify(target: Any) -> Any:
    from db.store import audit
    from db.store.engine import READ_ONLY

    with target.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        if conn.dialect.name == "postgresql":  # one snapshot (`Hall.read`'s `snapshot`)
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            return audit.verify(conn)

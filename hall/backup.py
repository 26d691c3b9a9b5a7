"""`hall backup FILE` and `hall restore FILE`: a copy of the hall's database taken while the
hall runs, verified before it is kept; and putting one back.

The copy is made with SQLite's online backup (`sqlite3.Connection.backup`): one consistent
snapshot of the database as of one moment, taken under a read transaction, so the apps go on
issuing and calling while it is made (WAL: readers never block the writer). It is written
beside FILE under a temporary name, owner-only (0600: it holds PIN hashes, account and phone
numbers), opened read-only and verified as `hall audit verify` verifies the hall
(`db.store.audit.verify`: the file's own check, the event chain, every ticket against its
events), and only then renamed to FILE.

A restore goes the other way through the same API, into the live file: SQLite takes the
write lock and replaces every page at once, so a running app sees the old database or the
restored one, never a mix, and the file's write-ahead log stays consistent with it (a file
copied over a database with a -wal beside it would be damaged by that log). What it replaces
is first copied aside (`<name>.before-restore-<time>.db`).

On PostgreSQL the server's own tools do this: the commands say which.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from db.errors import Refused
from hall.errors import UsageError, masked
from hall.run import Run, parse_url, sqlite_path

ALL_PAGES = -1
"""The online backup copies every page in one step, under one read transaction: a copy in
steps starts again whenever another process writes between two steps, which on a busy hall
could be for ever; one read transaction does not hold up the writers (WAL)."""


def _ro(path: Path) -> str:
    return f"file:{quote(os.path.abspath(path), safe='/')}?mode=ro"


def _rw(path: Path) -> str:
    return f"file:{quote(os.path.abspath(path), safe='/')}?mode=rw"


def _pg_hint(url: str, what: str) -> Refused:
    shown = masked(url)
    if what == "backup":
        line = (f"{shown} is a PostgreSQL database: back it up with the server's own tool, "
                "e.g. `pg_dump --format=custom --file hall.dump \"$HALL_DB\"` (the password "
                "in ~/.pgpass or $PGPASSWORD, never on the command line), then check the copy "
                "with `pg_restore --list hall.dump`")
    else:
        line = (f"{shown} is a PostgreSQL database: restore it with the server's own tool, "
                "e.g. `pg_restore --clean --if-exists --dbname \"$HALL_DB\" hall.dump`, then "
                "`hall init` and `hall audit verify`")
    return Refused(line)


def database_file(url: str, what: str) -> Path:
    """The SQLite file of the hall, or the refusal that says what to use instead."""
    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if path is None:
        if parsed.drivername.startswith("postgresql"):
            raise _pg_hint(url, what)
        raise UsageError(f"{what}: {masked(url)} is not a SQLite file")
    return path


# -- backup ----------------------------------------------------------------------------------


def backup(run: Run) -> None:
    """`backup FILE|DIR/ [--force] [--keep N]`: copy the running hall's database to FILE (or
    a new `hall-<time>.db` in DIR) and verify the copy; in a folder, keep the newest N."""
    source = database_file(run.url, "backup")
    if not source.is_file():
        raise Refused(f"no hall database at {source}: nothing to back up")
    given = Path(run.args.file).expanduser()
    folder = given if run.args.file.endswith("/") or given.is_dir() else None
    if folder is not None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / f"hall-{dt.datetime.now():%Y%m%d-%H%M%S}.db"
    elif run.args.keep is not None:
        raise UsageError("backup: --keep N needs a folder (DIR/) to keep copies in")
    else:
        target = given
    if target.exists() and not run.args.force:
        raise Refused(f"{target} exists: give a new name, or --force to replace it",
                      zh=f"{target} 已存在：请换一个文件名，或加 --force 覆盖")
    if target.resolve() == source.resolve():
        raise UsageError("backup: FILE is the hall's own database")
    if not target.parent.is_dir():
        raise UsageError(f"backup: no folder {target.parent}")
    partial = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        taken_at = copy_database(source, partial)
        result = verify_file(partial)
        if result.problem is not None:
            raise Refused(f"the copy fails verification: {result.problem.message}; nothing "
                          "was kept (check the hall with `hall doctor` and `hall audit verify`)",
                          zh=f"副本校验未通过：{result.problem.message_zh}")
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    _sync_folder(target.parent)
    removed = prune(folder, run.args.keep) if folder is not None and run.args.keep else []
    data = {"file": str(target), "db": masked(run.url), "taken_at": taken_at.isoformat(),
            "bytes": target.stat().st_size, "events": result.events,
            "tickets": result.tickets, "head_id": result.head_id,
            "head_hash": result.head_hash, "removed": [str(p) for p in removed]}
    lines = [f"备份完成并已校验 (backup verified): {target}, {result.events} events, "
             f"{result.tickets} tickets, head hash {result.head_hash or '-'}"]
    lines += [f"已删除旧备份 (removed an old copy): {path}" for path in removed]
    run.out.done("\n".join(lines), data)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` copies `hall backup DIR/` made in `folder`."""
    copies = sorted(folder.glob("hall-[0-9]*-[0-9]*.db"), reverse=True)
    for old in copies[keep:]:
        old.unlink()
    return copies[keep:]


def copy_database(source: Path, target: Path) -> dt.datetime:
    """Copy `source` (a live hall) into a new owner-only `target` with the online backup;
    returns when the copy's snapshot was taken. The copy is left in rollback-journal mode:
    one self-contained file."""
    handle = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.fchmod(handle, 0o600)
    os.close(handle)
    src = sqlite3.connect(_ro(source), uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            taken_at = dt.datetime.now(dt.UTC)
            src.backup(dst, pages=ALL_PAGES)
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    with open(target, "rb+") as file:
        os.fsync(file.fileno())
    return taken_at


def verify_file(path: Path) -> Any:
    """`hall audit verify` on a database file, opened read-only: the AuditResult."""
    from sqlalchemy import create_engine

    from db.store import audit

    if not _is_hall(path):
        from db.store.audit import AuditResult, Problem

        problem = Problem("damaged", 0, f"{path} is not a hall database",
                          f"{path} 不是营业厅数据库")
        return AuditResult(ok=False, events=0, head_id=None, head_hash=None, problem=problem)
    engine = create_engine(f"sqlite:///{_ro(path)}&uri=true")
    try:
        with engine.connect() as conn:
            return audit.verify(conn)
    finally:
        engine.dispose()


def _is_hall(path: Path) -> bool:
    try:
        with contextlib.closing(sqlite3.connect(_ro(path), uri=True)) as conn:
            names = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    return {"events", "tickets", "alembic_version"} <= names


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


# -- restore ---------------------------------------------------------------------------------


def restore(run: Run) -> None:
    """`restore FILE [--force]`: verify FILE, then put it in place of the hall's database.
    An existing database is replaced only with --force, after a copy of it is set aside."""
    from db.store.engine import create_database, tighten_files

    target = database_file(run.url, "restore")
    source = Path(run.args.file).expanduser()
    if not source.is_file():
        raise UsageError(f"restore: no file {source}")
    if target.exists() and source.resolve() == target.resolve():
        raise UsageError("restore: FILE is the hall's own database")
    result = verify_file(source)
    if result.problem is not None:
        raise Refused(f"{source} fails verification: {result.problem.message}; the hall was "
                      "left as it was", zh=f"{source} 校验未通过：{result.problem.message_zh}")
    safety = None
    if target.exists():
        if not run.args.force:
            today = _events_today(target, run)
            busy = f" ({today} events today)" if today else ""
            raise Refused(f"{target} is a hall database{busy}: restoring replaces all of it; "
                          "stop the hall's apps and give --force (a copy of it is kept)",
                          zh=f"{target} 已有营业厅数据{busy}：恢复将替换全部数据；请先停止各终端，"
                             "再加 --force（原数据会另存一份）")
        safety = target.with_name(
            f"{target.stem}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}.db")
        copy_database(target, safety)
    else:
        create_database(f"sqlite:///{target}")
    put_back(source, target)
    tighten_files(f"sqlite:///{target}")
    data = {"file": str(source), "db": masked(run.url), "events": result.events,
            "tickets": result.tickets, "head_hash": result.head_hash,
            "safety_copy": str(safety) if safety else None}
    lines = [f"已恢复 (restored): {source} → {target}, {result.events} events, "
             f"{result.tickets} tickets"]
    if safety is not None:
        lines.append(f"原数据另存 (what it replaced): {safety}")
    lines.append("then run `hall init` (it upgrades a backup made by an older version) and "
                 "restart the hall's apps")
    run.out.done("\n".join(lines), data)


def put_back(source: Path, target: Path) -> None:
    """Replace every page of `target` with `source`'s through SQLite (under its write lock,
    consistent with the target's write-ahead log)."""
    src = sqlite3.connect(_ro(source), uri=True)
    try:
        dst = sqlite3.connect(_rw(target), uri=True, timeout=30)
        try:
            dst.execute("PRAGMA busy_timeout = 30000")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()


def _events_today(path: Path, run: Run) -> int:
    day = run.config.business_day(dt.datetime.now(dt.UTC)).isoformat()
    try:
        with contextlib.closing(sqlite3.connect(_ro(path), uri=True)) as conn:
            return int(conn.execute("SELECT count(*) FROM events WHERE business_day = ?",
                                    (day,)).fetchone()[0])
    except sqlite3.Error:
        return 0

"""Setting up the hall: `init` (create or upgrade the database, load the config), `staff add`
and `staff list`, and `businesses` (what the config offers)."""

from __future__ import annotations

import dataclasses

from db.rules import staff as staff_db
from db.store.session import Hall
from hall.errors import DatabaseFailure, masked
from hall.run import Run, read_pin


def init(run: Run) -> None:
    """`init`: create or upgrade the schema and load the config; safe to repeat."""
    revision = prepare(run.hall(create=True))
    data = {"db": masked(run.url), "revision": revision, "config": run.config.source}
    run.out.done(f"数据库已就绪 (ready): {masked(run.url)}  revision {revision}", data)


def prepare(hall: Hall) -> str | None:
    """Create or upgrade the schema and load the config; returns the revision."""
    from alembic.util import CommandError

    from db.store.schema import init_db  # Alembic takes a sixth of start-up; only init needs it

    try:
        return init_db(hall)
    except CommandError as exc:  # e.g. a database made by a newer version of this program
        raise DatabaseFailure(f"cannot bring the database up to date: {exc}") from None


def staff_add(run: Run) -> None:
    """`staff add ID --name N --role R [--authority-limit Y]`; the PIN is asked twice."""
    hall, a = run.hall(), run.args
    pin = read_pin(a.id, confirm=True)
    with hall.write() as tx:
        view = staff_db.add_staff(tx, a.id, a.name, a.role, pin, authority_limit=a.authority_limit)
    run.out.done(f"已添加工作人员 {view.id} {view.name}（{view.role}）", view.to_json())


def staff_list(run: Run) -> None:
    """`staff list`."""
    with run.hall().read() as tx:
        views = staff_db.list_staff(tx)
    run.out.staff(views)


def businesses(run: Run) -> None:
    """`businesses`: the business types, priority classes and counters of the config."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    config = run.config
    table = Table(title=f"{config.name_zh} · 业务类型 (business types)", title_justify="left")
    for name in ("代码", "业务", "English", "标准时长(分钟)"):
        table.add_column(name)
    for b in config.businesses:
        table.add_row(b.prefix, b.name_zh, b.name_en, f"{b.standard_minutes:g}")
    priorities = "、".join(f"{p.name_zh} {p.code}" for p in config.priorities)
    data = {
        "businesses": [dataclasses.asdict(b) for b in config.businesses],
        "priorities": [dataclasses.asdict(p) for p in config.priorities],
        "counters": [dataclasses.asdict(c) for c in config.counters],
    }
    run.out.show(Group(table, Text(f"优先类别：{priorities}")), data)

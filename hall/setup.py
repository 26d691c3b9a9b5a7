"""Setting up the hall: `init` (create or upgrade the database, load the config), `staff add`,
`change`, `remove` (each approved by a duty leader's PIN) and `list`, and `businesses` (what
the config offers)."""

from __future__ import annotations

import dataclasses

from db.errors import Misuse, Refused
from db.rules import staff as staff_db
from db.store.session import Hall, Tx
from hall.errors import DatabaseFailure, UsageError, masked
from hall.run import Run, read_pin


def init(run: Run) -> None:
    """`init`: create or upgrade the schema and load the config; safe to repeat. An existing
    hall's files are made owner-only (they hold PIN hashes, account and phone numbers), and
    a hall without a duty leader is told how to add the first."""
    from db.figures.days import keep_closed_days
    from db.store.engine import tighten_files
    from hall.output import progress_bar

    hall = run.hall(create=True)
    revision = prepare(hall, getattr(run.args, "name", None))
    # A hall upgraded from before the stored figures (migration 0010), or whose days no
    # report or close kept: kept now, once, so its first report replays only what is new.
    with progress_bar("日数据 keeping the closed days' figures") as tell:
        kept = keep_closed_days(hall, tell)
    tightened = tighten_files(run.url)
    with hall.read() as tx:
        leaderless = not _has_leader(tx)
    chosen = hall.hall
    data = {"db": masked(run.url), "revision": revision, "config": run.config.source,
            "tightened": tightened, "needs_first_leader": leaderless, "days_kept": kept,
            "hall": chosen.code if chosen else None}
    lines = [f"数据库已就绪 (ready): {masked(run.url)}  revision {revision}"
             + (f"  营业厅 hall {chosen.code} ({chosen.name})" if chosen else "")]
    if kept:
        lines.append(f"已保存 {kept} 个已结束营业日的统计 ({kept} closed days' figures kept: "
                     "reports read them stored)")
    lines += [f"已收紧权限 (now owner-only): {line}" for line in tightened]
    if leaderless:
        lines.append("尚无值班领导 (no duty leader yet): add the first one with "
                     "`hall staff add L01 --name NAME --role leader`; "
                     "every later change to the staff needs a duty leader's PIN (--by)")
    run.out.done("\n".join(lines), data)


def list_halls(run: Run) -> None:
    """`halls`: the halls of the database, the selected one marked."""
    from db.store import halls

    hall = run.hall()
    try:
        with hall.read() as tx:
            every, selected = halls.halls(tx.conn), tx.hall_id
    except Misuse:  # several halls and none chosen (or a role they can't be kept apart for):
        if hall.code is not None:  # listing them needs neither
            raise
        with hall.engine.connect() as conn:
            every, selected = halls.halls(conn), None
    rows = [{"id": h.id, "code": h.code, "name": h.name, "selected": h.id == selected}
            for h in every]
    text = "\n".join(f"{'*' if r['selected'] else ' '} {r['code']}  {r['name']}" for r in rows)
    run.out.done(f"营业厅 (halls):\n{text}", {"halls": rows})


def _has_leader(tx: Tx) -> bool:
    return any(person.role == "leader" for person in staff_db.list_staff(tx))


def prepare(hall: Hall, name: str | None = None) -> str | None:
    """Create or upgrade the schema and load the config; returns the revision. A hall named
    by `--hall CODE` that the database does not hold yet is added (`name`: its name)."""
    from alembic.util import CommandError

    from db.store.schema import init_db  # Alembic takes a sixth of start-up; only init needs it

    try:
        return init_db(hall, name or "")
    except CommandError as exc:  # e.g. a database made by a newer version of this program
        raise DatabaseFailure(f"cannot bring the database up to date: {exc}") from None


def staff_add(run: Run) -> None:
    """`staff add ID --name N --role R [--authority-limit Y] --by LEADER`: a duty leader's PIN
    first (`--by`), then the new person's PIN, asked twice. The very first duty leader of a
    hall that has none needs no one's approval; nobody else is added before them."""
    from db.rules.duty import authenticate_leader

    hall, a = run.hall(), run.args
    with hall.read() as tx:
        has_leader = _has_leader(tx)
    if has_leader:
        if not a.by:
            raise UsageError("staff add: a duty leader approves every change to the staff: "
                             "give --by LEADER_ID (their PIN is asked first)")
        authenticate_leader(hall, a.by, read_pin(a.by))
    elif a.role != "leader":
        raise Refused("the hall has no duty leader yet: add the first one (--role leader), "
                      "who then approves everyone else",
                      zh="本厅尚无值班领导：请先添加第一位值班领导（--role leader），"
                         "再由其审批其他人员")
    pin = staff_db.hash_pin(read_pin(a.id, confirm=True), a.role,  # argon2 before the write
                            run.config.pin_min_lengths)
    with hall.write() as tx:
        view = staff_db.add_staff(tx, a.id, a.name, a.role, pin, authority_limit=a.authority_limit)
    run.out.done(f"已添加工作人员 {view.id} {view.name}（{view.role}）", view.to_json())


def _leader_approves(run: Run, doing: str) -> str:
    """The duty leader named by --by, their PIN checked (read as `staff add` reads it)."""
    from db.rules.duty import authenticate_leader

    if not run.args.by:
        raise UsageError(f"staff {doing}: a duty leader approves every change to the staff: "
                         "give --by LEADER_ID (their PIN is asked first)")
    return authenticate_leader(run.hall(), run.args.by, read_pin(run.args.by)).id


def staff_change(run: Run) -> None:
    """`staff change ID --by LEADER [--name N] [--role R] [--authority-limit Y] [--reset-pin]`:
    the duty leader's PIN first, then (with --reset-pin) the new PIN, asked twice."""
    a = run.args
    if a.name is None and a.role is None and a.authority_limit is None and not a.reset_pin:
        raise UsageError("staff change: say what to change: --name, --role, --authority-limit "
                         "or --reset-pin")
    hall = run.hall()
    leader = _leader_approves(run, "change")
    pin = None
    if a.reset_pin:
        with hall.read() as tx:  # the role the PIN is for: the new one, else the present one
            role = a.role or staff_db.staff_role(tx, a.id)
        pin = staff_db.hash_pin(read_pin(a.id, confirm=True), role, run.config.pin_min_lengths)
    with hall.write() as tx:
        view = staff_db.change_staff(tx, a.id, by=leader, name=a.name, role=a.role,
                                     authority_limit=a.authority_limit, pin=pin)
    run.out.done(f"已变更工作人员 {view.id} {view.name}（{view.role}）"
                 f"{'，PIN 已重设' if pin is not None else ''}", view.to_json())


def staff_remove(run: Run) -> None:
    """`staff remove ID --by LEADER`: the duty leader's PIN; the record stays (inactive)."""
    leader = _leader_approves(run, "remove")
    with run.hall().write() as tx:
        view = staff_db.remove_staff(tx, run.args.id, by=leader)
    run.out.done(f"已停用工作人员 {view.id} {view.name}（{view.role}）；记录保留 "
                 "(removed; the record is kept for the history)", view.to_json())


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

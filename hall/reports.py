"""Setting up the hall and reading it: init, staff, show, history, status, events, export."""

from __future__ import annotations

import csv
import dataclasses
import io
import sys
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from db.config import HallConfig
from db.rules import queries
from db.rules import staff as staff_db
from db.rules.ops import normalize_number
from db.store.session import Hall
from db.store.views import RATING_NAMES_ZH, TicketView
from hall.context import DatabaseFailure, Run, masked, read_pin
from hall.labels import TICKET_STATUS_ZH, zh
from hall.output import dump_json

LIVE_ONLY = ("ahead", "estimated_wait_min")
"""TicketView fields computed for a waiting ticket on demand; not stored, so not exported."""

EXPORT_FIELDS = [f.name for f in dataclasses.fields(TicketView) if f.name not in LIVE_ONLY]
EXPORT_LABELS = ["business_zh", "status_zh", "priority_zh", "rating_zh"]
"""Chinese names of the codes, appended so the sheet reads well in Excel."""


# -- setting up ----------------------------------------------------------------------------


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


# -- reading -------------------------------------------------------------------------------


def show(run: Run) -> None:
    """`show NUMBER [--day D]`: a ticket with its place in the queue."""
    with run.hall().read() as tx:
        view = queries.ticket_info(tx, run.args.number, run.args.day)
    run.out.ticket(view)


def history(run: Run) -> None:
    """`history NUMBER [--day D]`: every step of one ticket, oldest first."""
    with run.hall().read() as tx:
        views = queries.history(tx, run.args.number, run.args.day)
    run.out.events(views, f"{normalize_number(run.args.number)} 的经过 (history)")


def visits(run: Run) -> None:
    """`visits ACCOUNT`: a customer's visits by account number (户号), newest first."""
    with run.hall().read() as tx:
        views = queries.visits(tx, run.args.account, run.args.limit)
    run.out.tickets(views, f"户号 {run.args.account} 的来访 (visits)")


def status(run: Run) -> None:
    """`status`: the status board."""
    with run.hall().read() as tx:
        snap = queries.snapshot(tx)
    run.out.snapshot(snap)


def events(run: Run) -> None:
    """`events [--day D] [--limit N] [--kind K]`: the event log."""
    a = run.args
    with run.hall().read() as tx:
        views = queries.events(tx, a.day, a.limit, a.kind)
        day = a.day or tx.day
    run.out.events(views, f"事件记录 (events) {day}")


def support(run: Run) -> None:
    """`support [--staff ID]`: referrals waiting for support."""
    with run.hall().read() as tx:
        views = queries.support_queue(tx, run.args.staff)
    run.out.tickets(views, "后台待办 (support queue)")


def matters(run: Run) -> None:
    """`matters --staff ID`: a handler's own open tickets away from the counter."""
    with run.hall().read() as tx:
        views = queries.open_matters(tx, run.args.staff)
    run.out.tickets(views, f"{run.args.staff} 的在办事项 (open matters)")


# -- export --------------------------------------------------------------------------------


def export(run: Run) -> None:
    """`export [--day D] --format csv|json [--output FILE]`: every ticket of a day.
    `--json` is `--format json`, as for every command."""
    a = run.args
    fmt = "json" if run.out.as_json else a.format
    with run.hall().read() as tx:
        day = a.day or tx.day
        views = queries.day_tickets(tx, day)
    # The byte-order mark makes Excel read the CSV as UTF-8, so the Chinese survives.
    body = "\ufeff" + tickets_csv(run.config, views) if fmt == "csv" else _json_array(views)
    if a.output:
        Path(a.output).write_text(body, encoding="utf-8", newline="")
        data = {"file": a.output, "day": day.isoformat(), "tickets": len(views)}
        run.out.done(f"已导出 {day} 的 {len(views)} 张排队号 → {a.output}", data)
    else:
        _write_stdout(body)


def tickets_csv(config: HallConfig, views: list[TicketView]) -> str:
    """The tickets as CSV text: every stored ticket field, then their Chinese names."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS + EXPORT_LABELS)
    writer.writeheader()
    for view in views:
        row = {k: v for k, v in view.to_json().items() if k in EXPORT_FIELDS}
        writer.writerow(row | _labels(config, view))
    return buffer.getvalue()


def _labels(config: HallConfig, view: TicketView) -> dict[str, str]:
    business = next((b.name_zh for b in config.businesses if b.prefix == view.business), "")
    priority = next((p.name_zh for p in config.priorities if p.code == view.priority), "")
    return {
        "business_zh": business,
        "status_zh": zh(TICKET_STATUS_ZH, view.status),
        "priority_zh": priority,
        "rating_zh": RATING_NAMES_ZH.get(view.rating, "") if view.rating else "",
    }


def _json_array(views: list[TicketView]) -> str:
    return dump_json([v.to_json() for v in views]) + "\n"


def _write_stdout(body: str) -> None:
    """Write UTF-8 bytes whatever the terminal's encoding (a GBK console, a pipe)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(body)
    else:
        buffer.write(body.encode("utf-8"))
        buffer.flush()

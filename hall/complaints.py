"""`hall complaint add|list|resolve`: the duty leader's complaints (投诉) at the command line.

Recording and resolving ask for the leader's PIN; each is one transaction of `db.rules.complaints`,
whose refusals (not a leader, already resolved, a ticket in the wrong state) print one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from db.rules import complaints
from db.store.models import COMPLAINT_CORRECTIONS, COMPLAINT_OUTCOMES
from db.store.views import ComplaintView
from hall import labels
from hall.commands import check_pin
from hall.context import Run, UsageError, parse_day

OUTCOME_ZH = complaints.OUTCOME_ZH
CORRECTION_ZH = complaints.CORRECTION_ZH


def grammar(g: Any) -> None:
    """Add `complaint add|list|resolve` to the `hall` grammar (`g` is `hall.parser.Grammar`)."""
    top = g.add("complaint", _missing, "投诉 complaints to the duty leader: add, list, resolve")
    sub = top.add_subparsers(dest="complaint_command", metavar="add|list|resolve",
                             required=True, parser_class=type(top))
    add = g.add("add", add_complaint, "登记投诉 record a complaint about a ticket (leader PIN)",
                sub)
    add.add_argument("number", metavar="NUMBER", help="票号 the ticket, e.g. A023")
    add.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")
    add.add_argument("--what", required=True, metavar="TEXT", help="投诉内容 what it is about")
    add.add_argument("--name", metavar="NAME", help="客户姓名 (optional)")
    add.add_argument("--phone", metavar="PHONE", help="客户电话 (optional)")
    add.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                     help="票号的营业日 (default today)")
    listing = g.add("list", list_complaints, "投诉列表 open complaints (or --all of a day)", sub)
    listing.add_argument("--all", action="store_true", help="当日全部 every complaint of the day")
    listing.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD", help="营业日 (with --all)")
    fix = g.add("resolve", resolve_complaint,
                "处理投诉 resolve a complaint with an outcome and a correction (leader PIN)", sub)
    fix.add_argument("id", type=int, metavar="ID", help="投诉编号")
    fix.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")
    fix.add_argument("--outcome", required=True, choices=COMPLAINT_OUTCOMES,
                     help="upheld 成立 / not_upheld 不成立")
    fix.add_argument("--reason", required=True, metavar="TEXT", help="处理意见")
    fix.add_argument("--correction", choices=COMPLAINT_CORRECTIONS, default="none",
                     help="none 不需纠正, reassign 改派, reopen 重新办理, void 作废, "
                          "remedy 批准补救")
    fix.add_argument("--to", metavar="STAFF", help="新的首办责任人 (reassign; reopen optional)")
    fix.add_argument("--remedy", type=int, metavar="ID", help="补救申请编号 (remedy)")


def _missing(run: Run) -> None:
    """Unreachable (the sub-command is required); every parser has a handler."""
    raise UsageError("complaint: say `complaint add …`, `complaint list` or `complaint resolve …`")


def add_complaint(run: Run) -> None:
    """`complaint add NUMBER --staff LEADER --what TEXT [--name] [--phone] [--day]`."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff, a.number)
    with hall.write() as tx:
        view = complaints.record_complaint(
            tx, a.staff, a.number, a.what, customer_name=a.name, customer_phone=a.phone,
            day=a.day,
        )
    run.out.show(_card(run, view, f"已登记投诉 #{view.id}（{view.ticket}）"), view.to_json())


def list_complaints(run: Run) -> None:
    """`complaint list [--all [--day D]]`: open complaints, or every one of a day."""
    if run.args.day and not run.args.all:
        raise UsageError("complaint list: --day goes with --all")
    with run.hall().read() as tx:
        views = (complaints.day_complaints(tx, run.args.day) if run.args.all
                 else complaints.open_complaints(tx))
    title = "当日投诉 (complaints of the day)" if run.args.all else "待处理投诉 (open complaints)"
    run.out.show(_table(run, views, title) if views else Text(f"{title}：无", style="dim"),
                 [v.to_json() for v in views])


def resolve_complaint(run: Run) -> None:
    """`complaint resolve ID --staff LEADER --outcome O --reason TEXT [--correction C]
    [--to STAFF] [--remedy ID]`."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff)
    with hall.write() as tx:
        view = complaints.resolve(
            tx, a.id, a.staff, a.outcome, a.reason, correction=a.correction, to=a.to,
            remedy=a.remedy,
        )
    headline = (f"投诉 #{view.id} 已处理：{OUTCOME_ZH[a.outcome]}，"
                f"{CORRECTION_ZH[a.correction]}")
    run.out.show(_card(run, view, headline), view.to_json())


def _card(run: Run, v: ComplaintView, headline: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("", Text(headline, style="bold"))
    rows = [
        ("票号", v.ticket),
        ("首办责任人", v.handler),
        ("投诉内容", v.body),
        ("客户", " ".join(x for x in (v.customer_name, v.customer_phone) if x) or None),
        ("登记", f"{v.recorded_by} {labels.local_time(run.config, v.recorded_at)}"),
        ("结果", OUTCOME_ZH.get(v.outcome or "")),
        ("纠正", CORRECTION_ZH.get(v.correction or "")),
        ("新首办人", v.new_handler),
        ("补救申请", f"#{v.remedy_id}" if v.remedy_id else None),
        ("处理意见", v.resolution),
    ]
    for label, value in rows:
        if value:
            grid.add_row(label, Text(value))
    return grid


def _table(run: Run, views: Sequence[ComplaintView], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("#", "票号", "首办", "内容", "客户", "登记", "状态"):
        table.add_column(name)
    for v in views:
        state = OUTCOME_ZH.get(v.outcome or "", "待处理")
        table.add_row(str(v.id), v.ticket, v.handler or "—", v.body,
                      " ".join(x for x in (v.customer_name, v.customer_phone) if x) or "—",
                      labels.local_time(run.config, v.recorded_at), state)
    return table

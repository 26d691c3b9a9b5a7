"""`hall complaint add|list|resolve`: the duty leader's complaints (投诉) at the command line.

Recording and resolving ask for the leader's PIN; each is one transaction of `db.rules.complaints`,
whose refusals (not a leader, already resolved, a ticket in the wrong state) print one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from db.rules import complaints
from db.store.views import ComplaintView
from hall import labels
from hall.errors import UsageError
from hall.run import Run, check_pin

OUTCOME_ZH = complaints.OUTCOME_ZH
CORRECTION_ZH = complaints.CORRECTION_ZH


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

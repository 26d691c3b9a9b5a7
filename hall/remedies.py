"""`hall remedy grant|list|approve|refuse`: remedies within authority (授权) at the command line.

A grant at a counter is that counter's step, like `complete` (the clerk signed in there
grants); a grant on a ticket by number, and the duty leader's approval or refusal, ask for
the person's PIN. Each is one transaction of `db.rules.remedies`, whose refusals print one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from db.config import HallConfig
from db.rules import remedies
from db.rules.ops import ticket_row
from db.store.views import RemedyView
from hall import labels
from hall.arguments import remedy_code
from hall.errors import UsageError
from hall.run import Run, check_pin

STATUS_ZH = {"granted": "已给予", "pending": "待值班领导审批", "approved": "已批准",
             "refused": "已驳回"}


# -- the commands ------------------------------------------------------------------------------


def grant_remedy(run: Run) -> None:
    """`remedy grant KIND AMOUNT --reason R (--counter N [--ticket NUMBER] | --ticket NUMBER
    --staff ID)`."""
    hall, a = run.hall(), run.args
    kind = remedy_code(run.config, a.kind)
    if a.counter is not None:
        if a.staff:
            raise UsageError("remedy grant: at a counter the clerk signed in there grants; "
                             "leave out --staff")
        with hall.write() as tx:
            view = remedies.grant_at_counter(tx, a.counter, kind, a.amount, a.reason, a.ticket)
    elif a.ticket and a.staff:
        check_pin(run, a.staff, a.ticket)
        with hall.write() as tx:
            view = remedies.grant(tx, a.ticket, a.staff, kind, a.amount, a.reason)
    else:
        raise UsageError("remedy grant: say --counter N, or --ticket NUMBER --staff ID")
    headline = (f"{view.ticket} 补救已给予" if view.status == "granted"
                else f"{view.ticket} 补救超出授权额度，已提交值班领导审批（#{view.id}）")
    run.out.show(card(run.config, view, headline), view.to_json())


def list_remedies(run: Run) -> None:
    """`remedy list [--pending | --staff ID | --ticket NUMBER] [--day D]`."""
    a = run.args
    if a.pending and (a.staff or a.day or a.ticket):
        raise UsageError("remedy list: --pending lists every waiting request; "
                         "leave out --staff, --ticket and --day")
    if a.staff and a.ticket:
        raise UsageError("remedy list: say --staff or --ticket, not both")
    with run.hall().read() as tx:
        if a.pending:
            views, title = remedies.pending_requests(tx), "待审批补救 (pending the duty leader)"
        elif a.ticket:
            row = ticket_row(tx, a.ticket, a.day)
            views, title = remedies.ticket_remedies(tx, row.id), f"{row.number} 的补救 (remedies)"
        elif a.staff:
            views = remedies.staff_remedies(tx, a.staff.strip().upper(), a.day)
            title = f"{a.staff.upper()} 的补救 (remedies) {(a.day or tx.day).isoformat()}"
        else:
            views = remedies.day_remedies(tx, a.day)
            title = f"补救 (remedies) {(a.day or tx.day).isoformat()}"
    run.out.show(table(run.config, views, title) if views else Text(f"{title}：无", style="dim"),
                 [v.to_json() for v in views])


def approve_remedy(run: Run) -> None:
    """`remedy approve ID --staff LEADER [--reason R]` (PIN)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff)
    with hall.write() as tx:
        view = remedies.approve(tx, a.id, a.staff, a.reason)
    run.out.show(card(run.config, view, f"补救申请 #{view.id} 已批准"), view.to_json())


def refuse_remedy(run: Run) -> None:
    """`remedy refuse ID --staff LEADER --reason R` (PIN)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff)
    with hall.write() as tx:
        view = remedies.refuse(tx, a.id, a.staff, a.reason)
    run.out.show(card(run.config, view, f"补救申请 #{view.id} 已驳回"), view.to_json())


# -- printing -----------------------------------------------------------------------------------


def kind_name(config: HallConfig, code: str) -> str:
    """A remedy kind's Chinese name (its code when the config no longer has it)."""
    known = {k.code: k.name_zh for k in config.remedies}
    return known.get(code, code)


def card(config: HallConfig, v: RemedyView, headline: str) -> Table:
    """One remedy as label/value lines under a headline."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("", Text(headline, style="bold"))
    rows = [
        ("编号", f"#{v.id}"),
        ("票号", v.ticket),
        ("类别", f"{kind_name(config, v.kind)} ({v.kind})"),
        ("金额", f"¥{v.amount}"),
        ("原因", v.reason),
        ("状态", f"{STATUS_ZH.get(v.status, v.status)} ({v.status})"),
        ("经办", f"{v.requested_by} {labels.local_time(config, v.requested_at)}"),
        ("审批", f"{v.decided_by} {labels.local_time(config, v.decided_at)}"
            if v.decided_by and v.decided_at else None),
        ("审批意见", v.decision_reason),
    ]
    for label, value in rows:
        if value:
            grid.add_row(label, Text(value))
    return grid


def table(config: HallConfig, views: Sequence[RemedyView], title: str) -> Table:
    """Remedies as a table, oldest first."""
    out = Table(title=title, title_justify="left")
    for name in ("#", "票号", "类别", "金额(元)", "状态", "经办", "原因", "审批"):
        out.add_column(name, justify="right" if name == "金额(元)" else "left")
    for v in views:
        decided = f"{v.decided_by}：{v.decision_reason or ''}".rstrip("：") if v.decided_by else ""
        out.add_row(str(v.id), v.ticket, kind_name(config, v.kind), v.amount,
                    STATUS_ZH.get(v.status, v.status), v.requested_by, v.reason, decided or "—")
    return out

"""Printing what a command did: Rich for people (Chinese first), JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from db.config import HallConfig
from db.store.views import CounterView, EventView, HallSnapshot, StaffView, TicketView
from hall import labels
from hall.labels import COUNTER_STATE_ZH, ROLE_ZH, TICKET_STATUS_ZH, zh
from ui.history_text import event_name


def dump_json(data: Any) -> str:
    """JSON as the CLI prints it: Chinese kept readable, two-space indent."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


class Output:
    """Where a command prints: standard output, as JSON or as Rich text."""

    def __init__(self, config: HallConfig, *, as_json: bool) -> None:
        self.config = config
        self.as_json = as_json
        # Made per command, not at import, so the stream is whatever sys.stdout is now.
        self.console = Console(file=sys.stdout, highlight=False, emoji=False, markup=False)

    # -- generic -------------------------------------------------------------------------

    def data(self, data: Any) -> None:
        """Print a JSON document."""
        self.console.file.write(dump_json(data) + "\n")

    def show(self, renderable: RenderableType, data: Any) -> None:
        """Print `data` as JSON, or `renderable` for a person."""
        if self.as_json:
            self.data(data)
        else:
            self.console.print(renderable)

    def done(self, message: str, data: Any) -> None:
        """A one-line confirmation (a green tick for a person), never wrapped: it may hold a
        path or URL to copy."""
        if self.as_json:
            self.data(data)
        else:
            self.console.print(Text.assemble(("✔ ", "green"), message), soft_wrap=True)

    # -- tickets -------------------------------------------------------------------------

    def ticket(self, view: TicketView, headline: str | None = None) -> None:
        """One ticket: `TicketView.to_json()`, or a card with its headline."""
        parts: list[RenderableType] = []
        if headline:
            parts.append(Text(headline, style="bold"))
        parts.append(ticket_card(self.config, view))
        self.show(Group(*parts), view.to_json())

    def tickets(self, views: Sequence[TicketView], title: str) -> None:
        """A list of tickets: a JSON array, or a table."""
        table = Table(title=title, title_justify="left")
        for name in ("号码", "业务", "状态", "户号", "首办", "取号", "评价"):
            table.add_column(name, no_wrap=name in ("号码", "取号"))
        for v in views:
            normal = v.priority == "normal"
            priority = "" if normal else labels.priority_name(self.config, v.priority)
            table.add_row(
                Text.assemble((v.number, "bold"), (f" {priority}" if priority else "", "dim")),
                labels.business_name(self.config, v.business),
                zh(TICKET_STATUS_ZH, v.status),
                v.account or "—",
                v.handler or "—",
                labels.local_time(self.config, v.issued_at, with_date=True),
                labels.rating_name(v.rating) if v.status == "done" else "—",
            )
        self.show(table if views else Text(f"{title}：无", style="dim"),
                  [v.to_json() for v in views])

    # -- the hall ------------------------------------------------------------------------

    def snapshot(self, snap: HallSnapshot) -> None:
        """The status board: counters, queues and the latest calls."""
        self.show(status_board(self.config, snap), snap.to_json())

    def counter(self, view: CounterView, message: str) -> None:
        """A counter after a change: its `CounterView`, or one line."""
        self.done(message, view.to_json())

    def events(self, views: Sequence[EventView], title: str) -> None:
        """Event log rows, oldest first."""
        table = Table(title=title, title_justify="left")
        for name in ("#", "时间", "事件", "号码", "工作人员", "窗口", "详情"):
            table.add_column(name)
        for e in views:
            table.add_row(
                str(e.id),
                labels.local_time(self.config, e.at),
                event_name(e.kind, "zh", e.detail),
                e.ticket or "",
                e.staff or "",
                str(e.counter or ""),
                _detail(e.detail),
            )
        self.show(table if views else Text(f"{title}：无", style="dim"),
                  [e.to_json() for e in views])

    def staff(self, views: Sequence[StaffView]) -> None:
        """The staff list."""
        table = Table(title="工作人员 (staff)", title_justify="left")
        for name in ("工号", "姓名", "岗位", "授权额度(元)"):
            table.add_column(name)
        for s in views:
            table.add_row(s.id, s.name, f"{zh(ROLE_ZH, s.role)} ({s.role})", str(s.authority_limit))
        self.show(table if views else Text("还没有工作人员：hall staff add …", style="dim"),
                  [s.to_json() for s in views])


def _detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return ", ".join(f"{k}={v}" for k, v in detail.items() if v is not None)


def ticket_card(config: HallConfig, v: TicketView) -> Table:
    """A ticket as label/value lines; empty values are left out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    title = Text.assemble((v.number, "bold cyan"), "  ", labels.business_name(config, v.business))
    grid.add_row("号码", title)
    grid.add_row("状态", f"{zh(TICKET_STATUS_ZH, v.status)} ({v.status})")
    if v.status == "waiting" and v.ahead is not None:
        grid.add_row("前面等候", f"{v.ahead} 人")
        grid.add_row("预计等候", labels.wait_text(v.estimated_wait_min))
    rows = [
        ("优先类别", labels.priority_name(config, v.priority) if v.priority != "normal" else None),
        ("原业务", labels.business_name(config, v.origin_business)
            if v.origin_business != v.business else None),
        ("户号", v.account),
        ("窗口", labels.counter_name(config, v.counter) if v.counter else None),
        ("首办责任人", v.handler),
        ("后台", v.support),
        ("取号时间", labels.local_time(config, v.issued_at)),
        ("办结时间", labels.local_time(config, v.completed_at) if v.completed_at else None),
        ("重呼次数", str(v.recalls) if v.recalls else None),
        ("业务次数", str(v.services) if v.services > 1 else None),
        ("评价", labels.rating_name(v.rating) if v.rating else None),
        ("备注", v.note),
    ]
    for label, value in rows:
        if value:
            grid.add_row(label, Text(value))
    return grid


def status_board(config: HallConfig, snap: HallSnapshot) -> Group:
    """The hall at a glance, as the duty leader reads it."""
    when = labels.local_time(config, snap.at)
    desks = Table(title=f"{config.name_zh} · 营业日 {snap.business_day} · {when}",
                  title_justify="left")
    for name in ("窗口", "状态", "工作人员", "当前号", "业务"):
        desks.add_column(name)
    for c in snap.counters:
        staff = f"{c.staff_name} ({c.staff})" if c.staff else "—"
        ticket = f"{c.ticket} {zh(TICKET_STATUS_ZH, c.ticket_status)}" if c.ticket else "—"
        desks.add_row(c.name_zh, _state(c.state), staff, ticket, " ".join(c.profile))
    queues = Table(title="等候 (waiting)", title_justify="left")
    for name in ("业务", "等候人数", "预计等候"):
        queues.add_column(name)
    for prefix, count in snap.waiting.items():
        wait = labels.wait_text(snap.estimated_wait_min.get(prefix))
        queues.add_row(labels.business_name(config, prefix), f"{count} 人", wait)
    calls = " ".join(f"{c.number}→{c.counter}号" + ("(重呼)" if c.recall else "")
                     for c in snap.recent_calls)
    return Group(desks, queues, Text(f"最近叫号：{calls or '—'}"))


def _state(state: str) -> Text:
    style = {"open": "green", "paused": "yellow"}.get(state, "dim")
    return Text(zh(COUNTER_STATE_ZH, state), style=style)

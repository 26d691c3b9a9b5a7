"""Printing what a command did: Rich for people (Chinese first), JSON for scripts.

Rich is imported only when something is printed for a person: a `--json` run never loads it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

from hall import labels
from hall.labels import COUNTER_STATE_ZH, ROLE_ZH, TICKET_STATUS_ZH, zh

if TYPE_CHECKING:
    from rich.console import Console, Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    from db.config import HallConfig
    from db.store.views import CounterView, EventView, HallSnapshot, StaffView, TicketView

LONG_HISTORY_DAYS = 14
"""A report over more business days than this shows a progress bar (on a terminal)."""

Progress = Callable[[int, int], None]
"""Told (days done, days in all) as a long reading goes on."""


def dump_json(data: Any) -> str:
    """JSON as the CLI prints it: Chinese kept readable, two-space indent."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def write_stdout(body: str) -> None:
    """Write UTF-8 bytes whatever the terminal's encoding (a GBK console, a pipe)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(body)
    else:
        buffer.write(body.encode("utf-8"))
        buffer.flush()


@contextmanager
def progress_bar(label: str, after: int = LONG_HISTORY_DAYS) -> Iterator[Progress | None]:
    """A progress bar on standard error when it is a terminal, once there are more than
    `after` steps in all; else nothing is told."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        started = False

        def tell(done: int, total: int) -> None:
            nonlocal started
            if total > after or started:
                started = True
                bar.update(task, completed=done, total=total)

        yield tell


class Output:
    """Where a command prints: standard output, as JSON or as Rich text."""

    def __init__(self, config: HallConfig, *, as_json: bool) -> None:
        self.config = config
        self.as_json = as_json

    @cached_property
    def console(self) -> Console:
        """The Rich console, made on first use (not at import, so the stream is whatever
        sys.stdout is now; not for JSON, which needs no Rich)."""
        from rich.console import Console

        return Console(file=sys.stdout, highlight=False, emoji=False, markup=False)

    # -- generic -------------------------------------------------------------------------

    def data(self, data: Any) -> None:
        """Print a JSON document."""
        sys.stdout.write(dump_json(data) + "\n")

    def show(self, renderable: RenderableType, data: Any) -> None:
        """Print `data` as JSON, or `renderable` for a person."""
        if self.as_json:
            self.data(data)
        else:
            self.console.print(renderable)

    def shown(self, render: Callable[[], RenderableType], data: Any) -> None:
        """Print `data` as JSON, or what `render()` makes for a person (made only then)."""
        if self.as_json:
            self.data(data)
        else:
            self.console.print(render())

    def done(self, message: str, data: Any) -> None:
        """A one-line confirmation (a green tick for a person), never wrapped: it may hold a
        path or URL to copy."""
        if self.as_json:
            self.data(data)
        else:
            from rich.text import Text

            self.console.print(Text.assemble(("✔ ", "green"), message), soft_wrap=True)

    # -- tickets -------------------------------------------------------------------------

    def ticket(self, view: TicketView, headline: str | None = None) -> None:
        """One ticket: `TicketView.to_json()`, or a card with its headline."""

        def render() -> RenderableType:
            from rich.console import Group
            from rich.text import Text

            parts: list[RenderableType] = []
            if headline:
                parts.append(Text(headline, style="bold"))
            parts.append(ticket_card(self.config, view))
            return Group(*parts)

        self.shown(render, view.to_json())

    def tickets(self, views: Sequence[TicketView], title: str) -> None:
        """A list of tickets: a JSON array, or a table."""

        def render() -> RenderableType:
            from rich.table import Table
            from rich.text import Text

            if not views:
                return Text(f"{title}：无", style="dim")
            table = Table(title=title, title_justify="left")
            for name in ("号码", "业务", "状态", "户号", "首办", "取号", "评价"):
                table.add_column(name, no_wrap=name in ("号码", "取号"))
            for v in views:
                normal = v.priority == "normal"
                priority = "" if normal else labels.priority_name(self.config, v.priority)
                table.add_row(
                    Text.assemble((v.number, "bold"), (f" {priority}" if priority else "", "dim"),
                                  (f" @{v.hall}" if v.hall else "", "dim")),
                    labels.business_name(self.config, v.business),
                    zh(TICKET_STATUS_ZH, v.status),
                    v.account or "—",
                    v.handler or "—",
                    labels.local_time(self.config, v.issued_at, with_date=True),
                    labels.rating_name(v.rating) if v.status == "done" else "—",
                )
            return table

        self.shown(render, [v.to_json() for v in views])

    # -- the hall ------------------------------------------------------------------------

    def snapshot(self, snap: HallSnapshot) -> None:
        """The status board: counters, queues and the latest calls."""
        self.shown(lambda: status_board(self.config, snap), snap.to_json())

    def counter(self, view: CounterView, message: str) -> None:
        """A counter after a change: its `CounterView`, or one line."""
        self.done(message, view.to_json())

    def events(self, views: Sequence[EventView], title: str) -> None:
        """Event log rows, oldest first."""

        def render() -> RenderableType:
            from rich.table import Table
            from rich.text import Text

            from ui.history_text import event_name

            if not views:
                return Text(f"{title}：无", style="dim")
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
            return table

        self.shown(render, [e.to_json() for e in views])

    def staff(self, views: Sequence[StaffView]) -> None:
        """The staff list."""

        def render() -> RenderableType:
            from rich.table import Table
            from rich.text import Text

            if not views:
                return Text("还没有工作人员：hall staff add …", style="dim")
            table = Table(title="工作人员 (staff)", title_justify="left")
            for name in ("工号", "姓名", "岗位", "授权额度(元)"):
                table.add_column(name)
            for s in views:
                table.add_row(s.id, s.name, f"{zh(ROLE_ZH, s.role)} ({s.role})",
                              str(s.authority_limit))
            return table

        self.shown(render, [s.to_json() for s in views])

    def wide(self) -> Console:
        """The console for a wide table; one 160 columns wide when the output is not a
        terminal, so a report piped to a file or a pager keeps every figure."""
        if self.console.is_terminal:
            return self.console
        from rich.console import Console

        return Console(file=sys.stdout, width=160, highlight=False, emoji=False, markup=False)


def _detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return ", ".join(f"{k}={v}" for k, v in detail.items() if v is not None)


def ticket_card(config: HallConfig, v: TicketView) -> Table:
    """A ticket as label/value lines; empty values are left out."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    title = Text.assemble((v.number, "bold cyan"), "  ", labels.business_name(config, v.business))
    grid.add_row("号码", title)
    grid.add_row("状态", f"{zh(TICKET_STATUS_ZH, v.status)} ({v.status})")
    if v.status == "waiting" and v.ahead is not None:
        grid.add_row("前面等候", f"{v.ahead} 人")
        grid.add_row("预计等候", labels.wait_text(v.estimated_wait_min, v.estimated_low,
                                                 v.estimated_high))
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
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

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
        wait = labels.wait_text(snap.estimated_wait_min.get(prefix),
                                *snap.estimated_range.get(prefix, (None, None)))
        queues.add_row(labels.business_name(config, prefix), f"{count} 人", wait)
    calls = " ".join(f"{c.number}→{c.counter}号" + ("(重呼)" if c.recall else "")
                     for c in snap.recent_calls)
    return Group(desks, queues, Text(f"最近叫号：{calls or '—'}"))


def _state(state: str) -> Text:
    from rich.text import Text

    style = {"open": "green", "paused": "yellow"}.get(state, "dim")
    return Text(zh(COUNTER_STATE_ZH, state), style=style)

"""`hall appoint import|add|list|checkin`: the day's appointments (预约) at the command line.

An import reads the whole file before anything is written (a file that cannot be read or
decoded changes nothing), then stores every good line in one transaction; a bad line is
reported by its line number and skipped. The rules are `db.rules.appointments`'.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from db.errors import Refused
from db.rules import appointments as ap
from db.store.views import AppointmentView
from hall import labels
from hall.errors import UsageError
from hall.run import Run

HEADERS = {"code", "预约码"}
"""A first line whose first cell is one of these is a header line and is not imported."""


def import_file(run: Run) -> None:
    """`appoint import FILE [--day D]`."""
    path = Path(run.args.file)
    rows = read_csv(path)
    hall = run.hall()
    with hall.write() as tx:
        day = run.args.day or tx.day
        result = ap.import_bookings(tx, day, rows, source=f"import {path.name}")
    if run.out.as_json:
        run.out.data({"day": day.isoformat(), "file": str(path), **result.to_json()})
        return
    from rich.console import Group
    from rich.text import Text

    parts = [Text.assemble(("✔ ", "green"), f"已导入 {day} 的预约：新增 {result.added}，"
                           f"更新 {result.updated}，跳过 {len(result.skipped)} 行")]
    for line, _, why_zh in result.skipped:
        parts.append(Text(f"  第 {line} 行：{why_zh}", style="yellow"))
    run.out.console.print(Group(*parts), soft_wrap=True)


def read_csv(path: Path) -> list[tuple[int, ap.Booking | Refused]]:
    """Every data line of the file as (line number, booking); a line without six columns as
    (line number, why), so that it is reported with the others. UTF-8
    (with or without a byte-order mark), else GB18030, as Excel saves a CSV on a Chinese
    Windows."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"appoint import: cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UsageError(f"appoint import: {path} is neither UTF-8 nor GB18030 text "
                             f"(bad byte at offset {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    found: list[tuple[int, ap.Booking | Refused]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not found and line == 1 and cells[0].strip().lower() in HEADERS:
                continue
            if len(cells) != len(ap.CSV_COLUMNS):
                found.append((line, Refused(
                    f"{len(cells)} columns, not {len(ap.CSV_COLUMNS)} "
                    f"({','.join(ap.CSV_COLUMNS)})",
                    zh=f"有 {len(cells)} 列，应为 {len(ap.CSV_COLUMNS)} 列"
                       f"（{','.join(ap.CSV_COLUMNS)}）")))
                continue
            found.append((line, ap.Booking(*(cell.strip() for cell in cells))))
    except csv.Error as exc:
        raise UsageError(f"appoint import: {path} line {reader.line_num}: {exc}") from None
    return found


def add(run: Run) -> None:
    """`appoint add CODE --name N --phone P [--account A] --business B --slot S [--day D]`."""
    a = run.args
    hall = run.hall()
    with hall.write() as tx:
        view = ap.add_booking(tx, a.day or tx.day, ap.Booking(
            a.code, a.name, a.phone, a.account or "", a.business, a.slot))
    run.out.done(f"已登记预约 {view.code}：{view.name} {_slot(run, view)} "
                 f"{labels.business_name(run.config, view.business)}", view.to_json())


def listing(run: Run) -> None:
    """`appoint list [--day D]`: the day's appointments by slot."""
    with run.hall().read() as tx:
        day = run.args.day or tx.day
        views = ap.day_appointments(tx, day)
    if run.out.as_json:
        run.out.data([v.to_json() for v in views])
    else:
        run.out.wide().print(_table(run, views, day))


def checkin(run: Run) -> None:
    """`appoint checkin CODE` or `appoint checkin --phone LAST4 --account A`: as the kiosk
    does it, for a guide at a desk."""
    a = run.args
    if (a.code is None) == (a.phone is None):
        raise UsageError("appoint checkin: give the CODE, or --phone LAST4 with --account")
    if a.phone is not None and not a.account:
        raise UsageError("appoint checkin: --phone goes with --account")
    hall = run.hall()
    with hall.write() as tx:
        done = ap.check_in(tx, code=a.code, phone_last4=a.phone, account=a.account)
    from hall.tickets import waiting_view

    run.out.ticket(waiting_view(hall, done.ticket),
                   f"预约签到成功：{done.appointment.name} → {done.ticket.number}")


def _slot(run: Run, v: AppointmentView) -> str:
    return f"{_hm(run, v.slot_start)}-{_hm(run, v.slot_end)}"


def _hm(run: Run, at: dt.datetime) -> str:
    return labels.local_time(run.config, at)[:5]


def _table(run: Run, views: Sequence[AppointmentView], day: dt.date) -> object:
    from rich.table import Table
    from rich.text import Text

    from ui.text import mask_phone

    title = f"{day} 预约 (appointments)"
    if not views:
        return Text(f"{title}：无", style="dim")
    table = Table(title=title, title_justify="left")
    for name in ("时段", "预约码", "姓名", "电话", "户号", "业务", "状态", "号码"):
        table.add_column(name)
    for v in views:
        table.add_row(_slot(run, v), v.code, v.name, mask_phone(v.phone), v.account or "—",
                      labels.business_name(run.config, v.business), ap.STATE_ZH[v.state],
                      v.ticket or "—")
    return table

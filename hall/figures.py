"""The period's figures at the command line: `hall report` and `hall staffing` as a Rich
table, CSV, Excel or JSON, and `hall export`, a day's tickets as CSV or JSON.

The figures come from `db.figures.reports` and `db.figures.staffing`; this module only lays
them out, in Chinese by default or English (`--lang en`). Rich is imported when a table is
printed, openpyxl when a workbook is written.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.figures import days, reports, staffing
from db.figures.reports import BusinessFigures, Report
from db.figures.staffing import Staffing
from db.rules import queries
from db.store.views import RATING_NAMES_ZH, TicketView
from hall.errors import UsageError
from hall.labels import ROLE_ZH, TICKET_STATUS_ZH, zh
from hall.output import dump_json, progress_bar, write_stdout
from hall.run import Run

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table

    from db.config import HallConfig

LIVE_ONLY = ("ahead", "estimated_wait_min", "estimated_low", "estimated_high")
"""TicketView fields computed for a waiting ticket on demand; not stored, so not in the CSV
(it has what the customer was told at issue: told_minutes, told_low, told_high). The JSON
gives the estimate as told (`as_told`)."""

EXPORT_FIELDS = [f.name for f in dataclasses.fields(TicketView) if f.name not in LIVE_ONLY]
EXPORT_LABELS = ["business_zh", "status_zh", "priority_zh", "rating_zh"]
"""Chinese names of the codes, appended so the sheet reads well in Excel."""

Column = tuple[str, str, Callable[[Any], Any]]
"""(Chinese header, English header, value of a row)."""


def _num(value: float | None, digits: int = 1) -> float | str:
    return "" if value is None else round(value, digits)


def _share(value: float | None) -> float | str:
    return "" if value is None else round(100 * value, 1)


BUSINESS_COLUMNS: list[Column] = [
    ("业务", "Business", lambda b: b.prefix),
    ("名称", "Name", lambda b: b.name_zh),
    ("取号", "Tickets", lambda b: b.tickets),
    ("已叫号", "Called", lambda b: b.called),
    ("平均等候(分)", "Avg wait (min)", lambda b: _num(b.wait_avg_min)),
    ("P90等候(分)", "P90 wait (min)", lambda b: _num(b.wait_p90_min)),
    ("达标率(%)", "Within target (%)", lambda b: _share(b.within_target)),
    ("办理次数", "Services", lambda b: b.services),
    ("平均办理(分)", "Avg handling (min)", lambda b: _num(b.handling_avg_min)),
    ("P90办理(分)", "P90 handling (min)", lambda b: _num(b.handling_p90_min)),
    ("窗口时长(分/人)", "Counter min/ticket", lambda b: _num(b.counter_min_per_ticket)),
    ("过号", "No-shows", lambda b: b.no_shows),
    ("转办", "Transfers", lambda b: b.transfers),
    ("转后台", "Referrals", lambda b: b.referrals),
    ("作废", "Cancelled", lambda b: b.cancelled),
    ("咨询", "Enquiries", lambda b: b.enquiries),
]

STAFF_COLUMNS: list[Column] = [
    ("工号", "Staff", lambda s: s.staff),
    ("姓名", "Name", lambda s: s.name),
    ("首办量", "Volume", lambda s: s.volume),
    ("办结", "Completed", lambda s: s.completed),
    ("办理次数", "Services", lambda s: s.services),
    ("办理时长(分)", "Handling (min)", lambda s: _num(s.handling_min)),
    ("标准时长(分)", "Standard (min)", lambda s: _num(s.standard_min)),
    ("时长比", "Handling ratio", lambda s: _num(s.handling_ratio, 2)),
    ("非常满意", "Very satisfied", lambda s: s.ratings.get(4, 0)),
    ("满意", "Satisfied", lambda s: s.ratings.get(3, 0)),
    ("基本满意", "Fair", lambda s: s.ratings.get(2, 0)),
    ("不满意", "Dissatisfied", lambda s: s.ratings.get(1, 0)),
    ("满意度得分", "Satisfaction", lambda s: _num(s.satisfaction)),
    ("有效投诉", "Upheld complaints", lambda s: s.complaints_upheld),
    ("补救次数", "Remedies", lambda s: s.remedies),
    ("补救金额(元)", "Remedies (yuan)", lambda s: _num(s.remedy_yuan, 2)),
    ("综合得分", "Composite", lambda s: _num(s.composite)),
    ("岗位", "Role", lambda s: zh(ROLE_ZH, s.role)),
    ("工作量", "Workload", lambda s: s.workload),
    ("无计时办理", "Untimed services", lambda s: s.services_untimed),
    ("后台接单", "Referrals taken", lambda s: s.referrals_taken),
    ("后台回复", "Referrals returned", lambda s: s.referrals_returned),
    ("后台时长(分)", "Support (min)", lambda s: _num(s.support_min)),
    ("代取号", "Tickets issued", lambda s: s.issued),
    ("咨询解答", "Enquiries", lambda s: s.enquiries),
]

ESTIMATE_COLUMNS: list[Column] = [
    ("业务", "Business", lambda b: b.prefix),
    ("名称", "Name", lambda b: b.name_zh),
    ("等候≥3分钟", "Waited ≥ 3 min", lambda b: b.told),
    ("误差中位数(%)", "Median error (%)", lambda b: _num(b.told_error_pct)),
    ("偏差(%)", "Bias (%)", lambda b: _num(b.told_bias_pct)),
]
"""How close the wait told at issue came to the actual one (issue 16): shown when any
ticket of the period was told one and waited at least 3 minutes."""

APPOINTMENT_COLUMNS: list[Column] = [
    ("业务", "Business", lambda a: a.prefix),
    ("名称", "Name", lambda a: a.name_zh),
    ("预约", "Booked", lambda a: a.booked),
    ("已签到", "Checked in", lambda a: a.checked_in),
    ("准时", "On time", lambda a: a.on_time),
    ("未到", "Missed", lambda a: a.missed),
]
"""The appointments (预约) section: shown when the period has any."""

STAFFING_COLUMNS: list[Column] = [
    ("时段", "Hour", lambda h: f"{h.hour:02d}:00"),
    ("业务", "Business", lambda h: h.business),
    ("到达/小时", "Arrivals/hour", lambda h: h.arrivals),
    ("窗口时长(分/人)", "Counter min/ticket", lambda h: h.counter_min),
    ("需要窗口", "Counters needed", lambda h: h.needed),
    ("开放窗口", "Counters open", lambda h: h.open_counters),
    ("差额", "Short by", lambda h: max(0.0, round(h.needed - h.open_counters, 2))),
]

TERMINAL_BUSINESS_COLUMNS: list[Column] = [BUSINESS_COLUMNS[0], *BUSINESS_COLUMNS[2:3],
                                           *BUSINESS_COLUMNS[4:]]
"""The business table as a terminal shows it: without the names and the called count."""

TERMINAL_STAFF_COLUMNS: list[Column] = [
    *STAFF_COLUMNS[:3],
    STAFF_COLUMNS[4],
    STAFF_COLUMNS[7],
    ("评价4/3/2/1", "Rated 4/3/2/1",
     lambda s: "/".join(str(s.ratings.get(k, 0)) for k in (4, 3, 2, 1))),
    *STAFF_COLUMNS[12:17],
    STAFF_COLUMNS[18],
    STAFF_COLUMNS[21],
    STAFF_COLUMNS[22],
    STAFF_COLUMNS[23],
    STAFF_COLUMNS[24],
]
"""The staff table as a terminal shows it: the rating counts in one column."""

TEXT_HEADERS = {"业务", "名称", "工号", "姓名", "时段", "Business", "Name", "Staff", "Hour"}

SHORT = {
    "平均等候(分)": "均等", "P90等候(分)": "P90等", "达标率(%)": "达标%", "办理次数": "办理",
    "平均办理(分)": "均办", "P90办理(分)": "P90办", "满意度得分": "满意度", "有效投诉": "投诉",
    "补救次数": "补救", "补救金额(元)": "补救元", "综合得分": "综合", "到达/小时": "到达/时",
    "首办量": "首办", "评价4/3/2/1": "评价4/3/2/1", "窗口时长(分/人)": "窗口分",
    "Business": "Biz", "Tickets": "Tick", "Called": "Call", "Avg wait (min)": "Wait",
    "P90 wait (min)": "W90", "Within target (%)": "SLA%", "Services": "Serv",
    "Avg handling (min)": "Hdl", "P90 handling (min)": "H90", "No-shows": "NoSh",
    "Transfers": "Xfer", "Referrals": "Ref", "Cancelled": "Void", "Volume": "Vol",
    "Completed": "Done", "Handling ratio": "Ratio", "Rated 4/3/2/1": "4/3/2/1",
    "Satisfaction": "Sat", "Upheld complaints": "Cmpl", "Remedies": "Rem",
    "Remedies (yuan)": "Rem ¥", "Composite": "Score", "Arrivals/hour": "Arr/h",
    "Counter min/ticket": "Cmin", "Counters needed": "Need", "Counters open": "Open",
    "Short by": "Short",
}
"""Terminal headers: the files keep the long ones."""

TITLES = {
    "zh": ("业务类型", "工作人员（奖惩）", "全厅", "报表", "人员配置建议", "预约签到",
           "预计等候准确度（告知 vs 实际，等候≥3分钟）"),
    "en": ("Business types", "Staff (pay and performance)", "Whole hall", "Report",
           "Staffing", "Appointments", "Wait estimate accuracy (told vs actual, waits ≥ 3 min)"),
}


def headers(columns: Sequence[Column], lang: str) -> list[str]:
    """The column headers in the chosen language."""
    return [zh if lang == "zh" else en for zh, en, _ in columns]


def cells(columns: Sequence[Column], row: Any) -> list[Any]:
    """The values of one row."""
    return [value(row) for _, _, value in columns]


def _business_rows(report: Report) -> list[BusinessFigures]:
    return [*report.businesses, report.totals]


# -- period and progress -------------------------------------------------------------------


def period(run: Run, today: dt.date) -> tuple[dt.date, dt.date]:
    """--day, or --from/--to (each defaulting to the other, then to today)."""
    a = run.args
    if getattr(a, "day", None):
        if a.date_from or a.date_to:
            raise UsageError("give --day, or --from and --to, not both")
        return a.day, a.day
    start = a.date_from or a.date_to or today
    end = a.date_to or a.date_from or today
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    return start, end


# -- hall report ---------------------------------------------------------------------------


def report(run: Run) -> None:
    """`report [--day D | --from D --to D] [--format table|csv|xlsx|json] [--output F]`."""
    a = run.args
    fmt = "json" if run.out.as_json else a.format
    if fmt == "xlsx" and not a.output:
        raise UsageError("report: --format xlsx needs --output FILE")
    hall = run.hall()
    with hall.read() as tx:
        start, end = period(run, tx.day)
        store = None if a.all_halls else days.DayStore(tx, start, end)
        with progress_bar("报表 report") as tell:
            if store is None:
                figures = reports.all_halls_report(tx, start, end, tell)
            else:
                figures = reports.period_report(tx, start, end, tell, store.samples)
    if store is not None:
        days.save(hall, store)  # after the read: a short write, never holding up the report
    if fmt == "json":
        _emit(run, _json_text(figures.to_json()), figures, a.output)
    elif fmt == "csv":
        _emit(run, "\ufeff" + report_csv(figures, a.lang), figures, a.output)
    elif fmt == "xlsx":
        write_xlsx(figures, Path(a.output), a.lang)
        _saved(run, figures, a.output)
    else:
        run.out.wide().print(report_tables(figures, a.lang))


def _json_text(data: Any) -> str:
    return dump_json(data) + "\n"


def _emit(run: Run, body: str, figures: Report, output: str | None) -> None:
    if output:
        Path(output).write_text(body, encoding="utf-8", newline="")
        _saved(run, figures, output)
        return
    write_stdout(body)


def _saved(run: Run, figures: Report, output: str) -> None:
    data = {"file": output, "from": figures.date_from.isoformat(),
            "to": figures.date_to.isoformat(), "tickets": figures.totals.tickets}
    run.out.done(f"已导出报表 {figures.date_from} ~ {figures.date_to} → {output}", data)


def _rich(title: str, columns: Sequence[Column], rows: Sequence[Any], lang: str) -> Table:
    from rich import box
    from rich.table import Table

    # Light borders and thin padding: a dozen numeric columns fit in 100 columns.
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1),
                  pad_edge=False)
    for name in headers(columns, lang):
        table.add_column(SHORT.get(name, name), no_wrap=True,
                         justify="left" if name in TEXT_HEADERS else "right")
    for row in rows:
        # A total line (business "*") is bold and closes its section.
        total = getattr(row, "business", getattr(row, "prefix", "")) == "*"
        table.add_row(*(str(v) for v in cells(columns, row)), style="bold" if total else None,
                      end_section=total)
    return table


def report_tables(figures: Report, lang: str) -> Group:
    """The report for a terminal: one table per section."""
    from rich.console import Group
    from rich.text import Text

    t = TITLES[lang]
    when = f"{figures.date_from} ~ {figures.date_to}"
    target = (f"目标：{figures.sla_share:.0%} 在 {figures.sla_minutes:g} 分钟内叫号" if lang == "zh"
              else f"Target: {figures.sla_share:.0%} called within {figures.sla_minutes:g} min")
    parts: list[Any] = [
        _rich(f"{t[3]} {when} · {t[0]}", TERMINAL_BUSINESS_COLUMNS, _business_rows(figures),
              lang),
        Text(target, style="dim"),
    ]
    if figures.staff:
        parts.append(_rich(t[1], TERMINAL_STAFF_COLUMNS, figures.staff, lang))
    if _booked(figures):
        parts.append(_rich(t[5], APPOINTMENT_COLUMNS, figures.appointments, lang))
    if figures.totals.told:
        parts.append(_rich(t[6], ESTIMATE_COLUMNS, _business_rows(figures), lang))
    return Group(*parts)


def _booked(figures: Report) -> bool:
    """Whether the period had appointments (their section is shown only then)."""
    return bool(figures.appointments) and figures.appointments[-1].booked > 0


def report_csv(figures: Report, lang: str) -> str:
    """Both sections as CSV, each under a title line, a blank line between them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    titles = TITLES[lang]
    for title, columns, rows in _sections(figures, titles):
        if buffer.tell():
            writer.writerow([])
        hall = figures.hall_zh if lang == "zh" else figures.hall_en
        writer.writerow([f"{hall} · {title} {figures.date_from} ~ {figures.date_to}"])
        writer.writerow(headers(columns, lang))
        writer.writerows(cells(columns, row) for row in rows)
    return buffer.getvalue()


def _sections(figures: Report, titles: Sequence[str]
              ) -> list[tuple[str, Sequence[Column], Sequence[Any]]]:
    """The file's sections: businesses, staff, and appointments when there were any."""
    found: list[tuple[str, Sequence[Column], Sequence[Any]]] = [
        (titles[0], BUSINESS_COLUMNS, _business_rows(figures)),
        (titles[1], STAFF_COLUMNS, figures.staff),
    ]
    if _booked(figures):
        found.append((titles[5], APPOINTMENT_COLUMNS, figures.appointments))
    if figures.totals.told:
        found.append((titles[6], ESTIMATE_COLUMNS, _business_rows(figures)))
    return found


def write_xlsx(figures: Report, path: Path, lang: str) -> None:
    """The report as an Excel workbook: one sheet per section, each under a title row
    (the hall and the period), bold frozen headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = True
    titles = TITLES[lang]
    hall = figures.hall_zh if lang == "zh" else figures.hall_en
    for title, columns, rows in _sections(figures, titles):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]  # Excel's limit on sheet names
        # The period on the sheet itself: a sheet copied out of the workbook still says it.
        sheet.append([f"{hall} · {title} {figures.date_from} ~ {figures.date_to}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(headers(columns, lang))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([None if v == "" else v for v in cells(columns, row)])
        sheet.freeze_panes = "A3"
        for index, name in enumerate(headers(columns, lang), 1):
            letter = sheet.cell(row=2, column=index).column_letter
            sheet.column_dimensions[letter].width = max(10, 2 * len(name) + 2)
    book.save(path)


# -- hall staffing -------------------------------------------------------------------------


def staffing_report(run: Run) -> None:
    """`staffing [--day D | --from D --to D]`: counters needed per hour next to those open."""
    lang = run.args.lang
    hall = run.hall()
    with hall.read() as tx:
        start, end = period(run, tx.day)
        store = days.DayStore(tx, start, end)
        with progress_bar("人员配置 staffing") as tell:
            plan = staffing.recommend(tx, start, end, tell, store)
    days.save(hall, store)
    if run.out.as_json:
        run.out.data(plan.to_json())
    else:
        run.out.wide().print(staffing_table(plan, lang))


def staffing_table(plan: Staffing, lang: str) -> Group:
    """The recommendation as a table with its assumptions under it."""
    from rich.console import Group
    from rich.text import Text

    title = f"{TITLES[lang][4]} {plan.date_from} ~ {plan.date_to}"
    note = (f"Erlang C：{plan.sla_share:.0%} 在 {plan.sla_minutes:g} 分钟内叫号；"
            f"按 {plan.days} 个营业日平均；共用窗口在其每项业务下各计一次，* 行为全厅合计"
            if lang == "zh" else
            f"Erlang C: {plan.sla_share:.0%} called within {plan.sla_minutes:g} min; mean "
            f"over {plan.days} business days; a shared counter counts under each business; "
            "* is the hall's total")
    if not plan.hours:
        return Group(Text(f"{title}: —", style="dim"))
    return Group(_rich(title, STAFFING_COLUMNS, plan.hours, lang), Text(note, style="dim"))


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
        write_stdout(body)


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
    return dump_json([as_told(v).to_json() for v in views]) + "\n"


def as_told(view: TicketView) -> TicketView:
    """The ticket with `estimated_wait_min` (and its low–high range) as the customer was
    told at issue (kept with the ticket since migration 0012; None when nothing was: no
    open counter served the business, or an older ticket)."""
    return dataclasses.replace(view, estimated_wait_min=view.told_minutes,
                               estimated_low=view.told_low, estimated_high=view.told_high)

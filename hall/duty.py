"""The duty leader's steps for the whole hall: close the day, set the wall display's notice.

Each asks for the leader's PIN and is one transaction of the core, whose refusals (not a
leader, a notice too long) print one line.
"""

from __future__ import annotations

from db.figures import days
from db.rules import appointments, notices, ops
from db.store import audit
from hall.errors import UsageError
from hall.labels import head_line
from hall.output import progress_bar
from hall.run import Run, check_pin


def close_day(run: Run) -> None:
    """`close-day --staff LEADER`: void the numbers earlier days left waiting (PIN), then
    keep the figures of every closed day (reports over them read the kept figures)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff)
    with hall.write() as tx:
        views = ops.expire_leftovers(tx, staff=a.staff)
        missed = appointments.sweep_missed(tx)
        if tx.conn.dialect.name == "sqlite":  # the same transaction: nothing comes between
            head = audit.head(tx.conn)  # to write on the day's closing report (hall audit)
    if hall.engine.dialect.name != "sqlite":  # sealed after commit: the head once sealed
        hall.seal()
        with hall.read() as tx:
            head = audit.head(tx.conn)
    head_id, head_hash = head if head is not None else (None, None)
    with progress_bar("日终统计 day figures", after=1) as tell:
        days.keep_closed_days(hall, tell)  # so that reports read closed days stored
    run.out.tickets(views, f"已作废往日遗留号 {len(views)} 个 (numbers left from earlier days)；"
                           f"预约未到 {missed} 个 (appointments missed)；"
                           f"事件记录{head_line(head_id, head_hash)}"
                           "（请抄录在当日结账单上 write it on the closing report）")


def notice(run: Run) -> None:
    """`notice TEXT --staff LEADER` or `notice --clear --staff LEADER`: the duty leader sets
    or removes the wall display's notice line (PIN)."""
    hall, a = run.hall(), run.args
    text = "" if a.text is None else a.text
    if a.clear == bool(text.strip()):
        raise UsageError("notice: give the notice TEXT, or --clear to remove it (one of them)")
    notices.tidy_notice(text)  # a notice too long is refused before anyone types a PIN
    check_pin(run, a.staff)
    with hall.write() as tx:
        shown = notices.set_notice(tx, a.staff, text)
    message = f"叫号屏公告：{shown}" if shown else "叫号屏公告已清除 (notice cleared)"
    run.out.done(message, {"notice": shown, "staff": a.staff})

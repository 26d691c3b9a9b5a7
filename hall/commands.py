"""The steps of a customer's visit and of a counter's day, one command each.

Every handler opens one short transaction per step through `Hall.write()` and calls one
core function; the rules, and every refusal, come from `db`.
"""

from __future__ import annotations

from db.rules import counters, notices, ops, queries
from db.rules.staff import authenticate
from db.store import audit
from db.store.session import Hall
from db.store.views import CounterView, TicketView
from hall.audit import head_line
from hall.context import Run, UsageError, business_prefix, priority_code, read_pin
from hall.labels import COUNTER_STATE_ZH, counter_name


def waiting_view(hall: Hall, view: TicketView) -> TicketView:
    """The ticket with its place in the queue, read after the write has committed."""
    with hall.read() as tx:
        return queries.with_wait(tx, view)


def counter_view(hall: Hall, number: int) -> CounterView:
    """One counter as the status board shows it."""
    with hall.read() as tx:
        return next(c for c in queries.counter_views(tx) if c.number == number)


def check_pin(run: Run, staff_id: str, number: str | None = None) -> None:
    """Ask for the staff member's PIN and check it (AuthFailed, exit 1, if wrong). A ticket
    number that cannot be one is refused first, before anyone types a PIN for nothing."""
    if number is not None:
        ops.normalize_number(number)
    authenticate(run.hall(), staff_id, read_pin(staff_id))


# -- counters ------------------------------------------------------------------------------


def sign_in(run: Run) -> None:
    """`signin --counter N --staff ID`: PIN, then take the counter and open it."""
    hall, a = run.hall(), run.args
    run.config.counter(a.counter)  # an unknown counter is refused before the PIN is asked
    check_pin(run, a.staff)
    with hall.write() as tx:
        counters.sign_in(tx, a.counter, a.staff)
    view = counter_view(hall, a.counter)
    run.out.counter(view, f"{view.name_zh}：{view.staff_name}（{view.staff}）已签到，窗口开放")


def sign_out(run: Run) -> None:
    """`signout --counter N`."""
    hall, number = run.hall(), run.args.counter
    with hall.write() as tx:
        counters.sign_out(tx, number)
    view = counter_view(hall, number)
    run.out.counter(view, f"{view.name_zh}：已签退，窗口关闭")


def set_state(run: Run) -> None:
    """`open|pause|close --counter N`."""
    hall, number = run.hall(), run.args.counter
    state = {"open": "open", "pause": "paused", "close": "closed"}[run.args.command]
    with hall.write() as tx:
        counters.set_state(tx, number, state)
    view = counter_view(hall, number)
    run.out.counter(view, f"{view.name_zh}：{COUNTER_STATE_ZH[state]}")


# -- tickets -------------------------------------------------------------------------------


def issue(run: Run) -> None:
    """`issue BUSINESS [--priority P] [--account A] [--by STAFF]`: take a number."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.issue_ticket(
            tx, business_prefix(run.config, a.business),
            priority=priority_code(run.config, a.priority), account=a.account, issued_by=a.by,
        )
    run.out.ticket(waiting_view(hall, view), f"取号成功：{view.number}")


def walk_in(run: Run) -> None:
    """`walkin --counter N BUSINESS`: register a customer at the counter (首办 at once)."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.walk_in(
            tx, a.counter, business_prefix(run.config, a.business),
            priority=priority_code(run.config, a.priority), account=a.account,
        )
    run.out.ticket(view, f"{counter_name(run.config, a.counter)} 直接受理 {view.number}")


def call(run: Run) -> None:
    """`call --counter N [NUMBER]`: the next by the counter's profile, or a named number."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        if a.number:
            view = ops.call_number(tx, a.counter, a.number)
        else:
            view = ops.call_next(tx, a.counter)
    run.out.ticket(view, f"请 {view.number} 号到 {counter_name(run.config, a.counter)} 办理")


def recall(run: Run) -> None:
    """`recall --counter N`: call the same number again (重呼)."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.recall(tx, a.counter, a.number)
    where = counter_name(run.config, a.counter)
    run.out.ticket(view, f"重呼：请 {view.number} 号到 {where} 办理（第 {view.recalls} 次重呼）")


def no_show(run: Run) -> None:
    """`noshow --counter N`: the called customer did not come (过号)."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.no_show(tx, a.counter, a.number)
    again = f"{run.config.no_show_grace_minutes:g} 分钟内可重新排队：hall requeue {view.number}"
    run.out.ticket(view, f"{view.number} 过号（{again}）")


def requeue(run: Run) -> None:
    """`requeue NUMBER`: a no-show back in its queue, within the grace."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.requeue(tx, a.number, staff=a.by)
    run.out.ticket(waiting_view(hall, view), f"{view.number} 已重新排队")


def start(run: Run) -> None:
    """`start --counter N`: the customer has arrived; service begins."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.start(tx, a.counter, a.number)
    run.out.ticket(view, f"{view.number} 开始办理")


def complete(run: Run) -> None:
    """`complete --counter N [NUMBER] [--note]`: the matter is finished."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.complete(tx, a.counter, a.number, note=a.note)
    run.out.ticket(view, f"{view.number} 已办结，请客户评价（hall rate {view.number} 1-4）")


def transfer(run: Run) -> None:
    """`transfer --counter N --to BUSINESS`: into another queue (转办); the handler stays."""
    hall, a = run.hall(), run.args
    to = business_prefix(run.config, a.to)
    with hall.write() as tx:
        view = ops.transfer(tx, a.counter, to, a.number, note=a.note)
    run.out.ticket(waiting_view(hall, view), f"{view.number} 已转办到 {to}，首办责任人不变")


def next_service(run: Run) -> None:
    """`next-service --counter N --to BUSINESS`: another service in the same visit."""
    hall, a = run.hall(), run.args
    to = business_prefix(run.config, a.to)
    with hall.write() as tx:
        view = ops.add_next_service(tx, a.counter, to, a.number, note=a.note)
    run.out.ticket(waiting_view(hall, view), f"{view.number} 续办 {to}，无需重新取号")


def refer(run: Run) -> None:
    """`refer --counter N --to STAFF|pool`: part of the work to support (转后台)."""
    hall, a = run.hall(), run.args
    to = None if a.to.lower() == "pool" else a.to
    with hall.write() as tx:
        view = ops.refer(tx, a.counter, to, a.number, note=a.note)
    run.out.ticket(view, f"{view.number} 已转后台（{to or '服务岗公共池'}），窗口可叫下一位")


def set_aside(run: Run) -> None:
    """`aside --counter N --note TEXT`: the matter waits on the customer (待客户补件)."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.set_aside(tx, a.counter, a.note, a.number)
    run.out.ticket(view, f"{view.number} 待客户补件（{a.note}），窗口可叫下一位")


def resume(run: Run) -> None:
    """`resume --counter N NUMBER`: the customer of an open matter is back at the counter."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.resume(tx, a.counter, a.number)
    run.out.ticket(view, f"{view.number} 已接回 {a.counter} 号窗口办理")


def take(run: Run) -> None:
    """`take NUMBER --staff ID`: support takes a referral (PIN)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff, a.number)
    with hall.write() as tx:
        view = ops.take_referral(tx, a.number, a.staff)
    run.out.ticket(view, f"{view.number} 已由 {a.staff} 接单")


def give_back(run: Run) -> None:
    """`return NUMBER --staff ID [--note]`: support reports back to the handler (PIN)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff, a.number)
    with hall.write() as tx:
        view = ops.return_from_support(tx, a.number, a.staff, note=a.note)
    run.out.ticket(view, f"{view.number} 已交回首办责任人 {view.handler}")


def cancel(run: Run) -> None:
    """`cancel NUMBER --staff LEADER [--reason]`: the duty leader voids a ticket (PIN)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff, a.number)
    with hall.write() as tx:
        view = ops.cancel(tx, a.number, a.staff, reason=a.reason)
    run.out.ticket(view, f"{view.number} 已作废")


def rate(run: Run) -> None:
    """`rate NUMBER SCORE`: the customer's evaluation, once, after completion."""
    hall, a = run.hall(), run.args
    with hall.write() as tx:
        view = ops.rate(tx, a.number, a.score, day=a.day)
    run.out.ticket(view, f"{view.number} 评价已记录，谢谢")


def close_day(run: Run) -> None:
    """`close-day --staff LEADER`: void the numbers earlier days left waiting (PIN)."""
    hall, a = run.hall(), run.args
    check_pin(run, a.staff)
    with hall.write() as tx:
        views = ops.expire_leftovers(tx, staff=a.staff)
        head = audit.head(tx.conn)  # to write on the day's closing report (hall audit)
    head_id, head_hash = head if head is not None else (None, None)
    run.out.tickets(views, f"已作废往日遗留号 {len(views)} 个 (numbers left from earlier days)；"
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

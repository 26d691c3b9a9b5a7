"""The steps of a customer's visit, one command each: take a number, be called, served,
transferred, referred to support and back, set aside, rated, or voided.

Every handler opens one short transaction per step through `Hall.write()` and calls one
core function; the rules, and every refusal, come from `db`.
"""

from __future__ import annotations

from db.rules import ops, queries
from db.store.session import Hall
from db.store.views import TicketView
from hall.arguments import business_prefix, priority_code
from hall.labels import counter_name
from hall.run import Run, check_pin


def waiting_view(hall: Hall, view: TicketView) -> TicketView:
    """The ticket with its place in the queue, read after the write has committed."""
    with hall.read() as tx:
        return queries.with_wait(tx, view)


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

"""Looking things up, never changing them: `show`, `history`, `visits`, `status`, `events`,
`referrals` and `matters`, each one read transaction."""

from __future__ import annotations

from db.rules import queries
from db.rules.ops import normalize_number
from hall.run import Run


def show(run: Run) -> None:
    """`show NUMBER [--day D]`: a ticket with its place in the queue."""
    with run.hall().read() as tx:
        view = queries.ticket_info(tx, run.args.number, run.args.day)
    run.out.ticket(view)


def history(run: Run) -> None:
    """`history NUMBER [--day D]`: every step of one ticket, oldest first."""
    with run.hall().read() as tx:
        views = queries.history(tx, run.args.number, run.args.day)
    run.out.events(views, f"{normalize_number(run.args.number)} 的经过 (history)")


def visits(run: Run) -> None:
    """`visits ACCOUNT`: a customer's visits by account number (户号), newest first."""
    with run.hall().read() as tx:
        views = queries.visits(tx, run.args.account, run.args.limit)
    run.out.tickets(views, f"户号 {run.args.account} 的来访 (visits)")


def status(run: Run) -> None:
    """`status`: the status board."""
    with run.hall().read() as tx:
        snap = queries.snapshot(tx)
    run.out.snapshot(snap)


def events(run: Run) -> None:
    """`events [--day D] [--limit N] [--kind K]`: the event log."""
    a = run.args
    with run.hall().read() as tx:
        views = queries.events(tx, a.day, a.limit, a.kind)
        day = a.day or tx.day
    run.out.events(views, f"事件记录 (events) {day}")


def referrals(run: Run) -> None:
    """`referrals [--staff ID]`: referrals waiting for support."""
    with run.hall().read() as tx:
        views = queries.support_queue(tx, run.args.staff)
    run.out.tickets(views, "后台待办 (support queue)")


def matters(run: Run) -> None:
    """`matters --staff ID`: a handler's own open tickets away from the counter."""
    with run.hall().read() as tx:
        views = queries.open_matters(tx, run.args.staff)
    run.out.tickets(views, f"{run.args.staff} 的在办事项 (open matters)")

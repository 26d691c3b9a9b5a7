"""A counter's day at the command line: sign in, sign out, open, pause, close.

Every handler opens one short transaction per step through `Hall.write()` and calls one
core function; the rules, and every refusal, come from `db`.
"""

from __future__ import annotations

from db.rules import counters, queries
from db.store.session import Hall
from db.store.views import CounterView
from hall.labels import COUNTER_STATE_ZH
from hall.run import Run, check_pin


def counter_view(hall: Hall, number: int) -> CounterView:
    """One counter as the status board shows it."""
    with hall.read() as tx:
        return next(c for c in queries.counter_views(tx) if c.number == number)


def sign_in(run: Run) -> None:
    """`signin --counter N --staff ID`: PIN, then take the counter and open it."""
    hall, a = run.hall(), run.args
    run.config.counter(a.counter)  # an unknown counter is refused before the PIN is asked
    check_pin(run, a.staff, terminal=f"counter {a.counter}")
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

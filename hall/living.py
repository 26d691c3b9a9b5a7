"""The living demo hall: the simulator's customers and clerks (`db.figures.simulation`)
played on the wall clock, `--speed` times faster, through the same core steps the apps use.

Simulated customers take numbers for every business but one, and simulated clerks (SIM02,
SIM03, …, as the simulator names them) serve at every counter but the first: that counter
and that business are the user's, so a number they take at the kiosk waits for them to
call it at their counter. Every step is its own transaction on the demo database, so any
app watching it (the wall display, the leader's console, a browser) sees the hall move.

`Living.run(stop)` plays until `stop` is set; `living_hall` runs it in a thread.
"""

from __future__ import annotations

import datetime as dt
import heapq
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import insert, select

from db.errors import HallError
from db.figures.scenario import Scenario, arrivals_for, counter_minutes
from db.figures.simulation import SIM_SUPPORT, Day, _clerk
from db.rules import counters, ops, queries
from db.rules.ops import S
from db.store.session import Hall, ManualClock, utc_now
from db.store.views import TicketView
from hall.labels import counter_name

LOAD = 0.75
"""How busy the simulated counters are on average (Erlangs per counter): queues form and
clear, and no queue grows without end."""

NAMES = ("周敏", "吴军", "郑丽", "孙涛", "马超", "朱红", "胡斌", "郭静", "何平", "高峰",
         "林芳", "罗刚", "梁雪", "宋波", "唐琳")
"""The simulated clerks' names (SIM02 周敏 …), as the counters and the wall show them."""

Say = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """Who does what in the living hall."""

    user_counter: int | None
    """The counter left for the user (None in a hall of one counter: the simulation takes it)."""
    user_business: str | None
    """The business only the user's counter serves and no simulated customer takes."""
    simulated: dict[int, tuple[str, ...]]
    """Counter → the businesses its simulated clerk serves."""
    per_hour: dict[str, float]
    """Business → simulated customers an hour (at speed 1)."""


def plan_for(hall: Hall) -> Plan:
    """The user's counter and business, the simulated counters' work, and arrivals that keep
    the simulated counters about `LOAD` busy."""
    config = hall.config
    specs = config.counters
    if len(specs) < 2:
        return Plan(None, None, {specs[0].number: specs[0].profile}, _rates(hall, None, 1))
    user = specs[0]
    # The last business of the user's counter: on the default hall 发票与票据 (E), which
    # the payment counters also take, so the hall loses little of its traffic.
    business = user.profile[-1] if len(config.businesses) > 1 else None
    simulated = {s.number: tuple(p for p in s.profile if p != business) for s in specs[1:]}
    simulated = {n: p for n, p in simulated.items() if p}
    return Plan(user.number, business, simulated, _rates(hall, business, len(simulated)))


def _rates(hall: Hall, left_out: str | None, counters_open: int) -> dict[str, float]:
    config = hall.config
    share = {p: rates[0] for p, rates in arrivals_for(config, 1, hours=1).items()
             if p != left_out}
    total = sum(share.values()) or 1.0
    share = {p: s / total for p, s in share.items()}
    probe = Scenario(day=dt.date.today(), arrivals={})
    minutes = sum(s * counter_minutes(probe, config.business(p).standard_minutes)
                  for p, s in share.items())
    per_hour = LOAD * max(1, counters_open) * 60 / max(minutes, 0.1)
    return {p: per_hour * s for p, s in share.items()}


class Living(Day):
    """The simulator's day, without an end, on the wall clock: its steps are the simulator's
    (arrive, call, no-show, start, transfer, refer, complete, rate), its agenda the same heap
    of minutes, but the minutes are real ones divided by `speed` and the hall's own clock
    (real time) stamps every step."""

    def __init__(self, hall: Hall, plan: Plan, *, speed: float, seed: int | None = None,
                 say: Say | None = None) -> None:
        now = utc_now()
        scenario = Scenario(day=hall.config.business_day(now),
                            arrivals={p: (r,) for p, r in plan.per_hour.items()},
                            counters=len(plan.simulated),
                            seed=seed if seed is not None else time.time_ns())
        super().__init__(hall, ManualClock(now), scenario)  # the clock is the simulator's note
        self.plan = plan
        self.speed = speed
        self.say: Say = say or (lambda line: None)
        self.issued = 0
        self.called = 0
        self.faults: list[str] = []
        self.broke: BaseException | None = None
        """What stopped the simulation before it was asked to stop (shown by the lobby)."""

    # -- the agenda on the wall clock -------------------------------------------------------

    def run(self) -> None:  # the simulator's whole day: not for a living hall
        raise NotImplementedError("a living hall runs until stopped: use live(stop)")

    def live(self, stop: threading.Event) -> None:
        """Staff the counters, let customers come, and play every step when its minute comes,
        until `stop` is set."""
        self._staff()
        self._assign(dict(self.plan.simulated))
        for prefix in self.plan.per_hour:
            self._next_arrival(prefix)
        began = time.monotonic()
        while not stop.is_set():
            minute = (time.monotonic() - began) * self.speed / 60
            if self.queue and self.queue[0][0] <= minute:
                at, _, step, args = heapq.heappop(self.queue)
                self.now = at
                try:
                    step(*args)
                except HallError as error:  # a person at a terminal did something first
                    self.faults.append(f"{step.__name__}{args}: {error}")
                    if args and isinstance(args[0], int) and args[0] in self.active:
                        self.at(self.now + 1, self.unstick, args[0])
                continue
            ahead = (self.queue[0][0] - minute) * 60 / self.speed if self.queue else 1.0
            stop.wait(min(max(ahead, 0.0), 0.5))

    def _next_arrival(self, prefix: str) -> None:
        rate = self.plan.per_hour[prefix]
        if rate > 0:
            self.at(self.now + self.rng.expovariate(rate / 60), self.arrive, prefix)

    # -- the simulator's steps, told and kept to the simulated counters -----------------------

    def _staff(self) -> None:
        """A simulated clerk signed in at each simulated counter, paused until assigned."""
        with self.hall.write() as tx:
            known = set(tx.conn.execute(select(S.c.id)).scalars())
            people = [(_clerk(n), NAMES[(n - 2) % len(NAMES)], "clerk")
                      for n in self.plan.simulated]
            for staff_id, name, role in [*people, (SIM_SUPPORT, "后台模拟", "support")]:
                if staff_id not in known:
                    tx.conn.execute(insert(S).values(
                        id=staff_id, name=name, role=role, authority_limit=0,
                        pin_hash="simulated: no PIN", created_at=tx.now))
            for n in self.plan.simulated:
                counters.sign_in(tx, n, _clerk(n))
                if ops.counter_row(tx, n).state != "paused":
                    counters.set_state(tx, n, "paused")

    def arrive(self, prefix: str) -> None:
        """A customer takes a number (and the next one of that business is on the way)."""
        with self.hall.write() as tx:
            view = ops.issue_ticket(tx, prefix)
        self.issued += 1
        self.say(f"取号 {view.number}")
        self._next_arrival(prefix)
        self.wake(prefix)

    no_show_after = 2.0

    def called_up(self, number: int, view: TicketView) -> None:
        """Each call is said on the lobby's log."""
        self.called += 1
        self.say(f"叫号 {view.number} → {counter_name(self.hall.config, number)}")

    def transfer(self, number: int, to: str) -> None:
        """转办, never into the user's business: its queue is theirs."""
        if to == self.plan.user_business or to not in self.plan.per_hour:
            to = next(p for p in self.plan.per_hour if p != to)
        super().transfer(number, to)

    def sign_out(self) -> None:
        """The living hall stops: each simulated clerk finishes the customer in front of them
        and signs out, so no counter is left open with no one behind it."""
        for number in self.plan.simulated:
            try:
                self._finish(number)
                with self.hall.write() as tx:
                    if ops.counter_row(tx, number).staff_id == _clerk(number):
                        counters.sign_out(tx, number)
            except HallError as error:
                self.faults.append(f"sign out {number}: {error}")
        self.active.clear()
        self.idle.clear()

    def _finish(self, number: int) -> None:
        with self.hall.read() as tx:
            desk = next(c for c in queries.counter_views(tx) if c.number == number)
        if desk.ticket and desk.ticket_status == "called":
            self._write(lambda tx: ops.start(tx, number))
        if desk.ticket:
            self._write(lambda tx: ops.complete(tx, number))

    def unstick(self, number: int) -> None:
        """After a refused step (someone at a terminal moved the ticket first): finish
        whatever the counter still holds, then call again."""
        self._finish(number)
        self.free(number)


@contextmanager
def living_hall(hall: Hall, *, speed: float, say: Say | None = None,
                seed: int | None = None) -> Iterator[Living]:
    """The living hall in a thread of its own while the block runs; stopped and joined when
    it ends (however it ends)."""
    living = Living(hall, plan_for(hall), speed=speed, seed=seed, say=say)
    stop = threading.Event()

    def play() -> None:
        try:
            living.live(stop)
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            living.broke = error

    thread = threading.Thread(target=play, name="living-hall", daemon=True)
    thread.start()
    try:
        yield living
    finally:
        stop.set()
        thread.join()
        living.sign_out()
    if living.broke is not None:
        raise living.broke

"""`hall demo`: a demo hall at work, to watch, to try the apps on, and to try commands on.

It writes to its own database (`hall-demo.db` beside the default one unless `--db` says
otherwise) and can be run again: it tidies the counters the last run left busy, adds only
missing staff, and plays a scripted morning on a clock that runs up to now.

Then, on a terminal, the hall comes alive (`hall.living`): simulated customers arrive and
simulated clerks serve at every counter but the first, which is the user's, in real time
(`--speed N` times faster); the lobby (`hall.lobby`) shows the board and opens the kiosk,
the user's counter, the wall display and the other apps a key away. `--browser` serves
them to a browser instead (`hall serve` on the demo database); `--seconds N` runs the
living hall for N seconds without a screen. `--once`, and a plain `hall demo` whose input or
output is not a terminal (a script, a pipe, CI), plays the morning once and prints the board.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import IO, TYPE_CHECKING, Any

from rich.text import Text
from sqlalchemy import func, select

from db.errors import HallError, Refused
from db.rules import counters, ops, queries, remedies
from db.rules import staff as staff_db
from db.store.session import Hall, ManualClock, Tx, utc_now
from db.store.views import TicketView, yuan
from hall.errors import UsageError, masked
from hall.labels import counter_name
from hall.run import Run, demo_url, open_hall
from hall.setup import prepare

if TYPE_CHECKING:
    from hall.living import Living

DEMO_PIN = "123456"
"""Every demo staff member's PIN (six digits, as a duty leader's must be): a demo, not a hall."""

DEMO_TEAM = (
    ("C01", "张伟", "clerk", 200),
    ("C02", "王芳", "clerk", 200),
    ("C03", "李娜", "clerk", 200),
    ("C04", "赵磊", "clerk", 200),
    ("S01", "刘强", "support", 0),
    ("G01", "陈静", "guide", 0),
    ("L01", "杨洋", "leader", 2000),
)

CLERKS = ("C01", "C02", "C03", "C04")
TICKETS_PER_BUSINESS = (5, 2, 1, 2, 1, 1)
"""How many numbers each business type (in config order) gets: payment is the bulk."""

PLANNED_MINUTES = 60.0
"""How long the demo morning lasts on its clock, ending now."""


class Morning:
    """One play of the demo: the hall on a manual clock, the desks used, what was said."""

    def __init__(self, hall: Hall, clock: ManualClock, say: Callable[[str], None]) -> None:
        self.hall = hall
        self.clock = clock
        self.say = say
        self.desks = [c.number for c in hall.config.counters[: len(CLERKS)]]
        # Fit the morning between the last thing in the database and now: never the future.
        window = (utc_now() - clock.now).total_seconds() / 60
        self.scale = max(0.0, min(1.0, window / PLANNED_MINUTES))
        self.done: list[str] = []

    def step(self, minutes: float, what: str, fn: Callable[[Tx], Any]) -> Any:
        """One step in its own transaction; a refusal is noted and the demo goes on."""
        self.clock.advance(minutes=minutes * self.scale)
        try:
            with self.hall.write() as tx:
                result = fn(tx)
        except HallError as exc:
            self.done.append(f"{what}（未执行 skipped: {exc}）")
            return None
        # Name the ticket once per line: "叫号 A016 → 开始办理 → 办结", not A016 each time.
        number = result.number if isinstance(result, TicketView) else ""
        shown = "" if number and number in " ".join(self.done) else number
        self.done.append(" ".join(part for part in (what, shown) if part))
        return result

    def tell(self, title: str, sep: str = " → ") -> None:
        """Say the steps since the last telling, as one line."""
        if self.done:
            self.say(f"{title}：{sep.join(self.done)}")
        self.done = []

    def desk(self, index: int) -> int:
        """The counter number of the demo's `index`-th desk (wrapping round)."""
        return self.desks[index % len(self.desks)]

    def name(self, desk: int) -> str:
        """The counter's Chinese name."""
        return counter_name(self.hall.config, desk)


def demo(run: Run) -> None:
    """Create or reuse the demo database and play a morning; then either print the status
    board (`--once`, or no terminal) or bring the hall to life until the user quits."""
    mode = _mode(run)
    if mode == "once":
        _once(run)
    else:
        _living(run, mode)


def _mode(run: Run) -> str:
    """"once", "terminal" (the lobby), "browser" or "headless" (`--seconds` alone)."""
    a = run.args
    if a.once:
        given = [name for name, on in (("--browser", a.browser), ("--seconds", a.seconds),
                                       ("--speed", a.speed), ("--port", a.port)) if on]
        if given:
            raise UsageError(f"demo: --once plays the scripted morning only; it takes no "
                             f"{', '.join(given)}")
        return "once"
    if a.port and not a.browser:
        raise UsageError("demo: --port is the --browser server's; give --browser too")
    if a.browser:
        return "browser"
    if a.seconds:
        return "headless"
    if run.out.as_json:
        return "once"
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("demo: not a terminal: the scripted morning once, as `hall demo --once` (the "
              "living hall needs a terminal, --browser, or --seconds N)", file=sys.stderr)
        return "once"
    return "terminal"


def _once(run: Run) -> None:
    """The scripted morning, then the status board and a hint of commands to try."""
    url = demo_url(getattr(run.args, "db", None))
    said: list[str] = []
    say = said.append if run.out.as_json else _printer(run)
    hall = _morning(run, url, say)
    with hall.read() as tx:
        snap = queries.snapshot(tx)
    if run.out.as_json:
        run.out.data({"db": masked(url), "pin": DEMO_PIN, "steps": said,
                      "status": snap.to_json()})
        return
    run.out.snapshot(snap)
    run.out.console.print(Text(_hint(url, run), style="bold"), soft_wrap=True)


def _morning(run: Run, url: str, say: Callable[[str], None]) -> Hall:
    """The demo database made ready, tidied and played a morning on; left on the wall clock."""
    hall = run.adopt(open_hall(url, run.config, create=True))
    prepare(hall)
    say(f"演示数据库 demo database: {masked(url)}")
    morning = Morning(hall, _morning_clock(hall), say)
    hall.clock = morning.clock
    _add_team(morning)
    _tidy(morning)
    _play(morning)
    hall.clock = utc_now
    return hall


# -- the living hall -----------------------------------------------------------------------


def _living(run: Run, mode: str) -> None:
    """The morning, then the living hall until the user quits (q, Ctrl+C) or `--seconds`
    pass: on the lobby's screen, or for browsers, or headless."""
    from hall.living import living_hall, plan_for

    a = run.args
    url = demo_url(getattr(run.args, "db", None))
    quiet = run.out.as_json
    hall = _morning(run, url, lambda line: None)
    plan = plan_for(hall)
    _handover(hall, plan.user_counter, plan.user_business)
    speed = float(a.speed or 1)
    intro = _intro(run, url, plan.user_counter, plan.user_business, speed)
    tell = _teller(quiet or mode == "terminal")
    living: Living | None = None
    tell("\n".join(intro))
    try:
        with (_server(run, url, a.port or 8000, tell) if mode == "browser" else _nothing(),
              living_hall(hall, speed=speed, say=tell) as living):
            if mode == "terminal":
                from hall.lobby import Lobby

                lines = _lobby_intro(run, plan.user_counter, plan.user_business, speed)
                Lobby(run.config, hall, living, url=url, intro=lines).run()
            else:
                _wait(a.seconds)
    except KeyboardInterrupt:
        pass
    issued, called = (living.issued, living.called) if living else (0, 0)
    summary = {"db": masked(url), "issued": issued, "called": called, "speed": speed,
               "faults": living.faults if living else []}
    if quiet:
        run.out.data(summary)
    else:
        print(f"演示结束 demo stopped: {issued} 人取号 issued, {called} 次叫号 "
              f"called by the simulated clerks; the demo database stays for `hall status` "
              f"(HALL_DB={shlex.quote(masked(url))})", flush=True)


def _teller(quiet: bool) -> Callable[[str], None]:
    lock = threading.Lock()

    def tell(line: str) -> None:
        """One line of the living hall, printed whole (the simulation has its own thread)."""
        if not quiet:
            with lock:
                print(line, flush=True)

    return tell


def _wait(seconds: int | None) -> None:
    """Until `seconds` pass (forever without): Ctrl+C ends it sooner."""
    end = None if seconds is None else time.monotonic() + seconds
    while end is None or time.monotonic() < end:
        time.sleep(0.2 if end is None else max(0.0, min(0.2, end - time.monotonic())))


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _handover(hall: Hall, user_counter: int | None, user_business: str | None) -> None:
    """From the scripted morning to the living hall: the morning's clerks finish their
    customers and sign out (the simulated clerks take the counters), and the user's counter
    is left free, serving only the user's business, whose waiting numbers are voided: the
    next number of that business is the user's own."""
    morning = Morning(hall, ManualClock(utc_now()), lambda line: None)
    morning.scale = 0.0
    hall.clock = morning.clock
    try:
        _tidy(morning, void=lambda v: v.business == user_business)
        if user_counter is not None and user_business is not None:
            morning.step(0, "", partial(counters.set_profile, counter=user_counter,
                                        profile=[user_business]))
    finally:
        hall.clock = utc_now


def _intro(run: Run, url: str, counter: int | None, business: str | None,
           speed: float) -> list[str]:
    """What the user is told first: the database, their counter and business, the PINs."""
    config = run.config
    lines = [f"演示数据库 demo database: {masked(url)} · 速度 speed ×{speed:g}"]
    if counter is not None and business is not None:
        b = config.business(business)
        lines.append(
            f"你的窗口 your counter: {counter_name(config, counter)}, C01 / PIN {DEMO_PIN}, "
            f"只办 only {b.name_zh} {business}: 取号机取 {business} 号，再到你的窗口叫号 "
            f"(take a number for {business} at the kiosk, call it at your counter)")
    lines.append(f"其他窗口由模拟工作人员办理 simulated clerks serve the other counters · "
                 f"值班领导 duty leader L01 / PIN {DEMO_PIN}")
    return lines


def _lobby_intro(run: Run, counter: int | None, business: str | None,
                 speed: float) -> list[str]:
    """The lobby's two lines above the board: short, for an 80×24 terminal."""
    lines = []
    if counter is not None and business is not None:
        name = run.config.business(business).name_zh
        lines.append(f"你的窗口 your counter {counter} · C01/{DEMO_PIN} · 只办 only {business} "
                     f"{name} · k 取号 c 叫号")
    lines.append(f"×{speed:g} · 离开 leave: 取号机 评价器 叫号屏 F12 → L01 / {DEMO_PIN} · "
                 "窗口 领导 Ctrl+Q")
    return lines


@contextmanager
def _server(run: Run, url: str, port: int, tell: Callable[[str], None]) -> Iterator[None]:
    """`hall serve` on the demo database, in a process of its own, while the block runs;
    the addresses to open are told once it listens. Stopped (and its sessions with it) when
    the block ends."""
    env = dict(os.environ, HALL_DB=url)  # the URL never on a command line
    source = run.config.source
    if source and os.path.isfile(source):
        env["HALL_CONFIG"] = source
    command = [sys.executable, "-m", "hall", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _listening(server)
        base = f"http://127.0.0.1:{port}"
        counter = run.config.counters[0].number
        tell("\n".join([
            f"营业厅服务器 hall server: {base}/ (every terminal)",
            f"  取号机 kiosk            {base}/kiosk",
            f"  你的窗口 your counter   {base}/counter/{counter}",
            f"  评价器 evaluator        {base}/evaluator/{counter}",
            f"  叫号屏 wall display     {base}/display",
            f"  值班领导 leader         {base}/leader",
            "Ctrl+C 结束演示 stops the demo and the server",
        ]))
        yield
    finally:
        _stop(server)


def _listening(server: subprocess.Popen[str]) -> None:
    """Wait for the server's ready line; its own one-line refusal (a port in use) if it
    stops first. Its later lines go on to our standard error."""
    assert server.stderr is not None
    said: list[str] = []
    for line in server.stderr:
        said.append(line.rstrip("\n"))
        if "terminals are listed at" in line:
            threading.Thread(target=_relay, args=(server.stderr,), daemon=True).start()
            return
    server.wait()
    why = said[-1].removeprefix("hall: ") if said else f"exit code {server.returncode}"
    raise Refused(f"demo --browser: the hall server did not start: {why}")


def _relay(stream: IO[str]) -> None:
    for line in stream:
        print(line, end="", file=sys.stderr, flush=True)


def _stop(server: subprocess.Popen[str]) -> None:
    """SIGTERM (the server stops its sessions' apps), then a kill if it lingers."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _printer(run: Run) -> Callable[[str], None]:
    def say(line: str) -> None:
        """Print one line of the demo's story, dimmed under the board to come."""
        run.out.console.print(Text(line, style="dim"))

    return say


def _hint(url: str, run: Run) -> str:
    first = run.config.counters[0].number
    return (
        # Never the password: a hint is printed, and terminals are scrolled back and logged.
        f"试试 try: export HALL_DB={shlex.quote(masked(url))}; then hall status · hall issue A · "
        f"hall call --counter {first} · hall signin --counter N --staff C01 (PIN {DEMO_PIN})"
    )


def _morning_clock(hall: Hall) -> ManualClock:
    """A clock for a morning ending now, starting after anything already in the database
    (a second run never writes events before the first run's) and inside today's business
    day (run just after the day starts, a whole morning would issue yesterday's numbers)."""
    now = utc_now()
    with hall.read() as tx:
        last = tx.conn.execute(select(func.max(ops.E.c.at))).scalar()
    start = max(now - dt.timedelta(minutes=PLANNED_MINUTES), hall.config.day_began(now))
    if last is not None:
        start = max(start, min(last.replace(tzinfo=dt.UTC), now))
    return ManualClock(start)


def _add_team(m: Morning) -> None:
    """The demo staff, each added only if missing."""
    with m.hall.read() as tx:
        known = {s.id for s in staff_db.list_staff(tx)}
    for staff_id, name, role, limit in DEMO_TEAM:
        if staff_id not in known:
            m.step(0, f"{staff_id} {name}", partial(
                staff_db.add_staff, staff_id=staff_id, name=name, role=role, pin=DEMO_PIN,
                authority_limit=limit))
    m.tell("添加演示人员 staff", sep="、")


def _tidy(m: Morning, void: Callable[[TicketView], bool] = lambda v: True) -> None:
    """Clear what the last run left: finish the counters' tickets, void today's waiting
    numbers (those `void` picks; the duty leader's cancel), and sign everyone out."""
    with m.hall.read() as tx:
        desks = queries.counter_views(tx)
        waiting = [v.number for v in queries.day_tickets(tx, tx.day)
                   if v.status == "waiting" and void(v)]
    busy = [d for d in desks if d.ticket]
    for desk in busy:
        if desk.ticket_status == "called":
            m.step(0, "", partial(ops.start, counter=desk.number))
        m.step(0, "", partial(ops.complete, counter=desk.number, note="演示整理"))
    for desk in desks:
        if desk.staff:
            m.step(0, "", partial(counters.sign_out, counter=desk.number))
    for number in waiting:
        m.step(0, "", partial(ops.cancel, number=number, staff="L01", reason="演示重置"))
    m.done = []
    if busy or waiting:
        m.say(f"整理上次的演示 tidy：办结 {len(busy)} 张，作废等候中的 {len(waiting)} 张，全部签退")


# -- the morning ---------------------------------------------------------------------------


def _play(m: Morning) -> None:
    """Sign the clerks in, issue the numbers, and serve: every kind of step once or more."""
    for clerk, desk in zip(CLERKS, m.desks, strict=False):
        m.step(0.2, f"{desk}号窗口 {clerk}",
               partial(counters.sign_in, counter=desk, staff=clerk))
    m.tell("签到 sign in", sep="、")
    _issue_morning(m)
    d0, d1, d2, d3 = (m.desk(i) for i in range(4))
    _full_service(m, d0, 4, score=4, note="电费已缴清")
    _full_service(m, d1, 5, score=3, remedy=("late_fee_waiver", 3550, "系统重复扣费"))
    _referral(m, d3)
    _transfer(m, d2)
    _no_show(m, d0)
    _full_service(m, d3, 6, score=2, note="已受理，等待装表",
                  remedy=("compensation", 80000, "停电造成家电损坏"))  # above 200: the leader's
    _next_service(m, d1)
    _left_at_counters(m, d0, d1, d2, d3)


def _issue_morning(m: Morning) -> None:
    """About a dozen numbers, business types interleaved as customers arrive."""
    config = m.hall.config
    queues = [[b.prefix] * n for b, n in zip(config.businesses, TICKETS_PER_BUSINESS,
                                               strict=False)]
    arrivals = [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]
    codes = {p.code for p in config.priorities}
    for k, prefix in enumerate(arrivals):
        priority = "elderly" if k == 3 and "elderly" in codes else "normal"
        account = f"31{k:08d}" if k % 2 == 0 else None
        by = "G01" if k % 3 == 0 else None
        m.step(0.5, "", partial(
            ops.issue_ticket, business=prefix, priority=priority, account=account, issued_by=by))
    m.tell("取号 issue", sep=" ")


def _call(m: Morning, desk: int) -> TicketView | None:
    view: TicketView | None = m.step(0.5, "叫号", lambda tx: ops.call_next(tx, desk))
    return view


def _full_service(m: Morning, desk: int, minutes: float, *, score: int,
                  note: str | None = None, remedy: tuple[str, int, str] | None = None) -> None:
    ticket = _call(m, desk)
    if ticket is not None:
        m.step(0.5, "开始办理", lambda tx: ops.start(tx, desk))
        if remedy is not None:
            kind, fen, reason = remedy
            kinds = {k.code: k for k in m.hall.config.remedies}
            # A hall with its own [[remedy]] list: its first kind stands in.
            named = kinds[kind].name_zh if kind in kinds else m.hall.config.remedies[0].name_zh
            kind = kind if kind in kinds else m.hall.config.remedies[0].code
            m.step(1, f"补救 {named} ¥{yuan(fen)}", lambda tx: remedies.grant_at_counter(
                tx, desk, kind, fen, reason))
        if m.step(minutes, "办结", lambda tx: ops.complete(tx, desk, note=note)):
            m.step(0.3, f"评价 {score}", lambda tx: ops.rate(tx, ticket.number, score))
    m.tell(m.name(desk))


def _referral(m: Morning, desk: int) -> None:
    """Front stage to back stage and back: the handler keeps the matter and closes it."""
    ticket = _call(m, desk)
    if ticket is not None:
        number = ticket.number
        m.step(0.5, "开始办理", lambda tx: ops.start(tx, desk))
        m.step(2, "转后台", lambda tx: ops.refer(tx, desk, None, note="需现场勘查"))
        m.step(3, "S01 接单", lambda tx: ops.take_referral(tx, number, "S01"))
        m.step(8, "S01 回复", lambda tx: ops.return_from_support(
            tx, number, "S01", note="现场勘查完成，可以接电"))
        if m.step(1, "首办责任人办结", lambda tx: ops.complete(tx, desk, number)):
            m.step(0.3, "评价 4", lambda tx: ops.rate(tx, number, 4))
    m.tell(m.name(desk))


def _other_business(m: Morning, current: str, desk: int) -> str:
    """A business the customer also needs: the next one the desk serves, else any other."""
    with m.hall.read() as tx:
        profile = next(c.profile for c in queries.counter_views(tx) if c.number == desk)
    everything = [b.prefix for b in m.hall.config.businesses]
    return next((p for p in [*profile, *everything] if p != current), current)


def _transfer(m: Morning, desk: int) -> None:
    ticket = _call(m, desk)
    if ticket is not None:
        to = _other_business(m, ticket.business, m.desk(3))
        m.step(0.5, "开始办理", lambda tx: ops.start(tx, desk))
        m.step(3, f"转办到 {to}", lambda tx: ops.transfer(tx, desk, to, note="客户还需办理此项"))
    m.tell(m.name(desk))


def _next_service(m: Morning, desk: int) -> None:
    ticket = _call(m, desk)
    if ticket is not None:
        to = _other_business(m, ticket.business, desk)
        m.step(0.5, "开始办理", lambda tx: ops.start(tx, desk))
        m.step(3, f"续办 {to}", lambda tx: ops.add_next_service(tx, desk, to))
    m.tell(m.name(desk))


def _no_show(m: Morning, desk: int) -> None:
    ticket = _call(m, desk)
    if ticket is not None:
        m.step(1.5, "过号", lambda tx: ops.no_show(tx, desk))
        m.step(0.5, "重新排队", lambda tx: ops.requeue(tx, ticket.number))
    m.tell(m.name(desk))


def _left_at_counters(m: Morning, d0: int, d1: int, d2: int, d3: int) -> None:
    """End with the counters busy, as a hall is at any moment: serving, called, a walk-in."""
    for desk in (d2, d3):
        if _call(m, desk):
            m.step(0.5, "开始办理", partial(ops.start, counter=desk))
        m.tell(m.name(desk))
    if _call(m, d0):
        m.step(1, "重呼", lambda tx: ops.recall(tx, d0))
    m.tell(m.name(d0))
    businesses = m.hall.config.businesses
    walk_in = businesses[min(2, len(businesses) - 1)].prefix
    m.step(0.5, "直接受理", lambda tx: ops.walk_in(tx, d1, walk_in, account="3100000099"))
    m.tell(m.name(d1))

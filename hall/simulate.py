"""`hall simulate`: a hall day played on a virtual clock, on a database of its own.

By default the day runs on a temporary database that is thrown away afterwards, so a
simulation never touches the hall's; `--db URL` keeps it (a database that already has
real staff in it is refused). `--db` adds day after day to one database: each run plays the
next business day (Monday to Friday) after the last one it holds, or `--day`, and
`--days N` plays N of them in one command, so a year of history is one command.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, inspect, select

from db.config import HallConfig
from db.errors import Refused
from db.figures import simulation as sim
from db.figures import staffing
from db.figures.days import keep_closed_days
from db.rules.ops import S, T
from db.store.engine import create_database, make_engine
from db.store.schema import init_db
from db.store.session import Hall
from hall.errors import UsageError, masked
from hall.figures import report_tables
from hall.output import progress_bar
from hall.run import Run, db_url, open_hall, parse_url

if TYPE_CHECKING:
    from rich.text import Text


def parse_arrivals(config: HallConfig, text: str, hours: int) -> dict[str, tuple[float, ...]]:
    """`A=40,B=8`: arrivals per hour of each named business, the same every hour."""
    found: dict[str, tuple[float, ...]] = {}
    known = {b.prefix for b in config.businesses}
    for part in text.split(","):
        prefix, sep, rate = part.strip().partition("=")
        prefix = prefix.strip().upper()
        try:
            value = float(rate) if sep else -1.0
        except ValueError:
            value = -1.0
        if prefix not in known or not 0 <= value < 10_000:
            raise UsageError(
                f"--arrivals-per-hour: expected BUSINESS=RATE pairs such as A=40,B=8 "
                f"(businesses {', '.join(sorted(known))}), got {part.strip()!r}"
            )
        found[prefix] = (value,) * hours
    return found


def scenario(run: Run, today: dt.date) -> sim.Scenario:
    """The scenario the command line describes; the staffing is Erlang C's unless
    --counters is given."""
    a = run.args
    if a.history_from or a.history_to:
        return _like_history(run, today)
    if a.arrivals_per_hour:
        arrivals = parse_arrivals(run.config, a.arrivals_per_hour, a.hours)
    else:
        arrivals = sim.arrivals_for(run.config, a.tickets, a.hours)
    plan = sim.Scenario(day=a.day or today, arrivals=arrivals, open_hour=a.open_hour,
                        seed=a.seed, counters=a.counters)
    if a.counters is None:
        plan = dataclasses.replace(plan, plan=sim.recommended_plan(run.config, plan))
    return plan


def _like_history(run: Run, today: dt.date) -> sim.Scenario:
    """A day with the hall's own mean arrivals per hour over the history period, staffed
    as `hall staffing` recommends for that period (or with --counters). The hall's
    database ($HALL_DB, or --history-db) is only read."""
    a = run.args
    start = a.history_from or a.history_to
    end = a.history_to or a.history_from
    if start > end:
        raise UsageError(f"--history-from {start} is after --history-to {end}")
    hall = open_hall(a.history_db or db_url(None), run.config, create=False)
    try:
        with hall.read() as tx:
            advice = staffing.recommend(tx, start, end)
    finally:
        hall.dispose()
    rows = [h for h in advice.hours if h.business != staffing.HALL]
    if not rows:
        raise Refused(f"no tickets in the history {start} ~ {end} to simulate a day like it",
                      zh=f"{start} ~ {end} 没有历史排队号，无法按历史模拟")
    first = min(h.hour for h in rows)
    span = max(h.hour for h in rows) - first + 1
    arrivals = {b.prefix: [0.0] * span for b in run.config.businesses}
    for h in rows:
        arrivals[h.business][h.hour - first] = h.arrivals
    return sim.Scenario(
        day=a.day or today, arrivals={k: tuple(v) for k, v in arrivals.items()},
        open_hour=first, seed=a.seed, counters=a.counters,
        plan={} if a.counters is not None else advice.needed(),
    )


@contextmanager
def simulation_hall(run: Run, config: HallConfig, clock: Any) -> Iterator[tuple[Hall, str]]:
    """The hall the day is played on: --db, else a temporary SQLite file."""
    given = getattr(run.args, "db", None)  # never $HALL_DB: that is the real hall
    if given:
        parse_url(given)
        create_database(given)  # a new simulation database, made as init makes a hall's
        hall = Hall(make_engine(given, synchronous="NORMAL"), config, clock)
        try:
            _refuse_real_hall(hall, given)  # before init_db writes the simulated counters
            init_db(hall)
            yield hall, masked(given)
        finally:
            hall.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="hall-sim-") as folder:
        # synchronous=OFF: a throw-away database need not survive a power cut.
        hall = Hall(make_engine(f"sqlite:///{folder}/sim.db", synchronous="OFF"), config, clock)
        try:
            init_db(hall)
            yield hall, "temporary"
        finally:
            hall.dispose()


def _refuse_real_hall(hall: Hall, url: str) -> None:
    if not inspect(hall.engine).has_table("staff"):
        return  # a new database
    with hall.read() as tx:
        real = tx.conn.execute(
            select(func.count()).where(~S.c.id.startswith(sim.SIM_STAFF_PREFIX))
        ).scalar_one()
    if real:
        raise Refused(f"--db {masked(url)} has real staff: a simulation writes only to an "
                      "empty or simulation database",
                      zh=f"--db {masked(url)} 有真实的工作人员：模拟只写入空库或模拟库")


def next_business_day(day: dt.date) -> dt.date:
    """The weekday after `day` (a hall's history is Monday to Friday)."""
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def days_to_play(hall: Hall, given: dt.date | None, count: int, today: dt.date
                 ) -> list[dt.date]:
    """`count` business days from `given`, else from the one after the last day the
    database holds (today on a new one); a day it already holds is refused."""
    with hall.read() as tx:
        last = tx.conn.execute(select(func.max(T.c.business_day))).scalar()
    first = given or (next_business_day(last) if last is not None else today)
    days = [first]
    while len(days) < count:
        days.append(next_business_day(days[-1]))
    if last is not None and first <= last:
        with hall.read() as tx:
            held = tx.conn.execute(
                select(T.c.business_day).where(T.c.business_day.in_(days)).limit(1)
            ).scalar()
        if held is not None:
            raise Refused(f"the database already holds a simulated {held}: leave out --day to "
                          f"add the days after {last}",
                          zh=f"数据库已有 {held} 的模拟数据：不加 --day 即接着 {last} 之后模拟")
    return days


def simulate(run: Run) -> None:
    """`simulate [--day D] [--days N] [--seed S] [--tickets N | --arrivals-per-hour A=40,...]
    [--counters N] [--db URL]`: day i of --days N is played with seed S + i."""
    today = run.config.business_day(dt.datetime.now(dt.UTC))
    plan = scenario(run, today)
    config = sim.simulation_config(run.config, plan)
    started = time.perf_counter()
    results: list[tuple[sim.Scenario, sim.DayResult]] = []
    with simulation_hall(run, config, sim.clock_for(config, plan)) as (hall, where):
        days = days_to_play(hall, run.args.day, run.args.days, today)
        with progress_bar("模拟 simulating", after=1) as tell:
            for index, day in enumerate(days):
                played = dataclasses.replace(plan, day=day, seed=plan.seed + index)
                results.append((played, sim.run_day(hall, played)))
                if tell is not None:
                    tell(index + 1, len(days))
        if getattr(run.args, "db", None):  # a database kept: its closed days' figures kept too
            keep_closed_days(hall)
    elapsed = time.perf_counter() - started
    if len(results) > 1:
        _several(run, results, config, elapsed, where)
        return
    plan, result = results[0]
    if run.out.as_json:
        run.out.data({**result.to_json(), "seed": plan.seed, "db": where,
                      "seconds": round(elapsed, 2)})
        return
    from rich.console import Group

    run.out.wide().print(Group(report_tables(result.report, run.args.lang),
                               *summary(result, plan, config, elapsed, where, run.args.lang)))


def _several(run: Run, results: list[tuple[sim.Scenario, sim.DayResult]],
             config: HallConfig, elapsed: float, where: str) -> None:
    """Several days: a line per day (`hall report` gives their figures)."""
    lines = [{"day": p.day.isoformat(), "seed": p.seed, "tickets": r.report.totals.tickets,
              "within_target": r.report.totals.within_target, "met": r.met}
             for p, r in results]
    if run.out.as_json:
        run.out.data({"days": lines, "db": where, "seconds": round(elapsed, 2)})
        return
    from rich.text import Text

    words = _ZH if run.args.lang == "zh" else _EN
    console = run.out.wide()
    for line in lines:
        share = "—" if line["within_target"] is None else f"{line['within_target']:.0%}"
        verdict = words["met"] if line["met"] else words["missed"]
        console.print(Text(words["day"].format(day=line["day"], seed=line["seed"],
                                               n=line["tickets"])
                           + words["actual"].format(actual=share, verdict=verdict)))
    console.print(Text(words["time"].format(s=elapsed, db=where), style="dim"))


def summary(result: sim.DayResult, plan: sim.Scenario, config: HallConfig, elapsed: float,
            where: str, lang: str = "zh") -> list[Text]:
    """The answers under the report: staffing, the target, the kiosk's estimates."""
    from rich.text import Text

    total, k = result.report.totals, result.kiosk
    words = _ZH if lang == "zh" else _EN
    staffing = (words["fixed"].format(n=plan.counters) if plan.counters is not None
                else words["erlang"].format(n=result.counters))
    share = "—" if total.within_target is None else f"{total.within_target:.0%}"
    verdict = words["met"] if result.met else words["missed"]
    short = words["short"].format(b=", ".join(result.short)) if result.short else ""
    kiosk = (words["no_estimate"] if k.mean_abs_error_min is None else
             words["kiosk"].format(mae=k.mean_abs_error_min, n=k.tickets,
                                   bias=round(k.bias_min or 0.0, 1) + 0.0))  # never "-0.0"
    target = words["target"].format(share=config.sla_share, minutes=config.sla_minutes,
                                    actual=share)
    return [
        Text(words["day"].format(day=plan.day, seed=plan.seed, n=total.tickets) + staffing),
        Text(f"{target}{verdict}{short}", style="bold green" if result.met else "bold red"),
        Text(kiosk),
        Text(words["time"].format(s=elapsed, db=where), style="dim"),
    ]


_ZH = {
    "fixed": "{n} 个窗口按配置的业务顺序全天开放",
    "erlang": "按 Erlang C 建议逐小时配置（最多 {n} 个窗口）",
    "met": "达标", "missed": "未达标", "short": "；未达标业务 {b}",
    "no_estimate": "取号机预计等候：无可比数据",
    "kiosk": "取号机预计等候：平均绝对误差 {mae:.1f} 分钟，偏差 {bias:+.1f} 分钟"
             "（{n} 张；正数表示预计偏长）",
    "target": "目标 {share:.0%} 在 {minutes:g} 分钟内叫号：实际 {actual}，",
    "day": "模拟 {day} · 种子 {seed} · {n} 位客户 · ",
    "time": "用时 {s:.1f} 秒 · 数据库 {db}",
    "actual": "达标率 {actual}，{verdict}",
}
_EN = {
    "fixed": "{n} counters open all day with the config's work profiles",
    "erlang": "Erlang C's counters hour by hour (at most {n})",
    "met": "met", "missed": "not met", "short": "; short: {b}",
    "no_estimate": "Kiosk estimate: nothing to compare",
    "kiosk": "Kiosk estimate: mean absolute error {mae:.1f} min, bias {bias:+.1f} min "
             "({n} tickets; above 0 promised too long)",
    "target": "Target {share:.0%} called within {minutes:g} min: actual {actual}, ",
    "day": "Simulated {day} · seed {seed} · {n} customers · ",
    "time": "{s:.1f} s · database {db}",
    "actual": "within target {actual}, {verdict}",
}

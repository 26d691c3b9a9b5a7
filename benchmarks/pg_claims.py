"""Claims per second on PostgreSQL: the project's counters against bare psycopg, 1→2→4→8
processes (issue 17).

A throw-away cluster is started here (tests/pg_cluster.py, fsync on: every commit reaches
the disk). The hall: --tickets waiting tickets of business A, issued through the project, and
one clerk signed in at each counter, every counter's profile [A]; each run gets a fresh copy
of it (CREATE DATABASE ... TEMPLATE). Each of P processes (spawn context) plays one counter
and claims until the run's shared budget of --claims is spent:

- the project: `Hall.write(counter)` + `ops.call_next`, then `Hall.write(counter)` +
  `ops.no_show` (two transactions, as at a real counter); each writer seals its events into
  the hash chain after commit (`db.store.audit.seal`).
- the floor: bare psycopg with the same two commits: BEGIN; `UPDATE tickets SET ... WHERE id =
  (SELECT id ... WHERE status = 'waiting' AND business = 'A' ORDER BY priority_rank,
  queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`; the 'call' event INSERT;
  COMMIT; BEGIN; the guarded UPDATE to no_show; its event INSERT; COMMIT. No counter checks,
  no hash chain.

Each round runs every process count on both sides back to back (the side that goes first
alternates). A run's rate is its claims over the time from the first worker's start to the
last one's end. The headline is project / floor at the most processes: the median of each
round's own ratio. PASS: that ratio >= --target (0.5), and the project's rate at the most
processes >= --growth (1.5) x its rate at one process (more counters claim more, not
flat). After every project run: no ticket claimed twice, one 'call' event per claim, and
`audit verify` holds with nothing left unsealed.

    .venv/bin/python benchmarks/pg_claims.py                       # 3 rounds, 1 2 4 8 processes
    .venv/bin/python benchmarks/pg_claims.py --claims 4000 --rounds 5
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
import traceback
from contextlib import ExitStack
from typing import Any

from _common import (
    PIN,
    Hall,
    finished,
    load_config,
    load_line,
    machine_line,
    make_engine,
    paired_ratio,
    take,
    verdict,
)

from tests import pg_cluster as _pg

BUSINESS = "A"


def clerk(counter: int) -> str:
    return f"C{counter:02d}"


def project_worker(url: str, counter: int, budget: Any, barrier: Any, out: Any) -> None:
    try:
        from db.rules import ops

        hall = Hall(make_engine(url), load_config())
        with hall.read():
            pass  # the pooled connection opened before the clock starts
        claimed: list[int] = []
        barrier.wait()
        t0 = time.monotonic()
        while take(budget):
            try:
                with hall.write(counter) as tx:
                    view = ops.call_next(tx, counter)
            except ops.QueueEmpty:
                break
            with hall.write(counter) as tx:
                ops.no_show(tx, counter, view.number)
            claimed.append(view.id)
        out.put(("ok", claimed, t0, time.monotonic()))
        hall.dispose()
    except Exception:  # noqa: BLE001 (reported by the parent)
        out.put(("error", traceback.format_exc(), 0.0, 0.0))


CLAIM = ("UPDATE tickets SET status = 'called', counter_number = %(counter)s, "
         "handler_id = COALESCE(handler_id, %(clerk)s), called_at = %(now)s, "
         "first_called_at = COALESCE(first_called_at, %(now)s) "
         "WHERE id = (SELECT id FROM tickets WHERE business_day = %(day)s "
         "AND status = 'waiting' AND business = 'A' ORDER BY priority_rank, queued_at, id "
         "LIMIT 1 FOR UPDATE SKIP LOCKED) AND status = 'waiting' RETURNING id")
FREE = ("UPDATE tickets SET status = 'no_show', no_show_at = %(now)s "
        "WHERE id = %(ticket)s AND status = 'called' RETURNING id")
EVENT = ("INSERT INTO events (at, business_day, kind, ticket_id, staff_id, counter_number) "
         "VALUES (%(now)s, %(day)s, %(kind)s, %(ticket)s, %(clerk)s, %(counter)s)")


def bare_worker(conninfo: dict[str, Any], day: Any, counter: int, budget: Any, barrier: Any,
                out: Any) -> None:
    try:
        import datetime as dt

        import psycopg

        conn = psycopg.connect(**conninfo)
        claimed: list[int] = []
        barrier.wait()
        t0 = time.monotonic()
        with conn.cursor() as cur:
            while take(budget):
                now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                values = {"counter": counter, "clerk": clerk(counter), "now": now, "day": day}
                row = cur.execute(CLAIM, values).fetchone()
                if row is None:
                    conn.rollback()
                    break
                cur.execute(EVENT, {**values, "kind": "call", "ticket": row[0]})
                conn.commit()
                cur.execute(FREE, {**values, "ticket": row[0]})
                cur.execute(EVENT, {**values, "kind": "no_show", "ticket": row[0]})
                conn.commit()
                claimed.append(row[0])
        out.put(("ok", claimed, t0, time.monotonic()))
        conn.close()
    except Exception:  # noqa: BLE001 (reported by the parent)
        out.put(("error", traceback.format_exc(), 0.0, 0.0))


def build_template(url: str, tickets: int, counters: int) -> Any:
    """The hall every run copies; returns its business day."""
    from db.rules import counters as desks
    from db.rules import ops, staff
    from db.store.schema import init_db

    hall = Hall(make_engine(url), load_config())
    init_db(hall)
    with hall.write() as tx:
        for n in range(1, counters + 1):
            staff.add_staff(tx, clerk(n), f"柜员{n}", "clerk", PIN)
            desks.sign_in(tx, n, clerk(n))
            desks.set_profile(tx, n, [BUSINESS])
        day = tx.day
    left = tickets
    while left > 0:
        with hall.write() as tx:
            for _ in range(min(left, 500)):
                ops.issue_ticket(tx, BUSINESS)
        left -= 500
    hall.dispose()
    return day


def admin(cluster: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(cluster.format(db="postgres"), isolation_level="AUTOCOMMIT")


def run_once(side: str, cluster: str, name: str, day: Any, procs: int,
             claims: int) -> tuple[float, str]:
    """One run on a fresh copy of the template: (claims/s, a problem or '')."""
    from sqlalchemy import text

    engine = admin(cluster)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "template_hall"'))
    url = cluster.format(db=name)
    ctx = mp.get_context("spawn")
    budget, barrier, out = ctx.Value("i", claims), ctx.Barrier(procs), ctx.Queue()
    if side == "project":
        jobs = [ctx.Process(target=project_worker, args=(url, n, budget, barrier, out))
                for n in range(1, procs + 1)]
    else:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        conninfo = {"user": parsed.username, "dbname": name, **parsed.query}
        jobs = [ctx.Process(target=bare_worker, args=(conninfo, day, n, budget, barrier, out))
                for n in range(1, procs + 1)]
    for job in jobs:
        job.start()
    results = [out.get(timeout=900) for _ in jobs]
    for job in jobs:
        job.join()
    errors = [r[1] for r in results if r[0] == "error"]
    if errors:
        raise RuntimeError(errors[0])
    claimed = [ticket for r in results for ticket in r[1]]
    rate = len(claimed) / (max(r[3] for r in results) - min(r[2] for r in results))
    problem = ""
    if len(claimed) != len(set(claimed)):
        problem = "a ticket was claimed twice"
    elif side == "project":
        problem = check_project(url, claimed)
    engine.dispose()
    with admin(cluster).connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    return rate, problem


def check_project(url: str, claimed: list[int]) -> str:
    """'' when every claim has its one 'call' event and the chain verifies, all sealed."""
    from sqlalchemy import func, select

    from db.rules.ops import E
    from db.store import audit

    hall = Hall(make_engine(url), load_config())
    try:
        hall.seal()
        with hall.read() as tx:
            calls = tx.conn.execute(select(func.count()).select_from(E)
                                    .where(E.c.kind == "call")).scalar_one()
            result = audit.verify(tx.conn)
    finally:
        hall.dispose()
    if calls != len(claimed):
        return f"{calls} call events for {len(claimed)} claims"
    if not result.ok or result.unsealed:
        return f"the chain: {result.problem.message if result.problem else 'unsealed left'}"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4, 8],
                        help="process counts, in order (1 2 4 8)")
    parser.add_argument("--claims", type=int, default=1500, help="claims per run (1500)")
    parser.add_argument("--tickets", type=int, default=0,
                        help="tickets waiting (default: claims + 10%%)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument("--target", type=float, default=0.5,
                        help="project / floor at the most processes, at least (0.5)")
    parser.add_argument("--growth", type=float, default=1.5,
                        help="the project's rate at the most processes over one, at least (1.5)")
    args = parser.parse_args()
    why = _pg.missing()
    if why is not None:
        print(f"pg_claims: skipped: {why}; no ratio measured")
        return 0
    tickets = args.tickets or int(args.claims * 1.1) + 10
    print(f"pg_claims: {args.claims} claims per run, {tickets} tickets waiting, processes "
          f"{' '.join(map(str, args.procs))}, {args.rounds} rounds; {machine_line()}")
    rates: dict[tuple[str, int], list[float]] = {}
    problems: list[str] = []
    with ExitStack() as stack:
        cluster = stack.enter_context(_pg.cluster(fsync=True))
        from sqlalchemy import text

        with admin(cluster).connect() as conn:
            conn.execute(text('CREATE DATABASE "template_hall"'))
        day = build_template(cluster.format(db="template_hall"), tickets, max(args.procs))
        run = 0
        for round_no in range(args.rounds):
            for procs in args.procs:
                sides = ("project", "floor") if (round_no + procs) % 2 == 0 else \
                    ("floor", "project")
                for side in sides:
                    run += 1
                    rate, problem = run_once(side, cluster, f"run_{run}", day, procs,
                                             args.claims)
                    rates.setdefault((side, procs), []).append(rate)
                    if problem:
                        problems.append(f"{side} x{procs}: {problem}")
            print(f"  round {round_no + 1}: " + "; ".join(
                f"x{p} project {rates['project', p][-1]:,.0f} / floor "
                f"{rates['floor', p][-1]:,.0f}" for p in args.procs) + f" ({load_line()})")
    print("claims/s (median of rounds), project | floor | paired ratio:")
    for procs in args.procs:
        mine, floor = rates["project", procs], rates["floor", procs]
        print(f"  {procs} process{'es' if procs > 1 else ''}: {statistics.median(mine):8,.1f} | "
              f"{statistics.median(floor):8,.1f} | {paired_ratio(mine, floor):.3f}")
    most, least = max(args.procs), min(args.procs)
    ratio = paired_ratio(rates["project", most], rates["floor", most])
    growth = statistics.median(rates["project", most]) / statistics.median(
        rates["project", least])
    floor_growth = statistics.median(rates["floor", most]) / statistics.median(
        rates["floor", least])
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    ok = ratio >= args.target and growth >= args.growth and not problems
    print(f"project x{least} -> x{most}: {growth:.2f}x (floor {floor_growth:.2f}x); "
          f"target >= {args.growth}")
    print(f"project / floor at {most} processes: paired ratio {ratio:.3f}; target >= "
          f"{args.target} -> {verdict(ok)}")
    return finished(ok)


if __name__ == "__main__":
    raise SystemExit(main())

"""Claims per second with several counter processes calling from one queue.

The queue: --tickets (20,000) waiting tickets of business A (2% appointment, 8% elderly,
90% normal), every counter's work profile set to [A]. Each of --procs (8) processes (spawn
context) plays one counter: a Hall on its own engine, and in a loop `call_next` then
`no_show` (the cheapest step that frees the counter again) until the run's shared budget of
--claims (4,000) is spent. With --shape two (default) that is two transactions per claim, as
at a real counter (call, then later the outcome); --shape one does both in one transaction.
The floor is the same number of processes doing the same transaction shape with the bare
sqlite3 module and the project's own statements (db/store/sql.py), written by hand: BEGIN
IMMEDIATE; the claim as one guarded UPDATE ... WHERE id = COALESCE(<sent to this counter>,
<first of business A>) AND status = 'waiting' RETURNING *; the 'call' event INSERT; COMMIT;
then BEGIN IMMEDIATE; the guarded UPDATE ... WHERE id = ? AND status = 'called' RETURNING *
to no_show; its event; COMMIT. (The project's statements carry its own checks inside them:
the counter is staffed, open, free and of the profile it believes, as EXISTS clauses; only
when one fails does it read the counter to say why.)

The minimal floor (issue 18's measure) is the least a claim can be with the bare sqlite3
module: BEGIN IMMEDIATE; one guarded `UPDATE tickets SET ... WHERE id = (SELECT id FROM
tickets WHERE business_day = ? AND status = 'waiting' AND business IN (...) ORDER BY
priority_rank, queued_at, id LIMIT 1) AND status = 'waiting' RETURNING *` (no counter
checks, no directed customers); the chained 'call' event; COMMIT; then BEGIN IMMEDIATE; the
freeing UPDATE; its chained event; COMMIT. The headline is project / minimal; project /
floor is printed beside it.

After every run: no ticket was claimed twice (the workers' own lists, and one 'call' event
per ticket in the database), the claimed tickets are exactly the head of the queue and were
called in queue order (priority rank, queued_at, id), the rest still wait untouched, and the
event log's hash chain holds (db.store.audit.verify). Both sides chain their events: the floor
reads the newest event, hashes by hand (sha256 over its hash and the canonical JSON) and
inserts, as db.rules.ops.log does since every event carries the hash of the one before.

Figures: each run is cut into --windows (5) equal slices by claim count, and claims/s of
every slice is one repeat; the figure is the median over all slices of all --rounds (4)
runs (best slice also shown). The ratios are the median of each round's own ratio of whole
runs (the sides of a round run back to back). PASS: project / minimal >= --target (0.5), and
no run had a duplicate or a loss. A single-process breakdown follows (where a claim's time goes).

    .venv/bin/python benchmarks/claims.py                      # FULL, 4 x 4,000 claims a side
    .venv/bin/python benchmarks/claims.py --claims 20000 --rounds 1   # drain all 20,000
    .venv/bin/python benchmarks/claims.py --sync FULL NORMAL   # also synchronous=NORMAL
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import random
import shutil
import statistics
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _common import (
    FREE_SQL,
    Hall,
    StatementTimer,
    append_event,
    business_day,
    claim_params,
    claim_sql,
    commit_latency_ms,
    copy_db,
    create_hall_db,
    finished,
    load_config,
    load_line,
    machine_line,
    make_engine,
    medians_ms,
    now_naive,
    paired_ratio,
    raw_connect,
    seed_waiting,
    take,
    ts,
    url_of,
    verdict,
    workdir,
)

BUSINESS = "A"
PRIORITY_MIX = (("appointment", 1, 0.02), ("elderly", 2, 0.08), ("normal", 9, 0.90))


# -- the two sides (run in spawned processes) ---------------------------------------------



def project_worker(path: str, counter: int, synchronous: str, shape: str, budget: Any,
                 barrier: Any, out: Any) -> None:
    try:
        from db.rules import ops

        hall = Hall(make_engine(url_of(Path(path)), synchronous=synchronous), load_config())
        with hall.read():
            pass  # open the pooled connection before the clock starts
        claimed: list[int] = []
        stamps: list[float] = []
        barrier.wait()
        t0 = time.monotonic()
        while take(budget):
            try:
                with hall.write() as tx:
                    view = ops.call_next(tx, counter)
                    if shape == "one":
                        ops.no_show(tx, counter)
            except ops.QueueEmpty:
                break
            if shape == "two":
                with hall.write() as tx:
                    ops.no_show(tx, counter)
            claimed.append(view.id)
            stamps.append(time.monotonic())
        t1 = time.monotonic()
        hall.dispose()
        out.put((counter, claimed, t0, t1, stamps, None))
    except BaseException:  # report, never hang the parent
        barrier.abort()  # a worker that fails before the start must not hang the others
        out.put((counter, [], 0.0, 0.0, [], traceback.format_exc()))


CLAIM_SQL = claim_sql([BUSINESS])
"""call_next's claim for a counter whose work profile is [A] (every counter here)."""


def minimal_sql(profile: list[str]) -> str:
    """The minimal claim: the first waiting ticket of the profile's businesses, taken by one
    guarded UPDATE ... RETURNING *, without the project's counter checks or directed
    customers (issue 18's floor). Parameters: counter, staff id, now, now, day."""
    for prefix in profile:
        if not (len(prefix) == 1 and prefix.isalpha() and prefix.isupper()):
            raise ValueError(f"not a business prefix: {prefix!r}")
    businesses = ", ".join(f"'{p}'" for p in profile)
    return ("UPDATE tickets SET status = 'called', counter_number = ?, "
            "handler_id = coalesce(handler_id, ?), called_at = ?, "
            "first_called_at = coalesce(first_called_at, ?) "
            "WHERE id = (SELECT id FROM tickets WHERE business_day = ? AND status = 'waiting' "
            f"AND business IN ({businesses}) ORDER BY priority_rank, queued_at, id LIMIT 1) "
            "AND status = 'waiting' RETURNING *")


MINIMAL_SQL = minimal_sql([BUSINESS])


def bare_claim(kind: str, counter: int, clerk: str, now: str,
               day: str) -> tuple[str, tuple[Any, ...]]:
    """The claim statement of a bare side and its parameters: `floor` the project's own
    statement written by hand, `minimal` the least one."""
    if kind == "minimal":
        return MINIMAL_SQL, (counter, clerk, now, now, day)
    return CLAIM_SQL, claim_params([BUSINESS], counter, clerk, now, day)


def bare_worker(kind: str, path: str, counter: int, synchronous: str, shape: str, budget: Any,
                barrier: Any, out: Any) -> None:
    """A bare sqlite3 side (`kind`: floor or minimal, see `bare_claim`)."""
    try:
        conn = raw_connect(Path(path), synchronous)
        the_day = business_day(load_config())
        day = the_day.isoformat()
        clerk = f"C{counter:02d}"
        claimed: list[int] = []
        stamps: list[float] = []
        barrier.wait()
        t0 = time.monotonic()
        while take(budget):
            moment = now_naive()
            now = ts(moment)
            conn.execute("BEGIN IMMEDIATE")
            rows = conn.execute(*bare_claim(kind, counter, clerk, now, day)).fetchall()
            if not rows:
                conn.execute("COMMIT")
                break
            ticket = rows[0][0]
            append_event(conn, moment, the_day, "call", ticket, clerk, counter)
            if shape == "two":
                conn.execute("COMMIT")
                moment = now_naive()
                now = ts(moment)
                conn.execute("BEGIN IMMEDIATE")
            freed = conn.execute(FREE_SQL, ("no_show", now, ticket)).fetchall()
            assert freed, f"ticket {ticket} was not called at counter {counter}"
            append_event(conn, moment, the_day, "no_show", ticket, clerk, counter)
            conn.execute("COMMIT")
            claimed.append(ticket)
            stamps.append(time.monotonic())
        t1 = time.monotonic()
        conn.close()
        out.put((counter, claimed, t0, t1, stamps, None))
    except BaseException:
        barrier.abort()  # a worker that fails before the start must not hang the others
        out.put((counter, [], 0.0, 0.0, [], traceback.format_exc()))


SIDES: dict[str, Callable[..., None]] = {
    "project": project_worker,
    "floor": partial(bare_worker, "floor"),
    "minimal": partial(bare_worker, "minimal"),
}


# -- set-up, one run, checks -----------------------------------------------------------------


def make_template(path: Path, tickets: int, procs: int) -> None:
    """init_db schema, `procs` clerks signed in with profile [A] (at least three: the
    breakdown uses counters 1-3), `tickets` waiting A tickets."""
    config = load_config()
    create_hall_db(path, config, clerks=max(procs, 3), profile=[BUSINESS])
    rng = random.Random(20261127)
    codes = [c for c, _, _ in PRIORITY_MIX]
    ranks = {c: r for c, r, _ in PRIORITY_MIX}
    weights = [w for _, _, w in PRIORITY_MIX]
    plan = [(BUSINESS, code, ranks[code])
            for code in rng.choices(codes, weights=weights, k=tickets)]
    conn = raw_connect(path)
    conn.execute("BEGIN IMMEDIATE")
    start = now_naive() - dt.timedelta(hours=6)
    seed_waiting(conn, business_day(config), start, plan, step_s=0.5)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def run_once(side: str, template: Path, folder: Path, procs: int, synchronous: str,
             shape: str, tickets: int, claims: int, windows: int) -> dict[str, Any]:
    db = copy_db(template, folder / f"{side}-{synchronous}.db")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs + 1)
    out = ctx.Queue()
    budget = ctx.Value("l", claims)
    workers = [ctx.Process(target=SIDES[side],
                           args=(str(db), c, synchronous, shape, budget, barrier, out))
               for c in range(1, procs + 1)]
    for w in workers:
        w.start()
    try:
        barrier.wait(timeout=300)
    except threading.BrokenBarrierError:
        for w in workers:
            w.join(timeout=30)
        reports = [out.get(timeout=5) for _ in range(out.qsize())]
        errors = [r[5] for r in reports if r[5]] or ["(no report: a worker did not start)"]
        raise RuntimeError(f"{side} worker failed before the start:\n{errors[0]}") from None
    results = [out.get(timeout=1800) for _ in workers]
    for w in workers:
        w.join()
    errors = [r[5] for r in results if r[5]]
    if errors:
        raise RuntimeError(f"{side} worker failed:\n{errors[0]}")
    start = min(r[2] for r in results)
    elapsed = max(r[3] for r in results) - start
    claimed = [t for r in results for t in r[1]]
    stamps = sorted(s for r in results for s in r[4])
    check = verify(db, claimed, tickets, claims)
    per_proc = sorted(len(r[1]) for r in results)
    db.unlink(missing_ok=True)
    return {"claims": len(claimed), "elapsed": elapsed, "rate": len(claimed) / elapsed,
            "windows": window_rates(start, stamps, windows), "check": check,
            "spread": (per_proc[0], per_proc[-1])}


def window_rates(start: float, stamps: list[float], windows: int) -> list[float]:
    """Claims/s in `windows` consecutive equal slices of the run (by claim count): repeats of
    the measurement inside one run, so one noisy moment of the shared machine spoils one."""
    size = len(stamps) // windows
    rates = []
    for k in range(windows):
        begin = start if k == 0 else stamps[k * size - 1]
        end = stamps[(k + 1) * size - 1]
        rates.append(size / (end - begin))
    return rates


def verify(db: Path, claimed: list[int], tickets: int, claims: int) -> str:
    """'' if each claimed ticket was claimed exactly once, the claimed ones are exactly the
    first `claims` of the queue, taken in queue order, the rest still wait untouched, and
    the event log's hash chain holds."""
    problems = []
    want = min(claims, tickets)
    if len(claimed) != len(set(claimed)):
        problems.append(f"{len(claimed) - len(set(claimed))} duplicate claims in workers' lists")
    conn = raw_connect(db)
    head = [r[0] for r in conn.execute(
        "SELECT id FROM tickets ORDER BY priority_rank, queued_at, id LIMIT ?", (want,))]
    if len(claimed) != want or set(claimed) != set(head):
        problems.append(f"claimed {len(set(claimed))} distinct tickets; expected the first "
                        f"{want} of the queue")
    states = dict(conn.execute("SELECT status, count(*) FROM tickets GROUP BY status").fetchall())
    expected = {"no_show": want, "waiting": tickets - want}
    if states != {k: v for k, v in expected.items() if v}:
        problems.append(f"ticket states afterwards: {states}")
    calls, distinct = conn.execute(
        "SELECT count(*), count(DISTINCT ticket_id) FROM events WHERE kind = 'call'"
    ).fetchone()
    if calls != want or distinct != want:
        problems.append(f"{calls} call events for {distinct} distinct tickets")
    order = [tuple(r) for r in conn.execute(
        "SELECT t.priority_rank, t.queued_at, t.id FROM events e JOIN tickets t "
        "ON t.id = e.ticket_id WHERE e.kind = 'call' ORDER BY e.id")]
    if order != sorted(order):
        problems.append("calls were not in queue order")
    conn.close()
    chain = verify_chain(db)
    if chain:
        problems.append(f"the event chain breaks: {chain}")
    return "; ".join(problems)


def verify_chain(db: Path) -> str:
    """'' if every event carries the hash of the one before (db.store.audit.verify): both sides
    wrote the same tamper-evident log."""
    from db.store import audit

    engine = make_engine(url_of(db))
    try:
        with engine.connect() as conn:
            problem = audit.verify(conn).problem
    finally:
        engine.dispose()
    return problem.message if problem is not None else ""


def breakdown(template: Path, folder: Path, synchronous: str, claims: int) -> None:
    """One process, no contention: where a project claim's time goes (median per transaction),
    against the floor doing the same claims in the same process."""
    from db.rules import ops
    from db.store import sql
    from db.store.engine import driver_statement

    db = copy_db(template, folder / "breakdown.db")
    hall = Hall(make_engine(url_of(db), synchronous=synchronous), load_config())
    # The claim as call_next sends it to SQLite's driver (db.store.engine.first_returned).
    claim = driver_statement(sql.claim("sqlite", (BUSINESS,)), hall.engine.dialect)
    timer = StatementTimer(hall)
    per_tx: dict[str, list[tuple[float, float, float]]] = {"call_next": [], "no_show": []}
    sent: dict[str, int] = {}
    for i in range(claims + 50):
        for name, step in (("call_next", ops.call_next), ("no_show", ops.no_show)):
            times = timer.transaction(partial(step, counter=1))
            sent[name] = len(timer.sql)
            if i >= 50:  # after a warm-up
                per_tx[name].append(times)
    hall.dispose()
    print(f"  breakdown, 1 process, sync={synchronous}, median of {claims} (ms per transaction):")
    project_claim = 0.0
    for name, rows in per_tx.items():
        total, in_sql, in_commit = medians_ms(rows)
        project_claim += total
        print(f"    project {name:9s} tx {total:5.2f} = SQLite executing the {sent[name]} "
              f"statements sent through SQLAlchemy {in_sql:4.2f} + COMMIT {in_commit:4.2f} + "
              f"the rest (Python: SQLAlchemy, db.rules.ops; and SQLite executing the claim or "
              f"step and the event's chain read and insert, sent to the driver directly) "
              f"{total - in_sql - in_commit:4.2f}")
    conn = raw_connect(db, synchronous)
    the_day = business_day(load_config())
    day = the_day.isoformat()
    bare: dict[str, list[float]] = {"floor": [], "minimal": []}
    for i in range(claims + 50):
        for kind, spent in bare.items():
            t = time.perf_counter()
            moment = now_naive()
            now = ts(moment)
            conn.execute("BEGIN IMMEDIATE")
            ticket = conn.execute(*bare_claim(kind, 2, "C02", now, day)).fetchall()[0][0]
            append_event(conn, moment, the_day, "call", ticket, "C02", 2)
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(FREE_SQL, ("no_show", now, ticket)).fetchall()
            append_event(conn, moment, the_day, "no_show", ticket, "C02", 2)
            conn.execute("COMMIT")
            if i >= 50:
                spent.append(time.perf_counter() - t)
    conn.close()
    for kind, spent in bare.items():
        floor_claim = statistics.median(spent) * 1e3
        print(f"    project claim {project_claim:.2f} ms vs {kind} claim {floor_claim:.2f} ms "
              f"(single-process ratio {floor_claim / project_claim:.2f})")
    at = now_naive()
    sent_us, floor_us, minimal_us = claim_update_cost(
        db, (claim.text, claim.bound({"counter": 3, "day": the_day, "profile": BUSINESS,
                                      "now": at, "session": None})),
        (CLAIM_SQL, claim_params([BUSINESS], 3, "C03", ts(at), day)),
        (MINIMAL_SQL, (3, "C03", ts(at), ts(at), day)))
    print(f"    the claim UPDATE alone in SQLite (median, rolled back): as call_next sends it "
          f"{sent_us:.0f} us, the floor's text {floor_us:.0f} us, the minimal one "
          f"{minimal_us:.0f} us")


def claim_update_cost(db: Path, *statements: tuple[str, tuple[Any, ...]]) -> list[float]:
    """SQLite time (us, median of 300, each in a rolled-back transaction) of each statement;
    the statements alternate, twice over, and the lower median of the two passes is kept."""
    conn = raw_connect(db, "OFF")
    results: list[list[float]] = [[] for _ in statements]
    for _ in range(2):
        for k, (sql, args) in enumerate(statements):
            times = []
            for _ in range(300):
                conn.execute("BEGIN IMMEDIATE")
                t = time.perf_counter()
                conn.execute(sql, args).fetchall()
                times.append(time.perf_counter() - t)
                conn.execute("ROLLBACK")
            results[k].append(statistics.median(times) * 1e6)
    conn.close()
    return [min(r) for r in results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="waiting tickets (20000)")
    parser.add_argument("--procs", type=int, default=8, help="counter processes, 1-8 (8)")
    parser.add_argument("--claims", type=int, default=4_000,
                        help="claims per run, taken from the head of the queue (4000; "
                             "--claims 20000 drains the default queue)")
    parser.add_argument("--rounds", type=int, default=4, help="runs of each side (4)")
    parser.add_argument("--windows", type=int, default=5,
                        help="slices of each run whose claims/s are the repeats (5)")
    parser.add_argument("--sync", nargs="+", default=["FULL"], choices=["FULL", "NORMAL"],
                        help="synchronous settings to measure (FULL)")
    parser.add_argument("--shape", choices=["two", "one"], default="two",
                        help="transactions per claim: call + no_show apart (two) or together")
    parser.add_argument("--breakdown", type=int, default=200,
                        help="claims of the single-process time breakdown (200; 0: skip)")
    parser.add_argument("--target", type=float, default=0.5,
                        help="least project/minimal ratio (0.5)")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    args = parser.parse_args()
    if not 1 <= args.procs <= 8:
        parser.error("--procs must be 1 to 8 (the default hall has 8 counters)")
    args.breakdown = max(0, min(args.breakdown, args.tickets // 3 - 50))

    folder = workdir(args.dir, "claims")
    tx_per_claim = 2 if args.shape == "two" else 1
    print(f"claims: {args.claims} claims from {args.tickets} waiting tickets, {args.procs} "
          f"processes (spawn), {tx_per_claim} transaction(s) per claim, {args.rounds} round(s) x "
          f"{args.windows} windows; {machine_line()}")
    print(f"database files in {folder}")
    template = folder / "template.db"
    t = time.monotonic()
    make_template(template, args.tickets, args.procs)
    print(f"template made in {time.monotonic() - t:.1f}s")

    all_ok = True
    try:
        for synchronous in args.sync:
            windows: dict[str, list[float]] = {side: [] for side in SIDES}
            whole: dict[str, list[float]] = {side: [] for side in SIDES}
            clean = True
            for rnd in range(args.rounds):
                # Rotate which side goes first, so slow drift of the machine cancels out.
                order = ("minimal", "floor", "project")[rnd % 3:] + (
                    "minimal", "floor", "project")[:rnd % 3]
                for side in order if rnd % 2 == 0 else order[::-1]:
                    r = run_once(side, template, folder, args.procs, synchronous, args.shape,
                                 args.tickets, args.claims, args.windows)
                    windows[side] += r["windows"]
                    whole[side].append(float(r["rate"]))
                    clean = clean and not r["check"]
                    spread = r["spread"]
                    print(f"  sync={synchronous} round {rnd + 1} {side:7s}: "
                          f"{r['rate']:7.1f} claims/s ({tx_per_claim * r['rate']:.0f} tx/s) "
                          f"over {r['claims']} claims in {r['elapsed']:.1f}s; windows "
                          f"{' '.join(f'{w:.0f}' for w in r['windows'])}; "
                          f"claims per process {spread[0]}..{spread[1]}")
                    check = r["check"] or ("each claimed ticket claimed exactly once, the head "
                                           "of the queue in queue order, the rest untouched, "
                                           "the event chain whole")
                    print(f"      check: {check}")
            med = {s: statistics.median(v) for s, v in windows.items()}
            best = {s: max(v) for s, v in windows.items()}
            ratio = paired_ratio(whole["project"], whole["minimal"])
            old_ratio = paired_ratio(whole["project"], whole["floor"])
            ok = ratio >= args.target and clean
            all_ok = all_ok and ok
            print(f"sync={synchronous}: claims/s, median of {len(windows['project'])} windows "
                  f"(best window): "
                  + ", ".join(f"{s} {med[s]:.1f} ({best[s]:.1f})" for s in SIDES))
            print(f"sync={synchronous}: spread of the windows: "
                  + ", ".join(f"{s} {min(windows[s]):.1f}..{max(windows[s]):.1f}"
                              for s in SIDES))
            for floor in ("minimal", "floor"):
                paired = zip(whole["project"], whole[floor], strict=True)
                print(f"sync={synchronous}: ratio project/{floor} of each round's whole runs: "
                      f"{' '.join(f'{p / f:.2f}' for p, f in paired)}")
            print(f"sync={synchronous}: COMMIT on this disk "
                  f"{commit_latency_ms(folder, synchronous):.2f} ms (median of a bare one-row "
                  f"write); {load_line()}")
            print(f"sync={synchronous}: ratio project/floor (the project's own statements "
                  f"by hand) {old_ratio:.3f}")
            print(f"sync={synchronous}: ratio project/minimal {ratio:.3f}, the median of the "
                  f"rounds' own ratios of whole runs (windows' medians "
                  f"{med['project'] / med['minimal']:.2f}, best/best "
                  f"{best['project'] / best['minimal']:.2f}); target >= {args.target}; "
                  f"duplicates or losses: {'none' if clean else 'YES'} -> {verdict(ok)}")
            if args.breakdown:
                breakdown(template, folder, synchronous, args.breakdown)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(all_ok)


if __name__ == "__main__":
    raise SystemExit(main())

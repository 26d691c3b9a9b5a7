"""Cost growth with history: call_next (+ its freeing no_show) and queries.snapshot on a hall
with --small (1,000) vs --large (1,000,000) tickets of history.

History = done / no_show tickets of the past --days (365) business days, spread over the six
business types of the shipped config with realistic columns (handler, counter, times, some
accounts and ratings), plus ~3 events per ticket (issue, call, complete or no_show) and the
per-day sequences. It is generated with raw sqlite3 executemany into a database made by
init_db, inside one transaction. Both databases then get the same today: --waiting (800)
waiting tickets spread over the six types and eight clerks signed in at the eight counters
(shipped work profiles).

Measured in one process, interleaved (small, large, large, small, ...) so drift of the shared
machine hits both alike: a claim = one write transaction with call_next at counter k (k cycles
1..8) + one with no_show; a snapshot = one read transaction with queries.snapshot. Figures are
medians (p10/p90 also shown). PASS: median at large <= --target (1.25) x median at small, for
both. The query plans of every statement the two paths emit are printed with --plans (and
whenever a target fails).

For information (not a target), the floor is measured alongside, interleaved with the project
on the same two databases: a claim with the bare sqlite3 module sending call_next's and
no_show's own statements (the guarded UPDATE with the COALESCE over the counter's probes +
event, COMMIT; the guarded no_show UPDATE + event, COMMIT), and a snapshot replaying, in one
deferred BEGIN ... COMMIT, the statements queries.snapshot sends (texts and values captured
from one call). It shows whether SQLite itself slows with history, and the project's overhead.

    .venv/bin/python benchmarks/growth.py                     # 1k vs 1M, synchronous=FULL
    .venv/bin/python benchmarks/growth.py --large 200000 --claims 200 --plans
    .venv/bin/python benchmarks/growth.py --keep /var/tmp/hall-growth   # reuse the databases
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from _common import (
    FREE_SQL,
    Hall,
    append_event,
    business_day,
    claim_params,
    claim_sql,
    copy_db,
    finished,
    load_config,
    machine_line,
    make_engine,
    now_naive,
    pct,
    raw_connect,
    ts,
    url_of,
    verdict,
    workdir,
)
from _history import add_history_options, history_databases, shipped_profiles

from db.rules import ops

# -- measuring -------------------------------------------------------------------------------


def call_and_free(hall: Hall, counter: int) -> bool:
    """One claim as a counter makes it: call_next in a write transaction, then no_show (the
    cheapest step that frees the counter) in another; False, nothing changed, when the
    counter's queues are empty."""
    try:
        with hall.write() as tx:
            ops.call_next(tx, counter)
    except ops.QueueEmpty:
        return False
    with hall.write() as tx:
        ops.no_show(tx, counter)
    return True


def measure(paths: dict[str, Path], synchronous: str, claims: int, snapshots: int,
            ) -> dict[str, dict[str, list[float]]]:
    """Per size, the times of: the project's claim and snapshot, and the floor's (bare sqlite3,
    the same statements). Keys of the inner dict: claim, snapshot, floor_claim, floor_snapshot."""
    from sqlalchemy import event

    from db.rules import queries

    config = load_config()
    halls = {k: Hall(make_engine(url_of(p), synchronous=synchronous), config)
             for k, p in paths.items()}
    raws = {k: raw_connect(p, synchronous) for k, p in paths.items()}
    counters = [c.number for c in config.counters]
    profiles = shipped_profiles()
    claim_texts = {n: claim_sql(profiles[n]) for n in counters}
    kinds = ("claim", "snapshot", "floor_claim", "floor_snapshot")
    times: dict[str, dict[str, list[float]]] = {k: {w: [] for w in kinds} for k in halls}

    def claim(hall: Hall, turn: int) -> float:
        """Time one claim at the counter whose turn it is (the next one if its queues are
        empty: both databases have the same today, so they skip alike)."""
        for k in range(len(counters)):
            counter = counters[(turn + k) % len(counters)]
            t = time.perf_counter()
            if call_and_free(hall, counter):
                return time.perf_counter() - t
        raise SystemExit("every queue is empty: raise --waiting")

    def floor_claim(conn: sqlite3.Connection, turn: int) -> float:
        """The same claim with the bare sqlite3 module: call_next's guarded UPDATE (COALESCE
        over the counter's probes) + its event, COMMIT; no_show's guarded UPDATE + event."""
        for k in range(len(counters)):
            counter = counters[(turn + k) % len(counters)]
            clerk = f"C{counter:02d}"
            t = time.perf_counter()
            moment, the_day = now_naive(), business_day(config)
            conn.execute("BEGIN IMMEDIATE")
            rows = conn.execute(claim_texts[counter], claim_params(
                profiles[counter], counter, clerk, ts(moment), the_day.isoformat())).fetchall()
            if not rows:
                conn.execute("COMMIT")
                continue
            ticket = rows[0][0]
            # Chained as db.rules.ops.log chains it (the event log's columns since 0006).
            append_event(conn, moment, the_day, "call", ticket, clerk, counter)
            conn.execute("COMMIT")
            moment = now_naive()
            conn.execute("BEGIN IMMEDIATE")
            assert conn.execute(FREE_SQL, ("no_show", ts(moment), ticket)).fetchall()
            append_event(conn, moment, the_day, "no_show", ticket, clerk, counter)
            conn.execute("COMMIT")
            return time.perf_counter() - t
        raise SystemExit("every queue is empty: raise --waiting")

    def snap(hall: Hall) -> float:
        t = time.perf_counter()
        with hall.read() as tx:
            queries.snapshot(tx)
        return time.perf_counter() - t

    # The floor's snapshot: the statements queries.snapshot sends (texts and bound values, as
    # captured from one call), replayed with the bare sqlite3 module in one deferred BEGIN.
    sent: list[tuple[str, tuple[Any, ...]]] = []
    hall0 = next(iter(halls.values()))

    def _capture(_c: object, _cur: object, stmt: str, params: Any, *_: object) -> None:
        if not stmt.startswith(("BEGIN", "COMMIT")):
            sent.append((stmt, tuple(params)))

    event.listen(hall0.engine, "before_cursor_execute", _capture)
    snap(hall0)
    event.remove(hall0.engine, "before_cursor_execute", _capture)

    def floor_snap(conn: sqlite3.Connection) -> float:
        t = time.perf_counter()
        conn.execute("BEGIN")
        for stmt, params in sent:
            conn.execute(stmt, params).fetchall()
        conn.execute("COMMIT")
        return time.perf_counter() - t

    warm = 16
    for i in range(warm):  # warm the page caches of both the same way
        for k, hall in halls.items():
            claim(hall, i)
            floor_claim(raws[k], i)
            snap(hall)
            floor_snap(raws[k])
    keys = list(halls)
    for i in range(max(claims, snapshots)):
        order = keys if i % 2 == 0 else keys[::-1]
        for k in order:
            turn = i + warm
            if i < claims:
                if i % 2:
                    times[k]["claim"].append(claim(halls[k], turn))
                    times[k]["floor_claim"].append(floor_claim(raws[k], turn))
                else:
                    times[k]["floor_claim"].append(floor_claim(raws[k], turn))
                    times[k]["claim"].append(claim(halls[k], turn))
            if i < snapshots:
                if i % 2:
                    times[k]["snapshot"].append(snap(halls[k]))
                    times[k]["floor_snapshot"].append(floor_snap(raws[k]))
                else:
                    times[k]["floor_snapshot"].append(floor_snap(raws[k]))
                    times[k]["snapshot"].append(snap(halls[k]))
    for hall in halls.values():
        hall.dispose()
    for conn in raws.values():
        conn.close()
    print(f"  the floor's snapshot replays the {len(sent)} statements queries.snapshot sends")
    return times


def plans(path: Path) -> None:
    """EXPLAIN QUERY PLAN of every statement call_next, no_show and snapshot send, on `path`
    (a copy, as the statements change it). The statements are caught by sqlite3's own trace
    hook, with their values bound, so the claim's fast path (straight to the driver) is
    listed too, not only what goes through SQLAlchemy."""
    from sqlalchemy import event

    from db.rules import queries

    config = load_config()
    hall = Hall(make_engine(url_of(path)), config)
    seen: dict[str, None] = {}  # the statements in order, once each

    def _trace(stmt: str) -> None:
        if not stmt.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            seen.setdefault(stmt)

    @event.listens_for(hall.engine, "connect")
    def _hook(driver: Any, _record: object) -> None:
        driver.set_trace_callback(_trace)

    hall.engine.dispose()  # connections opened from now on carry the hook
    for counter in (8, 1, 4):  # counter 8 serves every business; the others, in case
        if call_and_free(hall, counter):
            break
    with hall.read() as tx:
        queries.snapshot(tx)
    hall.dispose()
    conn = raw_connect(path)
    print(f"  query plans on {path.name} (statements as the project sends them, values bound):")
    for stmt in seen:
        flat = " ".join(stmt.split())
        print(f"    {flat[:150]}{' ...' if len(flat) > 150 else ''}")
        for row in conn.execute(f"EXPLAIN QUERY PLAN {stmt}"):
            print(f"        {row[3]}")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_history_options(parser)
    parser.add_argument("--claims", type=int, default=300, help="claims measured per size (300)")
    parser.add_argument("--snapshots", type=int, default=1000,
                        help="snapshots measured per size (1000)")
    parser.add_argument("--sync", default="FULL", choices=["FULL", "NORMAL", "OFF"],
                        help="synchronous setting of the measured engines (FULL)")
    parser.add_argument("--target", type=float, default=1.25, help="large/small ceiling (1.25)")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    args = parser.parse_args()
    if 2 * (args.claims + 16) + 50 > args.waiting:
        parser.error("--waiting must exceed 2 x (--claims + 16) + 50 (each claim of the project "
                     "and of the floor takes a waiting ticket)")

    folder = workdir(args.dir, "growth")
    print(f"growth: history {args.small} vs {args.large} tickets over {args.days} days, "
          f"{args.waiting} waiting; {args.claims} claims and {args.snapshots} snapshots each, "
          f"sync={args.sync}; {machine_line()}")
    sizes = {"small": args.small, "large": args.large}
    try:
        paths = history_databases(args, folder)
        times = measure(paths, args.sync, args.claims, args.snapshots)
        all_ok = True
        for what in ("claim", "snapshot"):
            med = {k: statistics.median(times[k][what]) * 1e3 for k in sizes}
            fmed = {k: statistics.median(times[k][f"floor_{what}"]) * 1e3 for k in sizes}
            ratio = med["large"] / med["small"]
            ok = ratio <= args.target
            all_ok = all_ok and ok
            label = "call_next + no_show" if what == "claim" else "queries.snapshot"
            for k in sizes:
                for side, name in ((what, "project"), (f"floor_{what}", "floor")):
                    v = times[k][side]
                    print(f"  {label:19s} {name:7s} at {sizes[k]:>9} history: median "
                          f"{statistics.median(v) * 1e3:6.3f} ms (p10 {pct(v, 0.1) * 1e3:6.3f}, "
                          f"p90 {pct(v, 0.9) * 1e3:6.3f}, n={len(v)})")
            print(f"{label}: floor large/small {fmed['large'] / fmed['small']:.2f}; "
                  f"project/floor time {med['small'] / fmed['small']:.2f}x at "
                  f"{sizes['small']}, {med['large'] / fmed['large']:.2f}x at {sizes['large']} "
                  f"(information, not a target)")
            print(f"{label}: project large/small {ratio:.2f}; target <= {args.target} -> "
                  f"{verdict(ok)}")
        if args.plans or not all_ok:
            plans(copy_db(paths["large"], folder / "plans.db"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(all_ok)


if __name__ == "__main__":
    raise SystemExit(main())

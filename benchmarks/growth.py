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
import bisect
import datetime as dt
import itertools
import random
import shutil
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from _common import (
    EVENT_SQL,
    FREE_SQL,
    Hall,
    business_day,
    checkpoint,
    claim_params,
    claim_sql,
    code_line,
    copy_db,
    create_hall_db,
    file_size_mb,
    load_config,
    load_line,
    machine_line,
    make_engine,
    now_naive,
    pct,
    raw_connect,
    seed_waiting,
    ts,
    url_of,
    verdict,
    workdir,
)

BUSINESS_MIX = {"A": 0.40, "B": 0.10, "C": 0.15, "D": 0.15, "E": 0.12, "F": 0.08}
PRIORITY_MIX = (("appointment", 1, 0.03), ("elderly", 2, 0.10), ("disabled", 2, 0.01),
                ("pregnant", 2, 0.01), ("normal", 9, 0.85))
CHUNK = 50_000


# -- generating history ------------------------------------------------------------------------


def generate_history(path: Path, tickets: int, days: int, today: dt.date, seed: int) -> float:
    """Append `tickets` past tickets (done or no_show) and their events, in one transaction.
    Returns the seconds it took."""
    t0 = time.monotonic()
    conn = sqlite3.connect(path, isolation_level=None)
    # Bulk load: no WAL copy of a ~1 GB transaction, no fsync; WAL is switched back after.
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.execute("PRAGMA foreign_keys=ON")
    rnd = random.Random(seed).random
    businesses = list(BUSINESS_MIX)
    b_cum = list(itertools.accumulate(BUSINESS_MIX.values()))
    p_codes = [p for p, _, _ in PRIORITY_MIX]
    p_rank = [r for _, r, _ in PRIORITY_MIX]
    p_cum = list(itertools.accumulate(w for _, _, w in PRIORITY_MIX))
    profiles = shipped_profiles()
    open_counters = {b: [n for n, prof in profiles.items() if b in prof] for b in businesses}
    first_day = today - dt.timedelta(days=days)
    conn.execute("BEGIN")
    ticket_id = 0
    done = 0
    seqs: dict[tuple[int, str], int] = {}
    while done < tickets:
        n = min(CHUNK, tickets - done)
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for i in range(done, done + n):
            # Tickets in time order: day i*days/tickets, issued through the opening hours
            # 09:00-17:00 Asia/Shanghai = 01:00-09:00 UTC (times in seconds of the UTC day).
            day_index = i * days // tickets
            day_s = (first_day + dt.timedelta(days=day_index)).isoformat()
            first = -(-day_index * tickets // days)
            per_day = max(1, -(-(day_index + 1) * tickets // days) - first)
            issued = 3600 + (i - first) * 8 * 3600 // per_day
            b = bisect.bisect(b_cum, rnd() * b_cum[-1])
            business = businesses[b]
            p = bisect.bisect(p_cum, rnd() * p_cum[-1])
            key = (day_index, business)
            seq = seqs[key] = seqs.get(key, 0) + 1
            number = f"{business}{seq:03d}"
            choices = open_counters[business]
            counter = choices[int(rnd() * len(choices))]
            clerk = f"C{counter:02d}"
            called = issued + 30 + int(rnd() * 1770)
            ticket_id += 1
            account = str(1_000_000_000 + int(rnd() * 9_000_000_000)) if rnd() < 0.4 else None
            t_issued, t_called = _at(day_s, issued), _at(day_s, called)
            if rnd() < 0.92:
                started = called + 20 + int(rnd() * 100)
                completed = started + 120 + int(rnd() * 1680)
                t_done = _at(day_s, completed)
                rating = 1 + int(rnd() * 4) if rnd() < 0.6 else None
                rows.append((ticket_id, day_s, number, business, business, p_codes[p], p_rank[p],
                             account, "done", counter, clerk, t_issued, t_issued, t_called,
                             t_called, _at(day_s, started), t_done, None, rating,
                             _at(day_s, completed + 30) if rating else None))
                last = ("complete", t_done)
            else:
                t_gone = _at(day_s, called + 60 + int(rnd() * 240))
                rows.append((ticket_id, day_s, number, business, business, p_codes[p], p_rank[p],
                             account, "no_show", counter, clerk, t_issued, t_issued, t_called,
                             t_called, None, None, t_gone, None, None))
                last = ("no_show", t_gone)
            events.append((t_issued, day_s, "issue", ticket_id, None, None,
                           f'{{"business": "{business}", "number": "{number}"}}'))
            events.append((t_called, day_s, "call", ticket_id, clerk, counter, None))
            events.append((last[1], day_s, last[0], ticket_id, clerk, counter, None))
        conn.executemany(
            "INSERT INTO tickets (id, business_day, number, business, origin_business, priority, "
            "priority_rank, account, status, counter_number, handler_id, issued_at, queued_at, "
            "called_at, first_called_at, started_at, completed_at, no_show_at, rating, rated_at, "
            f"recalls, services) VALUES ({', '.join(['?'] * 20)}, 0, 1)",
            rows,
        )
        conn.executemany(
            "INSERT INTO events (at, business_day, kind, ticket_id, staff_id, counter_number, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        done += n
    conn.executemany(
        "INSERT INTO day_sequences (business_day, prefix, last_seq) VALUES (?, ?, ?)",
        [((first_day + dt.timedelta(days=d)).isoformat(), b, s) for (d, b), s in seqs.items()],
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return time.monotonic() - t0


def shipped_profiles() -> dict[int, tuple[str, ...]]:
    """Counter number -> its work profile, from the shipped config."""
    return {c.number: tuple(c.profile) for c in load_config().counters}


def _at(day: str, seconds: int) -> str:
    """A time of `day` (seconds since 00:00 UTC) as SQLAlchemy stores a DateTime."""
    return f"{day} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000000"


def build(path: Path, history: int, days: int, waiting: int, seed: int) -> None:
    """init_db database + eight clerks signed in + `history` past tickets + `waiting` today."""
    config = load_config()
    t = time.monotonic()
    create_hall_db(path, config, clerks=len(config.counters))
    today = config.business_day(dt.datetime.now(dt.UTC))
    secs = generate_history(path, history, days, today, seed)
    conn = raw_connect(path)
    conn.execute("BEGIN IMMEDIATE")
    rng = random.Random(7)  # the same today for every size
    codes = [p for p, _, _ in PRIORITY_MIX]
    ranks = {p: r for p, r, _ in PRIORITY_MIX}
    plan = []
    for _ in range(waiting):
        business = rng.choices(list(BUSINESS_MIX), list(BUSINESS_MIX.values()))[0]
        code = rng.choices(codes, [w for _, _, w in PRIORITY_MIX])[0]
        plan.append((business, code, ranks[code]))
    # Today's queue formed over the last hour and a half.
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=90)
    seed_waiting(conn, today, start, plan, step_s=5400 / max(1, waiting))
    conn.execute("COMMIT")
    conn.close()
    checkpoint(path)
    print(f"  built {path.name}: {history} tickets of history (generated in {secs:.1f}s), "
          f"{waiting} waiting today, {file_size_mb(path):.0f} MB, {time.monotonic() - t:.1f}s")


# -- measuring -------------------------------------------------------------------------------


def measure(paths: dict[str, Path], synchronous: str, claims: int, snapshots: int,
            ) -> dict[str, dict[str, list[float]]]:
    """Per size, the times of: the project's claim and snapshot, and the floor's (bare sqlite3,
    the same statements). Keys of the inner dict: claim, snapshot, floor_claim, floor_snapshot."""
    from sqlalchemy import event

    from db import ops, queries

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
            try:
                with hall.write() as tx:
                    ops.call_next(tx, counter)
            except ops.QueueEmpty:
                continue
            with hall.write() as tx:
                ops.no_show(tx, counter)
            return time.perf_counter() - t
        raise SystemExit("every queue is empty: raise --waiting")

    def floor_claim(conn: sqlite3.Connection, turn: int) -> float:
        """The same claim with the bare sqlite3 module: call_next's guarded UPDATE (COALESCE
        over the counter's probes) + its event, COMMIT; no_show's guarded UPDATE + event."""
        for k in range(len(counters)):
            counter = counters[(turn + k) % len(counters)]
            clerk = f"C{counter:02d}"
            t = time.perf_counter()
            now = ts(now_naive())
            day = business_day(config).isoformat()
            conn.execute("BEGIN IMMEDIATE")
            rows = conn.execute(claim_texts[counter], claim_params(
                profiles[counter], counter, clerk, now, day)).fetchall()
            if not rows:
                conn.execute("COMMIT")
                continue
            ticket = rows[0][0]
            conn.execute(EVENT_SQL, (now, day, "call", ticket, clerk, counter, None))
            conn.execute("COMMIT")
            now = ts(now_naive())
            conn.execute("BEGIN IMMEDIATE")
            assert conn.execute(FREE_SQL, ("no_show", now, ticket)).fetchall()
            conn.execute(EVENT_SQL, (now, day, "no_show", ticket, clerk, counter, None))
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
    """EXPLAIN QUERY PLAN of every statement call_next, no_show and snapshot emit, with the
    parameters they were given, on `path` (a copy, as the statements change it)."""
    from sqlalchemy import event

    from db import ops, queries

    config = load_config()
    hall = Hall(make_engine(url_of(path)), config)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(hall.engine, "before_cursor_execute")
    def _capture(_c: object, _cur: object, stmt: str, params: Any, *_: object) -> None:
        if not stmt.startswith(("BEGIN", "COMMIT", "PRAGMA")) and stmt not in [s for s, _ in seen]:
            seen.append((stmt, params))

    for counter in (8, 1, 4):  # counter 8 serves every business; the others, in case
        try:
            with hall.write() as tx:
                ops.call_next(tx, counter)
        except ops.QueueEmpty:
            continue
        with hall.write() as tx:
            ops.no_show(tx, counter)
        break
    with hall.read() as tx:
        queries.snapshot(tx)
    hall.dispose()
    conn = raw_connect(path)
    print(f"  query plans on {path.name} (statements as the project sends them, bound values):")
    for stmt, params in seen:
        flat = " ".join(stmt.split())
        print(f"    {flat[:150]}{' ...' if len(flat) > 150 else ''}")
        for row in conn.execute(f"EXPLAIN QUERY PLAN {stmt}", params):
            print(f"        {row[3]}")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000, help="tickets of history (1000)")
    parser.add_argument("--large", type=int, default=1_000_000,
                        help="tickets of history (1000000)")
    parser.add_argument("--days", type=int, default=365, help="business days of history (365)")
    parser.add_argument("--waiting", type=int, default=800, help="waiting tickets today (800)")
    parser.add_argument("--claims", type=int, default=300, help="claims measured per size (300)")
    parser.add_argument("--snapshots", type=int, default=1000,
                        help="snapshots measured per size (1000)")
    parser.add_argument("--sync", default="FULL", choices=["FULL", "NORMAL", "OFF"],
                        help="synchronous setting of the measured engines (FULL)")
    parser.add_argument("--target", type=float, default=1.25, help="large/small ceiling (1.25)")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    parser.add_argument("--keep", help="folder to keep the generated databases in and reuse "
                                       "them from on the next run with the same sizes")
    args = parser.parse_args()
    if 2 * (args.claims + 16) + 50 > args.waiting:
        parser.error("--waiting must exceed 2 x (--claims + 16) + 50 (each claim of the project "
                     "and of the floor takes a waiting ticket)")

    folder = workdir(args.dir, "growth")
    print(f"growth: history {args.small} vs {args.large} tickets over {args.days} days, "
          f"{args.waiting} waiting; {args.claims} claims and {args.snapshots} snapshots each, "
          f"sync={args.sync}; {machine_line()}")
    sizes = {"small": args.small, "large": args.large}
    paths: dict[str, Path] = {}
    try:
        for key, history in sizes.items():
            name = f"growth-{history}-{args.days}d-{args.waiting}w.db"
            kept = Path(args.keep) / name if args.keep else None
            if kept is not None and kept.exists():
                print(f"  reusing {kept}")
                template = kept
            else:
                template = (kept if kept is not None else folder / name)
                template.parent.mkdir(parents=True, exist_ok=True)
                build(template, history, args.days, args.waiting, seed=20261127 + history)
            paths[key] = copy_db(template, folder / f"{key}.db") if kept else template
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
    print(f"finished; {load_line()}; {code_line()}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

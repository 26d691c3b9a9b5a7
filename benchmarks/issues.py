"""Tickets issued per second in one process (the kiosk's path), synchronous=FULL by default.

The project: `with hall.write() as tx: ops.issue_ticket(tx, business)`, one transaction per
ticket, cycling through the six business types of the shipped config.
The floor: the bare sqlite3 module sending the project's own three statements (the texts
db.store.engine.next_sequence and db/store/sql.py send, the same values bound) on a copy of the same
init_db database: BEGIN IMMEDIATE; the per-day sequence upsert (INSERT INTO day_sequences ...
ON CONFLICT (business_day, prefix) DO UPDATE SET last_seq = (last_seq + ?) RETURNING
last_seq); the ticket INSERT ... RETURNING every column; the 'issue' event INSERT; COMMIT.

Each run starts from a fresh copy of the database; sides alternate which goes first. The
figure is the median issues/s over --rounds runs (best also shown). After every run the
numbers are checked: per business 1..n with no gap or repeat. PASS: the project's median is
at least --target (0.5) of the floor's median.

    .venv/bin/python benchmarks/issues.py                  # 7 rounds x 2,000 tickets each side
    .venv/bin/python benchmarks/issues.py --count 10000 --rounds 3 --sync FULL NORMAL
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import statistics
import time
from functools import partial
from pathlib import Path
from typing import Any

from _common import (
    TICKET_COLUMNS,
    Hall,
    StatementTimer,
    append_event,
    business_day,
    commit_latency_ms,
    copy_db,
    create_hall_db,
    finished,
    load_config,
    machine_line,
    make_engine,
    medians_ms,
    now_naive,
    paired_ratio,
    raw_connect,
    ts,
    url_of,
    verdict,
    workdir,
)

SEQ_SQL = (
    "INSERT INTO day_sequences (business_day, prefix, last_seq) VALUES (?, ?, ?) "
    "ON CONFLICT (business_day, prefix) DO UPDATE SET last_seq = (last_seq + ?) "
    "RETURNING last_seq"
)
"""db.store.engine.next_sequence's upsert; parameters (day, prefix, 1, 1)."""
TICKET_SQL = (
    "INSERT INTO tickets (business_day, number, business, origin_business, priority, "
    "priority_rank, account, status, issued_by, issued_at, queued_at, recalls, services, "
    f"directed_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {TICKET_COLUMNS}"
)
"""db.store.sql.INSERT_TICKET with the values issue_ticket gives (the same columns, all bound)."""


def bare_issue(conn: sqlite3.Connection, day: str, prefix: str) -> tuple[Any, ...]:
    """One issue, the floor's way: the project's three statements in one BEGIN IMMEDIATE ...
    COMMIT with the bare sqlite3 module. Returns the ticket row."""
    moment = now_naive()
    now = ts(moment)
    conn.execute("BEGIN IMMEDIATE")
    seq = conn.execute(SEQ_SQL, (day, prefix, 1, 1)).fetchall()[0][0]
    number = f"{prefix}{seq:03d}"
    ticket = conn.execute(TICKET_SQL, (day, number, prefix, prefix, "normal", 9, None, "waiting",
                                       None, now, now, 0, 1, None)).fetchall()[0]
    append_event(conn, moment, dt.date.fromisoformat(day), "issue", ticket[0],
                 detail={"business": prefix, "number": number})
    conn.execute("COMMIT")
    return tuple(ticket)


def run_project(db: Path, synchronous: str, count: int) -> float:
    from db.rules import ops

    config = load_config()
    prefixes = [b.prefix for b in config.businesses]
    hall = Hall(make_engine(url_of(db), synchronous=synchronous), config)
    with hall.read():
        pass  # open the pooled connection before the clock starts
    t = time.perf_counter()
    for i in range(count):
        with hall.write() as tx:
            ops.issue_ticket(tx, prefixes[i % len(prefixes)])
    elapsed = time.perf_counter() - t
    hall.dispose()
    return elapsed


def run_floor(db: Path, synchronous: str, count: int) -> float:
    config = load_config()
    prefixes = [b.prefix for b in config.businesses]
    day = business_day(config).isoformat()
    conn = raw_connect(db, synchronous)
    t = time.perf_counter()
    for i in range(count):
        bare_issue(conn, day, prefixes[i % len(prefixes)])
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def verify(db: Path, count: int) -> str:
    """'' if the tickets are numbered 1..n per business with no gap or repeat."""
    conn = raw_connect(db)
    problems = []
    rows = conn.execute("SELECT business, number FROM tickets").fetchall()
    if len(rows) != count:
        problems.append(f"{len(rows)} tickets, expected {count}")
    by_business: dict[str, list[int]] = {}
    for business, number in rows:
        by_business.setdefault(business, []).append(int(number[1:]))
    for business, seqs in by_business.items():
        if sorted(seqs) != list(range(1, len(seqs) + 1)):
            problems.append(f"business {business}: numbers are not 1..{len(seqs)}")
    events = conn.execute("SELECT count(*) FROM events WHERE kind = 'issue'").fetchone()[0]
    if events != count:
        problems.append(f"{events} issue events for {count} tickets")
    conn.close()
    return "; ".join(problems)


def breakdown(template: Path, folder: Path, synchronous: str, count: int) -> None:
    """Where one project issue's time goes (median), in one process."""
    from db.rules import ops

    config = load_config()
    prefixes = [b.prefix for b in config.businesses]
    db = copy_db(template, folder / "breakdown.db")
    hall = Hall(make_engine(url_of(db), synchronous=synchronous), config)
    timer = StatementTimer(hall)
    rows = []
    for i in range(count + 50):
        times = timer.transaction(partial(ops.issue_ticket, business=prefixes[i % len(prefixes)]))
        if i >= 50:
            rows.append(times)
    hall.dispose()
    total, in_sql, in_commit = medians_ms(rows)
    print(f"  breakdown, sync={synchronous}, median of {count} project issues: {total:.2f} ms = "
          f"SQLite executing statements {in_sql:.2f} + COMMIT {in_commit:.2f} + "
          f"Python (SQLAlchemy, db.rules.ops) {total - in_sql - in_commit:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="tickets per run (2000)")
    parser.add_argument("--rounds", type=int, default=7, help="runs of each side (7)")
    parser.add_argument("--sync", nargs="+", default=["FULL"], choices=["FULL", "NORMAL"],
                        help="synchronous settings to measure (FULL)")
    parser.add_argument("--breakdown", type=int, default=500,
                        help="issues of the time breakdown (500; 0: skip)")
    parser.add_argument("--target", type=float, default=0.5, help="project/floor floor (0.5)")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    args = parser.parse_args()

    folder = workdir(args.dir, "issues")
    print(f"issues: {args.count} tickets per run, 1 process, {args.rounds} rounds; "
          f"{machine_line()}")
    template = folder / "template.db"
    create_hall_db(template, load_config())
    runners = {"project": run_project, "floor": run_floor}
    all_ok = True
    try:
        for synchronous in args.sync:
            rates: dict[str, list[float]] = {side: [] for side in runners}
            clean = True
            for rnd in range(args.rounds):
                order = list(runners) if rnd % 2 else list(runners)[::-1]
                for side in order:
                    db = copy_db(template, folder / f"{side}.db")
                    elapsed = runners[side](db, synchronous, args.count)
                    check = verify(db, args.count)
                    clean = clean and not check
                    rate = args.count / elapsed
                    rates[side].append(rate)
                    print(f"  sync={synchronous} round {rnd + 1} {side:8s}: {rate:7.1f} issues/s "
                          f"({elapsed / args.count * 1e3:.2f} ms each); check: "
                          f"{check or 'numbers 1..n per business, no gap or repeat'}")
            med = {s: statistics.median(v) for s, v in rates.items()}
            best = {s: max(v) for s, v in rates.items()}
            ratio = paired_ratio(rates["project"], rates["floor"])
            ok = ratio >= args.target and clean
            all_ok = all_ok and ok
            print(f"sync={synchronous}: issues/s median (best): project {med['project']:.1f} "
                  f"({best['project']:.1f}), floor {med['floor']:.1f} ({best['floor']:.1f})")
            own = zip(rates["project"], rates["floor"], strict=True)
            print(f"sync={synchronous}: spread (worst..best): project "
                  f"{min(rates['project']):.1f}..{best['project']:.1f}, floor "
                  f"{min(rates['floor']):.1f}..{best['floor']:.1f}; rounds' own ratios "
                  f"{' '.join(f'{p / f:.2f}' for p, f in own)}")
            commit_ms = commit_latency_ms(folder, synchronous)
            print(f"sync={synchronous}: COMMIT on this disk {commit_ms:.2f} ms (median of a "
                  f"bare one-row write)")
            print(f"sync={synchronous}: ratio project/floor {ratio:.3f}, the median of the "
                  f"rounds' own ratios (medians' ratio {med['project'] / med['floor']:.2f}, "
                  f"best/best {best['project'] / best['floor']:.2f}); target >= {args.target} "
                  f"-> {verdict(ok)}")
            if args.breakdown:
                breakdown(template, folder, synchronous, args.breakdown)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(all_ok)


if __name__ == "__main__":
    raise SystemExit(main())

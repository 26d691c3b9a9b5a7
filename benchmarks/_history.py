"""The hall with history that growth.py and kiosk_latency.py measure on (not a benchmark).

History = done / no_show tickets of the past `days` business days, spread over the six
business types of the shipped config with realistic columns (handler, counter, times, some
accounts and ratings), plus ~3 events per ticket (issue, call, complete or no_show) and the
per-day sequences, generated with raw sqlite3 executemany into a database made by init_db,
inside one transaction. Today: `waiting` tickets spread over the six types, eight clerks
signed in at the eight counters (shipped work profiles). Both benchmarks name the files alike,
so a `--keep` folder serves both.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from _common import (
    checkpoint,
    copy_db,
    create_hall_db,
    file_size_mb,
    load_config,
    raw_connect,
    seed_waiting,
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
    now = dt.datetime.now(dt.UTC)
    today = config.business_day(now)
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
    # Today's queue formed over the last hour and a half (or since the business day began).
    start = max(now - dt.timedelta(minutes=90), config.day_began(now))
    window = (now - start).total_seconds()
    start = start.astimezone(dt.UTC).replace(tzinfo=None)
    seed_waiting(conn, today, start, plan, step_s=window / max(1, waiting))
    conn.execute("COMMIT")
    conn.close()
    checkpoint(path)
    print(f"  built {path.name}: {history} tickets of history (generated in {secs:.1f}s), "
          f"{waiting} waiting today, {file_size_mb(path):.0f} MB, {time.monotonic() - t:.1f}s")


def add_history_options(parser: argparse.ArgumentParser) -> None:
    """The options that size the two databases and keep them: --small, --large, --days,
    --waiting, --keep."""
    parser.add_argument("--small", type=int, default=1_000, help="tickets of history (1000)")
    parser.add_argument("--large", type=int, default=1_000_000,
                        help="tickets of history (1000000)")
    parser.add_argument("--days", type=int, default=365, help="business days of history (365)")
    parser.add_argument("--waiting", type=int, default=800, help="waiting tickets today (800)")
    parser.add_argument("--keep", help="folder to keep the generated databases in and reuse "
                                       "them from (shared by growth.py and kiosk_latency.py)")


def history_databases(args: argparse.Namespace, folder: Path) -> dict[str, Path]:
    """"small" and "large": the databases to measure on, in `folder`. Built there, or, with
    --keep, built in (or reused from) that folder and copied to `folder` (the copy is what
    is measured on and changed)."""
    paths: dict[str, Path] = {}
    for key, history in {"small": args.small, "large": args.large}.items():
        name = f"growth-{history}-{args.days}d-{args.waiting}w.db"
        kept = Path(args.keep) / name if args.keep else None
        if kept is not None and kept.exists():
            print(f"  reusing {kept}")
            template = kept
        else:
            template = kept if kept is not None else folder / name
            template.parent.mkdir(parents=True, exist_ok=True)
            build(template, history, args.days, args.waiting, seed=20261127 + history)
        paths[key] = copy_db(template, folder / f"{key}.db") if kept else template
    return paths

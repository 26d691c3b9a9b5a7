"""`hall audit verify` over a long history against a bare floor, in the same run.

The history is built by `_history.generate_history` (raw sqlite3: done and no-show tickets,
issue / call / complete or no_show events), then chained here as `db.rules.ops.log` chains
them (each event's `prev_hash` and `hash`), or reused from `--keep`. Each round runs, back to
back on the same file:

- the floor: a bare chain check in a few lines of stdlib Python: `sqlite3` reads every
  event's columns in id order, the canonical bytes are made as written down in
  `db.store.audit` (`json.dumps` of [id, at, day, kind, ticket, staff, counter, detail],
  keys sorted, the stored time and detail parsed with `datetime` and `json`), hashed with
  `hashlib.sha256` and compared with the stored hash;
- the lower bound: the same read, hashing the columns joined as text (no JSON at all);
- `hall audit verify --json` as the real command line: the file's own check (quick_check),
  the hash chain, and every ticket, counter, remedy and complaint replayed from its events.

The headline is the median of the paired per-round ratios verify / lower bound (the bare
read + sha256, the stricter floor); the target is at most `--target` (2) times it (issue 18).
The ratio to the bare chain check is printed too, and each side's CPU seconds (verify's
quick_check runs in a thread beside the read: on a loaded machine its second core may not
be free, and the CPU ratio says what the work costs whatever the load).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    ROOT,
    checkpoint,
    create_hall_db,
    file_size_mb,
    finished,
    load_config,
    machine_line,
    paired_ratio,
    url_of,
    verdict,
    workdir,
)
from _history import generate_history

from db.store.audit import GENESIS, canonical_text, digest

EVENT_COLUMNS = ("id, at, business_day, kind, ticket_id, staff_id, counter_number, detail, "
                 "prev_hash, hash")


def chain(path: Path) -> int:
    """Give every event without a hash its `prev_hash`, `hash` and `seal` (its place: its
    id), in id order (the log's guard triggers are lifted for it and put back). Returns the
    events chained."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=OFF")
    guards = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                          "AND tbl_name = 'events' AND name LIKE 'events_no_%'").fetchall()
    conn.execute("BEGIN")
    for name, _ in guards:
        conn.execute(f"DROP TRIGGER {name}")
    previous, updates = GENESIS, []
    for row in conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id").fetchall():
        event_id, at, day, kind, ticket, staff, counter, detail, _, own = row
        if own is None:
            text = canonical_text(event_id, dt.datetime.fromisoformat(at),
                                  dt.date.fromisoformat(day) if day else None, kind, ticket,
                                  staff, counter, json.loads(detail) if detail else None)
            own = digest(previous, text)
            updates.append((previous, own, event_id, event_id))
        previous = own
    conn.executemany("UPDATE events SET prev_hash = ?, hash = ?, seal = ? WHERE id = ?",
                     updates)
    for _, sql in guards:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return len(updates)


def build(path: Path, days: int, per_day: int, seed: int) -> None:
    config = load_config()
    today = config.business_day(dt.datetime.now(dt.UTC))
    t = time.monotonic()
    create_hall_db(path, config, clerks=len(config.counters))
    secs = generate_history(path, days * per_day, days, today, seed)
    t_chain = time.monotonic()
    chained = chain(path)
    checkpoint(path)
    print(f"  built {path.name}: {days} days x {per_day} tickets (generated in {secs:.1f}s, "
          f"{chained} events chained in {time.monotonic() - t_chain:.1f}s), "
          f"{file_size_mb(path):.0f} MB, {time.monotonic() - t:.1f}s")


def floor(path: Path) -> tuple[float, int, float]:
    """The bare chain check: every event read in id order, its canonical bytes made with
    the standard library and hashed, the hash compared with the stored one. (seconds,
    events, CPU seconds)"""
    t, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path, isolation_level=None)
    sha256, dumps, loads = hashlib.sha256, json.dumps, json.loads
    when, previous, count = dt.datetime.fromisoformat, "0" * 64, 0
    for row in conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id"):
        event_id, at, day, kind, ticket, staff, counter, detail, prev_hash, own = row
        text = dumps([event_id, when(at).isoformat(sep=" "), day, kind, ticket, staff, counter,
                      loads(detail) if detail is not None else None],
                     ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if prev_hash != previous or sha256(f"{previous}\n{text}".encode()).hexdigest() != own:
            raise SystemExit(f"the floor finds event {event_id} broken: the history is not "
                             "chained as db.store.audit chains it")
        previous = own
        count += 1
    conn.close()
    return time.perf_counter() - t, count, time.process_time() - cpu


def lower_bound(path: Path) -> tuple[float, float]:
    """Bare sqlite3: every event read in id order and its columns, joined, hashed once.
    (seconds, CPU seconds)"""
    t, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path, isolation_level=None)
    sha256 = hashlib.sha256
    previous = GENESIS
    for row in conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id"):
        text = "|".join(str(value) for value in row[:8])
        previous = sha256(f"{previous}\n{text}".encode()).hexdigest()
    conn.close()
    return time.perf_counter() - t, time.process_time() - cpu


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def verify(path: Path) -> tuple[float, dict[str, object], float]:
    """`hall audit verify --json` as a command line: (seconds, its answer, CPU seconds of
    the command, its threads included)."""
    argv = [sys.executable, "-m", "hall", "audit", "verify", "--db", url_of(path), "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - t, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"hall audit verify failed ({done.returncode}): "
                         f"{(done.stdout + done.stderr)[-2000:]}")
    return seconds, json.loads(done.stdout), cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=250, help="business days (250)")
    parser.add_argument("--tickets", type=int, default=2000, help="tickets a day (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument("--target", type=float, default=2.0,
                        help="ratio to the floor verify may take (2)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated history (7)")
    parser.add_argument("--keep", help="folder to keep the history in and reuse it from")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    args = parser.parse_args()
    for name in ("days", "tickets", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")

    folder = workdir(args.dir, "audit-verify")
    print(f"audit_verify: {args.days} days x {args.tickets} tickets, {args.rounds} rounds, "
          f"target verify <= {args.target:g} x lower bound; {machine_line()}")
    try:
        name = f"audit-{args.days}d-{args.tickets}t-s{args.seed}.db"
        kept = Path(args.keep) / name if args.keep else None
        if kept is not None and kept.exists():
            print(f"  reusing {kept}")
            path = kept
        else:
            path = kept if kept is not None else folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            build(path, args.days, args.tickets, args.seed)
        floors: list[float] = []
        bounds: list[float] = []
        runs: list[float] = []
        cpus: dict[str, list[float]] = {"floor": [], "bound": [], "verify": []}
        answer: dict[str, object] = {}
        for _ in range(args.rounds):
            seconds, events, cpu = floor(path)
            floors.append(seconds)
            cpus["floor"].append(cpu)
            seconds, cpu = lower_bound(path)
            bounds.append(seconds)
            cpus["bound"].append(cpu)
            seconds, answer, cpu = verify(path)
            runs.append(seconds)
            cpus["verify"].append(cpu)
        ratio = paired_ratio(runs, bounds)
        print(f"  floor (bare chain check: sqlite3 read, stdlib canonical bytes, sha256, "
              f"{events} events): median {statistics.median(floors):.2f} s")
        print(f"  lower bound (sqlite3 read + sha256 of the joined columns): median "
              f"{statistics.median(bounds):.2f} s; verify / bare chain check: paired ratio "
              f"{paired_ratio(runs, floors):.2f}")
        print(f"  CPU seconds (medians): floor {statistics.median(cpus['floor']):.2f}, lower "
              f"bound {statistics.median(cpus['bound']):.2f}, verify "
              f"{statistics.median(cpus['verify']):.2f} (its quick_check thread included); "
              f"verify / floor {paired_ratio(cpus['verify'], cpus['floor']):.2f}, verify / "
              f"lower bound {paired_ratio(cpus['verify'], cpus['bound']):.2f}")
        print(f"  hall audit verify: median {statistics.median(runs):.2f} s "
              f"({answer.get('events')} events, {answer.get('tickets')} tickets, "
              f"{answer.get('rows')} other rows, integrity {answer.get('integrity')})")
        ok = ratio <= args.target
        print(f"audit verify / lower bound: paired ratio {ratio:.2f} (rounds: "
              f"{', '.join(f'{r / f:.2f}' for r, f in zip(runs, bounds, strict=True))}); "
              f"target <= {args.target:g} -> {verdict(ok)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(ok)


if __name__ == "__main__":
    raise SystemExit(main())

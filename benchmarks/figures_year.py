"""A year of a busy hall: `hall report` and `hall staffing` over it, the first run (every day
replayed from the log, closed days then stored) and the second (the stored days combined),
against the bare row read of the same period in the same round. The first run is a hall
whose days were never closed and never reported on (no stored day figures): every day
replayed.

The year is built by `_history.generate_history` (raw sqlite3: done and no-show tickets,
issue / call / complete or no_show events), or reused from `--keep`. Each round works on a
fresh copy (no stored days): the floor reads every ticket and event row of the period with
bare sqlite3, then `hall report` runs twice, and on a second fresh copy `hall staffing` runs
twice, each as the real command line (`python -m hall ... --json`, output thrown away). The
headline per command is the median of the paired per-round ratios run / floor; the target is
the second run's seconds (default at most 5 s). Memory is each command's peak RSS, next to
the same report over the year's last 30 days (memory flat in the number of days).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    ROOT,
    checkpoint,
    copy_db,
    create_hall_db,
    file_size_mb,
    finished,
    load_config,
    machine_line,
    paired_ratio,
    raw_connect,
    url_of,
    verdict,
    workdir,
)
from _history import generate_history


def build(path: Path, days: int, per_day: int, seed: int) -> tuple[dt.date, dt.date]:
    """The year: `days` business days of `per_day` tickets, ending yesterday."""
    config = load_config()
    today = config.business_day(dt.datetime.now(dt.UTC))
    t = time.monotonic()
    create_hall_db(path, config, clerks=len(config.counters))
    secs = generate_history(path, days * per_day, days, today, seed)
    checkpoint(path)
    print(f"  built {path.name}: {days} days x {per_day} tickets (generated in {secs:.1f}s), "
          f"{file_size_mb(path):.0f} MB, {time.monotonic() - t:.1f}s")
    return period_of(path)


def period_of(path: Path) -> tuple[dt.date, dt.date]:
    conn = raw_connect(path)
    first, last = conn.execute("SELECT min(business_day), max(business_day) FROM tickets"
                               ).fetchone()
    conn.close()
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


def floor_read(path: Path, first: dt.date, last: dt.date) -> float:
    """Bare sqlite3 reading every ticket row and event row of the period: what any replay
    of the log pays at least."""
    t = time.perf_counter()
    conn = raw_connect(path)
    rows = 0
    for _ in conn.execute("SELECT * FROM tickets WHERE business_day BETWEEN ? AND ?",
                          (first.isoformat(), last.isoformat())):
        rows += 1
    for _ in conn.execute(
        "SELECT e.ticket_id, e.at, e.kind, e.staff_id, e.detail FROM events e "
        "JOIN tickets t ON t.id = e.ticket_id WHERE t.business_day BETWEEN ? AND ? "
        "ORDER BY e.ticket_id, e.id", (first.isoformat(), last.isoformat())):
        rows += 1
    conn.close()
    return time.perf_counter() - t


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def hall_command(path: Path, command: str, first: dt.date,
                 last: dt.date) -> tuple[float, float, float]:
    """One `hall` command line over the period: (seconds, peak RSS in MB, the kernel's
    VmHWM of the command read every 20 ms: wait4's figure would include this process's own
    memory, which a forked child starts from; CPU seconds)."""
    argv = [sys.executable, "-m", "hall", command, "--db", url_of(path), "--from",
            first.isoformat(), "--to", last.isoformat(), "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t, cpu = time.perf_counter(), children_cpu()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    status = Path(f"/proc/{child.pid}/status")
    peak = 0.0
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    seconds, cpu = time.perf_counter() - t, children_cpu() - cpu
    error = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"hall {command} failed: {error[-2000:]}")
    return seconds, peak, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=250, help="business days (250)")
    parser.add_argument("--tickets", type=int, default=2000, help="tickets a day (2000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (2)")
    parser.add_argument("--target", type=float, default=5.0,
                        help="seconds the second run may take (5)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated year (7)")
    parser.add_argument("--keep", help="folder to keep the year in and reuse it from")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    args = parser.parse_args()

    folder = workdir(args.dir, "figures-year")
    print(f"figures_year: {args.days} days x {args.tickets} tickets, {args.rounds} rounds, "
          f"target second run <= {args.target:g} s; {machine_line()}")
    try:
        name = f"year-{args.days}d-{args.tickets}t-s{args.seed}.db"
        kept = Path(args.keep) / name if args.keep else None
        if kept is not None and kept.exists():
            print(f"  reusing {kept}")
            template = kept
            first, last = period_of(template)
        else:
            template = kept if kept is not None else folder / name
            template.parent.mkdir(parents=True, exist_ok=True)
            first, last = build(template, args.days, args.tickets, args.seed)
        floors: list[float] = []
        runs: dict[str, list[tuple[float, float, float]]] = {}
        for _ in range(args.rounds):
            floors.append(floor_read(copy_db(template, folder / "floor.db"), first, last))
            for command in ("report", "staffing"):
                copy = copy_db(template, folder / f"{command}.db")
                for run in ("first", "second"):
                    runs.setdefault(f"{command} {run}", []).append(
                        hall_command(copy, command, first, last))
        month = max(first, last - dt.timedelta(days=29))
        month_copy = copy_db(template, folder / "month.db")
        for run in ("first", "second"):
            runs.setdefault(f"report {run} (30 d)", []).append(
                hall_command(month_copy, "report", month, last))
        print(f"  floor (bare row read of {first} ~ {last}): median "
              f"{statistics.median(floors):.2f} s over {len(floors)} rounds")
        ok = True
        for key, values in runs.items():
            seconds = [s for s, _, _ in values]
            ratio = paired_ratio(seconds, floors[:len(seconds)])
            line = (f"hall {key:22s} median {statistics.median(seconds):6.2f} s (CPU "
                    f"{statistics.median(c for _, _, c in values):5.2f} s), peak RSS "
                    f"{max(m for _, m, _ in values):5.0f} MB")
            if "30 d" not in key:  # the floor read the whole period
                line += f"; ratio to the floor {ratio:.2f}"
            if key.endswith("second"):  # the whole period's second run
                passed = statistics.median(seconds) <= args.target
                ok = ok and passed
                line += f"; target <= {args.target:g} s -> {verdict(passed)}"
            print(line)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(ok)


if __name__ == "__main__":
    raise SystemExit(main())

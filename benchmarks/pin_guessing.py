"""`hall issue` latency while PINs are being guessed beside it (issue 13, hardening).

The issuing side: one process doing what `hall issue A` does, `with hall.write() as tx:
ops.issue_ticket(tx, "A")`, --count (300) times, --pause (5 ms) apart; p50 and p95 of each
issue's time. First with no guessing, then with 1 and with 2 guessing loops running beside
it, each in its own process on its own connections (a terminal typing wrong PINs as fast as
the core answers): `db.rules.staff.authenticate` with a wrong PIN, alternately for a known
staff id and for a new unknown one, at the kiosk terminal. Each loop's clock moves 16 minutes
per guess, so that no lock ever cuts a guess short: every guess is a full argon2 check (half
a second at the library's costs) and a recorded failure (the write).

Before the hardening the argon2 check ran inside the write transaction, and one such loop
took the issues from p50 1.8 ms / p95 6.5 ms to p50 5.3 s. PASS: p95 under --target (50 ms)
with a loop running.

    .venv/bin/python benchmarks/pin_guessing.py
    .venv/bin/python benchmarks/pin_guessing.py --count 600 --loops 1 2 3
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import time
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

from _common import (
    Hall,
    create_hall_db,
    finished,
    load_config,
    machine_line,
    make_engine,
    median,
    pct,
    url_of,
    verdict,
    workdir,
)

from db.errors import AuthFailed
from db.rules import ops, staff
from db.store.session import ManualClock, utc_now


def guess(path: str, loop: int, started: EventType, stop: EventType, tries: mp.Value) -> None:  # type: ignore[valid-type]
    """A guessing loop: wrong PINs until told to stop."""
    clock = ManualClock(utc_now())
    hall = Hall(make_engine(url_of(Path(path))), load_config(), clock)
    n = 0
    while not stop.is_set():
        staff_id = f"C{loop + 1:02d}" if n % 2 == 0 else f"X{loop}{n:05d}"
        with contextlib.suppress(AuthFailed):
            staff.authenticate(hall, staff_id, "999999", terminal="kiosk")
        n += 1
        with tries.get_lock():  # type: ignore[attr-defined]
            tries.value += 1  # type: ignore[attr-defined]
        clock.advance(minutes=16)
        started.set()
    hall.dispose()


def issues(hall: Hall, count: int, pause: float) -> list[float]:
    took = []
    for _ in range(count):
        t = time.perf_counter()
        with hall.write() as tx:
            ops.issue_ticket(tx, "A")
        took.append(time.perf_counter() - t)
        time.sleep(pause)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--pause", type=float, default=0.005, help="seconds between issues")
    parser.add_argument("--loops", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--target", type=float, default=50.0, help="p95 ms with a loop")
    parser.add_argument("--dir", help="where the database goes (default: $TMPDIR)")
    a = parser.parse_args()
    print(machine_line())
    config = load_config()
    path = workdir(a.dir, "pins") / "hall.db"
    create_hall_db(path, config, clerks=max(a.loops) + 1)
    hall = Hall(make_engine(url_of(path)), config)
    issues(hall, 30, 0)  # warm up
    base = issues(hall, a.count, a.pause)
    rows = [(0, base, 0)]
    ctx = mp.get_context("spawn")
    for loops in a.loops:
        stop, tries = ctx.Event(), ctx.Value("i", 0)
        starts = [ctx.Event() for _ in range(loops)]
        procs = [ctx.Process(target=guess, args=(str(path), i, starts[i], stop, tries))
                 for i in range(loops)]
        for p in procs:
            p.start()
        for s in starts:
            s.wait(120)
        beside = issues(hall, a.count, a.pause)
        stop.set()
        for p in procs:
            p.join(60)
        rows.append((loops, beside, tries.value))
    hall.dispose()
    base_p95 = pct(base, 0.95)
    print(f"{'loops':>5} {'p50 ms':>8} {'p95 ms':>8} {'p95 ratio':>9} {'guesses':>8}")
    ok = True
    for loops, took, guesses in rows:
        p95 = pct(took, 0.95)
        print(f"{loops:>5} {median(took) * 1e3:>8.2f} {p95 * 1e3:>8.2f} "
              f"{p95 / base_p95:>9.2f} {guesses:>8}")
        if loops == min(a.loops):
            ok = ok and p95 * 1e3 < a.target
    print(f"{verdict(ok)}: p95 under {a.target:g} ms with {min(a.loops)} guessing loop(s)")
    return finished(ok)


if __name__ == "__main__":
    raise SystemExit(main())

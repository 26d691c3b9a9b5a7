"""Display latency: from a call committed by another process to the wall display showing it
(target: p95 at most 100 ms), and the CPU an idle wall display uses (target: under 2 % of
one core).

Latency. A hall database (init_db; clerk C01 signed in at counter 1; --waiting (2,000)
tickets of business A waiting today) and a second process, the caller (`spawn`), that
every 0.25-0.45 s (random, so calls land at every phase of the display's timer) commits one
transaction `ops.no_show(tx, 1)` (but for the first) + `ops.call_next(tx, 1)` through the
project's `Hall.write()`, and stamps `time.monotonic()` (one clock for every process on
Linux) as the `with` block returns, i.e. after COMMIT. Two sides, each in blocks of
--calls/2, alternating (display, bare, bare, display):

  * display: the real wall display, `display.app.make_app(config, hall)` (its own
    watcher on its watching thread, which also reads the calls and posts them to the app,
    then reads the queues with their estimated waits once that is drawn), headless under
    `app.run_test(size=(160, 45))`. A call counts as shown at the first frame that has it on
    the wall, in the banner or in the list of recent calls: `App._display(screen, update)`
    is wrapped on the app instance, and for an update that brings a call not drawn before it
    renders the update into the terminal escape string as `_display` does for a real
    terminal (the headless driver skips that) and stamps the time after it. Only the write
    to the terminal is missing.
  * bare (baseline): no Textual. A loop in a thread of this process asks the same kind of
    watcher every CHECK_SECONDS (SQLite) or waits for its notification (PostgreSQL)
    whether the data changed and, when it did, reads what the display reads for a call,
    `queries.snapshot(tx, recent=RECENT_CALLS, estimates=False)`, in a read transaction,
    and stamps each call it holds for the first time. This is the floor the display's
    design allows: the check plus one read. Ratio = display / bare.

Shown, not newest: the caller pauses 0.25-0.45 s between calls, and under load one read and
frame can take longer than that; the read then finds the next call made already, the banner
shows that one and the earlier call goes straight to the list under it. The hall does see it
there, so it counts as shown at that frame (its latency, commit -> first drawn, is then the
longer one). Counting only calls that reach the banner would report it as never shown.

Every call must be seen by each side, once, with the number the caller called.

Idle CPU. `hall display --no-voice` as a real program on a pseudo-terminal (160x45; the
terminal's output is read and thrown away, as a terminal would), on the same database with
nothing happening: from --warmup (5) s after its first full screen, the child's
utime+stime from /proc/PID/stat over --idle (30) s of wall time, as % of one core. Its
clock ticks once a second and its change check runs every CHECK_SECONDS; nothing else
should.

    .venv/bin/python benchmarks/display_latency.py
    .venv/bin/python benchmarks/display_latency.py --calls 60 --idle 10   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import multiprocessing as mp
import os
import random
import shutil
import struct
import subprocess
import sys
import termios
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from _common import (
    PIN,
    ROOT,
    Hall,
    business_day,
    create_hall_db,
    finished,
    load_config,
    load_line,
    machine_line,
    make_engine,
    now_naive,
    pct,
    raw_connect,
    seed_waiting,
    url_of,
    verdict,
    workdir,
)

from db.rules import ops, queries
from db.store.watch import ChangeWatcher
from display.app import CHECK_SECONDS, RECENT_CALLS
from tests import pg_cluster as _pg

GAP_SECONDS = (0.25, 0.45)
"""The caller's pause between two calls: longer than a display's latency on a quiet machine,
so that each call is mostly drawn before the next one is made (under load it may not be: see
the module's "Shown, not newest")."""


def build(url: str, waiting: int) -> None:
    """The hall: C01 at counter 1, `waiting` tickets of A waiting today."""
    config = load_config()
    if not url.startswith("sqlite"):  # PostgreSQL: made through the core
        from db.rules import counters, staff
        from db.store.schema import init_db

        hall = Hall(make_engine(url), config)
        init_db(hall)
        with hall.write() as tx:
            staff.add_staff(tx, "C01", "clerk 1", "clerk", PIN)
            counters.sign_in(tx, 1, "C01")
        with hall.write() as tx:
            for _ in range(waiting):
                ops.issue_ticket(tx, "A")
        hall.dispose()
        return
    path = Path(url.removeprefix("sqlite:///"))
    create_hall_db(path, config, clerks=1)
    conn = raw_connect(path)
    conn.execute("BEGIN IMMEDIATE")
    day = business_day(config)
    seed_waiting(conn, day, now_naive(), (("A", "normal", 9) for _ in range(waiting)))
    conn.execute("COMMIT")
    conn.close()


def caller(url: str, count: int, seed: int, ready: Any, go: Any, out: Any) -> None:
    """The second process: `count` calls at counter 1; sends [(number, committed_at)]."""
    hall = Hall(make_engine(url), load_config())
    rng = random.Random(seed)
    stamps: list[tuple[str, float]] = []
    with hall.write() as tx:  # the counter may still hold the last block's ticket
        if ops.current_ticket(tx, 1) is not None:
            ops.no_show(tx, 1)
    ready.set()
    go.wait()
    for _ in range(count):
        time.sleep(rng.uniform(*GAP_SECONDS))
        with hall.write() as tx:
            if ops.current_ticket(tx, 1) is not None:
                ops.no_show(tx, 1)
            number = ops.call_next(tx, 1).number
        stamps.append((number, time.monotonic()))
    hall.dispose()
    out.put(stamps)


def start_caller(url: str, count: int, seed: int) -> tuple[Any, Any, Any]:
    """The caller, started and ready (its first commit made) but waiting for `go`."""
    ctx = mp.get_context("spawn")
    ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    process = ctx.Process(target=caller, args=(url, count, seed, ready, go, out))
    process.start()
    if not ready.wait(60):
        raise SystemExit("FAIL: the caller process did not start")
    return process, go, out


READS: dict[str, tuple[float, float]] = {}
"""When the snapshot that first held each call was read: (started, finished), monotonic."""


def timed_snapshot() -> None:
    """Stamp the snapshot reads (the same function, wrapped; the display calls it through
    the module, so the wrapper sees its reads too)."""
    real = queries.snapshot

    def snapshot(tx: Any, recent: int = 8, *, estimates: bool = True) -> Any:
        began = time.monotonic()
        view = real(tx, recent, estimates=estimates)
        for call in view.recent_calls:
            READS.setdefault(call.number, (began, time.monotonic()))
        return view

    queries.snapshot = snapshot


def finish_caller(process: Any, out: Any) -> list[tuple[str, float]]:
    stamps: list[tuple[str, float]] = out.get(timeout=600)
    process.join(30)
    return stamps


async def display_block(url: str, count: int, seed: int) -> dict[str, float]:
    """The real wall display while the caller makes `count` calls; {number: shown_at}."""
    from display.app import make_app
    from display.screens.wall import WallScreen
    from display.widgets.banner import CallBanner
    from display.widgets.calls import RecentCalls

    config = load_config()
    hall = Hall(make_engine(url), config)
    app = make_app(config, hall)
    shown: dict[str, float] = {}
    real_display = app._display

    def display(screen: Any, renderable: Any) -> None:
        real_display(screen, renderable)
        if renderable is None or app._batch_count or not isinstance(screen, WallScreen):
            return
        banner = screen.query_one(CallBanner).call
        listed = [c for column in screen.query_one(RecentCalls).shown() for c in column]
        new = {c.number for c in ([banner] if banner else []) + listed} - set(shown)
        if not new:
            return
        renderable.render_segments(app.console)  # what _display does for a real terminal
        at = time.monotonic()
        shown.update(dict.fromkeys(new, at))

    app._display = display  # type: ignore[method-assign]
    process, go, out = start_caller(url, count, seed)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.5)
        before = set(shown)  # the call already there at the start is not one of ours
        go.set()
        while process.is_alive() and out.empty():
            await asyncio.sleep(0.05)
        stamps = await asyncio.get_running_loop().run_in_executor(
            None, finish_caller, process, out)
        await pilot.pause(0.5)
    hall.dispose()
    return latencies(stamps, shown, before)


def bare_block(url: str, count: int, seed: int) -> dict[str, float]:
    """The watcher + read loop without Textual, same interval (a pushed watcher, as on
    PostgreSQL, waits for the notification instead); latencies by number."""
    hall = Hall(make_engine(url), load_config())
    watcher = ChangeWatcher.for_hall(hall)
    shown: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if watcher.changed():
                with hall.read() as tx:
                    calls = queries.snapshot(tx, recent=RECENT_CALLS,
                                             estimates=False).recent_calls
                at = time.monotonic()
                for call in calls:
                    shown.setdefault(call.number, at)
            if watcher.pushed:
                watcher.wait(CHECK_SECONDS)
            else:
                stop.wait(CHECK_SECONDS)

    thread = threading.Thread(target=watch, daemon=True)
    process, go, out = start_caller(url, count, seed)
    thread.start()
    time.sleep(0.5)
    before = set(shown)
    go.set()
    stamps = finish_caller(process, out)
    time.sleep(0.5)
    stop.set()
    thread.join()
    watcher.close()
    hall.dispose()
    return latencies(stamps, shown, before)


def latencies(stamps: list[tuple[str, float]], shown: dict[str, float],
              before: set[str]) -> dict[str, float]:
    """Seconds from commit to shown, per number; every call must have been shown, once."""
    missing = [n for n, _ in stamps if n not in shown]
    if missing:
        raise SystemExit(f"FAIL: {len(missing)} calls never shown, e.g. {missing[:3]}")
    extra = set(shown) - {n for n, _ in stamps} - before
    if extra:
        raise SystemExit(f"FAIL: shown but never called: {sorted(extra)[:3]}")
    COMMITTED.update(stamps)
    return {n: shown[n] - at for n, at in stamps}


COMMITTED: dict[str, float] = {}
"""When each call was committed (monotonic), for the breakdown."""


def breakdown(numbers: list[str], shown_after: dict[str, float]) -> str:
    """Medians of commit -> snapshot read started (the poll's wait), the read, read -> shown."""
    parts: dict[str, list[float]] = {"wait for the check": [], "snapshot read": [],
                                     "read -> shown": []}
    for n in numbers:
        if n not in READS:
            continue
        began, ended = READS[n]
        parts["wait for the check"].append(began - COMMITTED[n])
        parts["snapshot read"].append(ended - began)
        parts["read -> shown"].append(COMMITTED[n] + shown_after[n] - ended)
    return ", ".join(f"{k} {ms(v, 0.5):.1f}" for k, v in parts.items() if v)


# -- idle CPU -------------------------------------------------------------------------------


FIRST_PAINT_BYTES = 20_000
"""A first full screen is more than this; the idle clock's second is a couple of hundred."""


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(url: str, warmup: float, seconds: float,
             size: tuple[int, int] = (160, 45)) -> tuple[float, int]:
    """% of one core used by an idle `hall display` on a pseudo-terminal of `size` (columns,
    lines); bytes it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    child = subprocess.Popen(
        [sys.executable, "-m", "hall", "--db", url, "display", "--no-voice"],
        cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    written = [0]
    tail = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            written[0] += len(data)
            tail[:] = (tail + data)[-400:]

    threading.Thread(target=drain, daemon=True).start()
    try:
        started = time.monotonic()  # the first full screen, then `warmup` seconds more
        first_paint = FIRST_PAINT_BYTES * size[0] * size[1] // (160 * 45)
        while written[0] < first_paint and time.monotonic() - started < 60:
            time.sleep(0.1)
        time.sleep(warmup)
        if child.poll() is not None:
            said = tail.decode(errors="replace").strip()
            raise SystemExit(f"FAIL: the display exited with {child.returncode}: {said}")
        before_cpu, before_wall, before_bytes = cpu_seconds(child.pid), time.monotonic(), \
            written[0]
        time.sleep(seconds)
        used = cpu_seconds(child.pid) - before_cpu
        wall = time.monotonic() - before_wall
        return 100 * used / wall, written[0] - before_bytes
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)
        os.close(master)


def ms(values: list[float], q: float) -> float:
    return pct(values, q) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per side (200)")
    parser.add_argument("--waiting", type=int, default=2000, help="tickets waiting (2000)")
    parser.add_argument("--idle", type=float, default=30.0, help="idle seconds measured (30)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds after the first full screen before measuring (5)")
    parser.add_argument("--target-ms", type=float, default=100.0, help="p95 ceiling (100)")
    parser.add_argument("--target-cpu", type=float, default=2.0, help="idle %% ceiling (2)")
    parser.add_argument("--dir", help="folder for the database file (default: $TMPDIR)")
    parser.add_argument("--postgres", action="store_true",
                        help="on a throw-away PostgreSQL cluster (started here, fsync on) "
                             "instead of a SQLite file: the displays are notified, not polling")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.postgres:
            why = _pg.missing()
            if why is not None:
                print(f"display_latency --postgres: skipped: {why}")
                return 0
            url = _pg.new_database(stack.enter_context(_pg.cluster(fsync=True)))
        else:
            url = ""
        return measure(args, url)


def measure(args: argparse.Namespace, url: str) -> int:
    """The run on `url`, or on a SQLite file made here when it is empty."""
    folder = workdir(args.dir, "display")
    engine = "PostgreSQL (LISTEN/NOTIFY)" if url else f"SQLite (a check every " \
        f"{CHECK_SECONDS * 1e3:.0f} ms)"
    print(f"display_latency: {args.calls} calls per side, commit -> shown, on {engine}; idle "
          f"CPU over {args.idle:g} s; {machine_line()}")
    url = url or url_of(folder / "hall.db")
    try:
        build(url, args.waiting)
        half = max(1, args.calls // 2)
        sides: dict[str, list[float]] = {"display": [], "bare": []}
        timed_snapshot()
        for n, side in enumerate(("display", "bare", "bare", "display")):
            READS.clear()
            if side == "display":
                block = asyncio.run(display_block(url, half, seed=n))
            else:
                block = bare_block(url, half, seed=n)
            sides[side] += block.values()
            values = list(block.values())
            print(f"  {side:7s} block: {len(values)} calls, p50 {ms(values, 0.5):5.1f} ms, "
                  f"p95 {ms(values, 0.95):5.1f} ms, max {max(values) * 1e3:5.1f} ms "
                  f"(medians: {breakdown(list(block), block)}); {load_line()}")
        cpu, written = idle_cpu(url, args.warmup, args.idle)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("\ncommit -> shown (ms):")
    for side, values in sides.items():
        print(f"  {side:7s}: p50 {ms(values, 0.5):6.1f}  p95 {ms(values, 0.95):6.1f}  "
              f"max {max(values) * 1e3:6.1f}  (n={len(values)})")
    p95 = {k: ms(v, 0.95) for k, v in sides.items()}
    p50 = {k: ms(v, 0.5) for k, v in sides.items()}
    print(f"ratio display / bare watcher+read loop: p50 {p50['display'] / p50['bare']:.2f}, "
          f"p95 {p95['display'] / p95['bare']:.2f}")
    latency_ok = p95["display"] <= args.target_ms
    print(f"p95 {p95['display']:.1f} ms; target <= {args.target_ms:g} ms -> "
          f"{verdict(latency_ok)}")
    cpu_ok = cpu < args.target_cpu
    print(f"idle display: {cpu:.2f} % of one core over {args.idle:g} s "
          f"({written / args.idle:.0f} bytes/s to the terminal); target < "
          f"{args.target_cpu:g} % -> {verdict(cpu_ok)}")
    return finished(latency_ok and cpu_ok)


if __name__ == "__main__":
    raise SystemExit(main())

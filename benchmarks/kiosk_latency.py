"""Kiosk latency: from the customer's key press to their number on the screen, with 1,000,000
tickets of history (target: p95 under 50 ms), against the same at 1,000 tickets of history.

The databases are growth.py's (same generator, same file names, so `--keep` folders are
shared with growth.py): --small (1,000) and --large (1,000,000) past tickets over --days
(365) days, eight clerks signed in at the eight open counters, --waiting (800) waiting today.

The real kiosk app runs headless: `kiosk.app.make_app(config, hall, printer=NoPrinter())`
under `app.run_test(size=(100, 30))`, on a Hall with the project's engine (synchronous=FULL).
The config is the shipped one with long confirm/idle timings (as the app tests do), so no
screen leaves by itself while measured. For each press:

  * the app is idle on the home screen (HomeScreen on top, not issuing; `pilot.pause()`);
  * t0 = perf_counter(); `await pilot.press(<digit>)` (the digit key of --business);
  * the press is done when the first frame of the ConfirmScreen is rendered with the number
    laid out: `App._display(screen, update)` is what every Screen calls with the compositor's
    rendered update for the frame; the benchmark wraps it (on the app instance) and, for the
    first update of the ConfirmScreen whose Digits widget has a non-empty region and value,
    renders the update into the terminal escape string as `_display` does for a real terminal
    (the headless driver skips that step) and takes the time after it. Only the write to the
    terminal is missing. While `pilot.press` itself sleeps (its own idle waits, >= 40 ms), the
    app runs: the stamp is taken inside the app when the frame is made, not when the pilot
    returns. If the frame has not come when `pilot.press` returns, the loop polls with
    `await pilot.pause(0)` until it has (10 s timeout);
  * the shown number is checked: it is the ConfirmScreen's ticket's number, and every press
    issued exactly one ticket, numbers consecutive, each with its one 'issue' event;
  * then a key on the ConfirmScreen ("x") takes the kiosk home, and the loop waits for the
    home screen and idle before the next press.

The app's KioskMachine is swapped for a subclass that only stamps times around the real
`issue` and `with_wait` (super() calls), to split each press into: key to the issue worker
starting; the issue transaction (BEGIN IMMEDIATE ... COMMIT, the fsync included); the
queue-position read (`with_wait`: people ahead and the estimated wait); and the worker's
message to the frame (ConfirmScreen pushed, composed, laid out and rendered).

Sizes alternate in blocks (small, large, large, small) of --presses/2 each, each block a
fresh app on the same database file. Also printed: the bare issue transaction (issues.py's
floor: the project's three statements with the bare sqlite3 module, BEGIN IMMEDIATE ...
COMMIT) at both sizes. PASS: p95 at --large < --target-ms (50).

    .venv/bin/python benchmarks/kiosk_latency.py
    .venv/bin/python benchmarks/kiosk_latency.py --keep /var/tmp/hall-growth   # reuse DBs
    .venv/bin/python benchmarks/kiosk_latency.py --large 100000 --presses 60  # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from _common import (
    Hall,
    business_day,
    finished,
    load_config,
    load_line,
    machine_line,
    make_engine,
    pct,
    raw_connect,
    url_of,
    verdict,
    workdir,
)
from _history import add_history_options, history_databases
from issues import bare_issue

from db.config import HallConfig
from db.store.views import TicketView
from kiosk.machine import KioskMachine


class NoPrinter:
    """A hall without a ticket printer: the kiosk only shows the number."""

    enabled = False

    def print_ticket(self, slip: object) -> None:
        """Nothing to print on."""


MARKS: dict[str, float] = {}
"""Times stamped by TimedMachine during the current press (perf_counter seconds)."""


class TimedMachine(KioskMachine):
    """The kiosk's machine, unchanged, with time stamps around its steps."""

    def issue(self, business: str, **kwargs: Any) -> TicketView:
        MARKS["worker"] = time.perf_counter()
        view = super().issue(business, **kwargs)
        MARKS["returned"] = time.perf_counter()
        return view

    def with_wait(self, view: TicketView) -> TicketView:
        MARKS["committed"] = time.perf_counter()
        return super().with_wait(view)


def kiosk_config(config: HallConfig) -> HallConfig:
    """Long timings: no screen goes away by itself while a press is measured."""
    timings = {"confirm_seconds": 600.0, "idle_reset_seconds": 600.0,
               "fault_confirm_seconds": 600.0}
    return dataclasses.replace(config, kiosk=dataclasses.replace(config.kiosk, **timings))


def language_watchers(app: Any) -> list[Any]:
    """The app's list of watchers of its `language` reactive (Textual keeps it in the app's
    `__watchers` attribute; a watcher is pruned only when the value changes)."""
    return list(getattr(app, "__watchers", {}).get("language", []))


def drop_closed_watchers(app: Any) -> None:
    """What-if (NOT the project's code): forget the watchers of screens already closed."""
    watchers = getattr(app, "__watchers", {}).get("language")
    if watchers is not None:
        watchers[:] = [(node, cb) for node, cb in watchers
                       if not (node._closing or node._closed)]


async def presses_on(path: Path, count: int, key: str, size: tuple[int, int], inject: bool,
                     what_if: bool = False
                     ) -> tuple[list[dict[str, float]], list[str], float, str]:
    """Run the kiosk on `path` and time `count` presses of `key` after one warm-up press.
    Returns per press the segments (seconds), the numbers shown (warm-up included), the
    warm-up press's total (the first confirmation screen after the app started) and a line on
    what stayed in memory."""
    from textual import events
    from textual.widgets import Digits

    from kiosk.app import make_app
    from kiosk.screens import confirm
    from kiosk.screens.confirm import ConfirmScreen
    from kiosk.screens.home import HomeScreen

    # The next press comes at once, as the next customer's; the confirmation's guard against a
    # double tap (touches in its first second are ignored) would hold it. As the tests do.
    confirm.TOUCH_GUARD_SECONDS = 0.0

    config = kiosk_config(load_config())
    hall = Hall(make_engine(url_of(path)), config)
    app = make_app(config, hall, printer=NoPrinter(), tidy_memory=True)  # as `hall kiosk`
    app.machine = TimedMachine(hall, config, NoPrinter())
    state: dict[str, Any] = {"armed": False, "shown": None, "number": None,
                             "event": asyncio.Event()}
    real_display = app._display

    def display(screen: Any, renderable: Any) -> None:
        real_display(screen, renderable)
        if (not state["armed"] or renderable is None or app._batch_count
                or not isinstance(screen, ConfirmScreen) or screen is not app.screen):
            return
        digits = screen.query(Digits)
        if not digits or digits.first().region.area == 0 or not digits.first().value:
            return
        # What _display does for a real terminal (skipped by the headless driver).
        renderable.render_segments(app.console)
        state["shown"] = time.perf_counter()
        ticket: TicketView = getattr(screen, "ticket")  # noqa: B009 (a ConfirmScreen's)
        state["number"] = (ticket.number, digits.first().value)
        state["armed"] = False
        state["event"].set()

    app._display = display  # type: ignore[method-assign]
    rows: list[dict[str, float]] = []
    shown: list[str] = []
    warm_up = 0.0
    overlapped = 0  # presses that began while the kiosk was still reading the hall (prepare)
    async with app.run_test(size=size) as pilot:
        for n in range(count + 1):
            for _ in range(1000):
                home = app.screen
                if isinstance(home, HomeScreen) and not home.issuing:
                    break
                await pilot.pause(0.01)
            else:
                raise RuntimeError(f"the kiosk did not come home: {app.screen!r}")
            await pilot.pause()  # let the app go idle
            MARKS.clear()
            state["event"].clear()
            state.update(armed=True, shown=None, number=None)
            if n > 0 and getattr(app, "preparing", False):
                overlapped += 1
            t0 = time.perf_counter()
            if inject:
                # What the terminal driver does with a key read from the terminal.
                assert app._driver is not None
                app._driver.send_message(events.Key(key, key))
            else:
                await pilot.press(key)
            try:
                await asyncio.wait_for(state["event"].wait(), 10)
            except TimeoutError:
                raise RuntimeError(f"no number on screen 10 s after the key; {app.screen!r} "
                                   "is showing") from None
            number, value = state["number"]
            if not number.endswith(value):
                raise RuntimeError(f"the screen shows {value!r} for ticket {number}")
            shown.append(number)
            row = {
                "total": state["shown"] - t0,
                "key_to_worker": MARKS["worker"] - t0,
                "issue_tx": MARKS["committed"] - MARKS["worker"],
                "with_wait": MARKS["returned"] - MARKS["committed"],
                "to_frame": state["shown"] - MARKS["returned"],
            }
            if n == 0:
                warm_up = row["total"]
            else:
                rows.append(row)
            await pilot.press("x")  # any key on the confirmation goes home
            if what_if:
                await pilot.pause(0.01)
                drop_closed_watchers(app)
        await pilot.pause(0.05)
        gc.collect()
        alive = sum(isinstance(o, ConfirmScreen) for o in gc.get_objects())
        memory = (f"{overlapped} of {count} presses began while the kiosk still read the "
                  f"hall for the next estimate; "
                  f"after {count + 1} presses {alive} ConfirmScreen objects alive, "
                  f"{len(language_watchers(app))} watchers of app.language, "
                  f"{len(gc.get_objects())} objects tracked by the GC")
    hall.dispose()
    return rows, shown, warm_up, memory


def check_numbers(path: Path, shown: list[str], prefix: str) -> str:
    """'' if every press issued exactly one ticket, shown in order, numbers consecutive."""
    conn = raw_connect(path)
    day = business_day(load_config()).isoformat()
    rows = conn.execute(
        "SELECT t.number, (SELECT count(*) FROM events e WHERE e.ticket_id = t.id "
        "AND e.kind = 'issue') FROM tickets t WHERE t.business_day = ? AND t.business = ? "
        "AND t.issued_by IS NULL AND t.status = 'waiting' ORDER BY t.id DESC LIMIT ?",
        (day, prefix, len(shown))).fetchall()
    conn.close()
    numbers = [r[0] for r in rows][::-1]
    problems = []
    if numbers != shown:
        problems.append(f"the database's latest numbers {numbers[:3]}... differ from those "
                        f"shown {shown[:3]}...")
    if any(r[1] != 1 for r in rows):
        problems.append("a ticket without exactly one issue event")
    seqs = [int(n[1:]) for n in shown]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        problems.append("the numbers shown are not consecutive")
    return "; ".join(problems)


def bare_issues(path: Path, count: int) -> list[float]:
    """Times of the floor's issue transaction (issues.py) on `path`, synchronous=FULL."""
    config = load_config()
    prefixes = [b.prefix for b in config.businesses]
    day = business_day(config).isoformat()
    conn = raw_connect(path, "FULL")
    times = []
    for i in range(count):
        t = time.perf_counter()
        bare_issue(conn, day, prefixes[i % len(prefixes)])
        times.append(time.perf_counter() - t)
    conn.close()
    return times


def ms(values: list[float], q: float | None = None) -> float:
    return (statistics.median(values) if q is None else pct(values, q)) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_history_options(parser)
    parser.add_argument("--presses", type=int, default=150, help="presses per size (150)")
    parser.add_argument("--business", type=int, default=1,
                        help="the digit key pressed: the n-th business of the config (1)")
    parser.add_argument("--bare", type=int, default=200,
                        help="bare issue transactions timed per size (200)")
    parser.add_argument("--inject", action="store_true",
                        help="send the key event as the terminal driver does, instead of "
                             "pilot.press (which runs its own idle waits meanwhile)")
    parser.add_argument("--what-if", action="store_true",
                        help="after each press, drop the closed screens' watchers of "
                             "app.language (what a fix of the leak would do; NOT the "
                             "project's code)")
    parser.add_argument("--target-ms", type=float, default=50.0, help="p95 ceiling (50 ms)")
    parser.add_argument("--dir", help="folder for the database files (default: $TMPDIR)")
    args = parser.parse_args()
    config = load_config()
    if not 1 <= args.business <= min(9, len(config.businesses)):
        parser.error("--business must name one of the first nine businesses")
    prefix = config.businesses[args.business - 1].prefix
    key = str(args.business)

    folder = workdir(args.dir, "kiosk")
    how = "key event sent as the driver does" if args.inject else "pilot.press"
    if args.what_if:
        how += ", WHAT-IF: closed screens' language watchers dropped (not the project's code)"
    print(f"kiosk_latency: key '{key}' (business {prefix}) by {how}, {args.presses} presses "
          f"per size, "
          f"history {args.small} vs {args.large} tickets, {args.waiting} waiting, "
          f"synchronous=FULL, 100x30 headless; {machine_line()}")
    sizes = {"small": args.small, "large": args.large}
    try:
        paths = history_databases(args, folder)

        rows: dict[str, list[dict[str, float]]] = {k: [] for k in sizes}
        warm: dict[str, list[float]] = {k: [] for k in sizes}
        half = max(1, args.presses // 2)
        for name in ("small", "large", "large", "small"):
            block, shown, first, memory = asyncio.run(
                presses_on(paths[name], half, key, (100, 30), args.inject, args.what_if))
            check = check_numbers(paths[name], shown, prefix)
            rows[name] += block
            warm[name].append(first)
            print(f"  {name:5s} block: 1 + {len(block)} presses, {shown[0]}..{shown[-1]} shown, "
                  f"first press after start {first * 1e3:.0f} ms (not counted), then median "
                  f"{ms([r['total'] for r in block]):.1f} ms; {load_line()}; check: "
                  f"{check or 'one ticket per press, its number shown, numbers consecutive'}")
            print(f"      {memory}")
            if check:
                raise SystemExit(f"FAIL: {check}")
        bare = {k: bare_issues(paths[k], args.bare) for k in sizes}

        print(f"\nkey press -> number on screen (ms; {args.presses} presses per size):")
        parts = ("key_to_worker", "issue_tx", "with_wait", "to_frame")
        for name, history in sizes.items():
            total = [r["total"] for r in rows[name]]
            split = ", ".join(f"{p} {ms([r[p] for r in rows[name]]):.1f}" for p in parts)
            print(f"  {history:>9} history: p50 {ms(total):6.1f}  p95 {ms(total, 0.95):6.1f}  "
                  f"max {max(total) * 1e3:6.1f}  (n={len(total)}; medians of the parts: {split})")
            worst = max(rows[name], key=lambda r: r["total"])
            print(f"  {'':>9}          slowest press: "
                  + ", ".join(f"{p} {worst[p] * 1e3:.1f}" for p in ("total", *parts)))
            print(f"  {'':>9}          first press after the app started (not counted): "
                  f"{', '.join(f'{w * 1e3:.0f}' for w in warm[name])} ms")
            b = bare[name]
            print(f"  {'':>9}          bare issue transaction (sqlite3, FULL): p50 "
                  f"{ms(b):.2f}  p95 {ms(b, 0.95):.2f}  max {max(b) * 1e3:.2f}")
        p95 = {k: ms([r["total"] for r in rows[k]], 0.95) for k in sizes}
        p50 = {k: ms([r["total"] for r in rows[k]]) for k in sizes}
        print(f"growth {args.large} / {args.small}: p50 {p50['large'] / p50['small']:.2f}, "
              f"p95 {p95['large'] / p95['small']:.2f}")
        ok = p95["large"] < args.target_ms
        print(f"p95 at {args.large} history {p95['large']:.1f} ms; target < {args.target_ms:g} ms "
              f"-> {verdict(ok)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(ok)


if __name__ == "__main__":
    raise SystemExit(main())

"""The hall server under a whole hall's load: commit -> wall display and commit -> phone page
latency (p95) with every terminal of a hall connected and 200 phone pages open, and what the
server costs (CPU, memory of its whole process tree: the server and every app it runs).

A real `hall serve` (a subprocess; every terminal's app a real process, started by it) on a
fresh hall. The terminals are driven as their browser pages drive them, minus the browser:
each is a websocket client of textual-serve's protocol (aiohttp), sending the page's size and
keys and replaying what it gets into a terminal emulator (pyte), the bytes xterm.js would
draw; 20 Chromium instances would measure Chromium on this 2-core machine, not the server.
The phone pages are HTTP clients doing what ticket.html does: load the page, then ask
`/t/TOKEN/state` POLL_SECONDS (2) after each answer.

  * terminals: the kiosk, counters 1-8 (each signed in by its clerk through its page: id,
    Tab, PIN, Enter), evaluators 1-8, the wall display (110x33, the size a TV page has),
    counter displays 1-2: 20 sessions, 20 app processes.
  * calls: a thread of this process commits `ops.no_show` (the counter's previous call) +
    `ops.call_number` (a ticket that has a phone page open) at counters 1-3 in turn, every
    --gap (1-2 s, random) and stamps `time.monotonic()` after COMMIT. The wall counts as
    showing it at the first websocket frame after which its screen holds the number; the
    phone at the first state answer with `called`.

Each round runs two phases on one server, back to back: the baseline (the wall display
alone, and one phone page open on each called ticket from a random 0-2 s before its call)
and the loaded hall (the other 19 terminals connected and signed in, 200 phone pages
polling, started spread over 2 s). Ratio = loaded p95 / baseline p95, per round; the
headline is the median of the rounds' ratios. The phone's latency is mostly its own poll
(0-2 s after the commit): its floor is the poll, not the server.

CPU: utime+stime of the server's process tree over each phase's calls, as cores (1.0 = one
core busy), and of the server process alone (the websockets' relay and the phones' answers:
each answer reads the ticket and its wait estimate from the database). Memory: the tree's
PSS (each shared page counted once, split between its sharers) and RSS (shared pages
counted in every process), at the end of each phase.

    .venv/bin/python benchmarks/hall_server_load.py
    .venv/bin/python benchmarks/hall_server_load.py --counters 2 --phones 20 --calls 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pyte
from _common import (
    PIN,
    ROOT,
    Hall,
    finished,
    load_config,
    load_line,
    machine_line,
    make_engine,
    paired_ratio,
    pct,
    url_of,
    workdir,
)

from db.rules import counters, ops, staff
from db.rules.links import ticket_link
from db.store.schema import init_db

POLL_SECONDS = 2.0
"""How often a phone page asks (server.tickets.POLL_SECONDS)."""
WAIT = 60.0
"""How long a call may take to show before the run gives up on it."""


# -- the terminals: textual-serve's websocket, as the page speaks it ----------------------


@dataclass
class Terminal:
    """One terminal page's websocket and the screen it draws."""

    path: str
    width: int
    height: int
    watch: bool = False
    """Stamp when a watched number first shows (the wall display)."""
    screen: pyte.Screen = field(init=False)
    stream: pyte.ByteStream = field(init=False)
    socket: aiohttp.ClientWebSocketResponse | None = None
    awaited: set[str] = field(default_factory=set)
    shown: dict[str, float] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.screen = pyte.Screen(self.width, self.height)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def connect(self, client: aiohttp.ClientSession, base: str) -> None:
        key = secrets.token_hex(16)
        self.socket = await client.ws_connect(
            f"{base}{self.path}/ws/{key}?width={self.width}&height={self.height}",
            max_msg_size=0)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        async for message in self.socket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
                if self.watch and self.awaited:
                    text = self.text()
                    for number in [n for n in self.awaited if n in text]:
                        self.shown[number] = time.monotonic()
                        self.awaited.discard(number)

    async def send(self, keys: str) -> None:
        assert self.socket is not None
        await self.socket.send_str(json.dumps(["stdin", keys]))

    async def wait_for(self, text: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.text():
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.path} never showed {text!r}:\n{self.text()}")
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


async def sign_in(counter: Terminal, clerk: str) -> None:
    await counter.wait_for("工作人员登录")
    for keys in (clerk, "\t", PIN, "\r"):
        await counter.send(keys)
        await asyncio.sleep(0.2)
    await counter.wait_for("F1")


# -- the phones ----------------------------------------------------------------------------


async def phone(client: aiohttp.ClientSession, base: str, token: str, number: str,
                seen: dict[str, float], stop: asyncio.Event, delay: float) -> None:
    """A ticket's page on a phone: loaded once, then its state every POLL_SECONDS."""
    await asyncio.sleep(delay)
    async with client.get(f"{base}/t/{token}") as page:
        await page.read()
    while not stop.is_set():
        async with client.get(f"{base}/t/{token}/state") as answer:
            state = await answer.json()
        if state["called"] and number not in seen:
            seen[number] = time.monotonic()
        if state["final"]:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)


# -- the server's process tree ---------------------------------------------------------------


def tree(root: int) -> list[int]:
    """The process and its descendants (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def memory_mb(pids: list[int]) -> tuple[float, float]:
    """The processes' PSS and RSS, in MB."""
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                name, _, value = line.partition(":")
                if name in ("Pss", "Rss"):
                    kb = int(value.split()[0])
                    pss += kb if name == "Pss" else 0
                    rss += kb if name == "Rss" else 0
        except OSError:
            continue
    return pss / 1024, rss / 1024


@dataclass
class Phase:
    name: str
    wall: list[float] = field(default_factory=list)
    phone: list[float] = field(default_factory=list)
    cores: float = 0.0
    server_cores: float = 0.0
    """The server process's own share of `cores` (its apps are the rest)."""
    pss: float = 0.0
    rss: float = 0.0
    processes: int = 0

    def line(self) -> str:
        return (f"{self.name}: commit->wall p50 {pct(self.wall, 0.5) * 1000:.0f} ms, p95 "
                f"{pct(self.wall, 0.95) * 1000:.0f} ms; commit->phone p50 "
                f"{pct(self.phone, 0.5) * 1000:.0f} ms, p95 {pct(self.phone, 0.95) * 1000:.0f} "
                f"ms ({len(self.wall)} calls); server tree {self.processes} processes, CPU "
                f"{self.cores:.2f} cores (the server process {self.server_cores:.2f}), PSS "
                f"{self.pss:.0f} MB, RSS {self.rss:.0f} MB")


# -- a round -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build(path: Path, clerks: int, tickets: int) -> tuple[Hall, list[tuple[str, str]]]:
    """The hall: clerks C01.., `tickets` numbers of business A waiting; (number, token) of
    each."""
    config = load_config()
    hall = Hall(make_engine(url_of(path)), config)
    init_db(hall)
    issued = []
    with hall.write() as tx:
        for i in range(1, clerks + 1):
            staff.add_staff(tx, f"C{i:02d}", f"clerk {i}", "clerk", PIN)
        for _ in range(tickets):
            issued.append(ops.issue_ticket(tx, "A"))
    return hall, [(v.number, ticket_link(hall, "http://10.8.0.1:8000", v).rsplit("/t/", 1)[1])
                  for v in issued]


def call(hall: Hall, counter: int, number: str) -> float:
    """Call `number` at `counter` (its previous call a no-show); when it was committed."""
    with hall.write() as tx:
        current = ops.current_ticket(tx, counter)
        if current is not None and current.status == "called":
            ops.no_show(tx, counter)
        ops.call_number(tx, counter, number)
    return time.monotonic()


def clear(hall: Hall, calling: list[int]) -> None:
    """The counters' last calls made no-shows: the clerks sign in at free counters."""
    with hall.write() as tx:
        for counter in calling:
            current = ops.current_ticket(tx, counter)
            if current is not None and current.status == "called":
                ops.no_show(tx, counter)


async def measure(phase: Phase, hall: Hall, server: int, wall: Terminal,
                  numbers: list[str], seen: dict[str, float], calling: list[int],
                  gap: tuple[float, float],
                  single: tuple[aiohttp.ClientSession, str, dict[str, str]] | None) -> None:
    """Make the calls of a phase and time them; the tree's CPU and memory over it."""
    before = cpu_seconds(tree(server))
    started = time.monotonic()
    for i, number in enumerate(numbers):
        stop = asyncio.Event()
        if single is not None:  # the baseline: this number's phone alone, opened 0-2 s before
            client, base, tokens = single
            task = asyncio.create_task(phone(client, base, tokens[number], number, seen, stop,
                                             0.0))
            await asyncio.sleep(random.uniform(0.2, POLL_SECONDS))
        wall.awaited.add(number)
        at = await asyncio.to_thread(call, hall, calling[i % len(calling)], number)
        deadline = time.monotonic() + WAIT
        while number not in seen or number not in wall.shown:
            if time.monotonic() > deadline:
                raise SystemExit(f"{phase.name}: {number} never showed (wall "
                                 f"{number in wall.shown}, phone {number in seen})")
            await asyncio.sleep(0.02)
        phase.wall.append(wall.shown[number] - at)
        phase.phone.append(seen[number] - at)
        if single is not None:
            stop.set()
            await task
        await asyncio.sleep(random.uniform(*gap))
    elapsed = time.monotonic() - started
    pids = tree(server)
    after = cpu_seconds(pids)
    phase.cores = sum(t - before.get(pid, 0.0) for pid, t in after.items()) / elapsed
    phase.server_cores = (after.get(server, 0.0) - before.get(server, 0.0)) / elapsed
    phase.pss, phase.rss = memory_mb(pids)
    phase.processes = len(pids)


async def one_round(args: argparse.Namespace, folder: Path) -> tuple[Phase, Phase]:
    path = folder / "hall.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    hall, issued = build(path, args.counters, args.calls * 2 + args.phones)
    tokens = dict(issued)
    numbers = [number for number, _ in issued]
    baseline_numbers = numbers[:args.calls]
    phoned = issued[args.calls:args.calls + args.phones]
    loaded_numbers = [number for number, _ in phoned][:args.calls]
    calling = list(range(1, min(3, args.counters) + 1))
    with hall.write() as tx:  # the baseline's counters, until their clerks sign in on a page
        for counter in calling:
            counters.sign_in(tx, counter, f"C{counter:02d}")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if k not in ("HALL_CONFIG",
                                                                     "HALL_COUNTER")}
    environment |= {"HALL_DB": url_of(path), "XDG_CONFIG_HOME": str(folder / "xdg")}
    log = (folder / "serve.txt").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "hall", "serve", "--port", str(port)],
                              cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
                              stdout=log, stderr=log)
    connector = aiohttp.TCPConnector(limit=0)
    terminals: list[Terminal] = []
    stop = asyncio.Event()
    phones: list[asyncio.Task[None]] = []
    try:
        async with aiohttp.ClientSession(connector=connector) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with client.get(base + "/") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("hall serve did not start: "
                                     + (folder / "serve.txt").read_text())
                await asyncio.sleep(0.2)
            wall = Terminal("/display", 110, 33, watch=True)
            terminals.append(wall)
            await wall.connect(client, base)
            await wall.wait_for("号窗口")
            await asyncio.sleep(args.settle)

            baseline = Phase("baseline (1 terminal, 1 phone)")
            seen: dict[str, float] = {}
            await measure(baseline, hall, server.pid, wall, baseline_numbers, seen, calling,
                          args.gap, (client, base, tokens))
            await asyncio.to_thread(clear, hall, calling)

            others = [Terminal("/kiosk", 213, 51)]
            others += [Terminal(f"/counter/{n}", 213, 51) for n in range(1, args.counters + 1)]
            others += [Terminal(f"/evaluator/{n}", 120, 40)
                       for n in range(1, args.counters + 1)]
            others += [Terminal(f"/display/{n}", 110, 33)
                       for n in range(1, min(2, args.counters) + 1)]
            for terminal in others:
                terminals.append(terminal)
                await terminal.connect(client, base)
            for terminal in others:
                if terminal.path.startswith("/counter/"):
                    await sign_in(terminal, f"C{int(terminal.path.rsplit('/', 1)[1]):02d}")
            phones = [asyncio.create_task(phone(client, base, token, number, seen, stop,
                                                random.uniform(0, POLL_SECONDS)))
                      for number, token in phoned]
            await asyncio.sleep(args.settle + POLL_SECONDS)
            loaded = Phase(f"loaded ({len(terminals)} terminals, {len(phones)} phones)")
            await measure(loaded, hall, server.pid, wall, loaded_numbers, seen, calling,
                          args.gap, None)
            stop.set()
            await asyncio.gather(*phones, return_exceptions=True)
            for terminal in terminals:
                await terminal.close()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        hall.dispose()
    return baseline, loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counters", type=int, default=8,
                        help="counters, each with its clerk's page and its evaluator (8)")
    parser.add_argument("--phones", type=int, default=200, help="phone pages polling (200)")
    parser.add_argument("--calls", type=int, default=30,
                        help="calls per phase (30; at most --phones)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds, each its own server (1)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds after connecting before measuring (5)")
    parser.add_argument("--dir", help="folder for the database file (default: $TMPDIR)")
    args = parser.parse_args()
    args.gap = (1.0, 2.0)
    if not 1 <= args.counters <= 8 or args.calls > args.phones or args.calls < 1:
        parser.error("--counters 1-8, and 1 <= --calls <= --phones")
    if not Path("/proc/self/smaps_rollup").exists():
        print("hall_server_load: needs Linux's /proc for the server's CPU and memory")
        return 2
    print(f"hall_server_load: {args.counters} counters, {args.phones} phones, {args.calls} "
          f"calls per phase, {args.rounds} round(s); {machine_line()}")
    folder = workdir(args.dir, "hall-server-load")
    walls, phones = [], []
    try:
        for number in range(1, args.rounds + 1):
            baseline, loaded = asyncio.run(one_round(args, folder))
            print(f"round {number}:\n  {baseline.line()}\n  {loaded.line()}")
            walls.append((pct(loaded.wall, 0.95), pct(baseline.wall, 0.95)))
            phones.append((pct(loaded.phone, 0.95), pct(baseline.phone, 0.95)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    wall_ratio = paired_ratio([a for a, _ in walls], [b for _, b in walls])
    phone_ratio = paired_ratio([a for a, _ in phones], [b for _, b in phones])
    print(f"commit->wall p95 loaded/baseline ratio {wall_ratio:.2f} "
          f"(loaded p95 {statistics.median(a for a, _ in walls) * 1000:.0f} ms)")
    print(f"commit->phone p95 loaded/baseline ratio {phone_ratio:.2f} "
          f"(loaded p95 {statistics.median(a for a, _ in phones) * 1000:.0f} ms; the poll is "
          f"{POLL_SECONDS:g} s); {load_line()}")
    return finished(True)


if __name__ == "__main__":
    raise SystemExit(main())

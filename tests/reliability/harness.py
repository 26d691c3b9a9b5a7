"""The attacks of the reliability suite, at any size: the small tests (tests/reliability) and
the full-size benchmarks (benchmarks/reliability_*.py) run the same code.

- `kill_run`: worker processes doing issue / call / start / complete through the core API (or
  `hall` command lines) are SIGKILLed at random moments and started again; afterwards the
  file passes SQLite's check, `audit verify` passes, and every step a worker had
  acknowledged (written to its log after the commit returned) is in the event log.
- `history_run` + `check_history`: a Jepsen-style history: N processes do random steps,
  each writing its invocations and acknowledgements; the checker finds no number given
  twice, no acknowledged step lost, and every call-next taking the ticket the call order
  (docs/design.md §5: priority rank, then queued time, then id) says, replayed from the log.

They run on a SQLite file (`db` a path) or, given `url`, on a PostgreSQL database (the tests'
`[pg]` half). There a counter's steps commit side by side with other counters' and the claim
skips a ticket another counter is claiming that moment (FOR UPDATE SKIP LOCKED): the replay
allows a call to pass over a ticket only while another counter's call was in flight (the
workers' logs carry each step's start and end times), and SQLite's file check has no
counterpart (a killed client cannot touch the server's files).
- `fuzz_argv`: random command lines never end in a traceback, exit 0, 1 or 2, and a refused
  one leaves the database as it was (a dump compared).
- `mutated_configs`: a config file mutated (lines dropped, values swapped for others of any
  type, bytes cut) is one line and exit 2, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

OPENING = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)
"""The day the workers work on: 09:00 Asia/Shanghai, moving on with the real time."""
PIN = "2468"
LEADER_PIN = "246813"
PRIORITIES = ("normal", "normal", "normal", "elderly")


# -- the hall the attacks run on ----------------------------------------------------------------


def url_of(db: Path | str) -> str:
    """The database's URL: a path is a SQLite file; a string is already a URL."""
    return db if isinstance(db, str) else f"sqlite:///{db}"


def make_hall(path: Path, clerks: int, url: str | None = None) -> Path | str:
    """A hall database with a duty leader L01 and `clerks` clerks C01.. (one PIN hash for all:
    argon2 is slow), each signed in at counters 1.., every counter serving A only: the file
    `path`, or the (empty) database at `url` with its config file beside `path`. Returns the
    database (what the checks take)."""
    from db.config import load_config
    from db.rules import counters, staff
    from db.store.schema import init_db
    from db.store.session import Hall

    hall = Hall.open(url or url_of(path), load_config(config_of(path, clerks)))
    init_db(hall)
    clerk_pin = staff.hash_pin(PIN, "clerk")
    with hall.write() as tx:
        staff.add_staff(tx, "L01", "leader", "leader", staff.hash_pin(LEADER_PIN, "leader"))
        for n in range(1, clerks + 1):
            staff.add_staff(tx, f"C{n:02d}", f"clerk {n}", "clerk", clerk_pin)
            counters.sign_in(tx, n, f"C{n:02d}")
            counters.set_profile(tx, n, ["A"])
    hall.dispose()
    return url or path


def config_of(db: Path, counters: int) -> Path:
    """The hall file beside `db`: the shipped one, with counters added up to `counters`
    (written once)."""
    path = db.with_suffix(".toml")
    if not path.exists():
        text = shipped_config()
        have = sum(line.startswith("[[counter]]") for line in text.splitlines())
        text += "".join(f'\n[[counter]]\nnumber = {n}\nprofile = ["A"]\n'
                        for n in range(have + 1, counters + 1))
        path.write_text(text, encoding="utf-8")
    return path


def _clock(epoch: float) -> Any:
    """The workers' shared clock: OPENING plus the real seconds since `epoch`."""
    return lambda: OPENING + dt.timedelta(seconds=time.time() - epoch)


# -- a worker: random steps at its own counter, each acknowledged in its log ----------------------


def worker(url: str, config: str, counter: int, steps: int, seed: int, log_path: str,
           epoch: float) -> None:
    """Do `steps` random steps (issue A, call next, start, complete) at `counter`, writing
    {"op", "ok" | "refused"} to `log_path` after each commit returns (the acknowledgement);
    "inv" before each (the invocation); each with its time ("t"). The counter's own steps
    are written as its app writes them (`Hall.write(counter)`: side by side with other
    counters' on PostgreSQL), an issue as the kiosk's."""
    from db.config import load_config
    from db.errors import HallError
    from db.rules import counters, ops
    from db.store.session import Hall

    hall = Hall.open(url, load_config(Path(config)), _clock(epoch))
    rnd = random.Random(seed)
    with open(log_path, "a", encoding="utf-8") as out:
        def note(**entry: Any) -> None:
            out.write(json.dumps({**entry, "t": time.time()}) + "\n")
            out.flush()
            os.fsync(out.fileno())

        with hall.write() as tx:  # a restarted worker signs in again (ends the killed session)
            counters.sign_in(tx, counter, f"C{counter:02d}")
        for _ in range(steps):
            op = rnd.choice(("issue", "issue", "call", "start", "complete"))
            note(inv=op, counter=counter)
            try:
                with hall.write(None if op == "issue" else counter) as tx:
                    if op == "issue":
                        view = ops.issue_ticket(tx, "A", priority=rnd.choice(PRIORITIES))
                    elif op == "call":
                        view = ops.call_next(tx, counter)
                    elif op == "start":
                        view = ops.start(tx, counter)
                    else:
                        view = ops.complete(tx, counter)
                note(op=op, counter=counter, ok=view.number, id=view.id)
            except HallError as error:
                note(op=op, counter=counter, refused=str(error)[:120])
    hall.dispose()


def _spawn_worker(db: Path, url: str, counter: int, steps: int, seed: int, log: Path,
                  epoch: float) -> subprocess.Popen[bytes]:
    """A worker process on the database at `url`, with the config file of `db`."""
    config = str(db.with_suffix(".toml"))
    code = ("import sys; from tests.reliability.harness import worker; "
            f"worker({url!r}, {config!r}, {counter}, {steps}, {seed}, {str(log)!r}, {epoch})")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read_log(path: Path) -> list[dict[str, Any]]:
    """A worker's entries; a line cut by a kill is left out (it was never acknowledged)."""
    entries = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return entries


# -- checks ------------------------------------------------------------------------------------


@dataclass
class Findings:
    """What the checker found: empty lists mean the attack held."""

    acknowledged: int = 0
    refused: int = 0
    duplicates: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    passed_over: int = 0
    """Calls that passed over a ticket another counter was claiming (PostgreSQL)."""
    integrity: str = ""
    audit: str = ""

    @property
    def held(self) -> bool:
        return (not self.duplicates and not self.lost and not self.order
                and self.integrity == "ok" and self.audit == "ok")


_EVENT_OF = {"issue": "issue", "call": "call", "start": "start", "complete": "complete"}


def check_history(db: Path | str, logs: list[Path]) -> Findings:
    """The checker: every acknowledged step is in the log (its event, on its ticket, at its
    counter), no number is given twice, call-next always took the ticket first in the call
    order (on PostgreSQL: but for those other counters were claiming at that moment), the
    file passes `integrity_check` and the log `audit verify` (every event sealed first)."""
    from sqlalchemy import text

    from db.config import load_config
    from db.store import audit
    from db.store.session import Hall

    found = Findings()
    hall = Hall.open(url_of(db), load_config())
    hall.seal()  # on PostgreSQL: what a killed worker's sealer left (SQLite: nothing to do)
    with hall.read() as tx:
        events = [tuple(row) for row in tx.conn.execute(text(
            "SELECT id, kind, ticket_id, counter_number, detail FROM events ORDER BY id"))]
        tickets = {row[0]: tuple(row[1:]) for row in tx.conn.execute(text(
            "SELECT id, business_day, number, priority_rank, queued_at FROM tickets"))}
        result = audit.verify(tx.conn)
    hall.dispose()
    if isinstance(db, str):  # a server's database: no file of ours to check
        found.integrity = "ok"
    else:
        conn = sqlite3.connect(db)
        found.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    steps = {(kind, ticket, counter) for _, kind, ticket, counter, _ in events}
    numbers: dict[tuple[str, str], int] = {}
    for ticket_id, (day, number, _, _) in tickets.items():
        if (day, number) in numbers:
            found.duplicates.append(f"{number} of {day}: tickets {numbers[day, number]} and "
                                    f"{ticket_id}")
        numbers[day, number] = ticket_id
    given: dict[str, int] = {}
    for path in logs:
        for entry in read_log(path):
            if "refused" in entry:
                found.refused += 1
            if "ok" not in entry:
                continue
            found.acknowledged += 1
            op, ticket = entry["op"], entry["id"]
            counter = None if op == "issue" else entry["counter"]
            if (_EVENT_OF[op], ticket, counter) not in steps:
                found.lost.append(f"{op} of {entry['ok']} (ticket {ticket}) at counter "
                                  f"{entry['counter']}, acknowledged by {path.name}")
            if op == "issue":
                if entry["ok"] in given and given[entry["ok"]] != ticket:
                    found.duplicates.append(f"{entry['ok']} acknowledged for tickets "
                                            f"{given[entry['ok']]} and {ticket}")
                given[entry["ok"]] = ticket
    side_by_side = None if not isinstance(db, str) else Calls(logs)
    found.order = _call_order(events, tickets, side_by_side)
    found.passed_over = side_by_side.allowed if side_by_side is not None else 0
    unsealed = f" ({result.unsealed} unsealed)" if result.unsealed else ""
    found.audit = ("ok" if result.ok else (result.problem.message if result.problem else "?")) \
        + unsealed
    return found


@dataclass
class Step:
    """One step of a worker, from its log: when it began and when it was acknowledged (None:
    never; the worker was killed in it)."""

    op: str
    counter: int
    began: float
    ended: float | None = None
    ticket: int | None = None

    def overlaps(self, other: Step) -> bool:
        ends, other_ends = self.ended or float("inf"), other.ended or float("inf")
        return self.began < other_ends and other.began < ends


class Calls:
    """The workers' call-next steps, to tell a claim that passed over a ticket another
    counter was claiming at the same moment (PostgreSQL's FOR UPDATE SKIP LOCKED) from one
    out of order."""

    def __init__(self, logs: list[Path]) -> None:
        self.allowed = 0
        """How many calls passed over another counter's claim."""
        self.steps: list[Step] = []
        for path in logs:
            open_step: Step | None = None
            for entry in read_log(path):
                if "inv" in entry:
                    if open_step is not None:  # its worker was killed in it
                        self._keep(open_step)
                    open_step = Step(entry["inv"], entry["counter"], entry["t"])
                elif open_step is not None:
                    open_step.ended, open_step.ticket = entry["t"], entry.get("id")
                    if "refused" in entry:
                        open_step.ticket = None
                    self._keep(open_step)
                    open_step = None
            if open_step is not None:
                self._keep(open_step)

    def _keep(self, step: Step) -> None:
        if step.op == "call":
            self.steps.append(step)

    def passed_over(self, counter: int, took: int, skipped: list[int]) -> bool:
        """Whether the call at `counter` that took ticket `took` could pass over `skipped`:
        each was being claimed by another counter's call in flight meanwhile (one that took
        it, or one killed before it said what it took, whose claim may have been undone)."""
        mine = [s for s in self.steps if s.counter == counter and s.ticket == took]
        step = mine[0] if mine else Step("call", counter, float("-inf"))  # killed after commit
        others = [s for s in self.steps if s.counter != counter and s.overlaps(step)]
        unsaid = [s for s in others if s.ended is None]
        for ticket in skipped:
            if any(s.ticket == ticket for s in others):
                continue
            if not unsaid:
                return False
            unsaid.pop()
        self.allowed += 1
        return True


def _call_order(events: list[tuple[Any, ...]], tickets: dict[int, tuple[Any, ...]],
                side_by_side: Calls | None = None) -> list[str]:
    """Replay the log: at each call-next (not a named call), the ticket taken must be the
    first waiting one by (priority rank, queued_at, id) — one queue (A) in these halls. With
    `side_by_side` (PostgreSQL), tickets before it may be passed over while other counters
    were claiming them (`Calls.passed_over`)."""
    waiting: dict[int, tuple[Any, ...]] = {}
    wrong = []
    for event_id, kind, ticket, counter, detail in events:
        if kind == "issue":
            _, _, rank, queued = tickets[ticket]
            waiting[ticket] = (rank, queued, ticket)
        elif kind == "call" and ticket in waiting:
            details = json.loads(detail) if isinstance(detail, str) else detail
            named = details is not None and details.get("named")
            best = min(waiting.values())[2]
            if not named and best != ticket:
                skipped = [key[2] for key in sorted(waiting.values())
                           if key < waiting[ticket]]
                if side_by_side is None or not side_by_side.passed_over(counter, ticket,
                                                                        skipped):
                    wrong.append(f"event {event_id}: call took ticket {ticket}, ticket {best} "
                                 "was first")
            waiting.pop(ticket)
    return wrong


# -- the attacks ---------------------------------------------------------------------------------


def history_run(folder: Path, processes: int, steps: int, seed: int = 1,
                url: str | None = None) -> tuple[Path | str, list[Path]]:
    """`processes` workers, `steps` random steps each, all at once, on a file in `folder` or
    the empty database at `url`; returns the database and the workers' logs (for
    `check_history`)."""
    db = folder / "history.db"
    hall = make_hall(db, processes, url)
    epoch = time.time()
    logs = [folder / f"worker-{n}.jsonl" for n in range(1, processes + 1)]
    children = [_spawn_worker(db, url_of(hall), n, steps, seed * 1000 + n, logs[n - 1], epoch)
                for n in range(1, processes + 1)]
    for child in children:
        _, err = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"a worker failed: {err.decode()[-1500:]}")
    return hall, logs


def kill_run(folder: Path, processes: int, kills: int, seed: int = 1,
             url: str | None = None) -> tuple[Path | str, list[Path], int]:
    """`processes` workers doing steps without end (on a file in `folder`, or the empty
    database at `url`); `kills` times one of them is SIGKILLed at a random moment (mostly
    inside a step) and started again. Returns the database, the logs and how many kills
    landed on a running worker."""
    db = folder / "kills.db"
    hall = make_hall(db, processes, url)
    rnd = random.Random(seed)
    epoch = time.time()
    logs = [folder / f"killed-{n}.jsonl" for n in range(1, processes + 1)]
    children = {n: _spawn_worker(db, url_of(hall), n, 10**6, seed * 1000 + n, logs[n - 1],
                                 epoch)
                for n in range(1, processes + 1)}
    landed = 0
    try:
        for k in range(kills):
            n = rnd.randint(1, processes)
            _wait_for_steps(logs[n - 1], children[n])
            time.sleep(rnd.random() * 0.05)
            if children[n].poll() is None:
                children[n].send_signal(signal.SIGKILL)
                landed += 1
            children[n].wait()
            children[n] = _spawn_worker(db, url_of(hall), n, 10**6,
                                        seed * 1000 + n + 100 * (k + 1), logs[n - 1], epoch)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
            child.wait()
    return hall, logs, landed


def _wait_for_steps(log: Path, child: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the worker has begun a step since it started (its log grew)."""
    start = log.stat().st_size if log.exists() else 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        if log.exists() and log.stat().st_size > start:
            return
        time.sleep(0.01)
    if child.poll() is not None and child.returncode not in (0, -signal.SIGKILL):
        err = child.stderr.read().decode() if child.stderr else ""
        raise RuntimeError(f"a worker failed: {err[-1500:]}")


def cli_kill_run(folder: Path, runs: int, seed: int = 1,
                 url: str | None = None) -> tuple[Path | str, list[str], int]:
    """`hall issue A --json` command lines (on a file in `folder`, or the empty database at
    `url`), each SIGKILLed after a random delay up to 1.5 times what one whole run took here
    (measured first: about a third finish). Returns the database, the numbers the finished
    ones printed (acknowledged), and how many were killed while running."""
    db = folder / "cli-kills.db"
    hall = make_hall(db, 1, url)
    rnd = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HALL_DB": url_of(hall),
           "HALL_CONFIG": str(config_of(db, 1))}
    printed, killed = [], 0
    whole = None
    for _ in range(runs + 1):
        child = subprocess.Popen([sys.executable, "-m", "hall", "--json", "issue", "A"],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        started = time.monotonic()
        try:
            out, _ = child.communicate(timeout=None if whole is None
                                       else rnd.random() * 1.5 * whole)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate()
            killed += 1
        if whole is None:
            whole = time.monotonic() - started
        if child.returncode == 0:
            printed.append(json.loads(out)["number"])
    return hall, printed, killed


def numbers_in(db: Path | str) -> set[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url_of(db), poolclass=NullPool)
    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(text("SELECT number FROM tickets"))}
    engine.dispose()
    return found


# -- fuzzing the command line and the config ----------------------------------------------------


def dump(db: Path) -> list[str]:
    """The database's content as SQL text (what a refusal must leave unchanged); the
    counts of wrong PINs and their events are left out: a wrong PIN is counted on purpose."""
    conn = sqlite3.connect(db)
    lines = [line for line in conn.iterdump()
             if "pin_attempts" not in line and 'INSERT INTO "staff"' not in line
             and "'pin_failed'" not in line and "'pin_locked'" not in line]
    lines += [repr(row) for row in conn.execute(
        "SELECT id, name, role, authority_limit, pin_hash, active FROM staff ORDER BY id")]
    conn.close()
    return lines


WORDS = ["issue", "call", "start", "complete", "status", "signin", "signout", "staff", "add",
         "list", "change", "remove", "report", "export", "audit", "verify", "complaint",
         "remedy", "businesses", "history", "cancel", "transfer", "recall", "no-show",
         "requeue", "pause", "open", "close", "close-day", "simulate", "staffing", "printer",
         "A", "Z", "A001", "B", "--counter", "-c", "1", "99", "-1", "0", "--staff", "-s",
         "--to", "--reason", "--what", "--outcome", "--correction", "--amount", "--kind",
         "--score", "--all", "--phone", "--number", "noshow", "rate", "show",
         "C01", "L01", "--by", "--name", "--role", "leader", "--json", "--db", "--config",
         "--priority", "elderly", "--account", "--note", "--from", "--to", "2026-13-45",
         "2026-11-27", "--format", "xlsx", "--tickets", "x" * 300, "", " ", "中文", "--",
         "-", "--help", "sqlite:///nowhere/x.db", "%s", "\x00", "--anchor", "ff", "1e9"]


def run_cli(argv: list[str], db: Path, stdin: str = "") -> tuple[int, str]:
    """`hall ARGV` in a fresh process on `db` (a PIN line on stdin); (exit code, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HALL_DB": f"sqlite:///{db}"}
    done = subprocess.run([sys.executable, "-m", "hall", *argv], cwd=ROOT, env=env,
                          input=stdin.encode(), capture_output=True, timeout=120)
    return done.returncode, done.stderr.decode("utf-8", "replace")


def run_in_process(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """`hall ARGV` in this process (as the tests' `cli` fixture runs it): (exit code, standard
    output, standard error). The database is $HALL_DB."""
    import contextlib
    import io

    from hall.cli import main

    out, err = io.StringIO(), io.StringIO()
    before, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = before
    return code, out.getvalue(), err.getvalue()


COMMANDS = [["issue"], ["walkin"], ["call"], ["recall"], ["noshow"], ["requeue"], ["start"],
            ["complete"], ["transfer"], ["next-service"], ["refer"], ["aside"], ["resume"],
            ["take"], ["return"], ["cancel"], ["rate"], ["show"], ["history"], ["visits"],
            ["status"], ["events"], ["referrals"], ["matters"], ["signin"], ["signout"],
            ["open"], ["pause"], ["close"], ["close-day"], ["staff", "add"], ["staff", "list"],
            ["staff", "change"], ["staff", "remove"], ["report"], ["staffing"], ["export"],
            ["audit", "verify"], ["complaint", "add"], ["complaint", "list"],
            ["complaint", "resolve"], ["remedy", "grant"], ["remedy", "list"],
            ["remedy", "approve"], ["businesses"]]
"""Commands that only read or write the hall database (no app, server, demo, simulation,
backup, restore or service installation)."""
VALUES = ["A", "B", "E", "A001", "A002", "B001", "1", "2", "4", "C01", "C02", "L01", "S01",
          "G01", "elderly", "normal", "4", "5", "0", "-3", "2026-11-27", "今天", "x" * 600]


TEMPLATES = [
    ["issue", "A"], ["issue", "A", "--priority", "elderly", "--account", "5100123"],
    ["call", "--counter", "1"], ["call", "--counter", "2", "A001"], ["start", "--counter", "1"],
    ["complete", "--counter", "1", "--note", "x"], ["recall", "--counter", "1"],
    ["noshow", "--counter", "1"], ["requeue", "A001"], ["cancel", "A002", "--staff", "L01"],
    ["transfer", "--counter", "1", "--to", "B"], ["rate", "A001", "4"], ["show", "A001"],
    ["history", "A001"], ["signin", "--counter", "1", "--staff", "C01"],
    ["signout", "--counter", "2"], ["pause", "--counter", "1"], ["open", "--counter", "1"],
    ["complaint", "add", "A001", "--staff", "L01", "--what", "x"],
    ["remedy", "grant", "late_fee_waiver", "5", "--reason", "x", "--counter", "1"],
    ["staff", "add", "C09", "--name", "x", "--role", "clerk", "--by", "L01"],
    ["staff", "change", "C02", "--name", "y", "--by", "L01"],
    ["staff", "remove", "C02", "--by", "L01"], ["status"], ["export"], ["report"],
    ["audit", "verify"], ["events"],
]
"""Well-formed command lines, mutated by `fuzz_argv` one token at a time."""


def fuzz_argv(rnd: random.Random) -> list[str]:
    """A random command line: half a well-formed one with a token replaced, dropped or added;
    else one of the CLI's commands with random options and values, or words in any order."""
    if rnd.random() < 0.5:
        words = list(rnd.choice(TEMPLATES))
        for _ in range(rnd.randint(0, 2)):
            i = rnd.randrange(len(words))
            pick = rnd.random()
            if pick < 0.5:
                words[i] = rnd.choice(VALUES)
            elif pick < 0.7 and len(words) > 1:
                del words[i]
            else:
                words.insert(i + 1, rnd.choice(WORDS + VALUES))
    elif rnd.random() < 0.5:
        words = [rnd.choice(WORDS) for _ in range(rnd.randint(1, 6))]
    else:
        words = list(rnd.choice(COMMANDS))
        for _ in range(rnd.randint(0, 5)):
            pick = rnd.random()
            if pick < 0.4:
                words.append(rnd.choice(VALUES))
            elif pick < 0.85:
                words += [rnd.choice([w for w in WORDS if w.startswith("-")]),
                          rnd.choice(VALUES)]
            else:
                words.append(rnd.choice(WORDS))
        if rnd.random() < 0.2:  # a stray word of any script
            words.append("".join(chr(rnd.randrange(32, 0x3000))
                                 for _ in range(rnd.randint(1, 8))))
    return words


EXIT_CODES = (0, 1, 2)
"""What `hall` exits with: done, refused, misuse (README)."""


def fuzz_problem(argv: list[str], code: int, out: str, err: str) -> str | None:
    """What is wrong with one fuzzed run's answer, if anything: a traceback, an exit code
    outside the documented set, an unexpected error, a refusal longer than one line."""
    if "Traceback" in err or "Traceback" in out:
        return f"{argv!r}: a traceback"
    if code not in EXIT_CODES:
        return f"{argv!r}: exit {code}: {err.strip()[:200]}"
    if "unexpected" in err:
        return f"{argv!r}: {err.strip()[:200]}"
    if code != 0 and "--help" not in argv and err.strip().count("\n") > 0 \
            and not err.startswith("usage:"):
        return f"{argv!r}: a refusal of more than one line: {err[:200]!r}"
    return None


def mutate_config(text: str, rnd: random.Random) -> str:
    """One mutation of a TOML config: a line dropped or doubled, a value replaced by one of
    another type, a key renamed, the text cut short, or bytes flipped."""
    lines = text.splitlines()
    values = ['"x"', "-1", "0", "1e308", "true", "[]", "{}", '["A", "A"]', '""', "99999999999",
              '"中文"' * 30, "[1, 2]", "nan"]
    pick = rnd.randrange(6)
    settable = [i for i, line in enumerate(lines) if "=" in line and not line.startswith("#")]
    if pick == 0 and lines:
        del lines[rnd.randrange(len(lines))]
    elif pick == 1 and lines:
        i = rnd.randrange(len(lines))
        lines.insert(i, lines[i])
    elif pick == 2 and settable:
        i = rnd.choice(settable)
        lines[i] = lines[i].split("=", 1)[0] + "= " + rnd.choice(values)
    elif pick == 3 and settable:
        i = rnd.choice(settable)
        lines[i] = "x" + lines[i]
    elif pick == 4:
        return text[: rnd.randrange(max(1, len(text)))]
    else:
        data = bytearray(text.encode())
        for _ in range(3):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        return data.decode("utf-8", "replace")
    return "\n".join(lines) + "\n"


def shipped_config() -> str:
    return (ROOT / "db" / "config" / "default_hall.toml").read_text(encoding="utf-8")


def copy_hall(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def summary(findings: Findings) -> str:
    side = (f" ({findings.passed_over} passed over a ticket another counter was claiming)"
            if findings.passed_over else "")
    return (f"{findings.acknowledged} acknowledged steps ({findings.refused} refused), "
            f"{len(findings.duplicates)} duplicate numbers, {len(findings.lost)} lost, "
            f"{len(findings.order)} call-order violations{side}, integrity "
            f"{findings.integrity}, audit {findings.audit}")


def per_counter(entries: list[dict[str, Any]]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for entry in entries:
        if "ok" in entry:
            counts[entry["counter"]] += 1
    return counts

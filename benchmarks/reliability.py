"""The reliability suite at full size (issue 13): the attacks the core held, run again.

- kills: worker processes doing issue / call / start / complete through the core API are
  SIGKILLed at random moments (mostly inside a step) and started again, `--kills` times;
  then `hall issue` command lines are killed at random moments, `--cli-kills` times;
- histories: `--histories` Jepsen-style runs of `--processes` processes doing `--steps`
  random steps each, checked for duplicate numbers, lost acknowledged steps and call-order
  violations (replayed from the log), with SQLite's integrity_check and `audit verify`;
- fuzz: `--fuzz` random command lines (no traceback, exit 0/1/2, a refusal changes
  nothing: the database dumped before and after) and `--configs` mutated config files (one
  line, exit 2, never a traceback).

The attacks are tests/reliability/harness.py, which the small tests in tests/reliability
run too. Prints each attack's figures and PASS when every one held.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, finished, machine_line, verdict

sys.path.insert(0, str(ROOT))
from tests.reliability import harness as h  # noqa: E402


def kills(folder: Path, args: argparse.Namespace) -> bool:
    t = time.monotonic()
    db, logs, landed = h.kill_run(folder, args.processes, args.kills, seed=args.seed)
    found = h.check_history(db, logs)
    print(f"  SIGKILL inside core steps: {landed} kills landed of {args.kills}, "
          f"{args.processes} workers; {h.summary(found)}; {time.monotonic() - t:.0f} s")
    for line in (found.lost + found.duplicates + found.order)[:5]:
        print(f"    {line}")
    t = time.monotonic()
    db, printed, killed = h.cli_kill_run(folder, args.cli_kills, seed=args.seed)
    lost = set(printed) - h.numbers_in(db)
    cli = h.check_history(db, [])
    cli_held = not lost and cli.integrity == "ok" and cli.audit == "ok" and not cli.duplicates
    print(f"  SIGKILL of `hall issue` command lines: {killed} killed while running of "
          f"{args.cli_kills}, {len(printed)} numbers printed, {len(lost)} of them lost, "
          f"integrity {cli.integrity}, audit {cli.audit}; {time.monotonic() - t:.0f} s")
    return found.held and cli_held


def histories(folder: Path, args: argparse.Namespace) -> bool:
    held = True
    for n in range(args.histories):
        t = time.monotonic()
        here = folder / f"history-{n}"
        here.mkdir()
        db, logs = h.history_run(here, args.processes, args.steps, seed=args.seed + n)
        found = h.check_history(db, logs)
        print(f"  history {n + 1}: {args.processes} processes x {args.steps} steps; "
              f"{h.summary(found)}; {time.monotonic() - t:.0f} s")
        for line in (found.lost + found.duplicates + found.order)[:5]:
            print(f"    {line}")
        held = held and found.held
    return held


def fuzz(folder: Path, args: argparse.Namespace) -> bool:
    import os

    db = folder / "fuzz.db"
    h.make_hall(db, 2)
    os.environ["HALL_DB"] = f"sqlite:///{db}"
    rnd = random.Random(args.seed)
    problems: list[str] = []
    codes: dict[int, int] = {}
    t = time.monotonic()
    for _ in range(args.fuzz):
        argv = h.fuzz_argv(rnd)
        before = h.dump(db)
        code, out, err = h.run_in_process(argv, stdin=f"{h.LEADER_PIN}\n{h.PIN}\n")
        codes[code] = codes.get(code, 0) + 1
        problem = h.fuzz_problem(argv, code, out, err)
        if problem is None and code != 0 and h.dump(db) != before:
            problem = f"{argv!r}: refused, but the database changed"
        if problem is not None:
            problems.append(problem)
    print(f"  fuzzed command lines: {args.fuzz} runs, exit codes "
          f"{dict(sorted(codes.items()))}, {len(problems)} problems; "
          f"{time.monotonic() - t:.0f} s")
    config_problems: list[str] = []
    t = time.monotonic()
    for n in range(args.configs):
        path = folder / f"mutated-{n}.toml"
        path.write_text(h.mutate_config(h.shipped_config(), rnd), encoding="utf-8")
        code, out, err = h.run_in_process(["--config", str(path), "businesses"])
        if code not in (0, 2) or "Traceback" in err or "unexpected" in err or (
                code and (not err.startswith("hall: ") or err.count("\n") != 1)):
            config_problems.append(f"mutated-{n}: exit {code}: {err[:200]!r}")
    print(f"  mutated configs: {args.configs} files, {len(config_problems)} problems; "
          f"{time.monotonic() - t:.0f} s")
    for line in (problems + config_problems)[:5]:
        print(f"    {line}")
    return not problems and not config_problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=400, help="SIGKILLs of workers (400)")
    parser.add_argument("--cli-kills", type=int, default=40,
                        help="SIGKILLs of `hall issue` command lines (40)")
    parser.add_argument("--processes", type=int, default=10, help="processes (10)")
    parser.add_argument("--steps", type=int, default=3000,
                        help="random steps per process in a history (3000)")
    parser.add_argument("--histories", type=int, default=2, help="histories (2)")
    parser.add_argument("--fuzz", type=int, default=4000, help="fuzzed command lines (4000)")
    parser.add_argument("--configs", type=int, default=300, help="mutated configs (300)")
    parser.add_argument("--seed", type=int, default=1, help="seed (1)")
    args = parser.parse_args()
    for name in ("kills", "cli_kills", "processes", "steps", "histories", "fuzz", "configs"):
        if getattr(args, name) < 0 or (name == "processes" and args.processes < 1):
            parser.error(f"--{name.replace('_', '-')} must be at least "
                         f"{1 if name == 'processes' else 0}")
    print(f"reliability: {args.kills} kills, {args.cli_kills} CLI kills, {args.histories} "
          f"histories of {args.processes} x {args.steps}, {args.fuzz} fuzzed command lines, "
          f"{args.configs} mutated configs; {machine_line()}")
    folder = Path(tempfile.mkdtemp(prefix="hall-bench-reliability-"))
    try:
        results = {"kills": kills(folder / "k", args) if _mk(folder / "k") else False,
                   "histories": histories(folder / "h", args) if _mk(folder / "h") else False,
                   "fuzz": fuzz(folder / "f", args) if _mk(folder / "f") else False}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ok = all(results.values())
    print(f"reliability: {', '.join(f'{k} {verdict(v)}' for k, v in results.items())} -> "
          f"{verdict(ok)}")
    return finished(ok)


def _mk(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return True


if __name__ == "__main__":
    raise SystemExit(main())

"""A `hall` command that reads or writes one thing, as a whole process, against
`python3 -c 'import sqlalchemy'` (issue 18): what a clerk or a script waits for.

Each round runs, one after another and in alternating order: `python3 -c pass` (the
interpreter alone), `python3 -c 'import sqlalchemy'` (the baseline), and `hall status
--json`, `hall issue A` and `hall call --counter 1` on a prepared hall (a database made by
init_db, clerk C01 signed in at counter 1, tickets of A waiting); after each call the
counter is freed (start, complete) outside the clock, so every round's call calls. `python3`
is this interpreter (the project's venv), `hall` its console script. The figure of each
command is its median time, and its ratio to `import sqlalchemy` is the median of the
rounds' own ratios (each against the baseline of the same round: the machine drifts).
PASS: every `hall` command's ratio is at most --target (1.5).

    .venv/bin/python benchmarks/cli_startup.py                 # 21 rounds (~1 min)
    .venv/bin/python benchmarks/cli_startup.py --rounds 41 --imports
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    Hall,
    create_hall_db,
    finished,
    load_config,
    machine_line,
    make_engine,
    url_of,
    verdict,
    workdir,
)

BASELINE = "import sqlalchemy"


def hall_command() -> list[str]:
    """The `hall` console script beside this interpreter, else `python -m hall`."""
    script = Path(sys.executable).with_name("hall")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "hall"]


def commands() -> dict[str, list[str]]:
    """What each round runs, by the name it is reported under."""
    hall = hall_command()
    return {
        "python3 -c pass": [sys.executable, "-c", "pass"],
        BASELINE: [sys.executable, "-c", "import sqlalchemy"],
        "hall status --json": [*hall, "status", "--json"],
        "hall issue A": [*hall, "issue", "A"],
        "hall call --counter 1": [*hall, "call", "--counter", "1"],
    }


IGNORED = ("HALL_CONFIG", "HALL_COUNTER", "HALL_DEBUG", "PYTHONPROFILEIMPORTTIME",
           "PYTHONDONTWRITEBYTECODE")
"""Left out of the commands' environment. Bytecode is written and used as an installed
program's is: without it every project module is compiled again in every process."""


def environment(folder: Path, db: Path) -> dict[str, str]:
    """The commands' environment: the prepared hall, the shipped config (no user's
    hall.toml: the config and data folders are the benchmark's own), no machine counter,
    bytecode cached (the warm-up round writes it)."""
    env = {k: v for k, v in os.environ.items() if k not in IGNORED}
    env.update(HALL_DB=url_of(db), XDG_CONFIG_HOME=str(folder / "config"),
               XDG_DATA_HOME=str(folder / "data"))
    return env


def prepare(db: Path, waiting: int) -> None:
    """The hall: C01 at counter 1 (profile A, E), `waiting` tickets of A in line."""
    from db.rules import ops

    config = load_config()
    create_hall_db(db, config, clerks=1)
    hall = Hall(make_engine(url_of(db)), config)
    with hall.write() as tx:
        for _ in range(waiting):
            ops.issue_ticket(tx, "A")
    hall.dispose()


def free_counter(db: Path) -> None:
    """Outside the clock: the called ticket at counter 1 started and completed."""
    from db.rules import ops

    hall = Hall(make_engine(url_of(db)), load_config())
    with hall.write() as tx:
        ops.start(tx, 1)
        ops.complete(tx, 1)
    hall.dispose()


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Seconds for one whole process; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    return elapsed


def extra_imports(argv: list[str], env: dict[str, str], shown: int) -> str:
    """What the command imports beyond `import sqlalchemy`, by package (self time, one run
    with -X importtime): where its start-up goes."""
    base = subprocess.run([sys.executable, "-c", "import sqlalchemy, sys; "
                           "print('\\n'.join(sys.modules))"], env=env, capture_output=True,
                          text=True, check=True).stdout.split()
    script = argv if argv[0] == sys.executable else [sys.executable, *argv]
    done = subprocess.run([script[0], "-X", "importtime", *script[1:]], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    spent: collections.Counter[str] = collections.Counter()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        name = name.strip()
        if name not in base:
            parts = name.split(".")
            spent[".".join(parts[:2] if parts[0] in ("db", "hall") else parts[:1])] += int(own)
    top = ", ".join(f"{name} {us / 1e3:.0f}" for name, us in spent.most_common(shown))
    return f"{sum(spent.values()) / 1e3:.0f} ms beyond sqlalchemy ({top})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds (21)")
    parser.add_argument("--target", type=float, default=1.5,
                        help="most a hall command may cost, in `import sqlalchemy`s (1.5)")
    parser.add_argument("--imports", action="store_true",
                        help="also print what each hall command imports beyond sqlalchemy")
    parser.add_argument("--dir", help="folder for the database file (default: $TMPDIR)")
    args = parser.parse_args()

    folder = workdir(args.dir, "cli")
    runs = commands()
    print(f"cli_startup: {args.rounds} rounds of {len(runs)} processes, "
          f"hall = {' '.join(runs['hall status --json'][:-2])}; {machine_line()}")
    db = folder / "hall.db"
    try:
        prepare(db, waiting=args.rounds + 1)
        env = environment(folder, db)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for rnd in range(args.rounds + 1):  # round 0 warms the caches and is not counted
            order = list(runs) if rnd % 2 else list(runs)[::-1]
            for name in order:
                elapsed = timed(runs[name], env)
                if name.startswith("hall call"):
                    free_counter(db)
                if rnd:
                    times[name].append(elapsed)
        base = times[BASELINE]
        all_ok = True
        for name, values in times.items():
            ratio = statistics.median(t / b for t, b in zip(values, base, strict=True))
            line = (f"  {name:22s} median {statistics.median(values) * 1e3:6.0f} ms "
                    f"(spread {min(values) * 1e3:.0f}..{max(values) * 1e3:.0f}); "
                    f"ratio to `{BASELINE}` {ratio:.2f}")
            if name.startswith("hall"):
                ok = ratio <= args.target
                all_ok = all_ok and ok
                line += f"; target <= {args.target} -> {verdict(ok)}"
            print(line)
        if args.imports:
            for name, argv in runs.items():
                if name.startswith("hall"):
                    print(f"  {name}: {extra_imports(argv, env, 8)}")
                    if name.startswith("hall call"):
                        free_counter(db)
        print(f"hall commands vs `{BASELINE}`: {verdict(all_ok)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(all_ok)


if __name__ == "__main__":
    raise SystemExit(main())

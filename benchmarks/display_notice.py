"""Idle CPU of a wall display scrolling a long notice (target: under 2 % of one core).

A hall database (init_db, clerk C01 at counter 1, duty leader L01) whose notice of the day
is longer than any line it is shown on, so that it scrolls for the whole measurement.
`hall display --no-voice` runs as a real program on a pseudo-terminal of each --size (the
terminal's output read and thrown away); from --warmup s after its first full screen, the
child's utime+stime from /proc/PID/stat over --seconds of wall time, as % of one core (the
same measurement as display_latency.py's idle CPU, `idle_cpu`). Nothing else happens: the
clock ticks once a second, the change check runs every CHECK_SECONDS, the notice scrolls.

    .venv/bin/python benchmarks/display_notice.py                     # 80x24 and 160x45, 60 s
    .venv/bin/python benchmarks/display_notice.py --size 80x24 --seconds 20
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from _common import (
    LEADER_PIN,
    Hall,
    create_hall_db,
    finished,
    load_config,
    load_line,
    machine_line,
    make_engine,
    url_of,
    verdict,
    workdir,
)
from display_latency import idle_cpu

from db.rules import notices, staff

NOTICE = ("今日14:00至16:00缴费系统升级，缴费业务请到1号、2号窗口办理，敬请谅解。"
          "System upgrade 14:00-16:00: bill payments at counters 1 and 2 only. "
          "新能源并网业务请提前预约，谢谢合作。")
"""Under the 200 characters a notice may hold, and wider (174 cells) than the notice line
of a 160-column screen, so that it scrolls there and on anything smaller."""


def build(path: Path, notice: str = NOTICE) -> None:
    """The hall: C01 at counter 1, L01 the duty leader, the notice set."""
    config = load_config()
    create_hall_db(path, config, clerks=1)
    hall = Hall(make_engine(url_of(path)), config)
    with hall.write() as tx:
        staff.add_staff(tx, "L01", "leader", "leader", LEADER_PIN)
        notices.set_notice(tx, "L01", notice)
    hall.dispose()


def size_of(text: str) -> tuple[int, int]:
    """"80x24" -> (80, 24)."""
    columns, lines = text.lower().split("x")
    return int(columns), int(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append", type=size_of,
                        help="terminal size, COLSxLINES (repeatable; 80x24 and 160x45)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds measured (60)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds after the first full screen before measuring (5)")
    parser.add_argument("--target-cpu", type=float, default=2.0, help="%% ceiling (2)")
    parser.add_argument("--without-notice", action="store_true",
                        help="no notice: the idle floor the notice adds to")
    parser.add_argument("--dir", help="folder for the database file (default: $TMPDIR)")
    args = parser.parse_args()
    sizes = args.size or [(80, 24), (160, 45)]
    folder = workdir(args.dir, "display-notice")
    what = "no notice" if args.without_notice else \
        f"a scrolling notice of {len(NOTICE)} characters"
    print(f"display_notice: {what}, idle CPU over "
          f"{args.seconds:g} s per size; {machine_line()}")
    ok = True
    try:
        path = folder / "hall.db"
        build(path, "" if args.without_notice else NOTICE)
        for size in sizes:
            cpu, written = idle_cpu(url_of(path), args.warmup, args.seconds, size)
            good = cpu < args.target_cpu
            ok = ok and good
            print(f"  {size[0]}x{size[1]}: {cpu:.2f} % of one core "
                  f"({written / args.seconds:.0f} bytes/s to the terminal); target < "
                  f"{args.target_cpu:g} % -> {verdict(good)}; {load_line()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return finished(ok)


if __name__ == "__main__":
    raise SystemExit(main())

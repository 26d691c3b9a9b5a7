"""`python -m counter.support [--db URL] [--config FILE]`: the same as `hall support`.

The command line (`hall`) finds the database and the config and checks them; an app never
imports it (the CLI imports the apps), so this runs it as a program in this process's place.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main() -> int:
    """Replace this process with `python -m hall support ARGS` (a child on Windows)."""
    argv = [sys.executable, "-m", "hall", "support", *sys.argv[1:]]
    if os.name == "posix":
        os.execv(sys.executable, argv)
    return subprocess.call(argv)


if __name__ == "__main__":
    sys.exit(main())

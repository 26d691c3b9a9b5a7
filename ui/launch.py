"""`python -m APP` is `hall APP`: the command line (`hall`) finds the database and the
config and checks them; an app never imports it (the CLI imports the apps), so an app's
`__main__` runs it as a program in this process's place."""

from __future__ import annotations

import os
import subprocess
import sys


def run_as_hall(command: str) -> int:
    """Replace this process with `python -m hall COMMAND ARGS` (run it as a child on
    Windows, and return its exit code)."""
    argv = [sys.executable, "-m", "hall", command, *sys.argv[1:]]
    if os.name == "posix":
        os.execv(sys.executable, argv)
    return subprocess.call(argv)

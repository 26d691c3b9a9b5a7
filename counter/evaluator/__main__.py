"""`python -m counter.evaluator [--counter N] [--db URL] [--config FILE]`: the same as
`hall evaluator` (the counter from --counter, else $HALL_COUNTER; run in this process's place:
`ui.launch`)."""

from __future__ import annotations

import sys

from ui.launch import run_as_hall

if __name__ == "__main__":
    sys.exit(run_as_hall("evaluator"))

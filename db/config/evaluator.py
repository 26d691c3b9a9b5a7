"""The evaluator's part of the hall configuration ([evaluator]): how long a customer has to
rate a service before it counts as "not rated", and how long the thanks stay on screen.

The section is optional; an absent one takes the defaults below. Re-exported by `db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.config.file import Table

MAX_TIMEOUT_SECONDS = 600.0
"""A rating asked for longer than this would be offered to the next customer at the counter."""

_EVALUATOR_KEYS = ("timeout_seconds", "thanks_seconds")


@dataclass(frozen=True)
class EvaluatorConfig:
    """Timings of the customer evaluator (评价器) beside each counter."""

    timeout_seconds: float = 30.0
    """Seconds the customer has to rate a completed service; then it is recorded "not rated".
    After a restart, only a service completed within this many seconds is offered."""
    thanks_seconds: float = 3.0
    """Seconds the thanks stay on screen before the evaluator goes idle."""


def evaluator_config(top: Table) -> EvaluatorConfig:
    """Read the optional [evaluator] table: 0 < timeout_seconds <= 600, thanks_seconds > 0."""
    table = top.sub("evaluator", _EVALUATOR_KEYS)
    defaults = EvaluatorConfig()
    timeout = table.number("timeout_seconds", defaults.timeout_seconds)
    limit = f"{MAX_TIMEOUT_SECONDS:g}"
    table.ensure(0 < timeout <= MAX_TIMEOUT_SECONDS, "timeout_seconds",
                 f"must be > 0 and <= {limit}, got {timeout:g}")
    thanks = table.number("thanks_seconds", defaults.thanks_seconds)
    table.ensure(thanks > 0, "thanks_seconds", f"must be greater than 0, got {thanks:g}")
    return EvaluatorConfig(timeout, thanks)

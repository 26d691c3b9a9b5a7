"""The evaluator's part of the hall configuration ([evaluator]): how long a customer has to
rate a service before it counts as "not rated", and how long the thanks stay on screen.

The section is optional; an absent one takes the defaults below. Re-exported by `db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from db.config.schema import Rule, check

MAX_TIMEOUT_SECONDS = 600.0
"""A rating asked for longer than this would be offered to the next customer at the counter."""


@dataclass(frozen=True)
class EvaluatorConfig:
    """Timings of the customer evaluator (评价器) beside each counter."""

    timeout_seconds: Annotated[float, Rule(gt=0, le=MAX_TIMEOUT_SECONDS)] = 30.0
    """Seconds the customer has to rate a completed service; then it is recorded "not rated".
    After a restart, only a service completed within this many seconds is offered."""
    thanks_seconds: Annotated[float, Rule(gt=0)] = 3.0
    """Seconds the thanks stay on screen before the evaluator goes idle."""

    def __post_init__(self) -> None:
        check(self)

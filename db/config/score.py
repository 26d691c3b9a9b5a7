"""The [score] section of the hall config: how the staff report's composite score (奖惩) is
weighted. Optional; an absent section takes the defaults below. Re-exported by `db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from db.config.file import show
from db.config.schema import InvalidSetting, Rule, check

Points = Annotated[float, Rule(ge=0)]
"""A weight or a penalty: 0 or more."""


@dataclass(frozen=True)
class ScoreConfig:
    """Weights of the composite score; each part is on a 0-100 scale before weighting."""

    volume_weight: Points = 0.4
    """Weight of workload: tickets handled, 100 for the busiest person in the report."""
    efficiency_weight: Points = 0.2
    """Weight of handling time against the standard: 100 at or under the standard minutes."""
    satisfaction_weight: Points = 0.4
    """Weight of the customers' ratings, through `rating_points`."""
    complaint_penalty: Points = 10.0
    """Points taken off the composite for each upheld complaint."""
    remedy_penalty: Points = 0.0
    """Points taken off for each remedy granted (0: granting within authority is no fault)."""
    rating_points: Annotated[
        tuple[float, float, float, float], Rule(means="four numbers 0-100")
    ] = (0.0, 60.0, 80.0, 100.0)
    """Points of ratings 1 不满意, 2 基本满意, 3 满意, 4 非常满意; 0-100, never decreasing."""

    def __post_init__(self) -> None:
        check(self)
        problem = _problem(self)
        if problem is not None:
            raise InvalidSetting(*problem)


def _problem(score: ScoreConfig) -> tuple[str, str] | None:
    """The first (key, problem) across the keys of the section, or None."""
    weights = score.volume_weight + score.efficiency_weight + score.satisfaction_weight
    if weights <= 0:
        return "satisfaction_weight", "at least one weight must be greater than 0"
    points = score.rating_points
    if len(points) != 4 or not all(0 <= p <= 100 for p in points):
        return "rating_points", f"expected four numbers 0-100, got {show(list(points))}"
    if any(a > b for a, b in zip(points, points[1:], strict=False)):
        return "rating_points", f"must never decrease from 1 to 4, got {show(list(points))}"
    return None


def satisfaction(score: ScoreConfig, ratings: dict[int, int]) -> float | None:
    """Mean points of the ratings (`rating_points`), or None without ratings."""
    count = sum(ratings.values())
    if count == 0:
        return None
    return sum(score.rating_points[level - 1] * n for level, n in ratings.items()) / count


def composite(
    score: ScoreConfig, volume: float, efficiency: float | None, satisfied: float | None,
    complaints: int, remedies: int,
) -> float:
    """The weighted mean of the parts a person has (each 0-100), less the penalties.
    A part the person has no data for (no services, no ratings) is left out of the mean."""
    parts = [(score.volume_weight, volume), (score.efficiency_weight, efficiency),
             (score.satisfaction_weight, satisfied)]
    present = [(w, v) for w, v in parts if v is not None and w > 0]
    weight = sum(w for w, _ in present)
    base = sum(w * v for w, v in present) / weight if weight else 0.0
    penalty = score.complaint_penalty * complaints + score.remedy_penalty * remedies
    return round(base - penalty, 1)

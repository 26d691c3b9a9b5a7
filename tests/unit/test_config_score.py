"""The [score] section: defaults, and one-line errors naming the key."""

from __future__ import annotations

import pytest

from db.config import DEFAULT_CONFIG, ScoreConfig, load_config, parse_config
from db.errors import ConfigError


def with_score(section: str) -> str:
    """The shipped default with its [score] table replaced by `section`."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    start = text.index("\n[score]\n")
    end = text.index("\n[", start + 1)
    return text[:start] + "\n" + section + "\n" + text[end:]


def test_the_default_is_documented_and_loaded() -> None:
    assert load_config().score == ScoreConfig()
    assert parse_config(with_score("")).score == ScoreConfig()


def test_a_hall_sets_its_weights() -> None:
    score = parse_config(with_score(
        "[score]\nvolume_weight = 1\nefficiency_weight = 0\nsatisfaction_weight = 0\n"
        "rating_points = [0, 50, 75, 100]")).score
    assert (score.volume_weight, score.satisfaction_weight) == (1.0, 0.0)
    assert score.rating_points == (0.0, 50.0, 75.0, 100.0)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("volume_weight = -1", "score.volume_weight: must be 0 or more, got -1"),
        ("volume_weight = 0\nefficiency_weight = 0\nsatisfaction_weight = 0",
         "score.satisfaction_weight: at least one weight"),
        ("complaint_penalty = -5", "score.complaint_penalty: must be 0 or more"),
        ("rating_points = [0, 60, 80]", "score.rating_points: expected four numbers"),
        ('rating_points = [0, 60, 80, "x"]', "score.rating_points: expected four numbers"),
        ("rating_points = [0, 90, 80, 100]", "score.rating_points: must never decrease"),
        ("rating_points = [0, 60, 80, 120]", "score.rating_points: expected four numbers 0-100"),
        ('volume_weight = "0.4"', "score.volume_weight: expected a number"),
        ("bonus = 1", "score.bonus: unknown key"),
    ],
)
def test_bad_values_name_the_key(section: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_score("[score]\n" + section), "hall.toml")
    assert str(caught.value).startswith("hall.toml: ")
    assert message in str(caught.value)

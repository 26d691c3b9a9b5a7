"""How an estimated wait is said (issue 16): one wording for the kiosk's screen, the slip,
the wall display and the phone page, so that all four show the same figure in the same words.
Plain Python (no database): the slip and the screens import it at no cost."""

from __future__ import annotations

import math


def whole_range(minutes: float, low: float | None, high: float | None) -> tuple[int, int]:
    """The whole minutes a customer is told: (m, m) for a point, (low, high) for a range
    wider than two minutes (a narrower one says no more than the point); at least 1."""
    point = max(1, round(minutes))
    lo = max(1, math.floor(low if low is not None else point))
    hi = max(lo, math.ceil(high if high is not None else point))
    if hi - lo <= 2:
        return point, point
    return lo, hi


WAIT_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "soon": "即将叫号",
        "point": "约 {m} 分钟",
        "range": "约 {low}–{high} 分钟",
        "none": "—",
        "line": "预计等候{words}",
    },
    "en": {
        "soon": "About to be called",
        "point": "about {m} min",
        "range": "about {low}–{high} min",
        "none": "—",
        "line": "Estimated wait: {words}",
    },
}
"""The estimate in words, per language: the figure (`wait_words`) and the sentence around it
(`wait_line`). Every screen and the slip say it with these, so all show the same."""


def wait_words(minutes: float | None, low: float | None = None, high: float | None = None,
               language: str = "zh") -> str:
    """The figure: 即将叫号 (0), 约 8 分钟, 约 10–15 分钟 where the spread is wide, "—" when
    there is none (no open counter serves the business: the caller says why)."""
    words = WAIT_WORDS.get(language, WAIT_WORDS["zh"])
    if minutes is None:
        return words["none"]
    if minutes <= 0:
        return words["soon"]
    lo, hi = whole_range(minutes, low, high)
    return words["point"].format(m=lo) if lo == hi else words["range"].format(low=lo, high=hi)


def wait_line(minutes: float | None, low: float | None = None, high: float | None = None,
              language: str = "zh") -> str | None:
    """The sentence: 预计等候约 8 分钟 / 预计等候约 10–15 分钟 / 即将叫号 (en: Estimated wait:
    about 8 min …); None when there is no estimate (the caller says why)."""
    if minutes is None:
        return None
    text = wait_words(minutes, low, high, language)
    if minutes <= 0:
        return text
    words = WAIT_WORDS.get(language, WAIT_WORDS["zh"])
    return words["line"].format(words=text)

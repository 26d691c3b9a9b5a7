"""The wall display's voice calling (语音叫号), the [voice] section of the hall configuration.

The section is optional; an absent one takes the defaults below (voice on, Chinese only,
said twice after a chime). Re-exported by `db.config`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Annotated

from db.config.file import show
from db.config.schema import InvalidSetting, Rule, Text, check

TEMPLATE_FIELDS: tuple[str, ...] = ("number", "counter")
"""What a phrase template may name: the ticket number and the counter number."""

MAX_REPEATS = 5
"""More repeats than this would keep the next customer waiting for their own call."""

SPEED_RANGE = (80, 450)
"""Words per minute espeak-ng accepts."""


@dataclass(frozen=True)
class VoiceConfig:
    """How calls are announced in the hall."""

    enabled: bool = True
    """Announce every call and recall; false keeps the display silent."""
    template_zh: str = "请{number}号到{counter}号窗口"
    """The Chinese phrase; {number} is said letter by letter and digit by digit (A023:
    A 零 二 三), {counter} as a number (十二)."""
    template_en: str = ""
    """An English phrase said after the Chinese one, e.g. "Number {number}, please go to
    counter {counter}"; empty for none."""
    repeats: Annotated[int, Rule(ge=1, le=MAX_REPEATS)] = 2
    """How many times each announcement is said, 1-5."""
    chime: bool = True
    """A two-note chime before each announcement."""
    espeak_voice: Text = "cmn-latn-pinyin"
    """espeak-ng voice for the Chinese phrase, which is given to it as tone-numbered pinyin
    (its `cmn` voice misreads Chinese characters)."""
    espeak_voice_en: Text = "en"
    """espeak-ng voice for the English phrase."""
    speed: Annotated[int, Rule(ge=SPEED_RANGE[0], le=SPEED_RANGE[1])] = 150
    """Words per minute, 80-450 (espeak-ng's own default is 175)."""
    engine: Annotated[str, Rule(pattern="auto|library|espeak-ng",
                                means='"auto", "library" or "espeak-ng"')] = "auto"
    """Who speaks: "library" is the libespeak-ng of the espeakng-loader package (installed
    with the hall), "espeak-ng" the system's espeak-ng command (apt install espeak-ng),
    "auto" the command when it is installed, else the library."""

    def __post_init__(self) -> None:
        check(self)
        for key, required in (("template_zh", True), ("template_en", False)):
            problem = template_problem(getattr(self, key), required=required)
            if problem is not None:
                raise InvalidSetting(key, problem)


def template_problem(template: str, *, required: bool) -> str | None:
    """Why a phrase template cannot be used, or None."""
    if not template.strip():
        return "must not be empty" if required else None
    try:
        names = [name for _, name, spec, conv in string.Formatter().parse(template)
                 if name is not None]
    except ValueError as exc:
        return f"bad template {show(template)}: {exc}"
    unknown = [n for n in names if n not in TEMPLATE_FIELDS]
    if unknown:
        return f"unknown field {{{unknown[0]}}} (known: {{number}}, {{counter}})"
    if "number" not in names:
        return "must say {number}"
    return None


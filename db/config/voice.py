"""The wall display's voice calling (语音叫号), the [voice] section of the hall configuration.

The section is optional; an absent one takes the defaults below (voice on, Chinese only,
said twice after a chime). Re-exported by `db.config`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from db.config.file import Table, show

TEMPLATE_FIELDS: tuple[str, ...] = ("number", "counter")
"""What a phrase template may name: the ticket number and the counter number."""

MAX_REPEATS = 5
"""More repeats than this would keep the next customer waiting for their own call."""

SPEED_RANGE = (80, 450)
"""Words per minute espeak-ng accepts."""

_VOICE_KEYS = (
    "enabled", "template_zh", "template_en", "repeats", "chime", "espeak_voice",
    "espeak_voice_en", "speed",
)  # fmt: skip


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
    repeats: int = 2
    """How many times each announcement is said, 1-5."""
    chime: bool = True
    """A two-note chime before each announcement."""
    espeak_voice: str = "cmn-latn-pinyin"
    """espeak-ng voice for the Chinese phrase, which is given to it as tone-numbered pinyin
    (its `cmn` voice misreads Chinese characters)."""
    espeak_voice_en: str = "en"
    """espeak-ng voice for the English phrase."""
    speed: int = 150
    """Words per minute, 80-450 (espeak-ng's own default is 175)."""


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


def _flag(table: Table, key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise table.wrong_type(key, "true or false", value)
    return value


def voice_config(top: Table) -> VoiceConfig:
    """Read the optional [voice] table."""
    table = top.sub("voice", _VOICE_KEYS)
    d = VoiceConfig()
    zh = table.string("template_zh", d.template_zh)
    en = table.string("template_en", d.template_en)
    for key, template, required in (("template_zh", zh, True), ("template_en", en, False)):
        problem = template_problem(template, required=required)
        table.ensure(problem is None, key, problem or "")
    repeats = table.integer("repeats", d.repeats)
    table.ensure(1 <= repeats <= MAX_REPEATS, "repeats",
                 f"must be 1-{MAX_REPEATS}, got {repeats}")
    speed = table.integer("speed", d.speed)
    low, high = SPEED_RANGE
    table.ensure(low <= speed <= high, "speed", f"must be {low}-{high}, got {speed}")
    return VoiceConfig(
        enabled=_flag(table, "enabled", d.enabled),
        template_zh=zh,
        template_en=en,
        repeats=repeats,
        chime=_flag(table, "chime", d.chime),
        espeak_voice=table.text("espeak_voice", d.espeak_voice),
        espeak_voice_en=table.text("espeak_voice_en", d.espeak_voice_en),
        speed=speed,
    )

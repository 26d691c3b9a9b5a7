"""What the hall hears: the call's phrase from the config's template, and its pinyin.

A Chinese hall reads a ticket number character by character — A023 is "A 零 二 三", the
letter by its English name — and the counter as a number: 12 is "十二". espeak-ng's `cmn`
voice misreads Chinese characters, so the phrase goes to its `cmn-latn-pinyin` voice as
pinyin with tone numbers ("qing3 A ling2 er4 san1 hao4 …"), letters spelt out in pinyin
the way they sound in a Chinese hall ("ei1" for A).
"""

from __future__ import annotations

from typing import Any

from pypinyin import Style, lazy_pinyin

DIGITS_ZH = "零一二三四五六七八九"
"""Digits as they are said one by one (一, not 幺: the hall's customers are not radio men)."""

LETTER_NAMES: dict[str, str] = {
    "A": "ei1", "B": "bi4", "C": "xi1", "D": "di4", "E": "yi4", "F": "ai2 fu1",
    "G": "ji4", "H": "ai1 qi1", "I": "ai4", "J": "jie4", "K": "kai4", "L": "ai2 lu4",
    "M": "ai1 mu3", "N": "en1", "O": "ou1", "P": "pi4", "Q": "kiu1", "R": "a4 er3",
    "S": "ai1 si1", "T": "ti4", "U": "you1", "V": "wei1", "W": "da2 bu liu1",
    "X": "ai1 ke4 si1", "Y": "wai1", "Z": "zei4",
}  # fmt: skip
"""The English letter names as a Chinese hall says them, in tone-numbered pinyin."""

PAUSE = ","
"""What punctuation and spaces become: espeak-ng pauses briefly at a comma."""


def spoken_number(number: str) -> str:
    """A ticket number as it is read out, character by character: "A023" -> "A零二三"."""
    return "".join(DIGITS_ZH[int(c)] if c.isdigit() else c.upper() for c in number)


def chinese_numeral(value: int) -> str:
    """A counter number in Chinese numerals: 3 -> 三, 12 -> 十二, 20 -> 二十, 105 -> 一百零五."""
    if value < 0:
        raise ValueError(f"no numeral for {value}")
    if value < 10:
        return DIGITS_ZH[value]
    if value < 20:
        return "十" + (DIGITS_ZH[value % 10] if value % 10 else "")
    if value < 100:
        tens, ones = divmod(value, 10)
        return DIGITS_ZH[tens] + "十" + (DIGITS_ZH[ones] if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        tail = "" if rest == 0 else ("零" + DIGITS_ZH[rest] if rest < 10
                                     else _tens_after_hundreds(rest))
        return DIGITS_ZH[hundreds] + "百" + tail
    return "".join(DIGITS_ZH[int(c)] for c in str(value))  # no hall has a thousand counters


def _tens_after_hundreds(rest: int) -> str:
    # After 百 a ten keeps its 一: 110 is 一百一十, not 一百十.
    tens, ones = divmod(rest, 10)
    return DIGITS_ZH[tens] + "十" + (DIGITS_ZH[ones] if ones else "")


CLOSING_ZH = "办理"
"""How a hall ends the call: "…到一号窗口办理". Added to a template that stops at 窗口."""


def phrase_zh(template: str, number: str, counter: int) -> str:
    """The Chinese phrase in characters, ended as halls say it: "请A零二三号到十二号窗口办理"
    (a template ending in 窗口 gets CLOSING_ZH; one ending otherwise is said as it is)."""
    said = template.format(number=spoken_number(number), counter=chinese_numeral(counter))
    return said + CLOSING_ZH if said.endswith("窗口") else said


def phrase_en(template: str, number: str, counter: int) -> str:
    """The English phrase: the number spelt out ("A 0 2 3") so that it is read digit by digit."""
    return template.format(number=" ".join(number.upper()), counter=counter)


def _not_chinese(chunk: str) -> Any:
    """pypinyin's callback for a run of characters without pinyin: letters by their names,
    digits as digits are said, anything else a pause. (A list of words; pypinyin's stubs
    say str, its documentation a str or a list.)"""
    words: list[str] = []
    for char in chunk:
        upper = char.upper()
        if upper in LETTER_NAMES:
            words.append(LETTER_NAMES[upper])
        elif char.isdigit():
            words += lazy_pinyin(DIGITS_ZH[int(char)], style=Style.TONE3)
        elif not words or words[-1] != PAUSE:
            words.append(PAUSE)
    return words


def to_pinyin(text: str) -> str:
    """Tone-numbered pinyin of a Chinese phrase for espeak-ng's cmn-latn-pinyin voice:
    "请A零二三号到十二号窗口" -> "qing3 ei1 ling2 er4 san1 hao4 dao4 shi2 er4 hao4 chuang1
    kou3"."""
    words = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True,
                        errors=_not_chinese)
    spoken = " ".join(w for w in words if w)
    return " ".join(spoken.replace(f" {PAUSE}", PAUSE).split()).strip(f" {PAUSE}")

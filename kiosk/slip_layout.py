"""Laying a slip's text out on the paper: the size each line is printed at and where a
line too long for the roll breaks. Pure functions of text and widths; no escpos here.

A thermal printer's font A is 12 x 24 dots, so a roll of `dots` printable dots has
`dots // 12` columns at normal size: 32 on 58 mm (384 dots), 48 on 80 mm (576 dots). In
Chinese mode (FS &) an ASCII character takes one column and every other character, being
a two-byte GB code, two; `GS ! n` multiplies the width by (n >> 4) + 1, so at double width
a 58 mm roll has 16 columns. A line wider than the paper is wrapped by the printer wherever
it ends, mid-word or with one character alone on the next line; here it never is:

- each line has its sizes, largest first (`HEADING`: double, then double height at normal
  width): the first at which it fits on one line is taken;
- a line that fits at none is wrapped at the last size: Latin text at spaces (a word is
  split only when it is wider than the paper by itself), Chinese between characters, but
  never with "，" or "）" opening a line or "（" closing one; the lines are then balanced, so
  that no character is left alone on the last line.

The printer's code page: with `encoding = "gbk"` a character outside GBK (㐀, a rare name
character that GB18030 sends as four bytes) would print as garbage, so it is replaced by a
visible "□"; control characters become spaces, so that a name from the config can never
smuggle a printer command onto the slip.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

FONT_DOTS = 12
"""Width of one column of font A (12 x 24 dots), in dots."""

NORMAL = 0x00
"""GS ! 0x00: normal size."""
TALL = 0x01
"""GS ! 0x01: double height, normal width."""
DOUBLE = 0x11
"""GS ! 0x11: double width and height."""
HUGE = 0x44
"""GS ! 0x44: five times width and height, for the number."""

HEADING: tuple[int, ...] = (DOUBLE, TALL)
"""The hall and business names: double size, or double height only when that is too wide
(it keeps them headings and has the normal size's columns)."""
NUMBER: tuple[int, ...] = (HUGE, 0x33, 0x22, DOUBLE, NORMAL)
"""The ticket number: as large as fits ("A023" at 5x is 20 of a 58 mm roll's 32 columns)."""
BODY: tuple[int, ...] = (NORMAL,)
"""Every other line."""

REPLACEMENT = "□"
"""What a character the printer's code page lacks is printed as (in GBK: A1 F5)."""

NO_LINE_START = frozenset("，。、；：？！）」』】》〉〕”’…,.;:?!)]}%")
"""Punctuation that never opens a line: it stays with the character before it."""
NO_LINE_END = frozenset("（「『【《〈〔“‘([{")
"""Punctuation that never closes a line: it goes with the character after it."""


def columns_of(dots: int) -> int:
    """Columns of normal-size font A on a printable width of `dots`."""
    return dots // FONT_DOTS


def width_factor(size: int) -> int:
    """How many times wider than normal `GS ! size` prints."""
    return (size >> 4) + 1


def char_width(char: str) -> int:
    """Columns one character takes in Chinese mode: two for a wide (W or F) one, by
    unicodedata.east_asian_width, one for ASCII, and two for any other too, since the
    printer sends it as a two-byte (or four-byte) GB code printed 24 dots wide."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1 if char.isascii() else 2


def text_width(text: str) -> int:
    """Columns a line of text takes at normal size."""
    return sum(char_width(char) for char in text)


def printable(text: str, encoding: str = "gb18030") -> tuple[str, frozenset[str]]:
    """`text` as the printer can print it, and the characters replaced by "□" because
    `encoding` ("gb18030" or "gbk") has no code for them; control characters (and any
    space but " ") become spaces."""
    out, missing = [], set()
    for char in unicodedata.normalize("NFC", text):
        if not char.isprintable():
            char = " "
        else:
            try:
                char.encode(encoding)
            except UnicodeEncodeError:
                missing.add(char)
                char = REPLACEMENT
        out.append(char)
    return "".join(out), frozenset(missing)


def fit(text: str, sizes: Sequence[int], columns: int) -> list[tuple[int, str]]:
    """The line as (size, text) pairs to print within `columns` (at normal size): at the
    first of `sizes` it fits at on one line, else wrapped at the last one."""
    text = text.strip()
    for size in sizes:
        if text_width(text) <= columns // width_factor(size):
            return [(size, text)]
    size = sizes[-1]
    return [(size, line) for line in wrap(text, columns // width_factor(size))]


def wrap(text: str, columns: int) -> list[str]:
    """`text` broken into lines of at most `columns`, as few as a greedy fill gives, then
    balanced: each line as long as the others, so that no word is left alone on the last."""
    units = _units(text)
    lines = _fill(units, columns)
    if len(lines) < 2:
        return lines
    longest_unit = max(text_width(unit) for _, unit in units)
    shortest = max(-(-text_width(text.strip()) // len(lines)), longest_unit)
    for narrower in range(shortest, columns):
        balanced = _fill(units, narrower)
        if len(balanced) == len(lines):
            return balanced
    return lines


def _units(text: str) -> list[tuple[str, str]]:
    """The text as (spaces before, unit) pairs, a unit being what is never broken: a word
    of Latin letters, digits and ASCII punctuation, or one Chinese character, with the
    punctuation that may not be parted from it. A line may break at any unit."""
    units: list[tuple[str, str]] = []
    space = word = ""

    def add(unit: str) -> None:
        nonlocal space
        if units and not space and (unit[0] in NO_LINE_START or units[-1][1][-1] in NO_LINE_END):
            units[-1] = (units[-1][0], units[-1][1] + unit)
        else:
            units.append((space, unit))
        space = ""

    for char in text:
        if char != " " and unicodedata.east_asian_width(char) not in ("W", "F"):
            word += char
            continue
        if word:
            add(word)
            word = ""
        if char == " ":
            space += char
        else:
            add(char)
    if word:
        add(word)
    return units


def _fill(units: list[tuple[str, str]], columns: int) -> list[str]:
    """Greedy: as many units on each line as fit; a unit wider than a whole line (a very
    long word) is the only thing ever split, between characters."""
    lines: list[str] = []
    line, width = "", 0
    for space, unit in units:
        needed = text_width(unit) + (len(space) if line else 0)
        if line and width + needed <= columns:
            line, width = line + space + unit, width + needed
            continue
        if line:
            lines.append(line)
        while text_width(unit) > columns and len(unit) > 1:
            head = _head(unit, columns)
            lines.append(head)
            unit = unit[len(head):]
        line, width = unit, text_width(unit)
    if line or not lines:
        lines.append(line)
    return lines


def _head(unit: str, columns: int) -> str:
    """The longest start of `unit` (at least one character) within `columns`."""
    width = 0
    for at, char in enumerate(unit):
        width += char_width(char)
        if width > columns:
            return unit[: max(at, 1)]
    return unit

"""A block font for ticket numbers larger than Textual's three-line `Digits`: the digits and
the letters A-Z drawn on a 5×7 grid, each pixel `scale` cells wide and `scale` half-lines
tall (half blocks ▀ ▄ █, so a pixel is about square on a terminal's cells). Solid strokes
read from further away than Digits' box-drawing lines.
"""

from __future__ import annotations

import math

GLYPH_WIDTH = 5
"""Pixels across one glyph."""

GLYPH_HEIGHT = 7
"""Pixels down one glyph."""

_GLYPHS = """
0 .###. #...# #...# #...# #...# #...# .###.
1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.
2 .###. #...# ....# ...#. ..#.. .#... #####
3 .###. #...# ....# ..##. ....# #...# .###.
4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.
5 ##### #.... ####. ....# ....# #...# .###.
6 ..##. .#... #.... ####. #...# #...# .###.
7 ##### ....# ...#. ..#.. .#... .#... .#...
8 .###. #...# #...# .###. #...# #...# .###.
9 .###. #...# #...# .#### ....# ...#. .##..
A .###. #...# #...# ##### #...# #...# #...#
B ####. #...# #...# ####. #...# #...# ####.
C .###. #...# #.... #.... #.... #...# .###.
D ####. #...# #...# #...# #...# #...# ####.
E ##### #.... #.... ####. #.... #.... #####
F ##### #.... #.... ####. #.... #.... #....
G .###. #...# #.... #.### #...# #...# .###.
H #...# #...# #...# ##### #...# #...# #...#
I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
J ..### ...#. ...#. ...#. ...#. #..#. .##..
K #...# #..#. #.#.. ##... #.#.. #..#. #...#
L #.... #.... #.... #.... #.... #.... #####
M #...# ##.## #.#.# #.#.# #...# #...# #...#
N #...# #...# ##..# #.#.# #..## #...# #...#
O .###. #...# #...# #...# #...# #...# .###.
P ####. #...# #...# ####. #.... #.... #....
Q .###. #...# #...# #...# #.#.# #..#. .##.#
R ####. #...# #...# ####. #.#.. #..#. #...#
S .#### #.... #.... .###. ....# ....# ####.
T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
U #...# #...# #...# #...# #...# #...# .###.
V #...# #...# #...# #...# #...# .#.#. ..#..
W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.
X #...# #...# .#.#. ..#.. .#.#. #...# #...#
Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..
Z ##### ....# ...#. ..#.. .#... #.... #####
- ..... ..... ..... ##### ..... ..... .....
"""

GLYPHS: dict[str, tuple[str, ...]] = {
    line[0]: tuple(line.split()[1:]) for line in _GLYPHS.strip().splitlines()
}
"""Each character's rows of pixels, top first; "#" is ink."""

_HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def can_draw(text: str) -> bool:
    """Whether every character of `text` has a glyph (lower case is drawn as upper)."""
    return all(c.upper() in GLYPHS for c in text)


def block_width(chars: int, scale: int) -> int:
    """Cells across `chars` glyphs at `scale`, a pixel's width between two glyphs."""
    return max(0, chars * GLYPH_WIDTH * scale + (chars - 1) * scale)


def block_height(scale: int) -> int:
    """Lines down a glyph at `scale`."""
    return math.ceil(GLYPH_HEIGHT * scale / 2)


def block_lines(text: str, scale: int) -> list[str]:
    """`text` drawn at `scale`, one string per line of the terminal (all of one width)."""
    pixels = _pixel_rows(text, scale)
    if len(pixels) % 2:
        pixels.append([False] * len(pixels[0]))
    return ["".join(_HALVES[top, bottom] for top, bottom in zip(upper, lower, strict=True))
            for upper, lower in zip(pixels[::2], pixels[1::2], strict=True)]


def _pixel_rows(text: str, scale: int) -> list[list[bool]]:
    """The rows of pixels of the whole text, each font pixel `scale` × `scale`."""
    glyphs = [GLYPHS[c.upper()] for c in text]
    rows: list[list[bool]] = []
    for y in range(GLYPH_HEIGHT):
        row: list[bool] = []
        for i, glyph in enumerate(glyphs):
            if i:
                row += [False] * scale
            row += [ink == "#" for ink in glyph[y] for _ in range(scale)]
        rows += [row] * scale
    return rows

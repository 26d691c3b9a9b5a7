"""Make the README's pictures of each app from the snapshot tests' SVGs.

    python docs/screenshots/make.py [BROWSER_SHOTS]

The snapshot tests (tests/snapshots/, pytest-textual-snapshot) draw every app headlessly on
the test hall and fail when an app's look changes until the SVG is updated deliberately;
this script turns the chosen SVGs into PNGs (GitHub shows a PNG the same everywhere) and
writes the SVGs' SHA-256 into `sources.json`. `tests/unit/test_screenshots.py` compares
those with the SVGs as they are, so a picture cannot silently go stale: after a snapshot
update the test says to run this script again.

The hall server's index page is no terminal app: its picture is the real-browser test's own
(`HALL_SCREENSHOTS=DIR pytest tests/browser -k every_page` writes `DIR/tv-index.png`, a
1920x1080 Chromium window); given that folder, this script takes it as `server-index.png`.

Needs `rsvg-convert` (Debian/Ubuntu: librsvg2-bin); `pngquant` makes the files ~4x smaller
when it is there. Chinese glyphs need a CJK font (e.g. fonts-wqy-zenhei).

Textual's SVG writes a line as a few runs of text, each given a `textLength` of one cell a
character: a CJK character takes two cells in the terminal but is drawn 1 em wide by a CJK
font, and a line with Chinese drifts. Every character is therefore drawn as a text of its
own at its cell.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.cells import cell_len

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE.parents[1] / "tests" / "snapshots" / "__snapshots__"

PICTURES: dict[str, str] = {
    "kiosk": "test_kiosk_snapshots/test_home[160x45].svg",
    "counter": "test_counter_snapshots/test_desk_with_a_ticket[120x40].svg",
    "support": "test_evaluator_snapshots/test_support_desk[120x40].svg",
    "evaluator": "test_evaluator_snapshots/test_evaluator_question[120x40].svg",
    "leader": "test_leader_snapshots/test_the_board_on_a_large_screen.svg",
    "wall": "test_display_snapshots/test_wall[160x45].svg",
    "counter-display": "test_display_snapshots/test_counter[160x45].svg",
}
"""Picture name (docs/screenshots/NAME.png) → its snapshot SVG under SNAPSHOTS."""

ZOOM = "0.75"
"""The PNG's scale against the SVG (1482 px wide at 160 columns → ~1110 px)."""

SOURCES = HERE / "sources.json"

TEXT = re.compile(
    r'<text ([^>]*?)x="([0-9.]+)"([^>]*?)textLength="([0-9.]+)"([^>]*)>([^<]*)</text>')


def digest(svg: Path) -> str:
    """The SVG's SHA-256, as `sources.json` keeps it."""
    return hashlib.sha256(svg.read_bytes()).hexdigest()


def place_glyphs(svg: str) -> str:
    """Every character of every text run as a text of its own at the x of its first cell,
    without `textLength` (librsvg takes one x a text): no run drifts, whatever the fonts'
    widths. Blanks are left out (their cells' backgrounds are rectangles of their own)."""

    def place(match: re.Match[str]) -> str:
        before, x, middle, length, after, body = match.groups()
        text = html.unescape(body)
        if not text:
            return match.group(0)
        cell = float(length) / len(text)  # Rich counts characters, not cells
        glyphs, at = [], float(x)
        for char in text:
            if not char.isspace():
                glyphs.append(f'<text {before}x="{at:.1f}"{middle.rstrip()}{after}>'
                              f"{html.escape(char, quote=False)}</text>")
            at += cell * cell_len(char)
        return "".join(glyphs)

    return TEXT.sub(place, svg)


def make(name: str, source: Path, out: Path) -> None:
    """`out`/NAME.png from the snapshot `source`."""
    png = out / f"{name}.png"
    with tempfile.TemporaryDirectory() as tmp:
        fixed = Path(tmp) / "fixed.svg"
        fixed.write_text(place_glyphs(source.read_text(encoding="utf-8")), encoding="utf-8")
        subprocess.run(["rsvg-convert", "-z", ZOOM, str(fixed), "-o", str(png)], check=True)
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "60-90",
                        "--output", str(png), str(png)], check=False)


def main() -> int:
    """Every picture, and `sources.json`."""
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert not found: install librsvg2-bin (apt) or librsvg (brew)",
              file=sys.stderr)
        return 2
    sources: dict[str, str] = {}
    for name, relative in PICTURES.items():
        source = SNAPSHOTS / relative
        make(name, source, HERE)
        sources[name] = digest(source)
        print(f"{name}.png  {(HERE / f'{name}.png').stat().st_size // 1024} KB  ← {relative}")
    SOURCES.write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    if len(sys.argv) > 1:
        index = HERE / "server-index.png"
        shutil.copyfile(Path(sys.argv[1]) / "tv-index.png", index)
        if shutil.which("pngquant"):
            subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "60-90",
                            "--output", str(index), str(index)], check=False)
        print(f"server-index.png  {index.stat().st_size // 1024} KB  ← tests/browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())

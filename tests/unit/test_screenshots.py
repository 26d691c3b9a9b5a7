"""The README's pictures of each app (docs/screenshots/) are made from the snapshot tests'
SVGs by docs/screenshots/make.py, which notes each SVG's SHA-256: a snapshot updated without
making the pictures again fails here, so a picture never silently shows an older app."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"


def maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots_make", SHOTS / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_picture_is_made_from_the_snapshot_as_it_is() -> None:
    make = maker()
    made = json.loads((SHOTS / "sources.json").read_text(encoding="utf-8"))
    assert set(made) == set(make.PICTURES)
    for name, relative in make.PICTURES.items():
        assert (SHOTS / f"{name}.png").is_file(), name
        assert make.digest(make.SNAPSHOTS / relative) == made[name], (
            f"{relative} changed since {name}.png was made: run python docs/screenshots/make.py")


def test_the_pictures_stay_small_and_the_readme_shows_each() -> None:
    pictures = sorted(SHOTS.glob("*.png"))
    assert sum(p.stat().st_size for p in pictures) < 400_000
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for picture in pictures:
        assert f"docs/screenshots/{picture.name}" in readme, picture.name


def test_each_character_is_drawn_at_its_own_cell() -> None:
    run = ('<text class="r1" x="12.2" y="20" textLength="48.8" clip-path="url(#l0)">'
           "张&#160;ab</text>")
    drawn = maker().place_glyphs(run)
    # 张 takes two cells: "a" starts at the fourth (12.2 + 3 × 12.2), the blank is left out.
    assert drawn.count("<text ") == 3 and "textLength" not in drawn
    assert 'x="12.2" y="20" clip-path="url(#l0)">张<' in drawn
    assert 'x="48.8" y="20" clip-path="url(#l0)">a<' in drawn and 'x="61.0"' in drawn

"""Issue 12: a display's page in the browser picks its font size from the window's width, so
that a 1920×1080 TV and a 1280×720 panel both draw ~110 columns (textual-serve's fixed
16 px drew ~213 on the TV: everything but the banner ~14 px high)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import jinja2
import pytest

from db.config import HallConfig
from server.app import DISPLAY_COLUMNS, TEMPLATES

CELL_EM = 0.6
"""Roboto Mono's advance width, in em."""


def page(config: HallConfig, columns: int | None) -> str:
    pages = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return pages.get_template("terminal.html").render(
        hall=config, path="/display", zh="综合叫号屏", en="Wall display", new_key="0" * 32,
        columns=columns)


def font_sizes(html: str, widths: list[int]) -> list[int]:
    """The page's own hallFontSize, run by node for each window width."""
    script = re.search(r'<script id="font-size">(.*?)</script>', html, re.S)
    assert script is not None, "the display's page has no font-size script"
    code = script.group(1) + f"\nconsole.log(JSON.stringify({widths}.map(hallFontSize)));"
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, "-e", code], capture_output=True, text=True, check=True,
                          timeout=30)
    return list(json.loads(done.stdout))


def test_the_display_page_font_comes_from_the_window_width(config: HallConfig) -> None:
    html = page(config, DISPLAY_COLUMNS)
    tv, panel = font_sizes(html, [1920, 1280])
    for width, size in ((1920, tv), (1280, panel)):
        columns = width / (size * CELL_EM)
        assert 100 <= columns <= 120, (width, size, columns)
    assert tv > panel >= 16  # larger on the larger screen, never smaller than before
    assert "dataset.fontSize" in html  # set before textual-serve builds the terminal


def test_other_terminals_keep_the_fixed_size(config: HallConfig) -> None:
    html = page(config, None)
    assert "hallFontSize" not in html and 'data-font-size="16"' in html

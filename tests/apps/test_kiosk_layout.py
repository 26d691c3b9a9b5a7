"""The kiosk at the sizes it must look right in: nothing cut, the grid adapts."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Button, Label

from db.store.views import StaffView
from kiosk.app import KioskApp
from kiosk.screens.guide import GuideScreen
from kiosk.widgets.business import BusinessGrid
from tests.apps.conftest import KioskFactory, click, settle, steady

ACCOUNT = "5100123456"
"""A 户号 as long as they come (ten digits)."""
SIZES = {(80, 24): 2, (100, 30): 2, (160, 45): 3, (60, 80): 1}
"""Terminal size → business columns: small, medium, large landscape, portrait."""


pytestmark = pytest.mark.usefixtures("no_touch_guard")


def cut_text(app: KioskApp) -> list[str]:
    """Labels and buttons whose text does not fit: outside the screen, or wider than their
    widget while on a single line (Chinese characters count two cells). A button's label
    must always fit on one line: a label that wraps makes the button taller here, but in a
    real terminal the button kept its one line and cut the rest ("Account no.: none")."""
    screen = app.screen.region
    cut = []
    for widget in app.screen.query("Label, Button"):
        if not isinstance(widget, Label | Button) or not widget.display:
            continue
        text = str(widget.label if isinstance(widget, Button) else widget.content)
        if not text:
            continue
        one_line = isinstance(widget, Button) or widget.content_region.height <= 1
        if not screen.contains_region(widget.region):
            cut.append(f"off screen: {text}")
        elif one_line and cell_len(text) > widget.content_region.width:
            cut.append(f"{widget.content_region.width} < {cell_len(text)}: {text}")
    return cut


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_screen_fits(kiosk: KioskFactory, size: tuple[int, int]) -> None:
    app = kiosk()
    async with app.run_test(size=size) as pilot:
        await steady(pilot)  # the size classes arrive after the first frame
        assert app.screen.query_one(BusinessGrid).styles.grid_size_columns == SIZES[size]
        await all_languages_fit(pilot)
        await click(pilot, "#account")
        await pilot.press(*ACCOUNT, "enter")  # a typed account number fits as well
        await all_languages_fit(pilot)
        await pilot.press("2")
        await settle(pilot)
        await steady(pilot)
        assert cut_text(app) == []
        await pilot.press("x")
        for opener in ("#account", "#appointment", "#feedback"):
            await click(pilot, opener)
            await steady(pilot)
            assert cut_text(app) == [], opener
            await pilot.press("escape")
        await pilot.press("f9")
        await steady(pilot)
        assert cut_text(app) == []
        await pilot.press("escape")
        await app.push_screen(GuideScreen(app.machine, StaffView("G01", "陈静", "guide", 0)))
        await all_languages_fit(pilot)
        await click(pilot, "#g-account")
        await pilot.press(*ACCOUNT, "enter")
        await all_languages_fit(pilot)


async def all_languages_fit(pilot: Pilot[None]) -> None:
    """Nothing on the current screen is cut, in English or in Chinese."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    for lang in ("en", "zh"):
        app.language = lang
        await steady(pilot)
        assert cut_text(app) == [], lang

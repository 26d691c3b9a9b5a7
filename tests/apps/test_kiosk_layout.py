"""The kiosk at the sizes it must look right in: nothing cut, the grid adapts."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Button, Label

from db.views import StaffView
from kiosk.app import KioskApp
from kiosk.screens import confirm
from kiosk.screens.guide import GuideScreen
from kiosk.widgets.business import BusinessGrid
from tests.apps.conftest import KioskFactory, settle

SIZES = {(80, 24): 2, (100, 30): 2, (160, 45): 3, (60, 80): 1}
"""Terminal size → business columns: small, medium, large landscape, portrait."""


@pytest.fixture(autouse=True)
def no_touch_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests touch the confirmation as soon as it is up; the guard against a double tap
    (`confirm.TOUCH_GUARD_SECONDS`) has tests of its own, in test_kiosk_customer.py."""
    monkeypatch.setattr(confirm, "TOUCH_GUARD_SECONDS", 0.0)


def cut_text(app: KioskApp) -> list[str]:
    """Labels and buttons whose text does not fit: outside the screen, or wider than their
    widget while on a single line (Chinese characters count two cells)."""
    screen = app.screen.region
    cut = []
    for widget in app.screen.query("Label, Button"):
        if not isinstance(widget, Label | Button) or not widget.display:
            continue
        text = str(widget.label if isinstance(widget, Button) else widget.content)
        if not text:
            continue
        if not screen.contains_region(widget.region):
            cut.append(f"off screen: {text}")
        elif widget.content_region.height <= 1 and cell_len(text) > widget.content_region.width:
            cut.append(f"{widget.content_region.width} < {cell_len(text)}: {text}")
    return cut


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_screen_fits(kiosk: KioskFactory, size: tuple[int, int]) -> None:
    app = kiosk()
    async with app.run_test(size=size) as pilot:
        assert app.screen.query_one(BusinessGrid).styles.grid_size_columns == SIZES[size]
        for lang in ("en", "zh"):
            app.language = lang
            await pilot.pause()
            assert cut_text(app) == [], lang
        await pilot.press("2")
        await settle(pilot)
        assert cut_text(app) == []
        await pilot.press("x")
        for opener in ("#account", "#feedback"):
            await pilot.click(opener)
            assert cut_text(app) == [], opener
            await pilot.press("escape")
        await pilot.press("f9")
        assert cut_text(app) == []
        await pilot.press("escape")
        await app.push_screen(GuideScreen(app.machine, StaffView("G01", "陈静", "guide", 0)))
        await pilot.pause()
        assert cut_text(app) == []

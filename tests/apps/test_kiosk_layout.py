"""The kiosk at the sizes it must look right in: nothing cut, the grid adapts."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from db.store.views import StaffView
from kiosk.app import KioskApp
from kiosk.screens.guide import GuideScreen
from kiosk.widgets.business import BusinessGrid
from tests.apps.conftest import KioskFactory, click, cut_text, reachable, settle, steady

ACCOUNT = "5100123456"
"""A 户号 as long as they come (ten digits)."""
SIZES = {(80, 24): 2, (100, 30): 2, (160, 45): 3, (60, 80): 1, (43, 40): 1}
"""Terminal size → business columns: small, medium, large landscape, portrait, and a
phone's page on the hall server (390×844 px in Chromium at the terminal font's 16 px)."""
PHONE_PAGE = (43, 40)
"""Where guide mode's desk scrolls: what is below the screen must show whole once scrolled
to (the customer's home screen fits without scrolling at every size)."""


pytestmark = [pytest.mark.usefixtures("no_touch_guard"),
              pytest.mark.sqlite_only("the screen's layout: the same on any database")]


@pytest.mark.parametrize("size", list(SIZES), ids=[f"{w}x{h}" for w, h in SIZES])
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
            assert cut_text(app) == [], (opener, cut_text(app))
            await pilot.press("escape")
        await pilot.press("f9")
        await steady(pilot)
        assert cut_text(app) == []
        await pilot.press("escape")
        await app.push_screen(GuideScreen(app.machine, StaffView("G01", "陈静", "guide", 0)))
        scrolls = size == PHONE_PAGE
        await all_languages_fit(pilot, scrolls=scrolls)
        await click(pilot, "#g-account")
        await pilot.press(*ACCOUNT, "enter")
        await all_languages_fit(pilot, scrolls=scrolls)


async def all_languages_fit(pilot: Pilot[None], *, scrolls: bool = False) -> None:
    """Nothing on the current screen is cut, in English or in Chinese (`scrolls`: or once
    scrolled to)."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    for lang in ("en", "zh"):
        app.language = lang
        await steady(pilot)
        cut = await reachable(pilot) if scrolls else cut_text(app)
        assert cut == [], (lang, cut)

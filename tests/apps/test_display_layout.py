"""The displays at every size the hall has (80×24 to 240×67, portrait too): big digits that
grow with the screen, lists that use the room; the highlight of a new call that goes away;
a Chinese-only hall without the English line."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.geometry import Size
from textual.widgets import Label

from db.config import HallConfig
from db.store.session import Hall
from db.store.watch import ChangeWatcher
from display.app import make_app
from display.widgets import banner as banner_module
from display.widgets.banner import CallBanner, Fit, fit
from display.widgets.big_number import BigNumber
from display.widgets.block_font import GLYPHS, block_height, block_lines
from display.widgets.calls import RecentCalls
from display.widgets.counters import CounterBoard
from display.widgets.queues import QueueBoard
from tests.apps.conftest import SMALL, FlakyWatcher, text, until
from tests.apps.test_display import call, inside, issue, shown_number
from tests.apps.test_display_calls import call_many

pytestmark = pytest.mark.sqlite_only("the screen's layout: the same on any database")

LARGE = (160, 45)
HUGE = (240, 67)
PORTRAIT = (60, 80)
NARROW = (45, 80)
SIZES = [SMALL, LARGE, HUGE, PORTRAIT, NARROW]
IDS = ["80x24", "160x45", "240x67", "60x80", "45x80"]


# -- the font and the fit --------------------------------------------------------------------


def test_every_glyph_is_five_by_seven_and_draws_at_every_scale() -> None:
    for char, rows in GLYPHS.items():
        assert len(rows) == 7 and all(len(row) == 5 for row in rows), char
    for scale in (1, 2, 3):
        lines = block_lines("A023", scale)
        assert len(lines) == block_height(scale)
        assert {len(line) for line in lines} == {4 * 5 * scale + 3 * scale}


def test_the_banner_digits_grow_with_the_screen() -> None:
    def at(size: tuple[int, int]) -> Fit:
        return fit(Size(*size), "A023", "12")

    assert at(SMALL) == Fit(1, stacked=False)
    assert at(LARGE) == Fit(3, stacked=False)
    assert at(HUGE) == Fit(4, stacked=False)
    assert at(PORTRAIT) == Fit(2, stacked=True)  # two lines: larger than one would be
    assert at(NARROW) == Fit(1, stacked=True)
    assert at((40, 20)) == Fit(0, stacked=False)  # Digits where nothing else fits


# -- the wall at every size ----------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_call_shows_large_at_every_size(
        config: HallConfig, hall: Hall, size: tuple[int, int]) -> None:
    issue(hall, "A", "A", "B")
    app = make_app(config, hall)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        call(hall, 1)
        await until(pilot, lambda: shown_number(app) == "A001")
        await pilot.pause()
        chosen = fit(Size(*size), "A000", str(max(c.number for c in config.counters)))
        number = app.screen.query_one("#call-number", BigNumber)
        assert number.scale == chosen.scale
        assert number.region.height == (block_height(chosen.scale) if chosen.scale else 3)
        assert app.screen.query_one(CallBanner).has_class("-stacked") == chosen.stacked
        for part in ("#call-number", "#call-counter", "#call-en", "#recent", "#queues"):
            assert inside(app, part), part
        board = app.screen.query_one(QueueBoard)
        assert "F 新能源并网" in str(board.render())  # the last business type has room


@pytest.mark.parametrize("size", [LARGE, PORTRAIT], ids=["160x45", "60x80"])
async def test_the_lists_use_the_room_of_a_large_screen(
        config: HallConfig, hall: Hall, size: tuple[int, int]) -> None:
    """Calls in big digits, queues a line apart, where the height has room for that."""
    issue(hall, *"A" * 4)
    app = make_app(config, hall)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        numbers = call_many(hall, 4)
        await until(pilot, lambda: shown_number(app) == numbers[-1])
        await pilot.pause()
        calls = app.screen.query_one(RecentCalls)
        lines = str(calls.render()).splitlines()
        assert lines[2].startswith(block_lines(numbers[-2], 1)[0])  # under the heading
        assert numbers[-2] not in "".join(lines)  # drawn in blocks, not as text
        queues = str(app.screen.query_one(QueueBoard).render()).splitlines()
        assert len([q for q in queues if q]) == len(config.languages) + len(config.businesses)
        # The rest of the room goes to the counters and the next numbers (issue 12).
        counters = str(app.screen.query_one(CounterBoard).render()).splitlines()
        assert counters[0].strip() == "暂无等候"  # all four called: nobody to get ready
        assert len(counters) == 2 + len(config.counters)


@pytest.mark.parametrize("size", [LARGE, PORTRAIT], ids=["160x45", "60x80"])
async def test_reconnecting_shows_at_every_size(
        config: HallConfig, hall: Hall, size: tuple[int, int]) -> None:
    watcher = FlakyWatcher(ChangeWatcher.for_hall(hall))
    app = make_app(config, hall, watcher=watcher)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        status = app.screen.query_one("#status", Label)
        watcher.down = True
        await until(pilot, lambda: status.display)
        await pilot.pause()
        assert inside(app, "#status")
        watcher.down = False
        await until(pilot, lambda: not status.display)


# -- the highlight, the languages ------------------------------------------------------


async def test_the_highlight_goes_after_its_time(
        config: HallConfig, hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(banner_module, "HIGHLIGHT_SECONDS", 0.4)
    issue(hall, "A")
    app = make_app(config, hall)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        call(hall, 1)
        banner = app.screen.query_one(CallBanner)
        await until(pilot, lambda: banner.has_class("-fresh"))
        await until(pilot, lambda: not banner.has_class("-fresh"), timeout=3)
        assert shown_number(app) == "A001"  # the call stays, only its highlight goes


async def test_a_chinese_only_hall_shows_no_english(config: HallConfig, hall: Hall) -> None:
    chinese = replace(config, languages=("zh",))
    issue(hall, "A")
    app = make_app(chinese, hall)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: app.screen.query_one(QueueBoard).snapshot is not None)
        assert text(app, "#call-en") == "欢迎光临，请取号等候"  # no English half
        call(hall, 1)
        await until(pilot, lambda: shown_number(app) == "A001")
        await pilot.pause()
        assert not app.screen.query_one("#call-en", Label).display
        assert "Bill payment" not in str(app.screen.query_one(QueueBoard).render())
        assert "Number" not in str(app.screen.query_one(RecentCalls).render())
        assert app.screen.query_one("#recent").border_title == "最近叫号"

"""Toasts drawn over wide characters (issue 12): a notification over rows of CJK buttons
shows every character of its message, whatever the terminal's size and wherever the edges
of the widgets beneath it fall (a cut inside a double-width character used to turn it into
two spaces)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button
from textual.widgets._toast import Toast

from tests.apps.conftest import until
from ui.app import HallApp  # noqa: F401  (installs the hall's compositor, as every app does)
from ui.compositor import WideSafeCompositor

LABELS = ("叫号", "重呼", "过号", "开始办理", "办结", "转办", "续办", "转后台", "待补件",
          "补救", "暂停", "签退")

MESSAGES = (
    "A001 后台有疑问（备注：请补充原户主身份证复印件）",
    "第 2 号补救（A005）：值班领导 L01 已驳回：银行代扣延迟，请客户先缴清违约金后再申请减免",
)


class Rows(App[None]):
    """Rows of CJK buttons, each row shifted by one cell, so their edges fall on every
    column."""

    CSS = "Button { min-width: 3; margin: 0 0; } Horizontal { height: 3; }"

    def compose(self) -> ComposeResult:
        for shift in range(8):
            with Horizontal():
                if shift:
                    yield Button(" " * shift, compact=True)
                for label in LABELS:
                    yield Button(label, compact=True)


def toast_lines(app: App[None]) -> str:
    """The text the screen shows where its toasts are, line after line, spaces left out."""
    screen = app.screen
    lines = screen._compositor.render_strips()
    text = ""
    for toast in screen.query(Toast):
        region = toast.content_region
        for y in range(region.y, region.bottom):
            strip = lines[y].crop(region.x, region.right)
            text += strip.text
    return text.replace(" ", "")


@pytest.mark.parametrize("size", [(80, 24), (81, 24), (120, 36), (121, 36), (160, 45)])
@pytest.mark.parametrize("message", MESSAGES)
async def test_a_toast_over_cjk_buttons_shows_every_character(
        size: tuple[int, int], message: str) -> None:
    app = Rows()
    async with app.run_test(size=size, notifications=True) as pilot:
        app.notify(message, timeout=30)
        await until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        assert isinstance(app.screen._compositor, WideSafeCompositor)
        assert toast_lines(app) == message.replace(" ", "")
        assert partial_update_text(app) == message.replace(" ", "")


def partial_update_text(app: App[None]) -> str:
    """What a partial update of the toasts sends the terminal: every piece as wide as the
    columns it is drawn on, and the toasts' text in it."""
    screen = app.screen
    compositor = screen._compositor
    toasts = list(screen.query(Toast))
    for toast in toasts:
        compositor._dirty_regions.add(toast.region)
    update = compositor.render_partial_update()
    assert update is not None
    text = ""
    for toast in toasts:
        region = toast.content_region
        for y in range(region.y, region.bottom):
            for (x, piece), end in zip(update.chops[y].items(), update.chop_ends[y],
                                       strict=True):
                if piece is not None:
                    assert piece.cell_length == end - x
                    if region.x <= x < region.right or x < region.x < end:
                        text += piece.crop(max(0, region.x - x),
                                           region.right - x).text
    return text.replace(" ", "")

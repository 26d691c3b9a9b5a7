"""The same estimate in the same words on every surface (issue 16): the kiosk's card, the
slip, the wall display's column, the phone page and the CLI all say it with
`db.rules.waits`; a wide spread as a range, 即将叫号 at once, a reason where none is open."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from db.config import HallConfig
from db.store.views import HallSnapshot, TicketView
from display.widgets.queues import QueueBoard
from display.widgets.queues import wait_text as wall_text
from hall.labels import wait_text as cli_text
from kiosk.slip import sample_slip
from kiosk.slip import wait_text as slip_text
from kiosk.widgets.ticket_card import CardText, TicketCard
from server.tickets import describe

NOW = dt.datetime(2026, 11, 27, 1, 30)
DAY = NOW.date()
CASES = [  # (minutes, low, high) → zh figure, en figure
    ((12.4, 9.7, 15.2), "约 9–16 分钟", "about 9–16 min"),
    ((7.6, 7.0, 8.4), "约 8 分钟", "about 8 min"),
    ((0.0, None, None), "即将叫号", "About to be called"),
]


def ticket(minutes: float | None, low: float | None, high: float | None) -> TicketView:
    return TicketView(
        id=1, number="A023", business_day=DAY, business="A", origin_business="A",
        status="waiting", priority="normal", account=None, counter=None, handler=None,
        issued_by=None, support=None, issued_at=NOW, queued_at=NOW, first_called_at=None,
        called_at=None, no_show_at=None, started_at=None, completed_at=None, recalls=0,
        services=1, directed_to=None, rating=None, rated_at=None, note=None, ahead=3,
        told_minutes=minutes, told_low=low, told_high=high,
    ).with_wait(3, minutes, low, high)


@pytest.mark.parametrize(("told", "zh", "en"), CASES)
def test_every_surface_says_the_same(config: HallConfig, told: tuple[float, float | None,
                                     float | None], zh: str, en: str) -> None:
    view = ticket(*told)
    line_zh = zh if told[0] == 0 else f"预计等候{zh}"
    line_en = en if told[0] == 0 else f"Estimated wait: {en}"
    card = TicketCard(view, CardText(config.business("A")))
    assert (card._wait("zh"), card._wait("en")) == (line_zh, line_en)  # the kiosk's screen
    slip = sample_slip("zh", estimated_wait_min=told[0], estimated_low=told[1],
                       estimated_high=told[2])
    assert slip_text(slip.estimated_wait_min, "zh", slip.estimated_low,
                     slip.estimated_high) == line_zh  # the slip
    assert slip_text(told[0], "en", told[1], told[2]) == line_en
    page = describe(config, view, DAY, NOW)  # the phone page
    assert (page["detail_zh"], page["detail_en"]) == (line_zh, line_en)
    assert wall_text(*told) == zh and wall_text(*told, language="en") == en  # the wall
    assert cli_text(*told) == zh  # hall ticket / hall status


def test_no_open_counter_says_why(config: HallConfig) -> None:
    view = ticket(None, None, None)
    card = TicketCard(view, CardText(config.business("A")))
    assert card._wait("zh") == "暂未开放办理此业务的窗口，请稍候"
    assert slip_text(None, "zh") == "预计等候：暂无预计"
    assert describe(config, view, DAY, NOW)["detail_zh"] == "暂无预计等候时间"
    assert cli_text(None) == "暂无开放窗口"
    board = QueueBoard(config)
    board.snapshot = HallSnapshot(NOW, DAY, {"A": 1}, (), (), {"A": None})
    rows = {row[0][0]: row for row in board._rows()}
    assert rows["A"][2] == "暂无窗口"  # no counter serves A: the column says so


def test_the_wall_column_shows_the_range(config: HallConfig) -> None:
    board = QueueBoard(config)
    board.snapshot = HallSnapshot(NOW, DAY, {"A": 4}, (), (), {"A": 12.4},
                                  {"A": (9.7, 15.2)})
    rows = {row[0][0]: row for row in board._rows()}
    assert rows["A"][2] == "约 9–16 分钟"
    later = dataclasses.replace(board.snapshot, estimated_range={})
    board.snapshot = later
    assert {row[0][0]: row for row in board._rows()}["A"][2] == "约 12 分钟"

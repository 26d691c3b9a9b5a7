"""Chinese words for the codes the core uses, and small formatters for people."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from db.errors import NotFound
from db.rules.waits import wait_words
from db.store.views import COUNTER_STATE_ZH, RATING_NAMES_ZH, ROLE_ZH, TICKET_STATUS_ZH

if TYPE_CHECKING:
    from db.config import HallConfig

__all__ = ["COUNTER_STATE_ZH", "ROLE_ZH", "TICKET_STATUS_ZH"]  # re-exported for the CLI


def zh(table: dict[str, str], code: str | None) -> str:
    """The Chinese word for a code, or the code itself if there is none."""
    if code is None:
        return "—"
    return table.get(code, code)


def business_name(config: HallConfig, prefix: str) -> str:
    """`缴费 A`: the Chinese name and the prefix (the prefix alone if no longer configured)."""
    try:
        return f"{config.business(prefix).name_zh} {prefix}"
    except NotFound:
        return prefix


def priority_name(config: HallConfig, code: str) -> str:
    """The Chinese name of a priority class."""
    try:
        return config.priority(code).name_zh
    except NotFound:
        return code


def counter_name(config: HallConfig, number: int | None) -> str:
    """The Chinese name of a counter, e.g. 1号窗口（缴费）."""
    if number is None:
        return "—"
    try:
        return config.counter(number).name_zh
    except NotFound:
        return f"{number}号窗口"


def rating_name(score: int | None) -> str:
    """非常满意 (4) … 不满意 (1)."""
    if score is None:
        return "未评价"
    return f"{RATING_NAMES_ZH.get(score, str(score))} ({score})"


def wait_text(minutes: float | None, low: float | None = None, high: float | None = None
              ) -> str:
    """An estimated wait as a customer reads it, in the kiosk's words (`db.rules.waits`)."""
    if minutes is None:
        return "暂无开放窗口"
    return wait_words(minutes, low, high)


def local_time(config: HallConfig, at: dt.datetime | None, *, with_date: bool = False) -> str:
    """A stored (naive UTC) time shown in the hall's time zone; `with_date` gives the short
    form for lists that span days, e.g. 11-27 09:05."""
    if at is None:
        return "—"
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    shown = aware.astimezone(config.tz)
    return shown.strftime("%m-%d %H:%M" if with_date else "%H:%M:%S")


def head_line(head_id: int | None, head_hash: str | None) -> str:
    """The head of the event log's chain, to be written down outside the database."""
    if head_id is None:
        return "事件记录为空 (no events yet)"
    return f"链头 head #{head_id} {head_hash}"

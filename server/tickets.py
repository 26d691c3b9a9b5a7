"""What a ticket's page on the customer's phone says: where the ticket stands, in Chinese
with an English line, read from the database for each request (the page asks every 2 s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.config import HallConfig
from db.rules.estimate import Memo
from db.rules.links import hall_secret, ticket_by_token
from db.rules.waits import wait_line
from db.store.session import Hall
from db.store.views import TicketView

POLL_SECONDS = 2
"""How often the page asks for the ticket's state."""


class TicketPages:
    """The ticket pages' reads on the hall's database."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.config: HallConfig = hall.config
        self.estimates = Memo()
        """The waits of every phone page: the hall read once per change, not per request."""

    def state(self, token: str) -> dict[str, Any] | None:
        """The ticket's state for its page, or None when the token names none (blocking:
        run it in a thread)."""
        key = hall_secret(self.hall)
        with self.hall.read() as tx:
            view = ticket_by_token(tx, key, token, self.estimates)
            today = tx.day
            now = tx.now
        if view is None:
            return None
        return describe(self.config, view, today, now)


def describe(config: HallConfig, view: TicketView, today: dt.date,
             now: dt.datetime) -> dict[str, Any]:
    """The page's words for a ticket as it stands (`now` is naive UTC, as stored)."""
    business = config.business(view.business)
    zh, en, detail_zh, detail_en = _words(view, today)
    local = now.replace(tzinfo=dt.UTC).astimezone(config.tz)
    return {
        "number": view.number,
        "business_zh": business.name_zh,
        "business_en": business.name_en,
        "status": view.status,
        "ahead": view.ahead if view.status == "waiting" else None,
        "wait_minutes": _minutes(view.estimated_wait_min) if view.status == "waiting" else None,
        "counter": view.counter,
        "called": view.status == "called",
        "final": view.status in ("done", "cancelled") or view.business_day < today,
        "headline_zh": zh,
        "headline_en": en,
        "detail_zh": detail_zh,
        "detail_en": detail_en,
        "as_of": local.strftime("%H:%M:%S"),
        "hall_zh": config.name_zh,
        "hall_en": config.name_en,
    }


def _minutes(estimate: float | None) -> int | None:
    """Whole minutes as the words say them (0: 即将叫号)."""
    if estimate is None:
        return None
    return 0 if estimate <= 0 else max(1, round(estimate))


def _words(view: TicketView, today: dt.date) -> tuple[str, str, str, str]:
    """The headline and the line under it, in Chinese and in English. A counter is said
    by its number, as the hall's voice calls it: "请到3号窗口"."""
    status = view.status
    counter = view.counter
    if view.business_day < today and status in ("waiting", "called", "no_show"):
        day = view.business_day.isoformat()
        return ("此号码已过期", "This number has expired",
                f"这是 {day} 的号码，请重新取号", f"It was a number of {day}: take a new one")
    if status == "waiting":
        ahead = view.ahead or 0
        if ahead == 0:
            zh, en = "下一位就是您", "You are next"
        else:
            zh, en = f"您前面还有 {ahead} 人", f"{ahead} {'person' if ahead == 1 else 'people'} " \
                                             "ahead of you"
        # The kiosk's words for the estimate as it stands now (`db.rules.waits`).
        wait = [wait_line(view.estimated_wait_min, view.estimated_low, view.estimated_high,
                          lang) for lang in ("zh", "en")]
        if wait[0] is None or wait[1] is None:
            return zh, en, "暂无预计等候时间", "No estimated wait yet"
        return zh, en, wait[0], wait[1]
    if status == "called":
        return (f"请到{counter}号窗口", f"Please go to counter {counter}",
                "正在叫您的号，请尽快前往", "Your number is being called")
    if status == "serving":
        if counter is None:
            return "正在办理", "In progress", "您的事项正在办理中", "Your matter is being handled"
        return f"正在{counter}号窗口办理", f"Being served at counter {counter}", "", ""
    if status == "with_support":
        return ("后台处理中", "With the back office",
                "办理人员会与您联系", "Your handler will come back to you")
    if status == "done":
        return "已办结", "Done", "感谢您的光临", "Thank you for your visit"
    if status == "no_show":
        return ("已过号", "Missed", "请到服务台重新排队", "Please see the service desk")
    return "此号码已作废", "This number is cancelled", "", ""

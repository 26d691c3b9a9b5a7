"""The notice line of the wall display (公告), set by the duty leader.

A notice is an event of the log (kind "notice", detail {"text": …}, in the leader's name):
the latest of the business day is the one shown, and an empty text clears it. So it needs no
table of its own, a display learns of it through the same change check as of a call, and
the log keeps who said what to the hall and when.
"""

from __future__ import annotations

from sqlalchemy import select

from db.errors import AuthFailed
from db.rules.ops import E, log, staff_row
from db.rules.text import NOTICE_MAX, check_length
from db.store.session import Tx

NOTICE = "notice"
"""The event kind."""


def set_notice(tx: Tx, staff: str, text: str) -> str:
    """Show `text` on the wall displays from now on (duty leader only); an empty text
    clears the notice. Returns the notice as stored (spaces tidied)."""
    tidy = tidy_notice(text)
    if staff_row(tx, staff).role != "leader":
        raise AuthFailed(f"only a duty leader can set the notice; {staff} is not one",
                         zh=f"只有值班领导可以发布公告；{staff} 不是值班领导")
    log(tx, NOTICE, staff=staff, text=tidy)
    return tidy


def tidy_notice(text: str) -> str:
    """The notice as it is stored: on one line, single spaces; refused when too long."""
    tidy = " ".join(text.split())
    check_length(tidy, NOTICE_MAX, "a notice", "公告")
    return tidy


def current_notice(tx: Tx) -> str:
    """Today's notice, "" when none was set or it was cleared (reads one row through the
    events' (kind, business_day, id) index)."""
    detail = tx.conn.execute(
        select(E.c.detail)
        .where(E.c.kind == NOTICE, E.c.business_day == tx.day)
        .order_by(E.c.id.desc())
        .limit(1)
    ).scalar()
    text = detail.get("text") if isinstance(detail, dict) else None
    return text if isinstance(text, str) else ""

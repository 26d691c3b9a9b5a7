"""Free text the core stores: refused in one line when longer than it may be.

A text kept in a column is as long as its column holds, the length read from the model's
column type so that it is declared once (db/store/models.py); the apps stop typing at the
same length (`width`). A text kept only in an event's details has no column to read: its
limit is stated here, once, for the rule and the app alike.
"""

from __future__ import annotations

from typing import Any

from db.errors import Refused

# -- texts kept only in an event's details, or kept shorter than their column -----------------

NOTICE_MAX = 200
"""The duty leader's notice line (a `notice` event): one line that scrolls, not a letter."""

SUPPORT_NOTE_MAX = 500
"""A support colleague's note on a referral (a `support_note` event), as long as a ticket's
own note."""

ENQUIRY_NOTE_MAX = 200
"""What a guide writes about an enquiry answered on the spot (an `enquiry` event)."""

CANCEL_REASON_MAX = 500
"""Why the duty leader voids a ticket (a `cancel` event), as long as other reasons."""

FEEDBACK_MAX = 500
"""One supervision-box note (its column holds 1000: the box takes a note, not a letter)."""

REPLY_MAX = 500
"""The duty leader's answer to a supervision-box note (its column holds 1000)."""


def max_length(column: Any) -> int | None:
    """The characters a column holds (`String(500)` → 500); None when unbounded."""
    length = getattr(column.type, "length", None)
    return int(length) if length is not None else None


def width(column: Any) -> int:
    """The characters a bounded column holds: what an app's input stops at."""
    length = max_length(column)
    if length is None:
        raise ValueError(f"column {column} has no length")
    return length


def check_length(value: str | None, limit: int, what: str, what_zh: str) -> None:
    """Refuse `value` (what it is, in English and Chinese) when longer than `limit`."""
    if value is not None and len(value) > limit:
        raise Refused(f"{what} is at most {limit} characters, not {len(value)}",
                      zh=f"{what_zh}最多 {limit} 个字，现为 {len(value)} 个")


def check_fits(value: str | None, column: Any, what: str, what_zh: str) -> None:
    """Refuse `value` (what it is, in English and Chinese) when its column cannot hold it."""
    limit = max_length(column)
    if limit is not None:
        check_length(value, limit, what, what_zh)

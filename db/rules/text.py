"""Free text the core stores: refused in one line when longer than its column holds, the
length read from the model's column type so that it is declared once (db/store/models.py)."""

from __future__ import annotations

from typing import Any

from db.errors import Refused


def max_length(column: Any) -> int | None:
    """The characters a column holds (`String(500)` → 500); None when unbounded."""
    length = getattr(column.type, "length", None)
    return int(length) if length is not None else None


def check_fits(value: str | None, column: Any, what: str, what_zh: str) -> None:
    """Refuse `value` (what it is, in English and Chinese) when its column cannot hold it."""
    limit = max_length(column)
    if value is not None and limit is not None and len(value) > limit:
        raise Refused(f"{what} is at most {limit} characters, not {len(value)}",
                      zh=f"{what_zh}最多 {limit} 个字，现为 {len(value)} 个")

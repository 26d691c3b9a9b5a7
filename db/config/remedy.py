"""The remedy kinds a handler may grant (授权): the `[[remedy]]` tables of the hall config.

The section is optional; a hall that lists none gets `DEFAULT_REMEDIES`. Re-exported by
`db.config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from db.config.file import Table, claim, show

_REMEDY_KEYS = ("code", "zh", "en")
_CODE = re.compile(r"[a-z_]{1,20}")


@dataclass(frozen=True)
class RemedyKind:
    """A kind of remedy (补救措施), such as a late-fee waiver or a home visit."""

    code: str
    """Stable identifier stored with each remedy; [a-z_], at most 20, unique."""
    name_zh: str
    """Chinese name shown at the counter and in reports."""
    name_en: str
    """English name."""


DEFAULT_REMEDIES: tuple[RemedyKind, ...] = (
    RemedyKind("late_fee_waiver", "减免违约金", "Late-fee waiver"),
    RemedyKind("compensation", "赔偿", "Compensation"),
    RemedyKind("home_visit", "上门服务", "Home visit"),
    RemedyKind("expedite", "加急办理", "Expedited handling"),
)
"""The kinds a hall gets when its config lists no [[remedy]]."""


def remedy_kinds(top: Table) -> tuple[RemedyKind, ...]:
    """The [[remedy]] tables in file order, or the defaults when there are none."""
    seen: dict[object, str] = {}
    found = []
    for row in top.rows("remedy", _REMEDY_KEYS, required=False):
        code = row.text("code")
        problem = f"must be 1 to 20 lower-case letters and underscores, got {show(code)}"
        row.ensure(_CODE.fullmatch(code) is not None, "code", problem)
        claim(row, "code", code, seen)
        zh = row.text("zh")
        found.append(RemedyKind(code, zh, row.text("en", zh)))
    return tuple(found) or DEFAULT_REMEDIES

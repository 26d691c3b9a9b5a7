"""The remedy kinds a handler may grant (授权): the `[[remedy]]` tables of the hall config.

The section is optional; a hall that lists none gets `DEFAULT_REMEDIES`. Re-exported by
`db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from db.config.schema import ChineseName, EnglishName, Rule

_CODE = Rule(
    pattern=r"[a-z_]{1,20}", means="1 to 20 lower-case letters and underscores", unique=True
)


@dataclass(frozen=True)
class RemedyKind:
    """A kind of remedy (补救措施), such as a late-fee waiver or a home visit."""

    code: Annotated[str, _CODE]
    """Stable identifier stored with each remedy; [a-z_], at most 20, unique."""
    name_zh: ChineseName
    """Chinese name shown at the counter and in reports (key "zh")."""
    name_en: EnglishName
    """English name (key "en"; the Chinese one when absent)."""


DEFAULT_REMEDIES: tuple[RemedyKind, ...] = (
    RemedyKind("late_fee_waiver", "减免违约金", "Late-fee waiver"),
    RemedyKind("compensation", "赔偿", "Compensation"),
    RemedyKind("home_visit", "上门服务", "Home visit"),
    RemedyKind("expedite", "加急办理", "Expedited handling"),
)
"""The kinds a hall gets when its config lists no [[remedy]]."""

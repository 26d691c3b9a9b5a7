"""A ticket's history as a person reads it (the duty leader's console, the support desk):
one line per event, its details in words (business and remedy kinds by their configured
names, money in yuan, staff by name and id, outcomes and ratings as words), never the
log's raw keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from db.config import HallConfig
from db.errors import NotFound
from db.rules.evaluation import REASONS
from db.rules.reception import FEEDBACK_KINDS
from db.store.views import RATINGS, EventView, yuan
from ui.history_text import FLAGS, ROLES, TERMINALS, WALL_DISPLAY, event_name, t
from ui.text import name

Names = Mapping[str, str]
"""Staff id → name."""


def staff_label(staff: str | None, names: Names) -> str:
    """`张伟 C01`, or the id alone for someone no longer on the staff list."""
    if not staff:
        return ""
    known = names.get(staff)
    return f"{known} {staff}" if known else staff


def business_name(config: HallConfig, prefix: str, lang: str) -> str:
    """A business type's configured name, or the prefix when the config no longer has it."""
    try:
        return name(config.business(prefix), lang)
    except NotFound:
        return prefix


def remedy_name(config: HallConfig, code: str, lang: str) -> str:
    """A remedy kind's configured name, or its code when the config no longer has it."""
    try:
        return name(config.remedy(code), lang)
    except NotFound:
        return code


def local_time(at: dt.datetime, config: HallConfig) -> str:
    """A stored time (UTC, naive or not) as the hall's local hh:mm."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(config.tz).strftime("%H:%M")


def event_line(event: EventView, config: HallConfig, names: Names, lang: str) -> str:
    """`09:20 申请补救 张伟 C01：赔偿 ¥800.00，原因：停电损失`."""
    when = local_time(event.at, config)
    head = f"{when} {event_name(event.kind, lang, event.detail)}"
    who = staff_label(event.staff, names)
    if who:
        head = f"{head} {who}"
    parts = details(event, config, names, lang)
    if not parts:
        return head
    return head + t("detail_sep", lang) + t("detail_join", lang).join(parts)


def details(event: EventView, config: HallConfig, names: Names, lang: str) -> list[str]:
    """The event's counter and details in words, in a fixed order; a key this module does
    not know shows its value alone (a time as local hh:mm), never the log's raw key."""
    detail = {k: v for k, v in (event.detail or {}).items() if v is not None and v != ""}
    parts = [t("at_counter_no", lang, n=event.counter)] if event.counter is not None else []
    if event.kind in NOTE_KINDS and "note" in detail:
        parts.append(str(detail.pop("note")))  # the step's name already says "note"
    if "from_business" in detail and "to_business" in detail:
        parts.append(f"{business_name(config, detail.pop('from_business'), lang)} → "
                     f"{business_name(config, detail.pop('to_business'), lang)}")
    if "from_handler" in detail and "to_handler" in detail:
        parts.append(t("d_handler", lang, who=f"{staff_label(detail.pop('from_handler'), names)}"
                       f" → {staff_label(detail.pop('to_handler'), names)}"))
    if "remedy_kind" in detail:
        kind = remedy_name(config, detail.pop("remedy_kind"), lang)
        amount = detail.pop("amount_fen", 0)
        parts.append(f"{kind} ¥{yuan(amount)}" if amount else kind)
        detail.pop("remedy", None)  # the kind and the amount say which
    words = _words(config, names, lang)
    for key, value in detail.items():
        say = words.get(key)
        if say is not None:
            parts.append(say(value))
        elif key not in SILENT:
            parts.append(plain(value, config))
    return [p for p in parts if p]


NOTE_KINDS = frozenset({"support_note"})
"""Steps that are a note: their note reads bare, not as `备注：…` again."""

SILENT = frozenset({"number", *FLAGS})
"""Details the history leaves out: the ticket's own number is the pane's title, and the
flags are said by the step's name."""


def _words(config: HallConfig, names: Names, lang: str) -> dict[str, Callable[[Any], str]]:
    """How each detail key reads."""

    def text(key: str) -> Callable[[Any], str]:
        return lambda value: t(key, lang, v=value)

    def person(key: str) -> Callable[[Any], str]:
        return lambda value: t(key, lang, who=staff_label(str(value), names))

    return {
        "business": lambda value: business_name(config, str(value), lang),
        "directed_to": lambda value: t("d_directed", lang, n=value),
        "named": lambda value: t("d_named", lang) if value else "",
        "count": text("d_count"),
        "note": text("d_note"),
        "reason": lambda value: t("d_reason", lang, v=coded(str(value), lang)),
        "about": lambda value: coded(str(value), lang),
        "recalls": text("d_recalls"),
        "auto": lambda value: t("d_auto", lang) if value else "",
        "why": text("d_reason"),
        "message": text("d_note"),
        "remedy": text("d_remedy"),
        "complaint": text("d_complaint"),
        "feedback": text("d_feedback"),
        "handler": person("d_handler"),
        "to": person("d_support"),
        "outcome": lambda value: _word(f"d_{value}", lang, value),
        "score": lambda value: _word(f"rating_{RATINGS.get(value, value)}", lang, value),
        "profile": lambda value: ",".join(value) if isinstance(value, list) else str(value),
        "business_day": text("d_day"),
        "role": lambda value: t("d_role", lang, v=_pair(ROLES.get(str(value)), lang, value)),
        "terminal": lambda value: t("d_terminal", lang, v=terminal_name(str(value), lang)),
        "text": text("d_notice"),
        "called_at": lambda value: t("d_called_at", lang, v=plain(value, config)),
        "appointment": text("d_appointment"),
    }


def _pair(words: tuple[str, str] | None, lang: str, value: object) -> str:
    if words is None:
        return str(value)
    return words[0] if lang == "zh" else words[1]


def terminal_name(terminal: str, lang: str) -> str:
    """`counter 3` → 3号窗口, `display` → 大厅显示屏; an unknown one as it is."""
    kind, _, number = terminal.partition(" ")
    if kind == "display" and not number:
        return _pair(WALL_DISPLAY, lang, terminal)
    words = TERMINALS.get(kind)
    if words is None or ("{n}" in words[0]) != bool(number):
        return terminal
    return _pair(words, lang, terminal).format(n=number)


def plain(value: object, config: HallConfig) -> str:
    """A detail's value as a person reads it: a time (stored as ISO 8601 UTC) as local
    hh:mm, a list joined, anything else as it is."""
    if isinstance(value, dt.datetime):
        return local_time(value, config)
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            return local_time(dt.datetime.fromisoformat(value), config)
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


CODED: dict[str, tuple[str, str]] = {
    **{r.code: (r.name_zh, r.name_en) for r in REASONS},
    **FEEDBACK_KINDS,
}
"""Codes a detail may hold (a dissatisfied rating's reason, a supervision-box note's kind):
code -> (zh, en)."""


def coded(value: str, lang: str) -> str:
    """A code in words (`long_wait` → 等候时间太长); free text (a leader's reason) as it is."""
    words = CODED.get(value)
    if words is None:
        return value
    return words[0] if lang == "zh" else words[1]


def _word(key: str, lang: str, value: object) -> str:
    """The text `key`, or the value as it is when there is no such text."""
    try:
        return t(key, lang)
    except KeyError:
        return str(value)

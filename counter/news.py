"""What the clerk is told when the desk is read again: the duty leader decided one of their
remedy requests, or support handed a referral back. Pure functions of two reads of the desk,
so the rules of "what is news" are tested without a screen."""

from __future__ import annotations

from dataclasses import dataclass

from counter.machine import DeskState
from counter.text import t
from db.config import HallConfig
from db.store.views import RemedyView
from ui.text import name


@dataclass(frozen=True)
class News:
    """One toast for the clerk."""

    text: str
    """What it says, in the desk's language."""
    warning: bool = False
    """Shown as a warning (a refused request) rather than as information."""


def news(before: DeskState, now: DeskState, lang: str) -> list[News]:
    """What changed between two reads that the clerk must hear of: their requests the
    leader decided (the ticket may have left the card long ago), and referrals support
    handed back for them to close."""
    waiting = {r.id for r in before.own_remedies if r.status == "pending"}
    told = [
        News(t("remedy_decided", lang, id=r.id, number=r.ticket, outcome=outcome(r, lang)),
             warning=r.status == "refused")
        for r in now.own_remedies
        if r.id in waiting and r.status in ("approved", "refused")
    ]
    away = {m.ticket.id for m in before.matters if m.stage == "with_support"}
    told += [News(t(f"matter_{m.stage}", lang, number=m.ticket.number,
                    note=support_says(m.note, lang)), warning=m.stage == "question")
             for m in now.matters if m.ticket.id in away and m.stage in ("returned", "question")]
    return told


def support_says(note: str | None, lang: str) -> str:
    """A matter's latest note as the tail of a line: what support wrote when handing it
    back (a question for the handler, or what they did), what the customer is to bring, or
    the referral's own request. The handler must read it before acting."""
    if not note:
        return ""
    return f"（备注：{note}）" if lang == "zh" else f" (note: “{note}”)"


def outcome(remedy: RemedyView, lang: str) -> str:
    """A remedy's state in words: granted, pending, approved or refused (with the reason)."""
    return t(f"remedy_{remedy.status}", lang, by=remedy.decided_by or "",
             reason=remedy.decision_reason or "")


def kind_name(config: HallConfig, code: str, lang: str) -> str:
    """A remedy kind's name in `lang` (its code when the hall has since dropped it)."""
    known = {k.code: k for k in config.remedies}
    return name(known[code], lang) if code in known else code


def remedy_done(config: HallConfig, remedy: RemedyView, lang: str) -> str:
    """The status line after a grant: granted, or sent to the duty leader."""
    key = "done_remedy_pending" if remedy.status == "pending" else "done_remedy_granted"
    return t(key, lang, number=remedy.ticket, kind=kind_name(config, remedy.kind, lang),
             amount=remedy.amount)

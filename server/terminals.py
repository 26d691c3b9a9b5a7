"""The hall's terminals as the server offers them: one address each, the app it runs, its cap.

A terminal is a kind (kiosk, counter, evaluator, display, support, leader) and, for those at
a counter, the counter's number, which must be one of the hall's. Its address is all a
browser gives: nothing of the command line an app runs with comes from the browser, so the
kiosk's page can never become another app or take another option.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from db.config import HallConfig
from db.errors import NotFound


@dataclass(frozen=True)
class Kind:
    """A kind of terminal: what its page is called and how its app is started."""

    name: str
    """The address's first part and the `hall` command, e.g. "counter"."""
    zh: str
    """What the hall calls it."""
    en: str
    """Its English name."""
    numbered: str
    """"no": one address; "yes": one per counter (/counter/N); "both": one, and one per
    counter (/display and /display/N)."""


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("kiosk", "取号机", "Kiosk", "no"),
    Kind("counter", "窗口", "Counter", "yes"),
    Kind("evaluator", "评价器", "Evaluator", "yes"),
    Kind("display", "叫号屏", "Display", "both"),
    Kind("support", "服务岗", "Support desk", "no"),
    Kind("leader", "值班领导岗", "Duty leader", "no"),
)}  # fmt: skip


@dataclass(frozen=True)
class Terminal:
    """One terminal of the hall: a kind, and the counter it belongs to (None: the hall's)."""

    kind: Kind
    number: int | None = None

    @property
    def path(self) -> str:
        """Its address on the server, e.g. "/counter/3"."""
        return f"/{self.kind.name}" if self.number is None else f"/{self.kind.name}/{self.number}"

    def names(self, config: HallConfig) -> tuple[str, str]:
        """What it is, in Chinese and in English: "1号窗口 · 评价器", "Counter 1 · evaluator"."""
        if self.number is None:
            if self.kind.name == "display":
                return "综合叫号屏", "Wall display"
            return self.kind.zh, self.kind.en
        spec = config.counter(self.number)
        zh, en = {"counter": ("窗口终端", "clerk's client"),
                  "display": ("窗口屏", "counter display")}.get(
                      self.kind.name, (self.kind.zh, self.kind.en.lower()))
        return f"{spec.name_zh} · {zh}", f"{spec.name_en} · {en}"

    def cap(self, config: HallConfig) -> int:
        """How many browser sessions it may have at once."""
        server = config.server
        caps = {"kiosk": server.kiosk_sessions, "counter": server.counter_sessions,
                "evaluator": server.evaluator_sessions, "display": server.display_sessions,
                "support": server.support_sessions, "leader": server.leader_sessions}
        return caps[self.kind.name]

    def argv(self, config_file: Path | None) -> list[str]:
        """The command line of its app: `python -m hall [--config FILE] KIND …`. The
        database is not on it (it may hold a password: the process gets it in $HALL_DB)."""
        argv = [sys.executable, "-m", "hall"]
        if config_file is not None:
            argv += ["--config", str(config_file)]
        argv.append(self.kind.name)
        if self.kind.name == "display" and self.number is None:
            # The wall that speaks is the `hall display` at the speakers; a browser's is silent.
            argv += ["--wall", "--no-voice"]
        elif self.number is not None:
            argv += ["--counter", str(self.number)]
        return argv


def terminals(config: HallConfig) -> list[Terminal]:
    """Every terminal of the hall, in the order the index lists them."""
    found: list[Terminal] = []
    for kind in KINDS.values():
        if kind.numbered in ("no", "both"):
            found.append(Terminal(kind))
        if kind.numbered in ("yes", "both"):
            found += [Terminal(kind, spec.number) for spec in config.counters]
    return found


def terminal_at(config: HallConfig, kind_name: str, number: str | None) -> Terminal | None:
    """The terminal at an address (its kind, and the number after it), or None for an
    address that is none of the hall's: an unknown kind, a number where there is none or
    none where one is needed, a number written otherwise than plainly (007, +7), or a
    counter the hall does not have."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return None
    if number is None:
        return Terminal(kind) if kind.numbered in ("no", "both") else None
    if kind.numbered == "no" or not number.isascii() or not number.isdigit():
        return None
    if number != str(int(number)) or len(number) > 6:
        return None
    try:
        config.counter(int(number))
    except NotFound:
        return None
    return Terminal(kind, int(number))

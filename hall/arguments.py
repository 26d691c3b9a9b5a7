"""What the person types, read and checked: the argparse types of the grammar (days, whole
numbers in range, ratings, amounts), the machine's counter, and the names of business types
and priority classes as the config knows them.

It imports nothing of the hall's commands, and no more of the core than it needs to read a
word: the grammar (`hall.parser`) uses it before any command is chosen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hall.errors import UsageError

if TYPE_CHECKING:
    from db.config import HallConfig


def parse_day(text: str) -> dt.date:
    """A business day given as YYYY-MM-DD (an argparse type: a bad one is exit 2)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


LARGEST_INTEGER = 2**31 - 1
"""The largest whole number every supported database keeps in an INTEGER column (PostgreSQL's
is 32-bit, SQLite's 64-bit): the ceiling of any number typed on the command line."""


@dataclass(frozen=True)
class WholeNumber:
    """An argparse type: a whole number from `low` to `high`. It is checked as it is parsed,
    so a number out of range is misuse (exit 2, naming the option), never an overflow in the
    database."""

    low: int = 0
    """The smallest number allowed."""
    high: int = LARGEST_INTEGER
    """The largest number allowed."""

    def __call__(self, text: str) -> int:
        """The number, or ArgumentTypeError naming the range."""
        try:
            value = int(text)
        except ValueError:  # also a string of more digits than int() will read
            value = self.low - 1
        if not self.low <= value <= self.high:
            raise argparse.ArgumentTypeError(
                f"{shown(text)} is not a whole number from {self.low} to {self.high}"
            )
        return value


COUNTER = WholeNumber(1, LARGEST_INTEGER)
"""A counter number as typed (the config may name any counter the database can store)."""

LIMIT = WholeNumber(1, LARGEST_INTEGER)
"""How many rows to show at most."""

PORT = WholeNumber(1, 65535)
"""A TCP port."""

COUNTER_VARIABLE = "HALL_COUNTER"
"""The environment variable that names this machine's counter, for the apps at a counter."""


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: digits only, from `low` to `high` (the simulation's sizes)."""

    def parse(text: str) -> int:
        """A whole number from `low` to `high` (an argparse type: otherwise exit 2)."""
        value = int(text) if text.strip().isdigit() else -1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}-{high}, got {text!r}")
        return value

    return parse


def authority_yuan() -> WholeNumber:
    """An authority limit: no more than the largest remedy anyone can grant."""
    from db.rules.remedies import MAX_AMOUNT_FEN

    return WholeNumber(0, MAX_AMOUNT_FEN // 100)


def amount(text: str) -> int:
    """An argparse type: yuan as typed → fen (a malformed amount is misuse, exit 2)."""
    from db.errors import HallError
    from db.rules.remedies import parse_amount

    try:
        return parse_amount(text)
    except HallError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def network(text: str) -> str:
    """An argparse type: a client network such as 192.168.1.0/24 (or one address), checked
    as it is parsed and kept as typed."""
    import ipaddress

    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a network: {text!r} (e.g. 192.168.1.0/24 or 192.168.1.20)") from None
    return text.strip()


def machine_counter(given: int | None, command: str) -> int | None:
    """`--counter`, else `$HALL_COUNTER` (the machine's own counter, set once where the
    counter's screens run); None when neither is set."""
    if given is not None:
        return given
    text = os.environ.get(COUNTER_VARIABLE, "").strip()
    if not text:
        return None
    try:
        return COUNTER(text)
    except argparse.ArgumentTypeError as error:
        raise UsageError(f"{command}: {COUNTER_VARIABLE}={error} (this machine's counter "
                         "number; --counter N overrides it)") from None


def needed_counter(given: int | None, command: str) -> int:
    """`machine_counter`, refused in one line when neither is set."""
    number = machine_counter(given, command)
    if number is None:
        raise UsageError(f"{command}: which counter? give --counter N, or set "
                         f"{COUNTER_VARIABLE}=N on this machine")
    return number


def shown(text: str) -> str:
    """What the person typed, quoted, and cut short if it is long."""
    return repr(text if len(text) <= 24 else f"{text[:20]}…")


def parse_score(text: str) -> int:
    """A rating: 1-4 (4 = 非常满意, the best) or its name in English or Chinese."""
    from db.store.views import RATING_NAMES_ZH, RATINGS

    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    for score, name in RATINGS.items():
        if wanted in (str(score), name, RATING_NAMES_ZH[score]):
            return score
    names = ", ".join(f"{s}={n}" for s, n in RATINGS.items())
    raise argparse.ArgumentTypeError(
        f"not a rating: {shown(text)} (use {min(RATINGS)} to {max(RATINGS)}: {names})"
    )


def business_prefix(config: HallConfig, text: str) -> str:
    """A business type typed as its prefix (any case) or its Chinese or English name.
    An unknown one is passed on unchanged, for the core to refuse with the known list."""
    wanted = text.strip()
    for kind in config.businesses:
        if wanted.upper() == kind.prefix or wanted.casefold() in (
            kind.name_zh.casefold(), kind.name_en.casefold()
        ):
            return kind.prefix
    return wanted


def priority_code(config: HallConfig, text: str) -> str:
    """A priority class typed as its code or its Chinese or English name."""
    wanted = text.strip().casefold()
    for klass in config.priorities:
        if wanted in (klass.code, klass.name_zh.casefold(), klass.name_en.casefold()):
            return klass.code
    return text.strip()


def remedy_code(config: HallConfig, text: str) -> str:
    """A remedy kind typed as its code or its Chinese or English name; an unknown one is
    passed on for the core to refuse with the known list."""
    wanted = text.strip().casefold()
    for kind in config.remedies:
        if wanted in (kind.code, kind.name_zh.casefold(), kind.name_en.casefold()):
            return kind.code
    return text.strip()

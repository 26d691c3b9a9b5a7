"""Reading the hall's TOML file: its tables, with one-line error messages.

A helper of `db.config` and `db.config.schema`: every problem becomes a `ConfigError` such
as `hall.toml: counter[3].profile: unknown business type "Z"`, naming the file and the key
path. Nothing here knows what a hall is.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from db.errors import ConfigError


def listing(keys: Iterable[object]) -> str:
    """Keys joined for a message: "A, B, C"."""
    return ", ".join(str(key) for key in keys)


def first_duplicate(values: Iterable[object]) -> object | None:
    """The first value seen twice, or None."""
    seen: set[object] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def kind_of(value: object) -> str:
    """Name a parsed value's TOML type, for "expected X, got Y" messages."""
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "boolean"),  # before int: bool is a subclass of int
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (list, "array"),
        (dict, "table"),
        (datetime.datetime, "date-time"),  # before date: datetime is a subclass of date
        (datetime.date, "date"),
        (datetime.time, "time"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def show(value: object) -> str:
    """Quote a value for a message on one line, the way it would look in TOML."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def one_line(text: str) -> str:
    """Collapse every run of whitespace, newlines included, into one space."""
    return " ".join(text.split())


class Table:
    """One TOML table being read: knows its key path for messages and rejects unknown keys."""

    def __init__(self, data: object, path: str, source: str, keys: tuple[str, ...]) -> None:
        self.path = path
        self.source = source
        if not isinstance(data, dict):
            raise self.error("", f"expected a table, got {kind_of(data)}")
        self.data: dict[str, object] = data
        for key in data:
            if key not in keys:
                raise self.error(key, f"unknown key (allowed here: {', '.join(keys)})")

    def where(self, key: str) -> str:
        """The full key path of `key` in this table, e.g. "counter[3].profile"."""
        if self.path and key:
            return f"{self.path}.{key}"
        return self.path or key

    def error(self, key: str, problem: str) -> ConfigError:
        """A one-line ConfigError about `key` of this table."""
        return ConfigError(f"{self.source}: {self.where(key)}: {one_line(problem)}")

    def ensure(self, ok: bool, key: str, problem: str) -> None:
        """Raise the error about `key` unless `ok`."""
        if not ok:
            raise self.error(key, problem)

    def sub(self, key: str, keys: tuple[str, ...]) -> Table:
        """A sub-table; an absent one reads as empty so that its keys take their defaults."""
        return Table(self.data.get(key, {}), self.where(key), self.source, keys)

    def rows(self, key: str, keys: tuple[str, ...], required: bool) -> list[Table]:
        """The tables of an array of tables such as [[counter]]."""
        value = self.data.get(key, [])
        if not isinstance(value, list):
            wanted = f"expected an array of tables ([[{key}]]), got {kind_of(value)} {show(value)}"
            raise self.error(key, wanted)
        self.ensure(bool(value) or not required, key, f"at least one [[{key}]] is required")
        return [Table(row, f"{key}[{i}]", self.source, keys) for i, row in enumerate(value, 1)]


def claim(row: Table, key: str, value: object, seen: dict[object, str]) -> None:
    """Record a value that must be unique across rows; refuse a repeat, naming the first use."""
    problem = f"duplicate {show(value)} (already used by {seen.get(value)})"
    row.ensure(value not in seen, key, problem)
    seen[value] = row.path

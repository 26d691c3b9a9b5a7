"""The hall file's schema, taken from the dataclasses it is read into: every field is a key.

A section's frozen dataclass is its whole schema. A field's name is its key in the file, its
type the TOML value it takes (bool, int, float, str, datetime.time, a tuple of these, a
table of one of them as `tuple[tuple[str, V], ...]` (name, value) pairs, or one of them or
None), its default what an absent key reads as. What a type cannot say is a
`Rule` in the field's `Annotated` type: a range, a pattern, non-blank text, the file's own
name for the key, a default taken from another field, or, for `HallConfig`'s own fields, the
[table] they sit in. So a new field is a new key of the file with nothing else to list:
`read` takes every field from a table (`Table` refuses any other key), and a section that
calls `check` in its `__post_init__` refuses the same values when it is built directly.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import types
import typing
from typing import Annotated, Any, TypeVar

from db.config.file import Table, claim, kind_of, show

T = TypeVar("T")
REQUIRED: Any = object()
"""The default of a key that has none: an absent key is an error."""
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


class InvalidSetting(ValueError):
    """A setting a section refuses; the reader turns it into a ConfigError naming the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        """The offending field of the section, e.g. "port"."""
        self.problem = problem
        """What is wrong with it, one line."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a field's type cannot say about its key, given in the field's `Annotated` type."""

    key: str | None = None
    """The key's name in the file when it is not the field's (the file's "zh" is name_zh)."""
    table: str | None = None
    """`HallConfig`'s own fields only: the [table] of the file the key sits in."""
    default: Any = REQUIRED
    """What an absent key reads as, for a field without a dataclass default."""
    derive: str | None = None
    """An absent key reads as this template over the fields before it, e.g. "{name_zh}"."""
    gt: float | None = None
    """A number must be greater than this."""
    ge: float | None = None
    """A number must be at least this."""
    le: float | None = None
    """A number must be at most this."""
    pattern: str | None = None
    """A regular expression a string must match in full."""
    means: str | None = None
    """The value wanted, in words, for messages: "one capital letter A-Z"."""
    blank: bool = True
    """False: a string must not be empty or only spaces."""
    unique: bool = False
    """In an array of tables ([[counter]]): no two tables give the same value."""

    def problem(self, value: object) -> str | None:
        """What is wrong with a value of the right type, or None."""
        if isinstance(value, str):
            if not self.blank and not value.strip():
                return "must not be empty"
            if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
                return f"must be {self.means}, got {show(value)}"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return self._range_problem(value)
        elif isinstance(value, tuple) and value and all(_is_pair(item) for item in value):
            for name, item in value:  # a table (name = value): the rule holds for each value
                problem = self.problem(item)
                if problem is not None:
                    return f"{show(name)}: {problem}"
        return None

    def _range_problem(self, value: float) -> str | None:
        gt, ge, le = self.gt, self.ge, self.le
        above_low = (gt is None or value > gt) and (ge is None or value >= ge)
        if above_low and (le is None or value <= le):
            return None
        if le is None:
            limit = f"greater than {_number(gt)}" if ge is None else f"{_number(ge)} or more"
        elif ge is not None:
            limit = f"{_number(ge)}-{_number(le)}"
        elif gt is not None:
            limit = f"> {_number(gt)} and <= {_number(le)}"
        else:
            limit = f"{_number(le)} or less"
        return f"must be {limit}, got {_number(value)}"


TEXT = Rule(blank=False)
Text = Annotated[str, TEXT]
"""A string that must not be blank."""
OptionalText = Annotated[str | None, TEXT]
"""Absent, or a string that is not blank."""
ChineseName = Annotated[str, Rule(key="zh", blank=False)]
EnglishName = Annotated[str, Rule(key="en", blank=False, derive="{name_zh}")]
"""The "en" key of a row, the Chinese name when absent."""


def _is_pair(item: object) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)


def _number(value: float | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclasses.dataclass(frozen=True)
class Key:
    """One field of a dataclass as the file has it."""

    name: str
    """The field's name."""
    key: str
    """Its key in the file."""
    kind: Any
    """Its type without `Annotated` and without "| None"."""
    default: Any
    """What an absent key reads as; REQUIRED when it has none."""
    rules: tuple[Rule, ...]
    """The rules its type carries; those below are taken from them."""
    table: str | None
    """`Rule.table`: the [table] of a HallConfig field, else None."""
    derive: str | None
    """`Rule.derive`: the template an absent key reads as, or None."""
    unique: bool
    """`Rule.unique`: no two rows of an array of tables give the same value."""

    def problem(self, value: object) -> str | None:
        """The first problem a rule of the key finds with a value of the right type."""
        return next((p for p in (rule.problem(value) for rule in self.rules) if p), None)

    def expected(self) -> str:
        """What the key takes, in words, for "expected X, got Y"."""
        return next((r.means for r in self.rules if r.means), None) or _expected(self.kind)


def fields_of(cls: type) -> tuple[Key, ...]:
    """The keys of a dataclass (the class), in field order."""
    if cls not in _FIELDS:
        _FIELDS[cls] = _fields(cls)
    return _FIELDS[cls]


_FIELDS: dict[type, tuple[Key, ...]] = {}


def _fields(cls: type) -> tuple[Key, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    found = []
    for field in dataclasses.fields(cls):
        kind, rules = _unwrap(hints[field.name])
        default = field.default
        if callable(field.default_factory):
            default = field.default_factory()
        elif default is dataclasses.MISSING:
            default = next((r.default for r in rules if r.default is not REQUIRED), REQUIRED)
        found.append(Key(
            name=field.name,
            key=next((r.key for r in rules if r.key), field.name),
            kind=kind,
            default=default,
            rules=rules,
            table=next((r.table for r in rules if r.table), None),
            derive=next((r.derive for r in rules if r.derive), None),
            unique=any(r.unique for r in rules),
        ))
    return tuple(found)


def _unwrap(hint: Any) -> tuple[Any, tuple[Rule, ...]]:
    """A type hint without `Annotated` and "| None", and the rules it carried."""
    rules: list[Rule] = []
    while True:
        if typing.get_origin(hint) is Annotated:
            rules += [m for m in hint.__metadata__ if isinstance(m, Rule)]
            hint = hint.__origin__
        elif typing.get_origin(hint) in (types.UnionType, typing.Union):
            hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        else:
            return hint, tuple(rules)


def keys(cls: type, table: str | None = None) -> tuple[str, ...]:
    """The keys of a dataclass's table (for `HallConfig`, of its fields in [table])."""
    return tuple(key.key for key in fields_of(cls) if key.table == table)


_NAMES: dict[Any, tuple[str, str]] = {
    bool: ("true or false", "booleans"),
    int: ("an integer", "integers"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
    datetime.time: ('a time "HH:MM" (00:00-23:59)', "times"),
}


def _table_of(kind: Any) -> Any:
    """The value type of a table kind, `tuple[tuple[str, V], ...]` (a TOML table of V read as
    (name, value) pairs in file order, hashable as a frozen config wants), else None."""
    if typing.get_origin(kind) is not tuple:
        return None
    args = typing.get_args(kind)
    if len(args) != 2 or args[1] is not Ellipsis or typing.get_origin(args[0]) is not tuple:
        return None
    pair = typing.get_args(args[0])
    return pair[1] if len(pair) == 2 and pair[0] is str else None


def _expected(kind: Any) -> str:
    if _table_of(kind) is not None:
        return f"a table of {_NAMES[_table_of(kind)][1]} (name = value)"
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        plural = _NAMES[args[0]][1]
        count = "" if args[-1] is Ellipsis else f"{len(args)} "
        return f"an array of {count}{plural}"
    return _NAMES[kind][0]


WRONG: Any = object()
"""What `convert` returns for a value of another type."""


def convert(kind: Any, value: object) -> Any:
    """A value of the file as a `kind`, or WRONG; ValueError for a number that is not finite."""
    of = _table_of(kind)
    if of is not None:
        if not isinstance(value, dict):
            return WRONG
        pairs = tuple((name, convert(of, item)) for name, item in value.items())
        return WRONG if any(item is WRONG for _, item in pairs) else pairs
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        kinds = args[:1] * len(value) if args[-1] is Ellipsis and isinstance(value, list) else args
        if not isinstance(value, list) or len(kinds) != len(value):
            return WRONG
        items = tuple(convert(k, v) for k, v in zip(kinds, value, strict=True))
        return WRONG if any(item is WRONG for item in items) else items
    if kind in (int, float) and isinstance(value, bool):
        return WRONG  # Python counts a boolean an int, TOML does not
    if kind is float and isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value}")
        return float(value)
    if kind in (bool, int, float, str):
        return value if isinstance(value, kind) else WRONG
    if kind is datetime.time:
        if isinstance(value, datetime.time) and value.tzinfo is None:
            return value  # a bare TOML local time such as 04:00:00
        match = _HHMM.fullmatch(value) if isinstance(value, str) else None
        return WRONG if match is None else datetime.time(int(match[1]), int(match[2]))
    raise TypeError(f"no reading of {kind!r} from the file")  # a field of a type not handled


def read(table: Table, cls: type, in_table: str | None = None) -> dict[str, Any]:
    """The fields of `cls` read from `table` (for `HallConfig`, its fields in [in_table]):
    each key of the right type and within its rules, an absent one defaulted."""
    found: dict[str, Any] = {}
    for key in fields_of(cls):
        if key.table != in_table:
            continue
        if key.key in table.data:
            value = table.data[key.key]
            try:
                found[key.name] = convert(key.kind, value)
            except ValueError as exc:
                raise table.error(key.key, str(exc)) from None
            if found[key.name] is WRONG:
                wrong = f"expected {key.expected()}, got {kind_of(value)} {show(value)}"
                raise table.error(key.key, wrong)
            problem = key.problem(found[key.name])
            table.ensure(problem is None, key.key, problem or "")
        elif key.derive is not None:
            found[key.name] = key.derive.format(**found)
        elif key.default is not REQUIRED:
            found[key.name] = key.default
        else:
            raise table.error(key.key, "required key is missing")
    return found


def make(table: Table, cls: type[T], values: dict[str, Any]) -> T:
    """Build `cls` from values read from `table`; its own refusal names the key."""
    try:
        return cls(**values)
    except InvalidSetting as exc:
        key = next((k.key for k in fields_of(cls) if k.name == exc.key), exc.key)
        raise table.error(key, exc.problem) from None


def section(top: Table, key: str, cls: type[T]) -> T:
    """The optional table `key` as a `cls`; an absent table takes every default."""
    table = top.sub(key, keys(cls))
    return make(table, cls, read(table, cls))


def rows(top: Table, key: str, cls: type[T], required: bool = False) -> list[T]:
    """The array of tables `key` ([[key]]) as `cls`s, in file order; a field whose rule is
    `unique` may not repeat the value of an earlier table."""
    seen: dict[str, dict[object, str]] = {k.name: {} for k in fields_of(cls) if k.unique}
    found = []
    for row in top.rows(key, keys(cls), required):
        values = read(row, cls)
        for k in fields_of(cls):
            if k.unique:
                claim(row, k.key, values[k.name], seen[k.name])
        found.append(make(row, cls, values))
    return found


def check(instance: object) -> None:
    """Raise InvalidSetting for the first field of a dataclass its rules refuse: a section's
    `__post_init__` calls this, so a section built in code is held to the file's rules."""
    for key in fields_of(type(instance)):
        value = getattr(instance, key.name)
        problem = None if value is None else key.problem(value)
        if problem is not None:
            raise InvalidSetting(key.name, problem)

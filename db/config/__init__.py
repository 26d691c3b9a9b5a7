"""The hall configuration: business types, priority classes, counters and service targets.

The kiosk's own sections ([kiosk] timings, the [printer]) live in `db.config.kiosk`, the
other sections beside it, the TOML-reading helpers in `db.config.file`; `HallConfig` carries
them all. Each dataclass is its own schema (`db.config.schema`): a field is a key of the file,
so no list of keys stands beside it.

A hall describes itself in one TOML file (the shipped example is `default_hall.toml` beside
this module). `load_config` reads and validates it into a frozen `HallConfig`; every problem
with the file becomes a one-line `ConfigError` naming the file and the key path, such as
`hall.toml: counter[3].profile: unknown business type "Z"`. Indexes in key paths count the
`[[business]]`, `[[priority]]` and `[[counter]]` tables from 1, in file order.
"""

from __future__ import annotations

import dataclasses
import datetime
import tomllib
import typing
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from db.config.appointments import APPOINTMENT
from db.config.appointments import AppointmentsConfig as AppointmentsConfig  # re-exported
from db.config.evaluator import EvaluatorConfig as EvaluatorConfig  # re-exported
from db.config.file import Table, first_duplicate, listing, one_line, show
from db.config.kiosk import KioskConfig as KioskConfig  # re-exported: part of the API
from db.config.kiosk import PrinterConfig as PrinterConfig
from db.config.log import LogConfig as LogConfig  # re-exported
from db.config.remedy import DEFAULT_REMEDIES, RemedyKind
from db.config.schema import (
    ChineseName,
    EnglishName,
    InvalidSetting,
    Key,
    Rule,
    fields_of,
    keys,
    read,
    rows,
    section,
)
from db.config.score import ScoreConfig as ScoreConfig  # re-exported
from db.config.server import ServerConfig as ServerConfig  # re-exported
from db.config.voice import VoiceConfig as VoiceConfig  # re-exported
from db.errors import ConfigError, NotFound

DEFAULT_CONFIG: Path = Path(__file__).with_name("default_hall.toml")
"""The shipped default configuration, also the example a hall copies and edits."""

DEFAULT_SOURCE = "<default>"
DEFAULT_LANGUAGES: tuple[str, ...] = ("zh", "en")
PIN_ROLES: tuple[str, ...] = ("*", "guide", "clerk", "support", "leader")
"""What `[security] pin_min_length` names: every role ("*"), or one of the staff roles
(db.store.models.ROLES, which the config does not import)."""
"""The languages a hall may offer, and offers when its file does not say."""
NORMAL = "normal"


@dataclass(frozen=True)
class BusinessType:
    """A queue of the hall (业务类型), such as A 缴费 bill payment."""

    prefix: Annotated[str, Rule(pattern="[A-Z]", means="one capital letter A-Z", unique=True)]
    """One capital letter A-Z, unique; it starts every ticket number of this type."""
    name_zh: ChineseName
    """Chinese name shown on the kiosk, the display and the voice call (key "zh")."""
    name_en: EnglishName
    """English name (key "en"; the Chinese one when absent)."""
    standard_minutes: Annotated[float, Rule(gt=0)]
    """Standard handling time (> 0), the yardstick for staff figures and staffing."""


@dataclass(frozen=True)
class PriorityClass:
    """A class of customers served before others of the same business type."""

    code: Annotated[
        str, Rule(pattern="[a-z_]+", means="lower-case letters and underscores", unique=True)
    ]
    """Stable identifier such as "normal" or "elderly"; [a-z_]+, unique."""
    name_zh: ChineseName
    """Chinese name (key "zh")."""
    name_en: EnglishName
    """English name (key "en"; the Chinese one when absent)."""
    rank: int
    """Lower is served first; "normal" always has the highest rank (served last)."""
    guide_only: bool = False
    """Given by a guide (or at a counter) only, never picked by a customer at the kiosk
    (an appointment is checked by a person)."""

    def __post_init__(self) -> None:
        if self.guide_only and self.code == NORMAL:
            problem = '"normal" is every customer\'s: it cannot be guide-only'
            raise InvalidSetting("guide_only", problem)


@dataclass(frozen=True)
class CounterSpec:
    """A service point (窗口) and the business types it serves."""

    number: Annotated[int, Rule(ge=1, unique=True)]
    """Counter number (>= 1), unique."""
    name_zh: Annotated[str, Rule(key="zh", blank=False, derive="{number}号窗口")]
    """Chinese name, e.g. 1号窗口 (key "zh"; that when absent)."""
    name_en: Annotated[str, Rule(key="en", blank=False, derive="Counter {number}")]
    """English name, e.g. Counter 1 (key "en"; that when absent)."""
    profile: tuple[str, ...]
    """Business prefixes served, in the order the counter serves them; non-empty, unique."""


@dataclass(frozen=True)
class HallConfig:
    """One hall's validated configuration. Build it with `load_config` or `parse_config`.

    Its own fields are the keys of the file's [hall], [service] and [security] tables
    (`Rule.table`); a field that is a dataclass is a section of its own ([kiosk]), a tuple of
    dataclasses an array of tables ([[counter]]); `source` is not in the file."""

    name_zh: Annotated[str, Rule(table="hall", blank=False)]
    """Chinese name of the hall."""
    name_en: Annotated[str, Rule(table="hall", blank=False, derive="{name_zh}")]
    """English name of the hall (defaults to the Chinese one)."""
    timezone: Annotated[str, Rule(table="hall", default="Asia/Shanghai")]
    """IANA time zone name of the hall."""
    day_start: Annotated[datetime.time, Rule(table="hall", default=datetime.time(4, 0))]
    """Local time at which a business day starts; numbering restarts then ("HH:MM")."""
    languages: Annotated[tuple[str, ...], Rule(table="hall", default=DEFAULT_LANGUAGES)]
    """Languages offered, a subset of ("zh", "en"); the first is the default."""
    businesses: Annotated[tuple[BusinessType, ...], Rule(key="business")]
    """Business types in file order ([[business]]); non-empty."""
    priorities: Annotated[tuple[PriorityClass, ...], Rule(key="priority")]
    """Priority classes sorted by rank ([[priority]]); always includes "normal", last."""
    counters: Annotated[tuple[CounterSpec, ...], Rule(key="counter")]
    """Counters sorted by number ([[counter]]); non-empty."""
    sla_minutes: Annotated[float, Rule(table="service", default=10.0, gt=0)]
    """SLA target: a share `sla_share` of customers is called within this many minutes."""
    sla_share: Annotated[float, Rule(table="service", default=0.8, gt=0, le=1)]
    """Share of customers the SLA promises, 0 < x <= 1."""
    no_show_grace_minutes: Annotated[float, Rule(table="service", default=30.0, ge=0)]
    """A no-show (过号) can be re-queued within this many minutes (>= 0)."""
    overdue_minutes: Annotated[float, Rule(table="service", default=30.0, ge=0)]
    """A customer who has waited this long is called by the next free counter serving their
    business before its work profile's order (the longest-waiting first), so a business
    later in the profiles is never starved by the ones before it; 0: the profile order only."""
    auto_no_show_after_recalls: Annotated[int, Rule(table="service", default=0, ge=0)]
    """A called customer recalled this many times is a no-show at the next recall (one
    `no_show` event, instead of the recall); 0: never by itself."""
    pin_max_failures: Annotated[int, Rule(table="security", default=5, ge=1)]
    """Wrong PINs in a row before the account locks."""
    pin_lock_minutes: Annotated[float, Rule(table="security", default=15.0, gt=0)]
    """How long a locked account stays locked."""
    pin_min_length: Annotated[tuple[tuple[str, int], ...],
                              Rule(table="security", default=(), ge=4, le=12)]
    """Shortest PIN by role, raising the built-in minimums (4 digits; duty leaders 6), never
    lowering them: a table role = digits, "*" for every role (`pin_min_lengths`)."""
    source: str
    """Path of the file, or "<default>" / "<string>", for messages."""
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    """Timings of the kiosk's screens ([kiosk])."""
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    """The kiosk's ticket printer ([printer]); kind "none" by default."""
    evaluator: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    """Timings of the customer evaluator beside each counter ([evaluator])."""
    remedies: Annotated[tuple[RemedyKind, ...], Rule(key="remedy")] = DEFAULT_REMEDIES
    """Remedy kinds a handler may grant ([[remedy]]), in file order; never empty."""
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    """How the wall display announces calls ([voice])."""
    score: ScoreConfig = field(default_factory=ScoreConfig)
    """Weights of the staff report's composite score ([score])."""
    server: ServerConfig = field(default_factory=ServerConfig)
    """The hall server for browsers and phones ([server]): its public address, session caps."""
    appointments: AppointmentsConfig = field(default_factory=AppointmentsConfig)
    """The check-in window of a booked slot and its number's priority ([appointments])."""
    log: LogConfig = field(default_factory=LogConfig)
    """Where the programs write their log ([log]): the journal under systemd, or a file."""

    def __post_init__(self) -> None:
        # dataclasses.replace() (e.g. a leader changing a counter's profile during the day)
        # bypasses the parser, so re-check what the lookups and the queue logic rely on.
        problem = _inconsistency(self)
        if problem:
            raise ConfigError(f"{self.source}: {problem}")

    @property
    def pin_min_lengths(self) -> dict[str, int]:
        """`pin_min_length` as a mapping role (or "*") → digits."""
        return dict(self.pin_min_length)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The hall's time zone (ZoneInfo caches instances, so this is cheap)."""
        return zoneinfo.ZoneInfo(self.timezone)

    @cached_property
    def _businesses_by_prefix(self) -> dict[str, BusinessType]:
        return {b.prefix: b for b in self.businesses}

    @cached_property
    def _priorities_by_code(self) -> dict[str, PriorityClass]:
        return {p.code: p for p in self.priorities}

    @cached_property
    def _counters_by_number(self) -> dict[int, CounterSpec]:
        return {c.number: c for c in self.counters}

    def business(self, prefix: str) -> BusinessType:
        """Return the business type with this prefix; raise NotFound if there is none."""
        found = self._businesses_by_prefix.get(prefix)
        if found is None:
            known = listing(self._businesses_by_prefix)
            raise NotFound(f"unknown business type {prefix!r}; known: {known}",
                           zh=f"没有业务类型 {prefix}（现有：{known}）")
        return found

    def priority(self, code: str) -> PriorityClass:
        """Return the priority class with this code; raise NotFound if there is none."""
        found = self._priorities_by_code.get(code)
        if found is None:
            known = listing(self._priorities_by_code)
            raise NotFound(f"unknown priority class {code!r}; known: {known}",
                           zh=f"没有优先类别 {code}（现有：{known}）")
        return found

    @property
    def appointment_priority(self) -> PriorityClass:
        """The priority class of a checked-in appointment's number: [appointments] priority,
        or "normal" in a hall without the default "appointment" class."""
        code = self.appointments.priority
        found = self._priorities_by_code.get(code)
        return found if found is not None else self.priority(NORMAL)

    def remedy(self, code: str) -> RemedyKind:
        """Return the remedy kind with this code; raise NotFound if there is none."""
        for kind in self.remedies:
            if kind.code == code:
                return kind
        known = listing(k.code for k in self.remedies)
        raise NotFound(f"unknown remedy kind {code!r}; known: {known}",
                       zh=f"没有补救类别 {code}（现有：{known}）")

    def counter(self, number: int) -> CounterSpec:
        """Return the counter with this number; raise NotFound if there is none."""
        found = self._counters_by_number.get(number)
        if found is None:
            known = listing(self._counters_by_number)
            raise NotFound(f"unknown counter {number!r}; known: {known}",
                           zh=f"没有 {number} 号窗口（现有：{known}）")
        return found

    def business_day(self, at: datetime.datetime) -> datetime.date:
        """Return the business day (营业日) an aware instant belongs to.

        The local wall time is shifted back by `day_start`, so with 04:00 a ticket taken at
        03:59 local time still belongs to the previous business day.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            # A naive time would silently be read as the server's local time.
            raise ValueError(f"business_day needs an aware datetime, got naive {at.isoformat()}")
        local = at.astimezone(self.tz)
        start = self.day_start
        shift = datetime.timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
        return (local - shift).date()

    def day_began(self, at: datetime.datetime) -> datetime.datetime:
        """Return when the business day `at` belongs to began (aware, in the hall's zone)."""
        day = self.business_day(at)
        return datetime.datetime.combine(day, self.day_start, tzinfo=self.tz)


def _inconsistency(config: HallConfig) -> str | None:
    """Describe the first broken cross-reference of a config, or return None if it is sound."""
    if not config.businesses or not config.counters:
        return "a hall needs at least one business type and one counter"
    for name, values in (
        ("businesses: duplicate prefix", [b.prefix for b in config.businesses]),
        ("priorities: duplicate code", [p.code for p in config.priorities]),
        ("counters: duplicate number", [c.number for c in config.counters]),
    ):
        duplicate = first_duplicate(values)
        if duplicate is not None:
            return f"{name} {duplicate!r}"
    if NORMAL not in {p.code for p in config.priorities}:
        return f"priorities: {NORMAL!r} is missing"
    wanted = config.appointments.priority
    if wanted != APPOINTMENT and wanted not in {p.code for p in config.priorities}:
        return f"appointments.priority: unknown priority class {show(wanted)}"
    for role, _ in config.pin_min_length:
        if role not in PIN_ROLES:
            return (f"security.pin_min_length: unknown role {show(role)} "
                    f"(known: {', '.join(PIN_ROLES)})")
    known = {b.prefix for b in config.businesses}
    for spec in config.counters:
        unknown = [p for p in spec.profile if p not in known]
        if not spec.profile or unknown or first_duplicate(spec.profile) is not None:
            return f"counter {spec.number}: bad profile {list(spec.profile)!r}"
    return None


# --- building the config ------------------------------------------------------------------


def _in_file(key: Key) -> bool:
    """Whether a HallConfig field is read from the file (every one but `source`)."""
    rows_of = typing.get_args(key.kind)[:1] if typing.get_origin(key.kind) is tuple else ()
    return key.table is not None or any(map(dataclasses.is_dataclass, (key.kind, *rows_of)))


def top_keys() -> tuple[str, ...]:
    """The keys of the file's top level, from HallConfig's fields."""
    return tuple(dict.fromkeys(k.table or k.key for k in fields_of(HallConfig) if _in_file(k)))


def _check_hall(top: Table, values: dict[str, Any]) -> None:
    """The checks of [hall] that a rule cannot say."""
    try:
        zoneinfo.ZoneInfo(values["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        problem = f"unknown IANA time zone {show(values['timezone'])}"
        raise top.error("hall.timezone", problem) from None
    languages = values["languages"]
    top.ensure(bool(languages), "hall.languages", "at least one language is required")
    for language in languages:
        problem = f'unsupported language {show(language)} (supported: "zh", "en")'
        top.ensure(language in DEFAULT_LANGUAGES, "hall.languages", problem)
    duplicate = first_duplicate(languages)
    top.ensure(duplicate is None, "hall.languages", f"duplicate {show(duplicate)}")


def _priorities(top: Table) -> tuple[PriorityClass, ...]:
    found = rows(top, "priority", PriorityClass)
    codes = [p.code for p in found]
    if NORMAL in codes:
        _check_normal_last(top, found, f"priority[{codes.index(NORMAL) + 1}]")
    else:
        rank = max((p.rank for p in found), default=0) + 1
        found.append(PriorityClass(NORMAL, "普通", "Normal", rank))
    return tuple(sorted(found, key=lambda p: p.rank))


def _check_normal_last(top: Table, found: list[PriorityClass], path: str) -> None:
    """Refuse a "normal" class that is not served strictly after every other class."""
    normal = next(p for p in found if p.code == NORMAL)
    rival = max((p for p in found if p.code != NORMAL), key=lambda p: p.rank, default=None)
    if rival is not None and rival.rank >= normal.rank:
        problem = (
            f'"normal" must have the highest rank (it is served last), '
            f'got {normal.rank} but "{rival.code}" has {rival.rank}'
        )
        raise top.error(f"{path}.rank", problem)


def _counters(top: Table, known: Collection[str]) -> tuple[CounterSpec, ...]:
    found = rows(top, "counter", CounterSpec, required=True)
    for i, counter in enumerate(found, 1):
        _check_profile(top, f"counter[{i}].profile", counter.profile, known)
    return tuple(sorted(found, key=lambda c: c.number))


def _check_profile(top: Table, where: str, profile: tuple[str, ...], known: Collection[str],
                   ) -> None:
    top.ensure(bool(profile), where, "must name at least one business type")
    for prefix in profile:
        problem = f"unknown business type {show(prefix)} (known: {listing(known)})"
        top.ensure(prefix in known, where, problem)
    duplicate = first_duplicate(profile)
    top.ensure(duplicate is None, where, f"duplicate business type {show(duplicate)}")


def _build(top: Table) -> HallConfig:
    values: dict[str, Any] = {"source": top.source}
    for name in dict.fromkeys(k.table for k in fields_of(HallConfig) if k.table):
        values |= read(top.sub(name, keys(HallConfig, name)), HallConfig, name)
    _check_hall(top, values)
    businesses = tuple(rows(top, "business", BusinessType, required=True))
    for key in fields_of(HallConfig):
        if isinstance(key.kind, type) and dataclasses.is_dataclass(key.kind):
            values[key.name] = section(top, key.key, key.kind)
    return HallConfig(
        **values,
        businesses=businesses,
        priorities=_priorities(top),
        counters=_counters(top, [b.prefix for b in businesses]),
        remedies=tuple(rows(top, "remedy", RemedyKind)) or DEFAULT_REMEDIES,
    )


def parse_config(text: str, source: str = "<string>") -> HallConfig:
    """Parse and validate a hall configuration given as TOML text.

    `source` names the text in error messages. Raises ConfigError, with a one-line message
    naming `source` and the offending key, for a syntax error or any invalid value.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: TOML syntax error: {one_line(str(exc))}") from exc
    return _build(Table(document, "", source, top_keys()))


def _read(path: Path, source: str) -> str:
    try:
        # utf-8-sig: Windows Notepad, common in halls, saves UTF-8 with a byte-order mark.
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from exc


def load_config(path: str | Path | None = None) -> HallConfig:
    """Load and validate a hall configuration file; None loads the shipped default.

    Raises ConfigError, with a one-line message naming the file and the offending key, if
    the file cannot be read, is not valid TOML, or does not validate.
    """
    if path is None:
        return parse_config(_read(DEFAULT_CONFIG, DEFAULT_SOURCE), DEFAULT_SOURCE)
    source = str(path)
    return parse_config(_read(Path(path), source), source)

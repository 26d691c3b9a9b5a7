"""The hall configuration: business types, priority classes, counters and service targets.

The kiosk's own sections ([kiosk] timings, the [printer]) live in `db.config.kiosk`, the
TOML-reading helpers in `db.config.file`; `HallConfig` carries them all.

A hall describes itself in one TOML file (the shipped example is `default_hall.toml` beside
this module). `load_config` reads and validates it into a frozen `HallConfig`; every problem
with the file becomes a one-line `ConfigError` naming the file and the key path, such as
`hall.toml: counter[3].profile: unknown business type "Z"`. Indexes in key paths count the
`[[business]]`, `[[priority]]` and `[[counter]]` tables from 1, in file order.
"""

from __future__ import annotations

import datetime
import re
import tomllib
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from db.config.evaluator import EvaluatorConfig as EvaluatorConfig  # re-exported
from db.config.evaluator import evaluator_config
from db.config.file import Table, claim, first_duplicate, listing, one_line, show
from db.config.kiosk import KioskConfig as KioskConfig  # re-exported: part of the API
from db.config.kiosk import PrinterConfig as PrinterConfig
from db.config.kiosk import kiosk_config, printer_config
from db.config.remedy import DEFAULT_REMEDIES, RemedyKind, remedy_kinds
from db.config.score import ScoreConfig as ScoreConfig  # re-exported
from db.config.score import score_config
from db.config.voice import VoiceConfig as VoiceConfig  # re-exported
from db.config.voice import voice_config
from db.errors import ConfigError, NotFound

DEFAULT_CONFIG: Path = Path(__file__).with_name("default_hall.toml")
"""The shipped default configuration, also the example a hall copies and edits."""

DEFAULT_SOURCE = "<default>"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DAY_START = "04:00"
DEFAULT_LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_SLA_MINUTES = 10.0
DEFAULT_SLA_SHARE = 0.8
DEFAULT_NO_SHOW_GRACE_MINUTES = 30.0
DEFAULT_PIN_MAX_FAILURES = 5
DEFAULT_PIN_LOCK_MINUTES = 15.0
NORMAL = "normal"

_TOP_KEYS = (
    "hall", "service", "security", "business", "priority", "counter", "kiosk", "printer",
    "remedy", "evaluator", "voice", "score",
)  # fmt: skip
_HALL_KEYS = ("name_zh", "name_en", "timezone", "day_start", "languages")
_SERVICE_KEYS = ("sla_minutes", "sla_share", "no_show_grace_minutes")
_SECURITY_KEYS = ("pin_max_failures", "pin_lock_minutes")
_BUSINESS_KEYS = ("prefix", "zh", "en", "standard_minutes")
_PRIORITY_KEYS = ("code", "zh", "en", "rank", "guide_only")
_COUNTER_KEYS = ("number", "zh", "en", "profile")

_PREFIX = re.compile(r"[A-Z]")
_CODE = re.compile(r"[a-z_]+")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class BusinessType:
    """A queue of the hall (业务类型), such as A 缴费 bill payment."""

    prefix: str
    """One capital letter A-Z, unique; it starts every ticket number of this type."""
    name_zh: str
    """Chinese name shown on the kiosk, the display and the voice call."""
    name_en: str
    """English name."""
    standard_minutes: float
    """Standard handling time (> 0), the yardstick for staff figures and staffing."""


@dataclass(frozen=True)
class PriorityClass:
    """A class of customers served before others of the same business type."""

    code: str
    """Stable identifier such as "normal" or "elderly"; [a-z_]+, unique."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    rank: int
    """Lower is served first; "normal" always has the highest rank (served last)."""
    guide_only: bool = False
    """Given by a guide (or at a counter) only, never picked by a customer at the kiosk
    (an appointment is checked by a person)."""


@dataclass(frozen=True)
class CounterSpec:
    """A service point (窗口) and the business types it serves."""

    number: int
    """Counter number (>= 1), unique."""
    name_zh: str
    """Chinese name, e.g. 1号窗口."""
    name_en: str
    """English name, e.g. Counter 1."""
    profile: tuple[str, ...]
    """Business prefixes served, in the order the counter serves them; non-empty, unique."""


@dataclass(frozen=True)
class HallConfig:
    """One hall's validated configuration. Build it with `load_config` or `parse_config`."""

    name_zh: str
    """Chinese name of the hall."""
    name_en: str
    """English name of the hall (defaults to the Chinese one)."""
    timezone: str
    """IANA time zone name of the hall."""
    day_start: datetime.time
    """Local time at which a business day starts; numbering restarts then."""
    languages: tuple[str, ...]
    """Languages offered, a subset of ("zh", "en"); the first is the default."""
    businesses: tuple[BusinessType, ...]
    """Business types in file order; non-empty."""
    priorities: tuple[PriorityClass, ...]
    """Priority classes sorted by rank; always includes "normal", last."""
    counters: tuple[CounterSpec, ...]
    """Counters sorted by number; non-empty."""
    sla_minutes: float
    """SLA target: a share `sla_share` of customers is called within this many minutes."""
    sla_share: float
    """Share of customers the SLA promises, 0 < x <= 1."""
    no_show_grace_minutes: float
    """A no-show (过号) can be re-queued within this many minutes (>= 0)."""
    pin_max_failures: int
    """Wrong PINs in a row before the account locks."""
    pin_lock_minutes: float
    """How long a locked account stays locked."""
    source: str
    """Path of the file, or "<default>" / "<string>", for messages."""
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    """Timings of the kiosk's screens ([kiosk])."""
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    """The kiosk's ticket printer ([printer]); kind "none" by default."""
    evaluator: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    """Timings of the customer evaluator beside each counter ([evaluator])."""
    remedies: tuple[RemedyKind, ...] = DEFAULT_REMEDIES
    """Remedy kinds a handler may grant ([[remedy]]), in file order; never empty."""
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    """How the wall display announces calls ([voice])."""
    score: ScoreConfig = field(default_factory=ScoreConfig)
    """Weights of the staff report's composite score ([score])."""

    def __post_init__(self) -> None:
        # dataclasses.replace() (e.g. a leader changing a counter's profile during the day)
        # bypasses the parser, so re-check what the lookups and the queue logic rely on.
        problem = _inconsistency(self)
        if problem:
            raise ConfigError(f"{self.source}: {problem}")

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
    for name, keys in (
        ("businesses: duplicate prefix", [b.prefix for b in config.businesses]),
        ("priorities: duplicate code", [p.code for p in config.priorities]),
        ("counters: duplicate number", [c.number for c in config.counters]),
    ):
        duplicate = first_duplicate(keys)
        if duplicate is not None:
            return f"{name} {duplicate!r}"
    if NORMAL not in {p.code for p in config.priorities}:
        return f"priorities: {NORMAL!r} is missing"
    known = {b.prefix for b in config.businesses}
    for spec in config.counters:
        unknown = [p for p in spec.profile if p not in known]
        if not spec.profile or unknown or first_duplicate(spec.profile) is not None:
            return f"counter {spec.number}: bad profile {list(spec.profile)!r}"
    return None


# --- building the config ------------------------------------------------------------------


def _timezone(hall: Table) -> str:
    name = hall.text("timezone", DEFAULT_TIMEZONE)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise hall.error("timezone", f"unknown IANA time zone {show(name)}") from None
    return name


def _day_start(hall: Table) -> datetime.time:
    value = hall.get("day_start", DEFAULT_DAY_START)
    if isinstance(value, datetime.time) and value.tzinfo is None:
        return value  # a bare TOML local time such as 04:00:00 is accepted too
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise hall.error("day_start", f'expected a time "HH:MM" (00:00-23:59), got {show(value)}')
    return datetime.time(int(match[1]), int(match[2]))


def _languages(hall: Table) -> tuple[str, ...]:
    languages = hall.strings("languages", DEFAULT_LANGUAGES)
    hall.ensure(bool(languages), "languages", "at least one language is required")
    for language in languages:
        problem = f'unsupported language {show(language)} (supported: "zh", "en")'
        hall.ensure(language in DEFAULT_LANGUAGES, "languages", problem)
    duplicate = first_duplicate(languages)
    hall.ensure(duplicate is None, "languages", f"duplicate {show(duplicate)}")
    return languages


def _businesses(top: Table) -> tuple[BusinessType, ...]:
    seen: dict[object, str] = {}
    found = []
    for row in top.rows("business", _BUSINESS_KEYS, required=True):
        prefix = row.text("prefix")
        problem = f"must be one capital letter A-Z, got {show(prefix)}"
        row.ensure(_PREFIX.fullmatch(prefix) is not None, "prefix", problem)
        claim(row, "prefix", prefix, seen)
        minutes = row.number("standard_minutes")
        row.ensure(minutes > 0, "standard_minutes", f"must be greater than 0, got {minutes:g}")
        zh = row.text("zh")
        found.append(BusinessType(prefix, zh, row.text("en", zh), minutes))
    return tuple(found)


def _priorities(top: Table) -> tuple[PriorityClass, ...]:
    seen: dict[object, str] = {}
    found = []
    for row in top.rows("priority", _PRIORITY_KEYS, required=False):
        code = row.text("code")
        problem = f"must be lower-case letters and underscores, got {show(code)}"
        row.ensure(_CODE.fullmatch(code) is not None, "code", problem)
        claim(row, "code", code, seen)
        zh = row.text("zh")
        guide_only = row.boolean("guide_only", False)
        row.ensure(not (guide_only and code == NORMAL), "guide_only",
                   '"normal" is every customer\'s: it cannot be guide-only')
        found.append(PriorityClass(code, zh, row.text("en", zh), row.integer("rank"),
                                   guide_only))
    if NORMAL in seen:
        _check_normal_last(top, found, seen[NORMAL])
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
        raise ConfigError(f"{top.source}: {path}.rank: {problem}")


def _counters(top: Table, known: Collection[str]) -> tuple[CounterSpec, ...]:
    seen: dict[object, str] = {}
    found = []
    for row in top.rows("counter", _COUNTER_KEYS, required=True):
        number = row.integer("number")
        row.ensure(number >= 1, "number", f"must be 1 or more, got {number}")
        claim(row, "number", number, seen)
        zh = row.text("zh", f"{number}号窗口")
        en = row.text("en", f"Counter {number}")
        found.append(CounterSpec(number, zh, en, _profile(row, known)))
    return tuple(sorted(found, key=lambda c: c.number))


def _profile(row: Table, known: Collection[str]) -> tuple[str, ...]:
    profile = row.strings("profile")
    row.ensure(bool(profile), "profile", "must name at least one business type")
    for prefix in profile:
        problem = f"unknown business type {show(prefix)} (known: {listing(known)})"
        row.ensure(prefix in known, "profile", problem)
    duplicate = first_duplicate(profile)
    row.ensure(duplicate is None, "profile", f"duplicate business type {show(duplicate)}")
    return profile


def _positive(table: Table, key: str, default: float) -> float:
    value = table.number(key, default)
    table.ensure(value > 0, key, f"must be greater than 0, got {value:g}")
    return value


def _build(top: Table) -> HallConfig:
    hall = top.sub("hall", _HALL_KEYS)
    service = top.sub("service", _SERVICE_KEYS)
    security = top.sub("security", _SECURITY_KEYS)
    name_zh = hall.text("name_zh")
    businesses = _businesses(top)
    share = service.number("sla_share", DEFAULT_SLA_SHARE)
    service.ensure(0 < share <= 1, "sla_share", f"must be > 0 and <= 1, got {share:g}")
    grace = service.number("no_show_grace_minutes", DEFAULT_NO_SHOW_GRACE_MINUTES)
    service.ensure(grace >= 0, "no_show_grace_minutes", f"must be 0 or more, got {grace:g}")
    failures = security.integer("pin_max_failures", DEFAULT_PIN_MAX_FAILURES)
    security.ensure(failures >= 1, "pin_max_failures", f"must be 1 or more, got {failures}")
    return HallConfig(
        name_zh=name_zh,
        name_en=hall.text("name_en", name_zh),
        timezone=_timezone(hall),
        day_start=_day_start(hall),
        languages=_languages(hall),
        businesses=businesses,
        priorities=_priorities(top),
        counters=_counters(top, [b.prefix for b in businesses]),
        sla_minutes=_positive(service, "sla_minutes", DEFAULT_SLA_MINUTES),
        sla_share=share,
        no_show_grace_minutes=grace,
        pin_max_failures=failures,
        pin_lock_minutes=_positive(security, "pin_lock_minutes", DEFAULT_PIN_LOCK_MINUTES),
        source=top.source,
        kiosk=kiosk_config(top),
        printer=printer_config(top),
        evaluator=evaluator_config(top),
        remedies=remedy_kinds(top),
        voice=voice_config(top),
        score=score_config(top),
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
    return _build(Table(document, "", source, _TOP_KEYS))


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

"""Where a command's hall comes from: the config file, the database URL, and the PIN.

Everything here is about reading what the person typed and finding the files; the rules
of the hall stay in `db`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from db.config import HallConfig, load_config
from db.errors import AuthFailed, HallError, Refused
from db.store.engine import default_db_url
from db.store.session import Clock, Hall, utc_now
from db.store.views import RATING_NAMES_ZH, RATINGS
from hall.output import Output

APP_NAME = "onestop-hall"
CONFIG_FILE = "hall.toml"
DEMO_FILE = "hall-demo.db"


class UsageError(HallError):
    """The command line itself is wrong: an unknown option, a bad date, a malformed URL."""

    exit_code = 2


class DatabaseFailure(HallError):
    """The database could not do the step (busy, unreadable, refused a constraint)."""


class NotInitialised(HallError):
    """The database has no tables yet: only `hall init` (or `hall demo`) may create them."""

    exit_code = 2

    def __init__(self, url: str) -> None:
        super().__init__(f"the database {masked(url)} is not initialised: run `hall init` first")


# -- the config ----------------------------------------------------------------------------


def user_config_path() -> Path:
    """The per-user config file (it need not exist)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE


def config_path(given: str | None) -> Path | None:
    """`--config`, else `$HALL_CONFIG`, else the user's hall.toml if present; None means the
    shipped default."""
    chosen = given or os.environ.get("HALL_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    mine = user_config_path()
    return mine if mine.is_file() else None


def load_hall_config(given: str | None) -> HallConfig:
    """The hall config the command runs with (ConfigError, exit 2, if it is bad)."""
    return load_config(config_path(given))


# -- the database --------------------------------------------------------------------------


def db_url(given: str | None) -> str:
    """`--db`, else `$HALL_DB`, else the default SQLite file."""
    return given or default_db_url()


def demo_url(given: str | None) -> str:
    """`--db` if given, else `hall-demo.db` beside the default database (in the user data
    directory when the default is not a SQLite file)."""
    if given:
        return given
    beside = sqlite_path(parse_url(default_db_url()))
    if beside is None:
        from platformdirs import user_data_dir

        beside = Path(user_data_dir(APP_NAME, appauthor=False)) / "hall.db"
    return f"sqlite:///{beside.with_name(DEMO_FILE)}"


def parse_url(url: str) -> URL:
    """The parsed URL, or a UsageError naming it."""
    try:
        return make_url(url)
    except ArgumentError:
        raise UsageError(f"--db: not a database URL: {url!r} (e.g. sqlite:///hall.db)") from None


def masked(url: str) -> str:
    """The URL as it may be shown: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL; None for another dialect or an in-memory database."""
    if not url.drivername.startswith("sqlite"):
        return None
    name = url.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def open_hall(url: str, config: HallConfig, *, create: bool, clock: Clock = utc_now) -> Hall:
    """Open the hall at `url`. Unless `create`, a missing SQLite file is refused before it
    is touched, so a mistyped path never leaves an empty database behind."""
    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if not create and path is not None and not path.is_file():
        raise NotInitialised(url)
    try:
        return Hall.open(url, config, clock)
    except ArgumentError as exc:
        raise UsageError(f"--db {masked(url)}: {exc}") from None
    except ImportError as exc:
        missing = f"database driver not installed ({exc.name})"
        raise UsageError(f"--db {masked(url)}: {missing}") from None


# -- what the person types -----------------------------------------------------------------


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

COUNTER_VARIABLE = "HALL_COUNTER"
"""The environment variable that names this machine's counter, for the apps at a counter."""


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


def read_pin(staff_id: str, *, confirm: bool = False) -> str:
    """The PIN: asked without echo on a terminal (twice when `confirm`), else one line of
    standard input, so scripts can pipe it in."""
    if sys.stdin is not None and sys.stdin.isatty():
        pin = _ask(f"PIN for {staff_id}: ")
        if confirm and _ask(f"PIN for {staff_id} again: ") != pin:
            raise Refused("the two PINs differ; nothing was changed")
    else:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        pin = line.rstrip("\r\n")
    if not pin:
        raise AuthFailed(f"no PIN given for {staff_id} (type it, or pipe one line to stdin)")
    return pin


def _ask(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


# -- one command's run ---------------------------------------------------------------------


class Run:
    """What a command handler is given: the parsed arguments, the config, the database URL,
    the output, and the hall, opened on first use."""

    def __init__(self, args: argparse.Namespace, config: HallConfig, url: str, out: Output) -> None:
        self.args = args
        self.config = config
        self.url = url
        self.out = out
        self._hall: Hall | None = None

    def hall(self, *, create: bool = False) -> Hall:
        """The hall of `--db`; unless `create`, its database must already exist."""
        if self._hall is None:
            self._hall = open_hall(self.url, self.config, create=create)
        return self._hall

    def adopt(self, hall: Hall) -> Hall:
        """Use a hall opened elsewhere (the demo's), so that it is closed at the end."""
        self.close()
        self._hall = hall
        return hall

    def close(self) -> None:
        """Close the database connections."""
        if self._hall is not None:
            self._hall.dispose()
            self._hall = None

"""One command's run: where its hall comes from (the config file, the database URL), the
PIN, and `Run`, what every command handler is given.

Shared by every command module; it imports none of them. Everything here is about reading
what the person typed and finding the files; the rules of the hall stay in `db`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from db.errors import AuthFailed, Refused
from hall.errors import NotInitialised, UsageError, masked
from hall.output import Output

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from db.config import HallConfig
    from db.store.session import Clock, Hall

APP_NAME = "onestop-hall"
CONFIG_FILE = "hall.toml"
DEMO_FILE = "hall-demo.db"


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
    from db.config import load_config

    return load_config(config_path(given))


# -- the database --------------------------------------------------------------------------


def db_url(given: str | None) -> str:
    """`--db`, else `$HALL_DB`, else the default SQLite file."""
    from db.store.engine import default_db_url

    return given or default_db_url()


def demo_url(given: str | None) -> str:
    """`--db` if given, else `hall-demo.db` beside the default database (in the user data
    directory when the default is not a SQLite file)."""
    from db.store.engine import default_db_url

    if given:
        return given
    beside = sqlite_path(parse_url(default_db_url()))
    if beside is None:
        from platformdirs import user_data_dir

        beside = Path(user_data_dir(APP_NAME, appauthor=False)) / "hall.db"
    return f"sqlite:///{beside.with_name(DEMO_FILE)}"


def parse_url(url: str) -> URL:
    """The parsed URL, or a UsageError naming it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        raise UsageError(f"--db: not a database URL: {url!r} (e.g. sqlite:///hall.db)") from None


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL; None for another dialect or an in-memory database."""
    if not url.drivername.startswith("sqlite"):
        return None
    name = url.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def open_hall(url: str, config: HallConfig, *, create: bool, clock: Clock | None = None,
              hall: str | None = None) -> Hall:
    """Open the hall at `url` (`hall`: its code, else `$HALL_CODE`, else the database's only
    hall). Unless `create`, a missing SQLite file is refused before it is touched, so a
    mistyped path never leaves an empty database behind."""
    from sqlalchemy.exc import ArgumentError

    from db.store.session import Hall, utc_now

    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if not create and path is not None and not path.is_file():
        raise NotInitialised(url)
    try:
        return Hall.open(url, config, clock or utc_now, hall=hall)
    except ArgumentError as exc:
        raise UsageError(f"--db {masked(url)}: {exc}") from None
    except ImportError as exc:
        missing = f"database driver not installed ({exc.name})"
        raise UsageError(f"--db {masked(url)}: {missing}") from None


# -- the PIN -------------------------------------------------------------------------------


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
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


def check_pin(run: Run, staff_id: str, number: str | None = None, *,
              terminal: str | None = None) -> None:
    """Ask for the staff member's PIN and check it (AuthFailed, exit 1, if wrong). A ticket
    number that cannot be one is refused first, before anyone types a PIN for nothing.
    `terminal`: where the PIN is typed for (a counter), when the command knows."""
    from db.rules.ops import normalize_number
    from db.rules.staff import authenticate

    if number is not None:
        normalize_number(number)
    authenticate(run.hall(), staff_id, read_pin(staff_id), terminal=terminal)


# -- one command's run ---------------------------------------------------------------------


class Run:
    """What a command handler is given: the parsed arguments, the config, the database URL,
    the output, and the hall, opened on first use."""

    def __init__(self, args: argparse.Namespace, config: HallConfig, url: str, out: Output) -> None:
        self.args = args
        self.config = config
        self.url = url
        self.out = out
        self.code: str | None = getattr(args, "hall", None)
        """`--hall CODE`, when given (else `$HALL_CODE`, read by `Hall`)."""
        self._hall: Hall | None = None

    def hall(self, *, create: bool = False) -> Hall:
        """The hall of `--db`; unless `create`, its database must already exist."""
        if self._hall is None:
            self._hall = open_hall(self.url, self.config, create=create, hall=self.code)
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

"""The command line's own failures, beside the core's (`db.errors`): misuse (exit 2), a
database that could not do the step (exit 1), a database never initialised (exit 2)."""

from __future__ import annotations

from db.errors import HallError


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


def masked(url: str) -> str:
    """The URL as it may be shown: without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url

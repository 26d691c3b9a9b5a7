"""The errors the core raises: each carries a one-line message meant for a person.

A refusal is shown to clerks and customers in the app's language, so each message is given
in English (the text of the exception, what the CLI and logs print) and, where a person at
a counter or the kiosk may see it, in Chinese too (`zh=`); `text(lang)` picks one.
"""

from __future__ import annotations

from db.store.views import COUNTER_STATE_ZH, ROLE_ZH, TICKET_STATUS_ZH


class HallError(Exception):
    """Base of every error the core raises on purpose; its text is one line for the user."""

    exit_code = 1

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh
        """The same message in Chinese, when it has one."""

    def text(self, lang: str) -> str:
        """The message in `lang` ("zh" or "en"); English when there is no Chinese."""
        return self.zh if lang == "zh" and self.zh else str(self)

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the Chinese text when the error crosses a process boundary (multiprocessing).
        return (_rebuild, (type(self), str(self), self.zh))


def _rebuild(cls: type[HallError], message: str, zh: str | None) -> HallError:
    return cls(message, zh=zh)


class Refused(HallError):
    """A step the rules or the current state do not allow (a stale counter, a wrong state)."""


class SessionEnded(Refused):
    """This client's sign-in at a counter has ended: someone signed in there again (another
    client, or the same clerk after a restart), or the counter was signed out."""


class NotFound(HallError):
    """An unknown business type, counter, staff member or ticket."""


class AuthFailed(HallError):
    """A wrong PIN, a locked account, or a role without the right to this step."""


class Misuse(HallError):
    """The program was called in a way it cannot act on: a database URL with a bad option
    (`sqlite:///hall.db?timeout=abc`), a database that was never created. The CLI exits 2."""

    exit_code = 2


class NoDatabase(Misuse):
    """No hall database where one was named: only `hall init` creates one (a file deleted
    under a running app is never recreated empty)."""


class DatabaseUnusable(HallError):
    """The hall's database is there but cannot be used: read-only (a file or mount without
    write access) or damaged (not a database, or failing its own checks)."""


class ReadOnlyDatabase(DatabaseUnusable):
    """The database file, its folder or its mount does not allow writing."""


class DamagedDatabase(DatabaseUnusable):
    """The file is not a database, or SQLite finds it malformed."""


class ConfigError(HallError):
    """A hall configuration file that cannot be read or does not validate."""

    exit_code = 2


def status_zh(status: str | None) -> str:
    """A ticket state in Chinese (办理中, 已叫号, ...) for a message."""
    return TICKET_STATUS_ZH.get(status or "", status or "—")


def state_zh(state: str | None) -> str:
    """A counter state in Chinese (开放, 暂停, 关闭)."""
    return COUNTER_STATE_ZH.get(state or "", state or "—")


def role_zh(role: str | None) -> str:
    """A post in Chinese (引导岗, 工作岗, ...)."""
    return ROLE_ZH.get(role or "", role or "—")

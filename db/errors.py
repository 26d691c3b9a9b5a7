"""The errors the core raises: each carries a one-line message meant for a person."""


class HallError(Exception):
    """Base of every error the core raises on purpose; its text is one line for the user."""

    exit_code = 1


class Refused(HallError):
    """A step the rules or the current state do not allow (a stale counter, a wrong state)."""


class NotFound(HallError):
    """An unknown business type, counter, staff member or ticket."""


class AuthFailed(HallError):
    """A wrong PIN, a locked account, or a role without the right to this step."""


class ConfigError(HallError):
    """A hall configuration file that cannot be read or does not validate."""

    exit_code = 2

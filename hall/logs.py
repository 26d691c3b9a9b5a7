"""The programs' log ([log]): to the journal under systemd, or to a rotating file.

Every `hall` program (a command, an app, the server and its terminals) starts here: `setup`
is called once the hall file is read. Under systemd a program's standard error is the
journal (`$JOURNAL_STREAM` names it), and a line starting `<N>` is stored with syslog
priority N: no library is needed to write to it. What is logged: one line per command
(`hall.cli`: its name and how it ended) and one per committed step of any app (`db.steps`:
the event, its ticket, staff and counter ids, never its details). A PIN is never on a
command line and never in an event; a database URL is shown without its password.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from db.config import LogConfig

PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
              logging.CRITICAL: 2}
"""syslog priorities of the logging levels (sd-daemon(3): <7> debug … <2> critical)."""

FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
"""A file's line: the time, the process, the logger, the level, the message."""

_handler: logging.Handler | None = None
"""The handler `setup` installed (one per process)."""
_levels: dict[str, int] = {}
"""The levels `setup` changed, as they were (for `reset`)."""


class JournalFormatter(logging.Formatter):
    """`<6>hall.cli: …`: the journal adds the time and the process itself."""

    def format(self, record: logging.LogRecord) -> str:
        priority = PRIORITIES.get(record.levelno, 6)
        text = super().format(record).replace("\n", " ")
        return f"<{priority}>{record.name}: {text}"


def under_journal(stream: TextIO | None = None) -> bool:
    """Whether standard error is the journal: `$JOURNAL_STREAM` ("device:inode") names the
    very file descriptor 2 (a child whose stderr was redirected inherits the variable, but
    not the stream)."""
    named = os.environ.get("JOURNAL_STREAM", "")
    device, _, inode = named.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        info = os.fstat((stream or sys.stderr).fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


def destination(config: LogConfig) -> str:
    """"journal", "file" or "off": where `config` sends the lines in this process."""
    if config.to == "auto":
        if under_journal():
            return "journal"
        return "file" if config.file else "off"
    if config.to == "file" and not config.file:
        return "off"
    return config.to


def setup(config: LogConfig) -> str:
    """Send the log where `config` says (once per process); returns where."""
    global _handler
    where = destination(config)
    if where == "off" or _handler is not None:
        return where
    handler: logging.Handler
    if where == "journal":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JournalFormatter())
    else:
        from logging.handlers import RotatingFileHandler
        from pathlib import Path

        path = Path(config.file or "").expanduser()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = RotatingFileHandler(path, maxBytes=int(config.max_mb * 1024 * 1024),
                                      backupCount=config.count, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter(FORMAT))
        _owner_only(path)
    handler.setLevel(config.level.upper())
    root = logging.getLogger()
    root.addHandler(handler)
    _levels[""] = root.level
    root.setLevel(min(root.level or logging.WARNING, handler.level))
    for noisy in ("sqlalchemy", "alembic", "asyncio", "markdown_it", "PIL", "aiohttp"):
        _levels[noisy] = logging.getLogger(noisy).level
        logging.getLogger(noisy).setLevel(max(logging.WARNING, handler.level))
    _handler = handler
    return where


def _owner_only(path: object) -> None:
    """The log names staff ids, counters and ticket ids: 0600 when it is made."""
    import contextlib

    with contextlib.suppress(OSError):
        handle = os.open(str(path), os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        os.close(handle)


def active() -> bool:
    """Whether `setup` installed a handler in this process."""
    return _handler is not None


def reset() -> None:
    """Remove the handler `setup` installed (tests)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
    for name, level in _levels.items():
        logging.getLogger(name or None).setLevel(level)
    _levels.clear()

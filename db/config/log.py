"""Where the hall's programs write their log, the [log] section of the hall configuration.

The section is optional; an absent one takes the defaults below: under systemd (a unit that
`hall service install` wrote) each line goes to the journal, elsewhere nowhere unless a file
is named. Re-exported by `db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from db.config.schema import OptionalText, Rule, check


@dataclass(frozen=True)
class LogConfig:
    """The log of every `hall` program (the CLI's commands, the apps' steps)."""

    to: Annotated[str, Rule(pattern="auto|journal|file|off",
                            means='"auto", "journal", "file" or "off"')] = "auto"
    """"journal": standard error, each line with its syslog priority (<6> …), as the
    journal reads it; "file": the rotating `file`; "auto": the journal when the program's
    standard error is the journal (systemd's $JOURNAL_STREAM), else `file` when one is
    named, else nowhere; "off": nowhere."""
    file: OptionalText = None
    """The log file (for "file", and "auto" outside systemd), e.g.
    "/var/log/onestop-hall/hall.log"; rotated at `max_mb`, `count` old files kept."""
    max_mb: Annotated[float, Rule(gt=0, le=1024)] = 10.0
    """The file is rotated when it would grow past this many MiB (0 < x <= 1024)."""
    count: Annotated[int, Rule(ge=1, le=100)] = 5
    """Rotated files kept beside it (hall.log.1 … hall.log.N), 1-100."""
    level: Annotated[str, Rule(pattern="debug|info|warning|error",
                               means='"debug", "info", "warning" or "error"')] = "info"
    """The least important lines written: "info" has one line per step and command."""

    def __post_init__(self) -> None:
        check(self)

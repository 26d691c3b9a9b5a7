"""`hall`: the headless command line of the one-stop service hall.

It parses, opens one short transaction per step, calls the core and prints; it holds no
rules. Exit codes: 0 done; 1 refused (the core said no, or the database could not do it);
2 misuse (the command line, the config file, the --db URL, or a database never
initialised); 130 interrupted; 3 an unexpected fault (a bug: set HALL_DEBUG=1 to see it).
Every failure is one line on standard error, `hall: <message>`, never a traceback.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from db.errors import ConfigError, HallError
from hall.errors import DatabaseFailure, NotInitialised, UsageError, masked
from hall.output import Output
from hall.parser import build_parser
from hall.run import Run, db_url, load_hall_config

if TYPE_CHECKING:
    from db.config import HallConfig

INTERRUPTED = 130
FAULT = 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (default: `sys.argv[1:]`) and return its exit code.

    Run on the process's own command line (no `argv`: the `hall` program, `python -m hall`),
    the process ends with it, so the garbage collector is kept out of what only costs time:
    it does not run while the command's modules are imported, and what is left at the end
    is frozen, so the interpreter's exit does not walk every object of SQLAlchemy and the
    core once more before the process ends anyway (together a fifth of a short command's
    time). The command itself runs with the collector on."""
    own_process = argv is None
    if own_process:
        gc.disable()
    try:
        return _run(argv, collect=own_process)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return _fail("interrupted", INTERRUPTED)
    except HallError as exc:
        return _fail(str(exc), exc.exit_code)
    except BrokenPipeError:
        return _closed_pipe()
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 1)
    except Exception as exc:
        if os.environ.get("HALL_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {exc} (HALL_DEBUG=1 shows more)", FAULT)
    finally:
        if own_process:
            gc.freeze()


def _run(argv: Sequence[str] | None, *, collect: bool = False) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        raise UsageError("no command given: try `hall status`, `hall demo` or `hall --help`")
    config = _config(args)
    url = db_url(getattr(args, "db", None))
    run = Run(args, config, url, Output(config, as_json=getattr(args, "json", False)))
    if config.log.to != "off":
        from hall.logs import setup

        setup(config.log)
    if collect:
        gc.enable()
    outcome = "done"
    try:
        try:
            args.handler(run)
        except SQLAlchemyError as exc:
            raise database_error(exc, url) from exc
    except HallError as exc:
        outcome = f"refused (exit {exc.exit_code}): {_first_line(str(exc))}"
        raise
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise
    except Exception as exc:
        outcome = f"failed: {type(exc).__name__}"
        raise
    finally:
        run.close()
        _log_command(args, outcome)
    return 0


def _log_command(args: Any, outcome: str) -> None:
    """One line in the log for the command: its name, the counter and staff id it named, and
    how it ended; never its free text (notes, names, phone numbers) nor a PIN (never on the
    command line) nor the database URL."""
    from hall import logs

    if not logs.active():
        return
    words = [args.command, *(str(value) for key, value in sorted(vars(args).items())
                             if key.endswith("_command") and value)]
    for key in ("counter", "staff", "by", "number"):
        value = getattr(args, key, None)
        if value is not None and not isinstance(value, bool):
            words.append(f"--{key} {value}" if key != "number" else str(value))
    import logging

    logging.getLogger("hall.cli").info("hall %s: %s", " ".join(words), outcome)


def _config(args: Any) -> HallConfig:
    """The hall file; a command that reports on a bad one (`doctor`) is given the shipped
    default instead, and the problem in `args.config_error`."""
    try:
        return load_hall_config(getattr(args, "config", None))
    except ConfigError as exc:
        if not getattr(args, "reports_bad_config", False):
            raise
        from db.config import load_config

        args.config_error = str(exc)
        return load_config(None)


def database_error(exc: SQLAlchemyError, url: str) -> HallError:
    """One readable line for what the database said."""
    said = _first_line(str(getattr(exc, "orig", None) or exc))
    lowered = said.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return NotInitialised(url)
    if "no such column" in lowered or ("column" in lowered and "does not exist" in lowered):
        return UsageError(f"the database {masked(url)} is older than this program: "
                          "run `hall init` to upgrade it")
    if "locked" in lowered or "busy" in lowered:
        return DatabaseFailure("the database is busy (another program is writing); try again")
    if isinstance(exc, IntegrityError):
        return DatabaseFailure(
            f"the database refused the change ({said}): a staff id, business type or counter "
            "it names is unknown (after editing the config, run `hall init`)"
        )
    if isinstance(exc, DBAPIError):
        return DatabaseFailure(f"database error: {said}")
    return UsageError(f"database set-up: {said}")


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[0].split()) if text.strip() else "unknown error"


def _fail(message: str, code: int) -> int:
    print(f"hall: {_first_line(message)}", file=sys.stderr)
    return code


def _closed_pipe() -> int:
    """The reader went away (`hall events | head`): stop quietly, as other tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    return 1

"""Starting the Textual apps from the command line. Each app is imported only when its
command runs, so the other commands never load Textual."""

from __future__ import annotations

import sys

from db.schema import current_revision, head_revision
from db.session import Hall
from hall.context import NotInitialised, Run, UsageError, masked


def kiosk(run: Run) -> None:
    """`kiosk [--guide]`: the customer kiosk, full screen until the duty leader unlocks it."""
    hall = ready_hall(run)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("kiosk: needs a terminal (it is a full-screen app)")
    from kiosk.app import make_app

    make_app(run.config, hall, guide=run.args.guide).run()


def counter(run: Run) -> None:
    """`counter --counter N`: the clerk's app at counter N (staff id and PIN to sign in)."""
    run.config.counter(run.args.counter)  # an unknown counter is refused before the screen
    hall = ready_hall(run)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("counter: needs a terminal (it is a full-screen app)")
    from counter.app import make_app

    make_app(run.config, hall, counter=run.args.counter).run()


def display(run: Run) -> None:
    """`display [--counter N]`: the wall display, or counter N's display."""
    hall = ready_hall(run)
    counter: int | None = run.args.counter
    if counter is not None:
        run.config.counter(counter)  # an unknown counter is refused before the screen opens
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("display: needs a terminal (it is a full-screen app)")
    from display.app import make_app

    make_app(run.config, hall, counter=counter).run()


def ready_hall(run: Run) -> Hall:
    """The hall, refused in one line unless its database is initialised and up to date: an
    app would otherwise fail later, in front of a customer."""
    hall = run.hall()
    revision = current_revision(hall.engine)
    if revision is None:
        raise NotInitialised(run.url)
    if revision != head_revision(hall.engine):
        raise UsageError(f"the database {masked(run.url)} is older than this program: "
                         "run `hall init` to upgrade it")
    return hall

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

"""What the console shows, read in one read transaction by a worker thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from db.rules import complaints, duty, notices, reception, remedies, staff
from db.rules.duty import Board
from db.store.session import Hall, Tx
from db.store.views import ComplaintView, FeedbackView, RemedyView

Step = Callable[[Tx], object]
"""One step of the leader's, run in its own write transaction."""

FEEDBACK_SHOWN = 50
"""Supervision-box notes listed, newest first."""


@dataclass(frozen=True)
class ConsoleState:
    """The hall and the leader's in-tray as one snapshot."""

    board: Board
    """The hall board."""
    complaints: tuple[ComplaintView, ...]
    """Open complaints, oldest first."""
    pending: tuple[RemedyView, ...]
    """Remedy requests pending the duty leader, oldest first."""
    feedback: tuple[FeedbackView, ...]
    """Supervision-box notes, newest first, handled ones too."""
    notice: str
    """The display's notice line now ("" for none)."""
    staff_names: Mapping[str, str]
    """Staff id → name, for the lists and the history to name people."""


def read_state(hall: Hall) -> ConsoleState:
    """Read everything the console shows (call it from a worker thread)."""
    with hall.read() as tx:
        return ConsoleState(
            board=duty.board(tx),
            complaints=tuple(complaints.open_complaints(tx)),
            pending=tuple(remedies.pending_requests(tx)),
            feedback=tuple(reception.feedback_list(tx, status=None, limit=FEEDBACK_SHOWN)),
            notice=notices.current_notice(tx),
            staff_names={person.id: person.name for person in staff.list_staff(tx)},
        )

"""The support desk as a machine: the hall, and the steps a support colleague takes.

Every method is blocking (a short transaction, or a PIN hash) and meant for a worker
thread; none touches a widget. Refusals are the core's `HallError`s, raised unchanged for
the screen to show in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db.config import HallConfig
from db.errors import AuthFailed
from db.rules import backoffice, ops, queries
from db.rules.staff import authenticate, list_staff
from db.store.session import Hall
from db.store.views import EventView, StaffView, TicketView


@dataclass(frozen=True)
class Board:
    """What the desk shows, read in one transaction."""

    referrals: tuple[TicketView, ...]
    """Referrals for this colleague and for the pool, oldest first."""
    staff_names: dict[str, str] = field(default_factory=dict)
    """Staff id → name, to name the handlers."""
    history: tuple[EventView, ...] = ()
    """Every step of the chosen referral, oldest first."""
    chosen: int | None = None
    """Id of the referral `history` is of (None: none was chosen, or it is gone)."""


TERMINAL = "support"
"""Where its PINs are typed, as the core counts wrong ones per terminal."""


@dataclass(frozen=True)
class SupportMachine:
    """The support desk on the hall's database."""

    hall: Hall
    """The hall's database and rules."""
    config: HallConfig
    """The hall's configuration (names of businesses, counters, the hall)."""

    def sign_in(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN (the core records failures and locks), then the role."""
        staff = authenticate(self.hall, staff_id.strip().upper(), pin, terminal=TERMINAL)
        if staff.role not in backoffice.SUPPORT_ROLES:
            raise NotSupport(staff)
        return staff

    def board(self, staff: str, chosen: int | None) -> Board:
        """The referrals for `staff` and the pool, and the history of ticket id `chosen`."""
        with self.hall.read() as tx:
            referrals = tuple(queries.support_queue(tx, staff))
            names = {s.id: s.name for s in list_staff(tx)}
            picked = next((r for r in referrals if r.id == chosen), None)
            steps = queries.history(tx, picked.number, picked.business_day) if picked else []
            return Board(referrals, names, tuple(steps), picked.id if picked else None)

    def take(self, number: str, staff: str) -> TicketView:
        """Take a referral from the pool."""
        with self.hall.write() as tx:
            return ops.take_referral(tx, number, staff)

    def note(self, number: str, staff: str, text: str) -> TicketView:
        """Write down what was done or found."""
        with self.hall.write() as tx:
            return backoffice.note_referral(tx, number, staff, text)

    def hand_back(self, number: str, staff: str, note: str, outcome: str) -> TicketView:
        """Hand the referral back to its handler, done or with a question."""
        with self.hall.write() as tx:
            return ops.return_from_support(tx, number, staff, note=note or None, outcome=outcome)


class NotSupport(AuthFailed):
    """A right PIN of someone who does not work the support desk."""

    def __init__(self, staff: StaffView) -> None:
        super().__init__(f"staff {staff.id} is a {staff.role}: the support desk is for "
                         "support staff and the duty leader",
                         zh=f"{staff.id} 不是服务岗人员或值班领导")
        self.staff = staff
        """Who it was."""

"""The support colleague's sign-in: staff id and PIN checked by the core (lockout applies),
then the role (support, or the duty leader standing in)."""

from __future__ import annotations

from counter.support.machine import NotSupport, SupportMachine
from counter.support.text import role, t
from db.store.views import StaffView
from ui.screens.base import WorkFailed
from ui.screens.signin import SignInScreen as StaffSignIn


class SignInScreen(StaffSignIn):
    """Staff id, PIN, one error line; posts `SignedIn` when the PIN and role are right."""

    TEXTS = t

    def __init__(self, machine: SupportMachine) -> None:
        super().__init__(machine.config)
        self.machine = machine

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN and the role (worker thread)."""
        return self.machine.sign_in(staff_id, pin)

    def refusal_of(self, event: WorkFailed) -> str | None:
        """A clerk (or a guide) is told the desk is not theirs, by role."""
        error = event.error
        if event.refusal is not None and isinstance(error, NotSupport):
            lang = self.language
            return t("not_support", lang, id=error.staff.id, role=role(error.staff.role, lang))
        return event.refusal

"""The duty leader's sign-in: staff id and PIN checked by the core (the lockout applies);
any other post is refused in one line."""

from __future__ import annotations

from db.config import HallConfig
from db.rules.duty import authenticate_leader
from db.store.session import Hall
from db.store.views import StaffView
from leader.text import t
from ui.screens.signin import SignInScreen as StaffSignIn


class SignInScreen(StaffSignIn):
    """Staff id, PIN, one error line; posts `SignedIn` for a duty leader."""

    TEXTS = t
    BOX_CLASSES = ""
    ERROR_ID = "signin-error"

    def __init__(self, config: HallConfig, hall: Hall) -> None:
        super().__init__(config)
        self.hall = hall

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN and the leader role (worker thread)."""
        return authenticate_leader(self.hall, staff_id, pin, terminal="leader")

"""Leaving kiosk mode: only the duty leader's id and PIN close the kiosk."""

from __future__ import annotations

from db.store.views import StaffView
from kiosk.screens.staff_pin import StaffPinScreen


class LeaderUnlock(StaffPinScreen):
    """Staff id and PIN of the duty leader (值班领导); on success the app exits."""

    ROLES = ("leader",)
    TITLE_KEY = "leader_title"
    ACTION_KEY = "unlock"
    REFUSAL_KEY = "not_leader"

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """The kiosk's own throttled check (worker thread): wrong PINs here make the next
        try wait, and never lock the leader's account."""
        return self.machine.unlock(staff_id, pin)

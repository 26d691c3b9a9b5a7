"""Leaving kiosk mode: only the duty leader's id and PIN close the kiosk."""

from __future__ import annotations

from kiosk.screens.staff_pin import StaffPinScreen


class LeaderUnlock(StaffPinScreen):
    """Staff id and PIN of the duty leader (值班领导); on success the app exits."""

    ROLES = ("leader",)
    TITLE_KEY = "leader_title"
    ACTION_KEY = "unlock"
    REFUSAL_KEY = "not_leader"

"""The guide's sign-in on the kiosk (a guide or the duty leader)."""

from __future__ import annotations

from kiosk.screens.staff_pin import StaffPinScreen


class GuideSignIn(StaffPinScreen):
    """Staff id and PIN of a guide (引导岗) or the duty leader."""

    ROLES = ("guide", "leader")
    TITLE_KEY = "guide_title"
    ACTION_KEY = "sign_in"
    REFUSAL_KEY = "not_guide"

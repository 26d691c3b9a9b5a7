"""The [appointments] section of the hall config: when a booked customer may check in at the
kiosk (预约签到) and which priority class the number then has. Optional; an absent section
takes the defaults below. Re-exported by `db.config`.

The check-in window of a slot "09:00-09:30" opens `early_minutes` before its start and
closes `late_minutes` after its end; an appointment not checked in when it closes is missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from db.config.schema import Rule, check

MAX_MINUTES = 240.0
"""A window wider than four hours either side of a slot would make the slot meaningless."""

APPOINTMENT = "appointment"
"""The priority class an appointment's number has unless the section names another."""


@dataclass(frozen=True)
class AppointmentsConfig:
    """The check-in window around a booked slot, and the number's priority class."""

    early_minutes: Annotated[float, Rule(ge=0, le=MAX_MINUTES)] = 30.0
    """The window opens this many minutes before the slot starts (0-240)."""
    late_minutes: Annotated[float, Rule(ge=0, le=MAX_MINUTES)] = 10.0
    """It closes this many minutes after the slot ends (0-240): after that the appointment
    is missed and the customer takes a normal number."""
    priority: Annotated[str, Rule(pattern="[a-z_]+", means="a priority class code")] = APPOINTMENT
    """The priority class (a [[priority]] code) of a checked-in appointment's number. A hall
    without the "appointment" class gives it a normal number's priority; naming another
    class that the hall does not have is an error."""

    def __post_init__(self) -> None:
        check(self)

"""The leader unlock at a terminal anyone can walk up to (the kiosk, an evaluator): wrong
PINs there make the next try wait (1, 2, 4 … 60 s) and never count toward the account's
lock, so a customer cannot lock the duty leader out; they still count toward the
terminal's own lock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.errors import AuthFailed
from db.rules import staff
from db.rules.ops import E, S
from db.store.session import Hall, ManualClock
from tests.conftest import LEADER_PIN

LEADER = "L01"


def unlock(hall: Hall, pin: str, staff_id: str = LEADER, terminal: str = "kiosk") -> Any:
    return staff.authenticate(hall, staff_id, pin, terminal=terminal, throttled=True)


def refused(hall: Hall, pin: str, staff_id: str = LEADER) -> AuthFailed:
    with pytest.raises(AuthFailed) as info:
        unlock(hall, pin, staff_id)
    assert info.value.zh
    return info.value


def terminal_failures(hall: Hall, terminal: str = "kiosk") -> int:
    with hall.read() as tx:
        row = tx.conn.execute(
            select(staff.P).where(staff.P.c.key == f"terminal:{terminal}")).first()
    return int(row.failures) if row is not None else 0


def account(hall: Hall, staff_id: str = LEADER) -> tuple[int, Any]:
    with hall.read() as tx:
        row = tx.conn.execute(select(S).where(S.c.id == staff_id)).one()
    return int(row.failed_pins), row.locked_until


def test_the_wait_doubles_from_one_second_to_a_minute() -> None:
    waits = [staff.throttle_seconds(n) for n in range(10)]
    assert waits == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert staff.throttle_seconds(10_000) == 60


def test_wrong_pins_at_the_kiosk_never_lock_the_leader(hall: Hall, clock: ManualClock) -> None:
    tries = hall.config.pin_max_failures + 2  # past the account's lock, short of the kiosk's
    for n in range(1, tries + 1):
        error = refused(hall, "000000")
        wait = staff.throttle_seconds(n)
        assert f"try again in {wait} s" in str(error) and f"请 {wait} 秒后再试" in (error.zh or "")
        clock.advance(seconds=wait)
    assert account(hall) == (0, None)
    assert terminal_failures(hall) == tries
    with hall.read() as tx:  # the leader still reads of each try in the log
        kinds = tx.conn.execute(select(E.c.kind).where(E.c.staff_id == LEADER)).scalars().all()
    assert kinds.count("pin_failed") == tries and "pin_locked" not in kinds
    # The leader signs in anywhere, the kiosk included, and the kiosk's wait ends.
    assert staff.authenticate(hall, LEADER, LEADER_PIN, terminal="leader").id == LEADER
    assert unlock(hall, LEADER_PIN).id == LEADER
    assert terminal_failures(hall) == 0
    refused(hall, "000000")
    assert terminal_failures(hall) == 1


def test_a_try_during_the_wait_is_refused_unchecked_and_uncounted(
    hall: Hall, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused(hall, "000000")
    clock.advance(seconds=1)
    refused(hall, "000000")  # two in a row: the next waits 2 s
    checks: list[str] = []
    real = staff._verifies

    def counted(pin_hash: str, pin: str) -> bool:
        checks.append(pin)
        return real(pin_hash, pin)

    monkeypatch.setattr(staff, "_verifies", counted)
    clock.advance(seconds=1.5)
    early = refused(hall, LEADER_PIN)  # even the right PIN waits
    assert "try again in 1 s" in str(early) and "请 1 秒后再试" in (early.zh or "")
    assert checks == [] and terminal_failures(hall) == 2
    clock.advance(seconds=0.5)
    assert unlock(hall, LEADER_PIN).id == LEADER


def test_unknown_ids_at_the_kiosk_are_not_counted_on_the_id(
    hall: Hall, clock: ManualClock
) -> None:
    for n in range(1, hall.config.pin_max_failures + 1):
        refused(hall, "0000", staff_id="X99")
        clock.advance(seconds=staff.throttle_seconds(n))
    with hall.read() as tx:
        keys = tx.conn.execute(select(staff.P.c.key)).scalars().all()
    assert keys == ["terminal:kiosk"]


def test_the_kiosk_still_locks_itself_after_many_wrong_pins(
    hall: Hall, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff, "TERMINAL_FAILURES_FACTOR", 1)  # fewer half-second checks
    limit = hall.config.pin_max_failures
    for n in range(1, limit + 1):
        error = refused(hall, "000000")
        clock.advance(seconds=staff.throttle_seconds(n))
    assert "terminal (kiosk) is now locked" in str(error)
    with pytest.raises(AuthFailed, match=r"terminal \(kiosk\) is locked"):
        unlock(hall, LEADER_PIN)
    assert account(hall) == (0, None)
    assert staff.authenticate(hall, LEADER, LEADER_PIN, terminal="leader").id == LEADER


def test_a_leader_locked_elsewhere_stays_locked_at_the_kiosk(hall: Hall) -> None:
    for _ in range(hall.config.pin_max_failures):
        with pytest.raises(AuthFailed):
            staff.authenticate(hall, LEADER, "000000", terminal="leader")
    with pytest.raises(AuthFailed, match="is locked"):
        unlock(hall, LEADER_PIN)


def test_a_throttled_check_needs_its_terminal(hall: Hall) -> None:
    with pytest.raises(ValueError):
        staff.authenticate(hall, LEADER, LEADER_PIN, throttled=True)

"""Staff records, argon2id PINs and the lockout after repeated wrong PINs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.errors import AuthFailed, Refused
from db.rules import staff
from db.rules.ops import S
from db.store.session import Hall, ManualClock
from tests.conftest import PIN


def test_pin_is_stored_as_argon2id_only(hall: Hall) -> None:
    with hall.read() as tx:
        stored = tx.conn.execute(select(S.c.pin_hash).where(S.c.id == "C01")).scalar_one()
    assert stored.startswith("$argon2id$") and PIN not in stored


def test_right_pin_authenticates(hall: Hall) -> None:
    person = staff.authenticate(hall, "C01", PIN)
    assert (person.id, person.role, person.authority_limit) == ("C01", "clerk", 200)


def test_unknown_staff_reads_like_a_wrong_pin(hall: Hall) -> None:
    with pytest.raises(AuthFailed, match="unknown staff id or wrong PIN"):
        staff.authenticate(hall, "X99", PIN)


def test_wrong_pins_lock_the_account_for_a_while(hall: Hall, clock: ManualClock) -> None:
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(AuthFailed, match=f"{tries_left} tries left"):
            staff.authenticate(hall, "C02", "0000")
    with pytest.raises(AuthFailed, match="now locked for 15 min"):
        staff.authenticate(hall, "C02", "0000")
    # Locked: even the right PIN is refused until the lock runs out.
    with pytest.raises(AuthFailed, match="locked"):
        staff.authenticate(hall, "C02", PIN)
    clock.advance(minutes=15, seconds=1)
    assert staff.authenticate(hall, "C02", PIN).id == "C02"
    # The count starts again after a success.
    with pytest.raises(AuthFailed, match="4 tries left"):
        staff.authenticate(hall, "C02", "0000")


def test_a_right_pin_resets_the_count(hall: Hall) -> None:
    for _ in range(3):
        with pytest.raises(AuthFailed):
            staff.authenticate(hall, "C03", "1111")
    staff.authenticate(hall, "C03", PIN)
    with pytest.raises(AuthFailed, match="4 tries left"):
        staff.authenticate(hall, "C03", "1111")


@pytest.mark.parametrize(
    ("staff_id", "name", "role", "pin", "limit", "message"),
    [
        ("C01", "重复", "clerk", "1234", 0, "already exists"),
        ("N1", "新人", "boss", "1234", 0, "role must be"),
        ("N1", "新人", "clerk", "12", 0, "4 to 12 digits"),
        ("N1", "新人", "clerk", "abcd", 0, "4 to 12 digits"),
        ("N 1", "新人", "clerk", "1234", 0, "staff id"),
        ("N1", "  ", "clerk", "1234", 0, "needs a name"),
        ("N1", "新人", "clerk", "1234", -5, "negative"),
    ],
)
def test_bad_staff_records_are_refused(
    hall: Hall, staff_id: str, name: str, role: str, pin: str, limit: int, message: str
) -> None:
    with pytest.raises(Refused, match=message), hall.write() as tx:
        staff.add_staff(tx, staff_id, name, role, pin, authority_limit=limit)
    with hall.read() as tx:
        assert len(staff.list_staff(tx)) == 6


def test_staff_ids_are_kept_in_capitals(hall: Hall) -> None:
    with hall.write() as tx:
        assert staff.add_staff(tx, " zhang01 ", "张", "clerk", "1234").id == "ZHANG01"
    assert staff.authenticate(hall, "ZHANG01", "1234").name == "张"
    with pytest.raises(Refused, match="already exists"), hall.write() as tx:
        staff.add_staff(tx, "C01".lower(), "重复", "clerk", "1234")

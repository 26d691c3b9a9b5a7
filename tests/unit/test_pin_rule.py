"""The PIN rule by role, enforced where a PIN is stored: 4 digits, duty leaders 6, raised (never
lowered) by the hall config's `[security] pin_min_length`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from db.config import PIN_ROLES, HallConfig, parse_config
from db.errors import ConfigError, Refused
from db.rules import staff
from db.rules.ops import E, S
from db.store.models import ROLES
from db.store.session import Hall, ManualClock
from tests.unit.test_config import MINIMAL


def staffed(hall: Hall) -> tuple[int, int]:
    with hall.read() as tx:
        people = tx.conn.execute(select(func.count()).select_from(S)).scalar_one()
        events = tx.conn.execute(select(func.count()).select_from(E)).scalar_one()
    return people, events


def add(hall: Hall, staff_id: str, role: str, pin: str | staff.HashedPin) -> str:
    with hall.write() as tx:
        return staff.add_staff(tx, staff_id, "新人", role, pin).id


def refused(hall: Hall, staff_id: str, role: str, pin: str | staff.HashedPin) -> str:
    before = staffed(hall)
    with pytest.raises(Refused) as info:
        add(hall, staff_id, role, pin)
    assert staffed(hall) == before and info.value.zh
    return str(info.value)


@pytest.fixture
def strict(db_url: str, config: HallConfig, clock: ManualClock, hall: Hall) -> Iterator[Hall]:
    """The fixture hall under a config asking 6 digits of everyone and 8 of leaders."""
    raised = dataclasses.replace(config, pin_min_length=(("*", 6), ("leader", 8)))
    other = Hall.open(db_url, raised, clock)
    yield other
    other.dispose()


def test_a_leader_needs_six_digits_others_four(hall: Hall) -> None:
    assert refused(hall, "L02", "leader", "2468") == "a duty leader's PIN is 6 to 12 digits"
    assert refused(hall, "C09", "clerk", "246") == "a PIN is 4 to 12 digits"
    assert refused(hall, "C09", "clerk", "24a8") == "a PIN is 4 to 12 digits"
    assert refused(hall, "C09", "clerk", "1" * 13) == "a PIN is 4 to 12 digits"
    assert add(hall, "L02", "leader", "246813") == "L02"
    assert add(hall, "C09", "clerk", "2468") == "C09"


def test_the_config_raises_the_minimum(strict: Hall) -> None:
    assert refused(strict, "C09", "clerk", "24681") == "a PIN is 6 to 12 digits"
    assert refused(strict, "L02", "leader", "246813") == "a duty leader's PIN is 8 to 12 digits"
    assert add(strict, "C09", "clerk", "246813") == "C09"
    assert add(strict, "L02", "leader", "24681357") == "L02"


def test_a_pin_hashed_beforehand_is_held_to_the_halls_rule_when_stored(strict: Hall) -> None:
    hashed = staff.hash_pin("2468", "clerk")  # checked without the hall's config
    assert refused(strict, "C09", "clerk", hashed) == "a PIN is 6 to 12 digits"
    assert add(strict, "C09", "clerk", staff.hash_pin("246813", "clerk")) == "C09"
    with pytest.raises(Refused, match="8 to 12"):
        staff.hash_pin("246813", "leader", strict.config.pin_min_lengths)


def test_the_config_cannot_lower_the_minimum(config: HallConfig) -> None:
    lowered = dataclasses.replace(config, pin_min_length=(("leader", 4),))
    assert staff.pin_min_length("leader", lowered.pin_min_lengths) == 6


def read(security: str) -> HallConfig:
    return parse_config(MINIMAL + "\n[security]\n" + security + "\n", "hall.toml")


def test_pin_min_length_is_a_table_of_roles() -> None:
    assert read('pin_min_length = { leader = 8, "*" = 5 }').pin_min_lengths == {
        "leader": 8, "*": 5}
    assert parse_config(MINIMAL).pin_min_length == ()
    assert set(PIN_ROLES) == {"*", *ROLES}


@pytest.mark.parametrize(("line", "says"), [
    ("pin_min_length = { leader = 3 }", 'security.pin_min_length: "leader": must be 4-12, got 3'),
    ("pin_min_length = { leader = 13 }",
     'security.pin_min_length: "leader": must be 4-12, got 13'),
    ("pin_min_length = { boss = 6 }", 'security.pin_min_length: unknown role "boss"'),
    ("pin_min_length = 6", "security.pin_min_length: expected a table of integers"),
    ('pin_min_length = { leader = "6" }', "security.pin_min_length: expected a table of"),
], ids=["too short", "too long", "unknown role", "not a table", "not a number"])
def test_a_bad_pin_min_length_is_one_line(line: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read(line)
    assert str(caught.value).startswith(f"hall.toml: {says}")
    assert "\n" not in str(caught.value)

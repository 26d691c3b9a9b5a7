"""Signing in and out, and the states of a counter."""

from __future__ import annotations

import pytest

from db.errors import NotFound, Refused
from db.rules import counters, ops, queries
from db.store.session import Hall
from tests.unit.test_ops import refused, run


def states(hall: Hall) -> dict[int, tuple[str, str | None]]:
    with hall.read() as tx:
        return {c.number: (c.state, c.staff) for c in queries.counter_views(tx)}


def test_sign_in_opens_and_sign_out_closes(hall: Hall) -> None:
    run(hall, counters.sign_in, 2, "C03")
    assert states(hall)[2] == ("open", "C03")
    run(hall, counters.sign_out, 2)
    assert states(hall)[2] == ("closed", None)


def test_one_person_one_counter(hall: Hall) -> None:
    assert "signed in at counter 1" in refused(hall, Refused, counters.sign_in, 2, "C01")
    assert "taken by C01" in refused(hall, Refused, counters.sign_in, 1, "C03")


def test_signing_in_again_at_the_same_counter_is_allowed(hall: Hall) -> None:
    # A restarted counter client signs in again where its clerk already is.
    run(hall, counters.sign_in, 1, "C01")
    assert states(hall)[1] == ("open", "C01")


@pytest.mark.parametrize("role_holder", ["S01", "G01"])
def test_only_clerks_and_leaders_take_a_counter(hall: Hall, role_holder: str) -> None:
    refused(hall, Refused, counters.sign_in, 2, role_holder)


def test_unknowns(hall: Hall) -> None:
    refused(hall, NotFound, counters.sign_in, 42, "C03")
    refused(hall, NotFound, counters.sign_in, 2, "nobody")


def test_cannot_leave_with_a_customer(hall: Hall) -> None:
    run(hall, ops.issue_ticket, "A")
    run(hall, ops.call_next, 1)
    refused(hall, Refused, counters.sign_out, 1)
    refused(hall, Refused, counters.set_state, 1, "closed")
    run(hall, counters.set_state, 1, "paused")  # a pause keeps the customer
    run(hall, ops.start, 1)
    run(hall, ops.complete, 1)
    run(hall, counters.sign_out, 1)


def test_state_changes(hall: Hall) -> None:
    run(hall, counters.set_state, 1, "paused")
    refused(hall, Refused, counters.set_state, 1, "paused")
    refused(hall, Refused, counters.set_state, 1, "gone")
    run(hall, counters.set_state, 1, "open")
    refused(hall, Refused, counters.set_state, 2, "open")  # no one signed in
    refused(hall, Refused, counters.sign_out, 2)


def test_leader_moves_a_counter_to_where_the_load_is(hall: Hall) -> None:
    run(hall, ops.issue_ticket, "B")
    refused(hall, ops.QueueEmpty, ops.call_next, 1)
    run(hall, counters.set_profile, 1, ["B", "A"], staff="L01")
    assert run(hall, ops.call_next, 1).number == "B001"
    refused(hall, NotFound, counters.set_profile, 1, ["Z"])
    refused(hall, Refused, counters.set_profile, 1, ["A", "A"])
    refused(hall, Refused, counters.set_profile, 1, [])

"""Remedies and a handler's figures of the day on PostgreSQL (the cluster of test_postgres)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from db.errors import Refused
from db.rules import ops, queries, remedies
from db.rules.ops import S
from db.store.session import Hall
from tests.unit.test_postgres import cluster, pg_hall, pg_url

__all__ = ["cluster", "pg_hall", "pg_url"]  # the fixtures, used by name

pytest.importorskip("psycopg", reason="the PostgreSQL driver (psycopg) is not installed")


def test_remedies_and_figures_on_postgres(pg_hall: Hall) -> None:
    with pg_hall.write() as tx:
        ops.issue_ticket(tx, "A")
    with pg_hall.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
    with pg_hall.write() as tx:  # C01's authority limit is 0: only a free service is theirs
        assert remedies.grant_at_counter(tx, 1, "home_visit", 0, "上门").status == "granted"
        request = remedies.grant_at_counter(tx, 1, "compensation", 12_345, "停电")
    assert request.status == "pending"
    with pg_hall.write() as tx:
        approved = remedies.approve(tx, request.id, "L01", "属实")
    assert (approved.status, approved.amount) == ("approved", "123.45")
    with pytest.raises(Refused), pg_hall.write() as tx:
        remedies.refuse(tx, request.id, "L01", "again")
    with pg_hall.write() as tx:
        ops.complete(tx, 1, "A001")
        ops.rate(tx, "A001", 4)
    with pg_hall.read() as tx:
        figures = queries.day_figures(tx, "C01")
        assert [r.status for r in remedies.staff_remedies(tx, "C01")] == ["granted", "approved"]
        assert remedies.pending_requests(tx) == []
    assert (figures.served, figures.satisfaction, figures.remedies_granted) == (1, 1.0, 2)
    assert figures.average_handling_min is not None and figures.average_handling_min >= 0


def test_two_grants_at_once_cannot_both_fit_under_one_limit(pg_hall: Hall) -> None:
    with pg_hall.write() as tx:
        tx.conn.execute(update(S).where(S.c.id == "C01").values(authority_limit=200))
        ops.issue_ticket(tx, "A")
    with pg_hall.write() as tx:
        ops.call_next(tx, 1)
        ops.start(tx, 1)
    held, release = threading.Event(), threading.Event()
    results: list[str] = []

    def first() -> None:
        with pg_hall.write() as tx:  # holds the ticket's row until released
            results.append(remedies.grant(tx, "A001", "C01", "compensation", 15000, "a").status)
            held.set()
            release.wait(10)

    def second() -> None:
        with pg_hall.write() as tx:
            results.append(remedies.grant(tx, "A001", "C01", "expedite", 15000, "b").status)

    one = threading.Thread(target=first)
    one.start()
    assert held.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive()  # waiting for the first grant's lock on the ticket
    release.set()
    one.join(10)
    two.join(10)
    assert results == ["granted", "pending"]

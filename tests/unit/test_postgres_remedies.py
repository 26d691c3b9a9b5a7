"""Remedies and a handler's figures of the day on PostgreSQL (the cluster of test_postgres)."""

from __future__ import annotations

import pytest

from db import ops, queries, remedies
from db.errors import Refused
from db.session import Hall
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

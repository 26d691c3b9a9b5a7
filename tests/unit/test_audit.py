"""The chained event log: every event carries the hash of the one before, and verify finds
exactly the event an attacker with the raw file (or the database owner's rights) edited,
inserted or deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, exc, select, text
from sqlalchemy.pool import NullPool

from db.config import HallConfig
from db.rules import ops
from db.store import audit
from db.store.engine import create_database
from db.store.schema import alembic_config, init_db
from db.store.session import Hall, ManualClock
from db.store.sql import E


def day_of_work(hall: Hall, clock: ManualClock, tickets: int = 4) -> None:
    for _ in range(tickets):
        clock.advance(minutes=1)
        with hall.write() as tx:
            ops.issue_ticket(tx, "A")
    clock.advance(minutes=1)
    with hall.write() as tx:
        ops.call_next(tx, 1)
    clock.advance(minutes=1)
    with hall.write() as tx:
        ops.start(tx, 1)
    clock.advance(minutes=1)
    with hall.write() as tx:
        ops.complete(tx, 1, note="已办结")


def verify(hall: Hall, anchor: str | None = None) -> audit.AuditResult:
    """As `hall audit verify`: what is committed sealed first (PostgreSQL's sealer may still
    be at work), then the chain read."""
    hall.seal()
    with hall.read() as tx:
        return audit.verify(tx.conn, anchor=anchor)


def found(hall: Hall) -> tuple[str, int]:
    problem = verify(hall).problem
    assert problem is not None, "the tampering went unnoticed"
    return problem.kind, problem.event_id


@pytest.fixture
def worked(hall: Hall, clock: ManualClock) -> Hall:
    """A hall with a morning's events: sign-ins, four tickets, a call, a service."""
    day_of_work(hall, clock)
    assert verify(hall).ok
    return hall


class Raw:
    """The attacker: the database opened without the program, the log's guards dropped (the
    SQLite file's triggers; on PostgreSQL the owner switching triggers off), each statement
    committed at once."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.conn = self.engine.connect()
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            self.execute("DROP TRIGGER events_no_update")
            self.execute("DROP TRIGGER events_no_delete")
        else:
            self.execute("SET session_replication_role = replica")

    def execute(self, statement: str, **params: Any) -> Any:
        """Run one statement (`:name` parameters); its first column of its first row."""
        result = self.conn.execute(text(statement), params)
        return result.scalar() if result.returns_rows else None

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


@pytest.fixture
def raw(worked: Hall, db_url: str) -> Iterator[Raw]:
    """The attacker (`Raw`) on the test's database."""
    worked.dispose()
    attacker = Raw(db_url)
    yield attacker
    attacker.close()


def rows(hall: Hall) -> list[tuple[int, str, str]]:
    hall.seal()  # PostgreSQL: chained after commit
    with hall.read() as tx:
        return [tuple(r) for r in tx.conn.execute(
            select(E.c.id, E.c.prev_hash, E.c.hash).order_by(E.c.id))]


def forge(raw: Raw, event_id: int, previous: str) -> None:
    """Recompute an event's hash with the program's own function, as an attacker could."""
    row = raw.conn.execute(select(E).where(E.c.id == event_id)).one()
    raw.execute("UPDATE events SET prev_hash = :prev, hash = :hash WHERE id = :id",
                prev=previous, hash=audit.link(previous, row), id=event_id)


def hash_of(raw: Raw, event_id: int) -> str:
    return str(raw.execute("SELECT hash FROM events WHERE id = :id", id=event_id))


# -- the chain as written -----------------------------------------------------------------


def test_each_event_carries_the_hash_of_the_one_before(worked: Hall) -> None:
    chain = rows(worked)
    assert [event_id for event_id, _, _ in chain] == list(range(1, len(chain) + 1))
    assert chain[0][1] == audit.GENESIS
    for (_, _, before), (_, previous, _) in zip(chain, chain[1:], strict=False):
        assert previous == before
    assert all(len(h) == 64 for _, _, h in chain)
    result = verify(worked)
    assert result.ok and result.events == len(chain) == result.head_id
    assert result.head_hash == chain[-1][2]


def test_events_of_one_transaction_chain_one_after_another(worked: Hall) -> None:
    before = len(rows(worked))
    with worked.write() as tx:
        ops.issue_ticket(tx, "A")
        ops.issue_ticket(tx, "B")
    chain = rows(worked)
    assert len(chain) == before + 2 and chain[-1][1] == chain[-2][2]
    assert verify(worked).ok


def test_an_undone_transaction_leaves_the_chain_whole(worked: Hall) -> None:
    before = rows(worked)
    with pytest.raises(RuntimeError), worked.write() as tx:
        ops.issue_ticket(tx, "A")
        raise RuntimeError("the kiosk lost power mid-way")
    assert rows(worked) == before
    with worked.write() as tx:
        ops.issue_ticket(tx, "A")
    assert rows(worked)[-1][1] == before[-1][2] and verify(worked).ok


def test_the_log_stays_append_only(worked: Hall) -> None:
    for statement in ("UPDATE events SET hash = 'x'", "DELETE FROM events"):
        with pytest.raises(exc.DatabaseError, match="append-only"), worked.write() as tx:
            tx.conn.execute(text(statement))
    assert verify(worked).ok


def test_the_canonical_text_covers_every_field() -> None:
    class Row:
        id, kind, at = 7, "call", dt.datetime(2026, 11, 27, 1, 2, 3)
        business_day = dt.date(2026, 11, 27)
        ticket_id, staff_id, counter_number, detail = 3, "C01", 1, {"b": 1, "a": "叫"}

    assert audit.canonical(Row) == (
        '[7,"2026-11-27 01:02:03","2026-11-27","call",3,"C01",1,{"a":"叫","b":1}]'
    )
    assert audit.link(audit.GENESIS, Row) != audit.link("1" * 64, Row)


@pytest.mark.sqlite_only("the canonical text built in SQLite's SQL")
def test_sqlite_writes_the_usual_event_as_canonical_text_does(hall: Hall,
                                                               clock: ManualClock) -> None:
    """`verify` hashes the text SQLite builds (`CANONICAL_SQL`); for the usual stored forms
    (a time on the second too) it must be the exact canonical text, and where it is not
    (keys out of order, an escaped character) the event still verifies, through Python."""
    clock.now = clock.now.replace(microsecond=250)
    day_of_work(hall, clock)
    clock.now = clock.now.replace(microsecond=0)
    with hall.write() as tx:
        ops.log(tx, "enquiry", staff="C01", counter=1, note="咨询 \"峰谷\"", b=1, a=None)
    with hall.read() as tx:
        events = tx.conn.execute(select(E).order_by(E.c.id)).all()
        fast = tx.conn.exec_driver_sql(
            f"SELECT id, {audit.CANONICAL_SQL} FROM events ORDER BY id").all()
    usual = [e for e in events if e.detail is None or (
        list(e.detail) == sorted(e.detail) and all(str(v).isascii() for v in e.detail.values()))]
    assert len(usual) >= len(events) - 2 and events[-1] not in usual
    assert {e.at.microsecond for e in usual} >= {0, 250}
    texts: dict[int, str] = {number: text for number, text in fast}
    for event in usual:
        assert texts[event.id] == audit.canonical(event)
    assert texts[events[-1].id] != audit.canonical(events[-1])
    assert verify(hall).ok


@pytest.mark.parametrize(("column", "value"), [
    ("kind", 'call","C01'), ("staff_id", 'C01",1,"x'), ("ticket_id", "1,1"),
    ("counter_number", "1 "), ("staff_id", "null"), ("detail", None),
    ("detail", '{"business":"A","number":"A001","x":1}'), ("at", "2026-01-01T00:00:00"),
])
@pytest.mark.sqlite_only("SQLite keeps any value in any column; PostgreSQL's types refuse these")
def test_a_value_that_reads_alike_in_text_is_found(worked: Hall, raw: Raw,
                                                   column: str, value: object) -> None:
    """Edits that a text built by joining the stored values could not tell apart from the
    original (a quote inside a field, a number stored as text, a value dropped) are found."""
    target = raw.execute("SELECT min(id) FROM events WHERE kind = 'issue'")
    raw.execute(f"UPDATE events SET {column} = :value WHERE id = :id", value=value, id=target)
    assert found(worked) == ("edited", target)


# -- what an attacker with the file can do --------------------------------------------------


def test_an_edited_event_is_found(worked: Hall, raw: Raw) -> None:
    raw.execute("UPDATE events SET staff_id = 'C02' WHERE id = 5")
    assert found(worked) == ("edited", 5)


def test_an_edited_detail_is_found(worked: Hall, raw: Raw) -> None:
    last = raw.execute("SELECT max(id) FROM events WHERE detail IS NOT NULL")
    edit = ("json_set(detail, '$.note', '未办结')" if raw.sqlite
            else """jsonb_set(detail::jsonb, '{note}', '"未办结"')::json""")
    raw.execute(f"UPDATE events SET detail = {edit} WHERE id = :id", id=last)
    assert found(worked) == ("edited", last)


def test_an_edited_time_is_found(worked: Hall, raw: Raw) -> None:
    earlier = "datetime(at, '-1 day')" if raw.sqlite else "at - interval '1 day'"
    raw.execute(f"UPDATE events SET at = {earlier} WHERE id = 3")
    assert found(worked) == ("edited", 3)


def test_an_edited_hash_is_found(worked: Hall, raw: Raw) -> None:
    raw.execute("UPDATE events SET hash = :hash WHERE id = 4", hash="f" * 64)
    assert found(worked) == ("edited", 4)


def test_an_edit_with_its_hash_recomputed_is_found(worked: Hall, raw: Raw) -> None:
    raw.execute("UPDATE events SET counter_number = 2 WHERE id = 6")
    forge(raw, 6, hash_of(raw, 5))
    assert found(worked) == ("edited", 6)


def test_a_deleted_event_is_found(worked: Hall, raw: Raw) -> None:
    raw.execute("DELETE FROM events WHERE id = 4")
    assert found(worked) == ("deleted", 4)


def test_the_first_event_deleted_is_found(worked: Hall, raw: Raw) -> None:
    raw.execute("DELETE FROM events WHERE id = 1")
    assert found(worked) == ("deleted", 1)


def test_a_deletion_closed_up_by_renumbering_is_found(
    worked: Hall, raw: Raw
) -> None:
    raw.execute("DELETE FROM events WHERE id = 4")
    raw.execute("UPDATE events SET id = id - 1 WHERE id > 4")
    assert found(worked) == ("deleted", 4)


def slip_in(raw: Raw, at: int, score: int = 4) -> int:
    """Slip an event in at place `at` of the chain, a copy of event 4 said as a rating; its
    id. On SQLite the place is the id: the later events are renumbered to make room. On
    PostgreSQL it is the seal: the later seals are moved on, and the event takes the next id."""
    place = "id" if raw.sqlite else "seal"
    raw.execute(f"UPDATE events SET {place} = {place} + 1000000 WHERE {place} >= :at", at=at)
    raw.execute(f"UPDATE events SET {place} = {place} - 999999 WHERE {place} >= 1000000")
    new = at if raw.sqlite else raw.execute("SELECT max(id) + 1 FROM events")
    raw.execute("INSERT INTO events (id, seal, at, business_day, kind, ticket_id, detail) "
                f"SELECT :id, :seal, at, business_day, 'rate', ticket_id, '{{\"score\": {score}}}' "
                "FROM events WHERE id = 4", id=new, seal=None if raw.sqlite else at)
    return int(new)


def test_an_event_slipped_in_is_found(worked: Hall, raw: Raw) -> None:
    new = slip_in(raw, 5)
    assert found(worked) == ("inserted", new)


def test_an_event_slipped_in_with_a_forged_hash_is_found(
    worked: Hall, raw: Raw
) -> None:
    new = slip_in(raw, 5)
    forge(raw, new, hash_of(raw, 4))  # chains to the event before: only the next one tells
    assert found(worked) == ("inserted", new)


def test_an_event_slipped_in_at_the_end_without_the_program_is_found(
    worked: Hall, raw: Raw
) -> None:
    # The next place, as the program's own; on PostgreSQL an event left unsealed is the tail
    # verify reports and does not vouch for (README, "Tamper-evident log"): this one claims
    # to be sealed.
    new = raw.execute("SELECT max(id) + 1 FROM events")
    raw.execute("INSERT INTO events (id, seal, at, business_day, kind, ticket_id, detail) "
                "SELECT :id, :seal, at, business_day, 'rate', ticket_id, '{\"score\": 5}' "
                "FROM events WHERE id = 4", id=new, seal=None if raw.sqlite else new)
    assert found(worked) == ("inserted", new)


def test_a_cut_end_is_found_by_the_head_written_down(
    worked: Hall, raw: Raw
) -> None:
    written_down = verify(worked).head_hash
    assert verify(worked, anchor=written_down).ok
    last = raw.execute("SELECT max(id) FROM events")
    raw.execute("DELETE FROM events WHERE id = :id", id=last)
    with worked.read() as tx:  # a chain alone cannot tell a cut end...
        assert audit.verify(tx.conn, tables=False).ok
    problem = verify(worked, anchor=written_down).problem  # ...the head written down can
    assert problem is not None and problem.kind == "deleted"
    assert "recorded head is not in the log" in problem.message


def test_an_event_moved_to_another_place_in_the_chain_is_found(
    worked: Hall, raw: Raw
) -> None:
    raw.execute("UPDATE events SET seal = 1000 WHERE id = 6")  # its hashes untouched
    problem = verify(worked).problem
    if raw.sqlite:  # the place is the id: the event says another place than its own
        assert found(worked) == ("edited", 6)
        assert problem is not None and "place in the chain" in problem.message
    else:  # the place is the seal alone: found where it left, said as moved (not deleted)
        assert found(worked) == ("moved", 6)
        assert problem is not None and "chains at place 6 but stands at place 1000" in \
            problem.message


def test_an_event_moved_by_its_id_is_said_moved(worked: Hall, raw: Raw) -> None:
    """Its id and seal changed, its hashes kept: on SQLite (where the id is the place) it
    was once reported as deleted at its old place."""
    raw.execute("UPDATE events SET id = 1000, seal = 1000 WHERE id = 6")
    problem = verify(worked).problem
    assert problem is not None and (problem.kind, problem.event_id) == ("moved", 1000)
    assert "chains at place 6 but stands at place 1000" in problem.message


@pytest.mark.parametrize("how", ["swapped", "to the front"])
def test_an_event_moved_within_the_chain_is_said_moved(
    worked: Hall, raw: Raw, how: str
) -> None:
    place = "id" if raw.sqlite else "seal"
    if how == "swapped":  # events 5 and 6 trade places
        raw.execute(f"UPDATE events SET {place} = -5 WHERE id = 5")
        raw.execute(f"UPDATE events SET {place} = 5 WHERE id = 6")
        raw.execute(f"UPDATE events SET {place} = 6 WHERE {place} = -5")
        assert found(worked) == ("moved", 6 if raw.sqlite else 5)  # now at place 6
    else:  # event 5 before the first (on SQLite its id 0 now)
        raw.execute(f"UPDATE events SET {place} = 0 WHERE id = 5")
        assert found(worked) == ("moved", 0 if raw.sqlite else 5)


def test_the_first_problem_is_the_one_reported(worked: Hall, raw: Raw) -> None:
    raw.execute("UPDATE events SET kind = 'cancel' WHERE id = 7")
    raw.execute("UPDATE events SET kind = 'cancel' WHERE id = 3")
    assert found(worked) == ("edited", 3)


def test_a_long_log_is_walked_in_chunks(
    worked: Hall, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "CHUNK", 3)
    day_of_work(worked, clock, tickets=3)
    worked.seal()  # PostgreSQL: the last commits' events may not be chained yet
    seen: list[int] = []
    with worked.read() as tx:
        result = audit.verify(tx.conn, lambda done, _total: seen.append(done))
    assert result.ok and result.events == len(rows(worked)) and seen[:2] == [3, 6]


# -- upgrading a hall whose log was sealed after the fact (0004) --------------------------


def hall_at_0005(tmp_path: Path, config: HallConfig, clock: ManualClock) -> Hall:
    """A hall on the schema before the chain, with three events sealed and two not."""
    create_database(f"sqlite:///{tmp_path / 'old.db'}")  # as init does: nothing else creates one
    hall = Hall.open(f"sqlite:///{tmp_path / 'old.db'}", config, clock)
    cfg = alembic_config(hall.engine)
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with hall.engine.begin() as conn:
        for minute in range(3):
            conn.exec_driver_sql(
                "INSERT INTO events (at, business_day, kind, detail) VALUES "
                f"('2026-11-26 01:0{minute}:00', '2026-11-26', 'open', NULL)")
    with hall.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")  # 0004 seals the three
    with hall.engine.begin() as conn:
        for minute in range(3, 5):
            conn.exec_driver_sql(
                "INSERT INTO events (at, business_day, kind, detail) VALUES "
                f"('2026-11-26 01:0{minute}:00', '2026-11-26', 'open', '{{\"n\": {minute}}}')")
    return hall


def test_the_upgrade_chains_the_history_it_finds(
    tmp_path: Path, config: HallConfig, clock: ManualClock
) -> None:
    hall = hall_at_0005(tmp_path, config, clock)
    with hall.engine.connect() as conn:
        seals = [h for (h,) in conn.exec_driver_sql(
            "SELECT hash FROM event_seals ORDER BY event_id")]
    init_db(hall)
    chain = rows(hall)
    assert [h for _, _, h in chain[:3]] == seals  # the seals became the events' hashes
    assert len(chain) == 5 and verify(hall).ok
    with hall.write() as tx:
        ops.issue_ticket(tx, "A")
    assert rows(hall)[-1][1] == chain[-1][2] and verify(hall).events == 6
    with hall.engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'event_seals'").scalar() == 0
    hall.dispose()


@pytest.mark.parametrize(
    ("tampering", "expected"),
    [
        ("UPDATE events SET kind = 'close' WHERE id = 2", ("edited", 2)),
        ("DELETE FROM events WHERE id = 2", ("deleted", 2)),
        ("UPDATE events SET id = id + 10 WHERE id = 3", ("deleted", 3)),
    ],
)
def test_tampering_before_the_upgrade_is_still_found_after_it(
    tmp_path: Path, config: HallConfig, clock: ManualClock, tampering: str,
    expected: tuple[str, int],
) -> None:
    hall = hall_at_0005(tmp_path, config, clock)
    with hall.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER events_no_update")
        conn.exec_driver_sql("DROP TRIGGER events_no_delete")
        conn.exec_driver_sql(tampering)
        conn.exec_driver_sql("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                             "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")
    init_db(hall)
    assert found(hall) == expected
    hall.dispose()


def test_the_downgrade_gives_the_seals_back(worked: Hall) -> None:
    chain = rows(worked)
    cfg = alembic_config(worked.engine)
    with worked.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    with worked.engine.connect() as conn:
        seals = conn.exec_driver_sql("SELECT event_id, hash FROM event_seals ORDER BY 1").all()
    assert [tuple(s) for s in seals] == [(i, h) for i, _, h in chain]
    init_db(worked)
    assert rows(worked) == chain and verify(worked).ok


@pytest.mark.parametrize("micro", [0, 1, 999999])
def test_an_event_reads_back_as_it_was_hashed(hall: Hall, clock: ManualClock, micro: int) -> None:
    """db.rules.ops.log writes straight to the driver: the row must read back, through
    SQLAlchemy's types, as the values its hash was computed over."""
    clock.now = clock.now.replace(microsecond=micro)
    with hall.write() as tx:
        ops.log(tx, "enquiry", staff="C01", counter=1, note="咨询电价 \"峰谷\"", n=[1, 2.5, None])
        written = (tx.now, tx.day)
    hall.seal()  # PostgreSQL: chained after commit
    with hall.read() as tx:
        row = tx.conn.execute(select(E).order_by(E.c.id.desc()).limit(1)).one()
    assert (row.at, row.business_day) == written and row.at.microsecond == micro
    assert row.detail == {"note": "咨询电价 \"峰谷\"", "n": [1, 2.5, None]}
    assert (row.kind, row.staff_id, row.counter_number, row.ticket_id) == ("enquiry", "C01", 1,
                                                                           None)
    assert audit.link(row.prev_hash, row) == row.hash and verify(hall).ok


# -- one moment's report: the walk, the unsealed tail and the rows read in one snapshot -------


def test_a_step_committed_mid_verify_cannot_make_the_report_disagree(
    hall: Hall, clock: ManualClock, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hall audit verify` reads everything it reports in one snapshot. On PostgreSQL two
    events are left unsealed before it runs and a sealer seals them between the walk and
    the unsealed count: the count must still see them (it once said `unsealed=0` with two
    events not walked). On SQLite, whose ticket summary runs on a connection of its own, a
    ticket is issued before that connection's first read: the tickets reported must still
    be the walk's."""
    from hall.audit import check

    day_of_work(hall, clock)
    hall.seal()
    if hall.engine.dialect.name == "postgresql":
        hall.dispose()  # this process's sealer stopped (it is told of every commit) ...
        monkeypatch.setattr(hall, "_seal", lambda: None)  # ... and held back
        for _ in range(2):
            with hall.write() as tx:
                ops.issue_ticket(tx, "A")
        walked = audit.unsealed

        def sealed_meanwhile(conn: Any) -> int:
            other = Hall.open(db_url, hall.config, clock)
            assert other.seal() == 2  # committed while verify's transaction is open
            other.dispose()
            return walked(conn)

        monkeypatch.setattr(audit, "unsealed", sealed_meanwhile)
        monkeypatch.setattr(hall, "seal", lambda: 0)  # the verify's own sealing too
        result, _ = check(hall)
        assert result.ok and result.unsealed == 2
        with hall.read() as tx:
            total = tx.conn.execute(text("SELECT count(*) FROM events")).scalar()
        assert result.events + result.unsealed == total
        return
    with hall.read() as tx:
        tickets = tx.conn.execute(text("SELECT count(*) FROM tickets")).scalar()
    summarize = audit._summarize
    issued: list[int] = []

    def issued_first(raw: Any) -> Any:
        if not issued:
            other = Hall.open(db_url, hall.config, clock)
            with other.write() as tx:
                issued.append(ops.issue_ticket(tx, "A").id)
            other.dispose()
        return summarize(raw)

    monkeypatch.setattr(audit, "_summarize", issued_first)
    result, _ = check(hall)
    assert issued and result.ok
    assert result.tickets == tickets  # the walk's moment, not the summary's
    assert result.events == result.head_id  # the new ticket's event was not walked either
    assert check(hall)[0].tickets == tickets + 1

"""The reliability suite at small sizes (benchmarks/reliability.py runs it at full size): kills
inside steps, a Jepsen-style history, fuzzed command lines and mutated config files.

The kills and the history run on a SQLite file and on a database of the worker's
PostgreSQL cluster (`db_url`'s `[pg]`; the workers open it by its URL). The fuzzing compares
a SQLite file's dump before and after a refusal: it tests the command line's answers, which
the CLI tests run on both."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import harness as h


def on(backend: str, db_url: str) -> str | None:
    """The database URL for the attacks on PostgreSQL; None: their own SQLite file."""
    return db_url if backend == "pg" else None


@pytest.mark.slow
def test_sigkill_inside_core_steps_loses_nothing_acknowledged(tmp_path: Path, db_url: str,
                                                              backend: str) -> None:
    db, logs, landed = h.kill_run(tmp_path, processes=2, kills=4, url=on(backend, db_url))
    found = h.check_history(db, logs)
    assert found.held, h.summary(found) + str(found.lost[:3] + found.order[:3])
    assert landed >= 1 and found.acknowledged > 0


@pytest.mark.slow
def test_sigkill_of_hall_command_lines_loses_no_printed_number(tmp_path: Path, db_url: str,
                                                               backend: str) -> None:
    db, printed, _ = h.cli_kill_run(tmp_path, runs=4, url=on(backend, db_url))
    assert printed and set(printed) <= h.numbers_in(db)  # the first run is never killed
    found = h.check_history(db, [])
    assert found.integrity == "ok" and found.audit == "ok" and not found.duplicates


@pytest.mark.slow
def test_a_concurrent_history_has_no_duplicate_loss_or_order_violation(
        tmp_path: Path, db_url: str, backend: str) -> None:
    db, logs = h.history_run(tmp_path, processes=3, steps=25, url=on(backend, db_url))
    found = h.check_history(db, logs)
    assert found.held, h.summary(found)
    assert found.acknowledged > 30


def test_the_checker_finds_a_lost_step_and_a_call_out_of_order(tmp_path: Path) -> None:
    # The checker itself: an acknowledgement with no event is a loss; a call that skipped
    # the first waiting ticket is an order violation.
    h.make_hall(tmp_path / "h.db", 1)
    log = tmp_path / "w.jsonl"
    log.write_text(json.dumps({"op": "complete", "counter": 1, "ok": "A009", "id": 9}) + "\n")
    found = h.check_history(tmp_path / "h.db", [log])
    assert found.lost and not found.held
    tickets = {1: ("d", "A001", 9, "t1"), 2: ("d", "A002", 2, "t2"), 3: ("d", "A003", 9, "t0")}
    events = [(1, "issue", 1, None, None), (2, "issue", 2, None, None),
              (3, "issue", 3, None, None), (4, "call", 2, 1, None), (5, "call", 1, 1, None)]
    assert h._call_order(events, tickets) == [
        "event 5: call took ticket 1, ticket 3 was first"]


def test_the_checker_lets_a_call_pass_over_only_a_ticket_being_claimed(tmp_path: Path) -> None:
    # On PostgreSQL a call skips a ticket another counter's call is claiming at that moment
    # (FOR UPDATE SKIP LOCKED), so its event may come first: allowed only if that other call
    # was in flight meanwhile (it took the ticket, or was killed before it said what it took).
    tickets = {1: ("d", "A001", 9, "t0"), 2: ("d", "A002", 9, "t1")}
    events = [(1, "issue", 1, None, None), (2, "issue", 2, None, None),
              (3, "call", 2, 2, None), (4, "call", 1, 1, None)]

    def calls(*steps: tuple[int, float, float | None, int]) -> h.Calls:
        logs = []
        for counter, began, ended, ticket in steps:
            log = tmp_path / f"c{counter}-{began}.jsonl"
            lines = [{"inv": "call", "counter": counter, "t": began}]
            if ended is not None:
                lines.append({"op": "call", "counter": counter, "ok": "A", "id": ticket,
                              "t": ended})
            log.write_text("".join(json.dumps(line) + "\n" for line in lines))
            logs.append(log)
        return h.Calls(logs)

    side_by_side = calls((2, 1.0, 2.0, 2), (1, 1.5, 2.5, 1))  # counter 1 was claiming ticket 1
    assert h._call_order(events, tickets, side_by_side) == [] and side_by_side.allowed == 1
    killed = calls((2, 1.0, 2.0, 2), (1, 0.5, None, 0))  # counter 1 killed in its claim
    assert h._call_order(events, tickets, killed) == []
    late = calls((2, 1.0, 2.0, 2), (1, 3.0, 4.0, 1))  # counter 1's call began after: wrong
    assert h._call_order(events, tickets, late) == [
        "event 3: call took ticket 2, ticket 1 was first"]
    alone = calls((2, 1.0, 2.0, 2), (2, 3.0, 4.0, 1))  # the same counter cannot skip its own
    assert h._call_order(events, tickets, alone) != []


@pytest.fixture(scope="module")
def fuzz_hall(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "hall.db"
    h.make_hall(path, 2)
    return path


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
@pytest.mark.sqlite_only("a refusal is checked by a SQLite file's dump before and after; the "
                         "command line's answers on PostgreSQL are the CLI tests' [pg] half")
def test_fuzzed_command_lines_never_trace_back_and_refusals_change_nothing(
    seed: int, fuzz_hall: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALL_DB", f"sqlite:///{fuzz_hall}")
    argv = h.fuzz_argv(random.Random(seed))
    before = h.dump(fuzz_hall)
    code, out, err = h.run_in_process(argv, stdin=f"{h.LEADER_PIN}\n{h.PIN}\n")
    assert h.fuzz_problem(argv, code, out, err) is None, h.fuzz_problem(argv, code, out, err)
    if code != 0:
        assert h.dump(fuzz_hall) == before, f"{argv!r} was refused but changed the database"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
@pytest.mark.sqlite_only("a config file's reading: the database is not reached")
def test_a_mutated_config_is_one_line_never_a_traceback(
    seed: int, tmp_path: Path, fuzz_hall: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALL_DB", f"sqlite:///{fuzz_hall}")
    path = tmp_path / f"mutated-{seed}.toml"
    path.write_text(h.mutate_config(h.shipped_config(), random.Random(seed)), encoding="utf-8")
    code, out, err = h.run_in_process(["--config", str(path), "businesses"])
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err and "unexpected" not in err, err
    if code:
        assert out == "" and err.startswith("hall: ") and err.count("\n") == 1, err

"""The evaluator's rules in the core: which service a counter's evaluator may offer, one
rating per service (with a reason when dissatisfied), "not rated", and the support desk's
notes and questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from db.config import parse_config
from db.errors import AuthFailed, ConfigError, Refused
from db.rules import backoffice, evaluation, ops
from db.rules.ops import E
from db.store.session import Hall, ManualClock
from db.store.views import TicketView
from tests.unit.test_config import MINIMAL
from tests.unit.test_ops import refused, run

WINDOW = dt.timedelta(seconds=30)


def served(hall: Hall, counter: int = 1, business: str = "A") -> Any:
    """A customer issued, called, served and completed at `counter`."""
    run(hall, ops.issue_ticket, business)
    run(hall, ops.call_next, counter)
    run(hall, ops.start, counter)
    return run(hall, ops.complete, counter)


def pending(hall: Hall, counter: int = 1, within: dt.timedelta = WINDOW) -> str | None:
    with hall.read() as tx:
        view = evaluation.awaiting_rating(tx, counter, within)
    return view.number if view else None


def detail(hall: Hall, kind: str) -> list[dict[str, Any] | None]:
    with hall.read() as tx:
        return list(tx.conn.execute(select(E.c.detail).where(E.c.kind == kind)).scalars())


def test_only_the_counters_latest_fresh_completion_is_offered(
    hall: Hall, clock: ManualClock
) -> None:
    assert pending(hall) is None
    first = served(hall)
    assert pending(hall) == first.number == "A001"
    assert pending(hall, counter=4) is None  # counter 4's evaluator never sees it
    second = served(hall)
    assert pending(hall) == second.number  # the earlier one is never offered again
    clock.advance(seconds=31)
    assert pending(hall) is None  # too old: after a restart it is not offered


def test_a_rating_lands_once_with_its_reason(hall: Hall) -> None:
    done = served(hall)
    view = run(hall, evaluation.rate_at_counter, 1, done.id, 1, "attitude")
    assert view.rating == 1
    assert detail(hall, "rate") == [{"score": 1, "reason": "attitude"}]
    assert pending(hall) is None
    assert "A001" in refused(hall, Refused, evaluation.rate_at_counter, 1, done.id, 4)
    refused(hall, Refused, ops.rate, "A001", 3)


def test_refusals_of_the_evaluator(hall: Hall) -> None:
    done = served(hall)
    assert "not completed at counter 4" in refused(
        hall, Refused, evaluation.rate_at_counter, 4, done.id, 3)
    assert "only with a rating of 1" in refused(
        hall, Refused, evaluation.rate_at_counter, 1, done.id, 3, "attitude")
    assert "unknown reason 'rude'" in refused(
        hall, Refused, evaluation.rate_at_counter, 1, done.id, 1, "rude")
    later = served(hall)
    assert "no longer the service just completed" in refused(
        hall, Refused, evaluation.rate_at_counter, 1, done.id, 4)
    run(hall, ops.issue_ticket, "A")
    run(hall, ops.call_next, 1)
    waiting = run(hall, ops.issue_ticket, "A")
    assert "A004" in refused(hall, Refused, evaluation.rate_at_counter, 1, waiting.id, 4)
    assert run(hall, evaluation.rate_at_counter, 1, later.id, 4).rating == 4


def test_not_rated_closes_the_moment(hall: Hall) -> None:
    done = served(hall)
    run(hall, evaluation.not_rated, 1, done.id)
    assert detail(hall, "not_rated") == [{"why": "timeout"}]
    assert pending(hall) is None
    assert "not rated" in refused(hall, Refused, ops.rate, "A001", 4)
    refused(hall, Refused, evaluation.not_rated, 1, done.id)
    refused(hall, Refused, evaluation.not_rated, 1, done.id, "bored")


def test_not_rated_is_refused_once_rated(hall: Hall) -> None:
    done = served(hall)
    run(hall, ops.rate, "A001", 4)
    assert refused(hall, Refused, evaluation.not_rated, 1, done.id, "next_customer") == \
        "A001 has already been rated"


def test_the_view_names_who_completed_it(hall: Hall) -> None:
    served(hall)
    with hall.read() as tx:
        view = evaluation.evaluator_view(tx, 1, WINDOW)
    assert view.pending is not None and view.pending.number == "A001"
    assert (view.completed_by, view.handler_name) == ("C01", "张伟")
    assert (view.counter.staff, view.counter.staff_name) == ("C01", "张伟")
    with hall.read() as tx:
        assert evaluation.evaluator_view(tx, 2, WINDOW).pending is None


def referred(hall: Hall) -> str:
    run(hall, ops.issue_ticket, "A")
    run(hall, ops.call_next, 1)
    run(hall, ops.start, 1)
    view: TicketView = run(hall, ops.refer, 1, None, note="site survey")
    return view.number


def test_support_notes_and_a_question_back(hall: Hall) -> None:
    number = referred(hall)
    run(hall, backoffice.note_referral, number, "S01", "  meter checked  ")
    assert detail(hall, "support_note") == [{"note": "meter checked"}]
    refused(hall, Refused, backoffice.note_referral, number, "S01", "   ")
    refused(hall, AuthFailed, backoffice.note_referral, number, "C02", "x")
    refused(hall, Refused, ops.return_from_support, number, "S01", outcome="question")
    refused(hall, Refused, ops.return_from_support, number, "S01", outcome="maybe")
    view = run(hall, ops.return_from_support, number, "S01", note="which meter?",
               outcome="question")
    assert (view.status, view.note, view.handler) == ("serving", "which meter?", "C01")
    assert detail(hall, "return") == [{"note": "which meter?", "outcome": "question"}]
    assert "not with support" in refused(
        hall, Refused, backoffice.note_referral, number, "S01", "late")


def test_a_note_on_someone_elses_referral_is_refused(hall: Hall) -> None:
    number = referred(hall)
    run(hall, ops.take_referral, number, "L01")
    assert "referred to L01, not S01" in refused(
        hall, Refused, backoffice.note_referral, number, "S01", "x")
    assert "at most 500" in refused(
        hall, Refused, backoffice.note_referral, number, "L01", "x" * 501)


def test_evaluator_config_section() -> None:
    config = parse_config(MINIMAL + "\n[evaluator]\ntimeout_seconds = 45\nthanks_seconds = 2\n")
    assert (config.evaluator.timeout_seconds, config.evaluator.thanks_seconds) == (45, 2)
    assert parse_config(MINIMAL).evaluator.timeout_seconds == 30
    for bad, where in (("timeout_seconds = 0", "evaluator.timeout_seconds: must be > 0"),
                       ("timeout_seconds = 601", "<= 600"),
                       ("thanks_seconds = -1", "evaluator.thanks_seconds: must be greater"),
                       ("pause = 3", "pause")):
        with pytest.raises(ConfigError) as caught:
            parse_config(MINIMAL + f"\n[evaluator]\n{bad}\n", "hall.toml")
        assert where in str(caught.value) and "\n" not in str(caught.value)

"""`hall remedy …`: grant at a counter or on a number, list, approve, refuse; exit codes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.rules.remedies import R
from db.store.session import Hall
from tests.cli.conftest import Cli, event_kinds, one_line_error
from tests.cli.conftest import fingerprint as ticket_fingerprint
from tests.conftest import LEADER_PIN, PIN


def fingerprint(hall: Hall) -> tuple[Any, ...]:
    """Tickets, counters, staff, events and remedies."""
    with hall.read() as tx:
        rows = tx.conn.execute(select(R).order_by(R.c.id)).all()
    return ticket_fingerprint(hall), tuple(rows)


@pytest.fixture
def serving(cli: Cli, ready: Hall) -> str:
    """A01 being served at counter 1 by C01."""
    cli("issue", "A")
    cli("call", "-c", "1")
    cli("start", "-c", "1")
    return "A001"


REMEDY_KEYS = {
    "id", "ticket", "ticket_id", "business_day", "kind", "amount_fen", "amount_yuan", "reason",
    "status", "requested_by", "requested_at", "decided_by", "decided_at", "decision_reason",
}


def test_grant_at_a_counter_within_authority(cli: Cli, ready: Hall, serving: str) -> None:
    result = cli("--json", "remedy", "grant", "-c", "1", "减免违约金", "35.5", "--reason",
                 "系统扣费错误")
    assert result.code == 0, result.err
    data = result.json()
    assert set(data) == REMEDY_KEYS
    assert (data["ticket"], data["kind"], data["amount_fen"], data["amount_yuan"]) == (
        "A001", "late_fee_waiver", 3550, "35.50")
    assert (data["status"], data["requested_by"], data["decided_by"]) == ("granted", "C01", None)
    assert event_kinds(ready)[-1] == "remedy_grant"


def test_above_the_limit_then_the_leader_approves(cli: Cli, ready: Hall, serving: str) -> None:
    asked = cli("--json", "remedy", "grant", "-c", "1", "-t", "A1", "compensation", "800",
                "--reason", "停电造成损失")
    assert asked.json()["status"] == "pending"
    text = cli("remedy", "grant", "-c", "1", "home_visit", "0", "--reason", "上门核查")
    assert "A001 补救已给予" in text.out
    pending = cli("--json", "remedy", "list", "--pending").json()
    assert [(p["id"], p["status"]) for p in pending] == [(1, "pending")]
    approved = cli("--json", "remedy", "approve", "1", "-s", "L01", "--reason", "属实",
                   stdin=LEADER_PIN)
    assert approved.code == 0, approved.err
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "L01")
    assert cli("--json", "remedy", "list", "--pending").json() == []
    assert event_kinds(ready)[-3:] == ["remedy_request", "remedy_grant", "remedy_approve"]


def test_refuse_and_the_text_output(cli: Cli, ready: Hall, serving: str) -> None:
    out = cli("remedy", "grant", "-c", "1", "赔偿", "¥1,000", "--reason", "r").out
    assert "已提交值班领导审批（#1）" in out
    result = cli("remedy", "refuse", "1", "-s", "L01", "--reason", "不属于供电责任",
                 stdin=LEADER_PIN)
    assert result.code == 0, result.err
    assert "补救申请 #1 已驳回" in result.out and "不属于供电责任" in result.out
    listing = cli("remedy", "list")
    assert "已驳回" in listing.out and "1000.00" in listing.out


def test_grant_on_a_number_asks_the_pin(cli: Cli, ready: Hall, serving: str) -> None:
    cli("complete", "-c", "1")
    wrong = cli("remedy", "grant", "-t", "A001", "-s", "C01", "expedite", "0", "--reason", "r",
                stdin="0000")
    assert wrong.code == 1 and "PIN" in one_line_error(wrong)
    result = cli("--json", "remedy", "grant", "-t", "A001", "-s", "C01", "expedite", "0",
                 "--reason", "r", stdin=PIN)
    assert result.code == 0, result.err
    assert result.json()["status"] == "granted"


def test_lists_by_staff_and_day(cli: Cli, ready: Hall, serving: str) -> None:
    cli("remedy", "grant", "-c", "1", "home_visit", "0", "--reason", "r")
    assert len(cli("--json", "remedy", "list", "-s", "c01").json()) == 1
    assert cli("--json", "remedy", "list", "-s", "C02").json() == []
    assert cli("--json", "remedy", "list", "--day", "2020-01-01").json() == []
    assert "补救 (remedies) 2020-01-01：无" in cli("remedy", "list", "--day", "2020-01-01").out
    assert [r["kind"] for r in cli("--json", "remedy", "list", "-t", "a1").json()] == [
        "home_visit"]
    assert "A001 的补救 (remedies)" in cli("remedy", "list", "-t", "A001").out
    missing = cli("remedy", "list", "-t", "A009")
    assert missing.code == 1 and "no ticket A009" in one_line_error(missing)


REFUSED = [
    pytest.param(["remedy", "grant", "-c", "1", "gift", "5", "--reason", "r"],
                 "unknown remedy kind 'gift'", id="unknown-kind"),
    pytest.param(["remedy", "grant", "-c", "2", "compensation", "5", "--reason", "r"],
                 "no one is signed in at counter 2", id="counter-empty"),
    pytest.param(["remedy", "grant", "-c", "1", "-t", "A009", "compensation", "5",
                  "--reason", "r"], "no longer holds A009", id="stale-counter"),
    pytest.param(["remedy", "grant", "-c", "1", "compensation", "5", "--reason", " "],
                 "a remedy needs a reason", id="blank-reason"),
    pytest.param(["remedy", "grant", "-t", "A001", "-s", "C02", "compensation", "5",
                  "--reason", "r"], "only the handler of A001 (C01)", id="not-the-handler"),
    pytest.param(["remedy", "approve", "1", "-s", "C01"], "only a duty leader",
                 id="approve-not-leader"),
    pytest.param(["remedy", "approve", "9", "-s", "L01"], "there is no remedy #9",
                 id="approve-unknown"),
    pytest.param(["remedy", "refuse", "1", "-s", "L01", "--reason", " "],
                 "a refusal needs a reason", id="refuse-blank-reason"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED)
def test_refusals_exit_1_and_change_nothing(cli: Cli, ready: Hall, serving: str,
                                            argv: list[str], message: str) -> None:
    cli("remedy", "grant", "-c", "1", "compensation", "900", "--reason", "r")  # #1, pending
    before = fingerprint(ready)
    result = cli(*argv, stdin=LEADER_PIN if "L01" in argv else PIN)
    assert result.code == 1
    assert message in one_line_error(result)
    assert fingerprint(ready) == before


def test_a_decided_request_is_refused_the_second_time(cli: Cli, ready: Hall,
                                                       serving: str) -> None:
    cli("remedy", "grant", "-c", "1", "compensation", "900", "--reason", "r")
    cli("remedy", "approve", "1", "-s", "L01", stdin=LEADER_PIN)
    before = fingerprint(ready)
    result = cli("--json", "remedy", "refuse", "1", "-s", "L01", "--reason", "r", stdin=LEADER_PIN)
    assert result.code == 1
    assert "remedy #1 is already approved by L01" in one_line_error(result)
    assert fingerprint(ready) == before


MISUSE = [
    pytest.param(["remedy", "grant", "-c", "1", "compensation", "12.345", "--reason", "r"],
                 "more than two decimals", id="three-decimals"),
    pytest.param(["remedy", "grant", "-c", "1", "compensation", "-5", "--reason", "r"],
                 "", id="negative"),
    pytest.param(["remedy", "grant", "-c", "1", "compensation", "lots", "--reason", "r"],
                 "not a number of yuan", id="not-a-number"),
    pytest.param(["remedy", "grant", "-c", "1", "compensation", "5"], "--reason",
                 id="no-reason"),
    pytest.param(["remedy", "grant", "compensation", "5", "--reason", "r"],
                 "say --counter N, or --ticket NUMBER --staff ID", id="no-counter-nor-staff"),
    pytest.param(["remedy", "grant", "-c", "1", "-s", "C01", "compensation", "5", "--reason",
                  "r"], "leave out --staff", id="counter-and-staff"),
    pytest.param(["remedy", "refuse", "1", "-s", "L01"], "--reason", id="refuse-no-reason"),
    pytest.param(["remedy", "approve", "one", "-s", "L01"], "not a whole number", id="bad-id"),
    pytest.param(["remedy", "list", "--pending", "-s", "C01"], "leave out --staff",
                 id="pending-and-staff"),
    pytest.param(["remedy", "list", "-s", "C01", "-t", "A001"], "not both",
                 id="staff-and-ticket"),
    pytest.param(["remedy"], "required", id="no-subcommand"),
]


@pytest.mark.parametrize(("argv", "message"), MISUSE)
def test_misuse_exits_2_and_changes_nothing(cli: Cli, ready: Hall, serving: str,
                                            argv: list[str], message: str) -> None:
    before = fingerprint(ready)
    result = cli(*argv, stdin=PIN)
    assert result.code == 2
    assert message in one_line_error(result)
    assert fingerprint(ready) == before


def test_the_demo_leaves_a_grant_and_a_request_for_the_leader(cli: Cli, tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'remedy-demo.db'}"
    assert cli("demo", "--once", "--db", url).code == 0
    listed = cli("--db", url, "--json", "remedy", "list").json()
    assert [(r["kind"], r["status"]) for r in listed] == [
        ("late_fee_waiver", "granted"), ("compensation", "pending")]
    assert len(cli("--db", url, "--json", "remedy", "list", "--pending").json()) == 1

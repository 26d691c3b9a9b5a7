"""`hall complaint add|list|resolve`: the duty leader records and resolves complaints with a
PIN; anyone else, a wrong PIN or a repeated resolution changes nothing."""

from __future__ import annotations

import pytest

from db.rules import ops
from db.store.session import Hall
from tests.cli.conftest import Cli, event_kinds, fingerprint, one_line_error
from tests.conftest import LEADER_PIN, PIN

LEADER = LEADER_PIN + "\n"


def served(ready: Hall) -> str:
    """A1 issued, called and being served at counter 1 by C01."""
    with ready.write() as tx:
        number = ops.issue_ticket(tx, "A").number
        ops.call_next(tx, 1)
        ops.start(tx, 1)
    return number


def add(cli: Cli, number: str, *extra: str) -> int:
    result = cli("complaint", "add", number, "--staff", "L01", "--what", "态度不好",
                 "--name", "赵先生", "--phone", "13800001234", "--json", *extra, stdin=LEADER)
    assert result.code == 0, result.err
    complaint_id: int = result.json()["id"]
    return complaint_id


def test_add_list_and_resolve_by_reassigning(cli: Cli, ready: Hall) -> None:
    number = served(ready)
    shown = cli("complaint", "add", number, "--staff", "L01", "--what", "办理太慢",
                stdin=LEADER)
    assert shown.code == 0 and "已登记投诉 #1" in shown.out and "办理太慢" in shown.out
    listed = cli("complaint", "list", "--json")
    assert [(c["id"], c["ticket"], c["handler"]) for c in listed.json()] == [(1, number, "C01")]
    assert "待处理投诉" in cli("complaint", "list").out
    done = cli("complaint", "resolve", "1", "--staff", "L01", "--outcome", "upheld",
               "--reason", "客户要求换人", "--correction", "reassign", "--to", "C02",
               stdin=LEADER)
    assert done.code == 0 and "投诉成立，改派首办人" in done.out
    with ready.read() as tx:
        ticket = ops.ticket_row(tx, number)
    assert (ticket.handler_id, ticket.counter_number, ticket.status) == ("C02", None, "serving")
    assert event_kinds(ready)[-2:] == ["complaint", "reassign"]
    assert cli("complaint", "list", "--json").json() == []
    day = cli("complaint", "list", "--all", "--json").json()
    assert [(c["outcome"], c["new_handler"]) for c in day] == [("upheld", "C02")]


def test_resolving_twice_is_refused_and_changes_nothing(cli: Cli, ready: Hall) -> None:
    complaint_id = add(cli, served(ready))
    argv = ("complaint", "resolve", str(complaint_id), "--staff", "L01", "--outcome",
            "not_upheld", "--reason", "已解释")
    assert cli(*argv, stdin=LEADER).code == 0
    before = fingerprint(ready)
    again = cli(*argv, stdin=LEADER)
    assert again.code == 1
    assert f"complaint #{complaint_id} is already resolved by L01" in one_line_error(again)
    assert fingerprint(ready) == before


@pytest.mark.parametrize(("argv", "stdin", "code", "says"), [
    (["complaint", "add", "A001", "--staff", "C01", "--what", "x"], PIN, 1,
     "only a duty leader records a complaint"),
    (["complaint", "add", "A001", "--staff", "L01", "--what", "x"], "0000", 1, "wrong PIN"),
    (["complaint", "add", "A001", "--staff", "L01"], LEADER_PIN, 2, "--what"),
    (["complaint", "add", "?!", "--staff", "L01", "--what", "x"], LEADER_PIN, 1,
     "is not a ticket number"),
    (["complaint", "resolve", "1", "--staff", "L01", "--outcome", "maybe", "--reason", "x"],
     LEADER_PIN, 2, "invalid choice"),
    (["complaint", "resolve", "1", "--staff", "L01", "--outcome", "upheld", "--reason", "x",
      "--correction", "void"], LEADER_PIN, 1, "only a ticket waiting, called or missed is voided"),
    (["complaint", "resolve", "9", "--staff", "L01", "--outcome", "upheld", "--reason", "x"],
     LEADER_PIN, 1, "there is no complaint #9"),
    (["complaint", "list", "--day", "2026-11-27"], "", 2, "--day goes with --all"),
    (["complaint"], "", 2, "required"),
])
def test_refusals_are_one_line_and_change_nothing(cli: Cli, ready: Hall, argv: list[str],
                                                  stdin: str, code: int, says: str) -> None:
    add(cli, served(ready))
    before = fingerprint(ready)
    result = cli(*argv, stdin=stdin + "\n")
    assert result.code == code and says in one_line_error(result)
    if "wrong PIN" not in says:  # (a wrong PIN is counted against the staff member)
        assert fingerprint(ready) == before

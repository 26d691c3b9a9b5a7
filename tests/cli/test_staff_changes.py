"""`hall staff change` and `hall staff remove`: each needs a duty leader's PIN (--by), keeps
the hall's last duty leader, and keeps a removed person's record for the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.rules.ops import S
from db.store import audit
from db.store.session import Hall
from tests.cli.conftest import Cli, event_kinds, fingerprint, one_line_error
from tests.conftest import LEADER_PIN, PIN


def staff_ids(cli: Cli) -> set[str]:
    return {person["id"] for person in cli("--json", "staff", "list").json()}


def test_a_leader_changes_name_role_and_limit(cli: Cli, ready: Hall) -> None:
    changed = cli("--json", "staff", "change", "C03", "--name", "李  娜娜", "--role", "support",
                  "--authority-limit", "50", "--by", "L01", stdin=f"{LEADER_PIN}\n")
    assert changed.code == 0, changed.err
    assert changed.json() == {"id": "C03", "name": "李 娜娜", "role": "support",
                              "authority_limit": 50}
    listed = cli("--json", "staff", "list").json()
    assert {"id": "C03", "name": "李 娜娜", "role": "support", "authority_limit": 50} in listed
    assert event_kinds(ready)[-1] == "staff_change"
    with ready.read() as tx:
        assert audit.verify(tx.conn).ok


def test_a_pin_reset_takes_the_new_pin_and_ends_a_lock(cli: Cli, ready: Hall) -> None:
    for _ in range(5):  # C03 locks itself out
        cli("signin", "-c", "2", "-s", "C03", stdin="0000\n")
    assert "locked" in one_line_error(cli("signin", "-c", "2", "-s", "C03", stdin=f"{PIN}\n"))
    reset = cli("staff", "change", "C03", "--reset-pin", "--by", "L01",
                stdin=f"{LEADER_PIN}\n97531\n")
    assert reset.code == 0, reset.err
    assert "PIN" in reset.out
    assert cli("signin", "-c", "2", "-s", "C03", stdin=f"{PIN}\n").code == 1
    assert cli("signin", "-c", "2", "-s", "C03", stdin="97531\n").code == 0


def test_a_promotion_to_leader_needs_a_leaders_pin(cli: Cli, ready: Hall) -> None:
    before = fingerprint(ready)
    bare = cli("staff", "change", "C03", "--role", "leader", "--by", "L01",
               stdin=f"{LEADER_PIN}\n")
    assert bare.code == 1 and "--reset-pin" in one_line_error(bare)
    short = cli("staff", "change", "C03", "--role", "leader", "--reset-pin", "--by", "L01",
                stdin=f"{LEADER_PIN}\n1234\n")
    assert short.code == 1 and "6 to 12 digits" in one_line_error(short)
    assert fingerprint(ready) == before
    made = cli("staff", "change", "C03", "--role", "leader", "--reset-pin", "--by", "L01",
               stdin=f"{LEADER_PIN}\n135791\n")
    assert made.code == 0, made.err
    # The new leader approves changes now, and the first one can step down.
    down = cli("staff", "change", "L01", "--role", "clerk", "--by", "C03", stdin="135791\n")
    assert down.code == 0, down.err


def test_removal_keeps_the_record_and_ends_the_access(cli: Cli, ready: Hall) -> None:
    assert cli("signin", "-c", "2", "-s", "C03", stdin=f"{PIN}\n").code == 0
    assert cli("signout", "-c", "2").code == 0
    removed = cli("staff", "remove", "C03", "--by", "L01", stdin=f"{LEADER_PIN}\n")
    assert removed.code == 0, removed.err
    assert "C03" not in staff_ids(cli)
    with ready.read() as tx:  # the events of its work still name a staff row
        row = tx.conn.execute(select(S).where(S.c.id == "C03")).one()
    assert row.active is False or row.active == 0
    assert event_kinds(ready)[-1] == "staff_remove"
    assert cli("signin", "-c", "2", "-s", "C03", stdin=f"{PIN}\n").code == 1
    again = cli("staff", "add", "C03", "--name", "x", "--role", "clerk", "--by", "L01",
                stdin=f"{LEADER_PIN}\n{PIN}\n")
    assert again.code == 1 and "already exists" in one_line_error(again)
    twice = cli("staff", "remove", "C03", "--by", "L01", stdin=f"{LEADER_PIN}\n")
    assert twice.code == 1 and "unknown staff id" in one_line_error(twice)
    with ready.read() as tx:
        assert audit.verify(tx.conn).ok


@pytest.mark.parametrize(("argv", "stdin", "code", "said"), [
    (("change", "C03", "--name", "x"), "", 2, "--by"),
    (("remove", "C03"), "", 2, "--by"),
    (("change", "C03", "--by", "L01"), f"{LEADER_PIN}\n", 2, "say what to change"),
    (("change", "C03", "--name", "x", "--by", "C01"), f"{PIN}\n", 1, "only a duty leader"),
    (("remove", "C03", "--by", "C01"), f"{PIN}\n", 1, "only a duty leader"),
    (("change", "C09", "--name", "x", "--by", "L01"), f"{LEADER_PIN}\n", 1, "unknown staff"),
    (("change", "C03", "--name", "x" * 41, "--by", "L01"), f"{LEADER_PIN}\n", 1, "40"),
    (("change", "L01", "--role", "clerk", "--by", "L01"), f"{LEADER_PIN}\n", 1,
     "only duty leader"),
    (("remove", "L01", "--by", "L01"), f"{LEADER_PIN}\n", 1, "only duty leader"),
    (("remove", "C01", "--by", "L01"), f"{LEADER_PIN}\n", 1, "signed in at counter 1"),
    (("change", "C01", "--role", "guide", "--by", "L01"), f"{LEADER_PIN}\n", 1,
     "signed in at counter 1"),
    (("change", "C03", "--role", "boss", "--by", "L01"), f"{LEADER_PIN}\n", 2, "boss"),
])
def test_refusals_change_nothing(cli: Cli, ready: Hall, argv: tuple[str, ...], stdin: str,
                                 code: int, said: str) -> None:
    before = fingerprint(ready)
    refused = cli("staff", *argv, stdin=stdin)
    assert refused.code == code, refused.err
    assert said in one_line_error(refused)
    assert fingerprint(ready) == before


def test_a_wrong_leader_pin_changes_no_one(cli: Cli, ready: Hall) -> None:
    wrong = cli("staff", "remove", "C03", "--by", "L01", stdin="0000000\n")
    assert wrong.code == 1 and "PIN" in one_line_error(wrong)
    assert "C03" in staff_ids(cli)


def test_the_help_says_a_leaders_pin_is_needed(cli: Cli) -> None:
    for command in ("change", "remove"):
        shown = cli("staff", command, "--help")
        assert shown.code == 0
        assert "--by" in shown.out and "duty leader" in shown.out
    assert "change" in cli("staff", "--help").out

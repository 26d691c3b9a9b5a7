"""`hall notice`: the duty leader sets and clears the wall display's notice with a PIN; anyone
else, a wrong PIN or a muddled command changes nothing."""

from __future__ import annotations

import pytest

from db.rules import notices
from db.store.session import Hall
from tests.cli.conftest import Cli, fingerprint, one_line_error
from tests.conftest import LEADER_PIN, PIN


def shown(hall: Hall) -> str:
    with hall.read() as tx:
        return notices.current_notice(tx)


def test_the_leader_sets_and_clears_the_notice(cli: Cli, ready: Hall) -> None:
    done = cli("notice", "今日下午系统升级，缴费请到1号窗口", "--staff", "L01",
               stdin=LEADER_PIN + "\n")
    assert done.code == 0 and "叫号屏公告：今日下午系统升级" in done.out
    assert shown(ready) == "今日下午系统升级，缴费请到1号窗口"
    cleared = cli("notice", "--clear", "--staff", "L01", "--json", stdin=LEADER_PIN + "\n")
    assert cleared.code == 0 and cleared.json() == {"notice": "", "staff": "L01"}
    assert shown(ready) == ""


@pytest.mark.parametrize(("argv", "stdin", "code", "says"), [
    (["notice", "x", "--staff", "C01"], PIN, 1, "only a duty leader can set the notice"),
    (["notice", "x", "--staff", "L01"], "0000", 1, "wrong PIN"),
    (["notice", "--staff", "L01"], LEADER_PIN, 2, "give the notice TEXT, or --clear"),
    (["notice", "x", "--clear", "--staff", "L01"], LEADER_PIN, 2,
     "give the notice TEXT, or --clear"),
    (["notice", "长" * 201, "--staff", "L01"], LEADER_PIN, 1, "at most 200 characters"),
])
def test_refusals_change_nothing(cli: Cli, ready: Hall, argv: list[str], stdin: str,
                                 code: int, says: str) -> None:
    cli("notice", "原有公告", "--staff", "L01", stdin=LEADER_PIN + "\n")
    before = fingerprint(ready)
    result = cli(*argv, stdin=stdin + "\n")
    assert result.code == code and says in one_line_error(result)
    assert shown(ready) == "原有公告"
    if "wrong PIN" not in says:  # (a wrong PIN is counted against the staff member)
        assert fingerprint(ready) == before

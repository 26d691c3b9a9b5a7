"""Exit codes and bad input: one line on stderr, never a traceback, and nothing changed."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, Literal

import argon2
import pytest
from sqlalchemy import create_engine, text

import db.store.engine
from db.rules import queries, staff
from db.store.session import Hall
from hall.parser import build_parser
from tests.cli.conftest import Cli, event_kinds, fingerprint, one_line_error
from tests.conftest import PIN

REFUSED = [
    pytest.param(["issue", "Z"], "unknown business type 'Z'", id="unknown-business"),
    pytest.param(["issue", "A", "--priority", "vip"], "unknown priority", id="unknown-priority"),
    pytest.param(["issue", "A", "--by", "X99"], "unknown staff", id="unknown-issuer"),
    pytest.param(["issue", "A", "--account", "31 00"], "account number", id="bad-account"),
    pytest.param(["call", "-c", "99"], "unknown counter 99", id="unknown-counter"),
    pytest.param(["call", "-c", "2"], "no one is signed in", id="counter-not-signed-in"),
    pytest.param(["call", "-c", "1"], "no one is waiting", id="queue-empty"),
    pytest.param(["signin", "-c", "99", "-s", "C03"], "unknown counter 99", id="signin-counter"),
    pytest.param(["start", "-c", "1"], "holds no ticket", id="nothing-to-start"),
    pytest.param(["complete", "-c", "1", "A001"], "holds no ticket", id="complete-unknown"),
    pytest.param(["show", "A001"], "no ticket A001", id="no-such-ticket"),
    pytest.param(["transfer", "-c", "1", "--to", "Z"], "unknown business", id="transfer-to-z"),
    pytest.param(["signout", "-c", "3"], "no one is signed in", id="signout-empty"),
    pytest.param(["cancel", "XYZ", "-s", "L01"], "not a ticket number", id="cancel-bad-number"),
    pytest.param(["cancel", "A001", "-s", "C01"], "only a duty leader", id="cancel-not-leader"),
    pytest.param(["take", "A001", "-s", "S01"], "A001 is not with support", id="take-unknown"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED)
def test_refused_steps_exit_1_and_change_nothing(cli: Cli, ready: Hall, argv: list[str],
                                                 message: str) -> None:
    before = fingerprint(ready)
    result = cli(*argv, stdin=PIN)
    assert result.code == 1
    assert message in one_line_error(result)
    assert fingerprint(ready) == before


def test_a_stale_counter_cannot_complete_what_it_no_longer_holds(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    cli("call", "-c", "1")
    cli("start", "-c", "1")
    before = fingerprint(ready)
    result = cli("complete", "-c", "1", "A002")
    assert result.code == 1
    assert "no longer holds A002 (it holds A001)" in one_line_error(result)
    assert fingerprint(ready) == before


def test_refused_with_json_still_prints_one_line_on_stderr(cli: Cli, ready: Hall) -> None:
    result = cli("--json", "issue", "Z")
    assert result.code == 1
    one_line_error(result)


def test_wrong_pin_is_refused_and_recorded_but_signs_no_one_in(cli: Cli, ready: Hall) -> None:
    before_desks = fingerprint(ready)[1]
    result = cli("signin", "-c", "2", "-s", "C03", stdin="0000\n")
    assert result.code == 1
    assert "wrong PIN" in one_line_error(result)
    assert fingerprint(ready)[1] == before_desks  # counter 2 untouched
    assert event_kinds(ready)[-1] == "pin_failed"  # the failure counts towards a lock


def test_five_wrong_pins_lock_the_account(cli: Cli, ready: Hall) -> None:
    for _ in range(4):
        assert cli("signin", "-c", "2", "-s", "C03", stdin="0000").code == 1
    locking = cli("signin", "-c", "2", "-s", "C03", stdin="0000")
    assert "now locked" in one_line_error(locking)
    refused = cli("signin", "-c", "2", "-s", "C03", stdin=PIN)  # even the right PIN
    assert refused.code == 1 and "locked" in one_line_error(refused)
    with ready.read() as tx:
        assert next(c for c in queries.counter_views(tx) if c.number == 2).staff is None


def test_missing_pin_on_stdin_changes_nothing(cli: Cli, ready: Hall) -> None:
    before = fingerprint(ready)
    result = cli("take", "A001", "--staff", "S01", stdin="")
    assert result.code == 1 and "no PIN" in one_line_error(result)
    assert fingerprint(ready) == before


def test_an_unknown_staff_id_is_refused_and_changes_nothing(cli: Cli, ready: Hall) -> None:
    before = fingerprint(ready)
    result = cli("cancel", "A001", "--staff", "NOBODY", stdin=PIN)
    assert result.code == 1 and "unknown staff id or wrong PIN" in one_line_error(result)
    assert fingerprint(ready) == before


def test_a_wrong_pin_for_a_known_id_says_how_many_tries_are_left(cli: Cli, ready: Hall) -> None:
    """By design the answer differs from an unknown id's: ids are printed on the badges, and
    the clerk at the counter needs to know how close the lock is."""
    result = cli("cancel", "A001", "--staff", "L01", stdin="0000")
    assert result.code == 1
    assert "wrong PIN for staff L01 (4 tries left before a lock)" in one_line_error(result)


class _CountingHasher(argon2.PasswordHasher):
    """The hasher the core uses, noting every hash it verifies against."""

    verified: list[str]

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


def test_an_unknown_staff_id_costs_one_argon2_check_like_a_known_one(
    cli: Cli, ready: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing oracle: an unknown id is checked against a hash of the same costs."""
    real = staff._hasher()
    counting = _CountingHasher(real.time_cost, real.memory_cost, real.parallelism,
                               real.hash_len, real.salt_len)
    counting.verified = []
    monkeypatch.setattr(staff, "_hasher", lambda: counting)
    assert cli("cancel", "A001", "--staff", "L01", stdin="0000").code == 1
    assert cli("cancel", "A001", "--staff", "NOBODY", stdin="0000").code == 1
    known, unknown = counting.verified  # one verification each
    assert argon2.extract_parameters(unknown) == argon2.extract_parameters(known)


MISUSE = [
    pytest.param([], "no command given", id="no-command"),
    pytest.param(["frobnicate"], "invalid choice", id="unknown-command"),
    pytest.param(["call"], "--counter", id="missing-counter"),
    pytest.param(["call", "-c", "one"], "'one' is not a whole number from 1 to",
                 id="counter-not-a-number"),
    pytest.param(["call", "-c", "0"], "--counter/-c: '0' is not a whole number from 1 to",
                 id="counter-zero"),
    pytest.param(["call", "-c", "99999999999999999999"],
                 "--counter/-c: '99999999999999999999' is not a whole number from 1 to 2147483647",
                 id="counter-too-large"),
    pytest.param(["staff", "add", "Q1", "--name", "x", "--role", "clerk", "--authority-limit",
                  "1000001"], "--authority-limit: '1000001' is not a whole number from 0 to "
                 "1000000", id="authority-above-any-remedy"),
    pytest.param(["events", "--day", "2026-02-30"], "not a date", id="bad-day"),
    pytest.param(["export", "--day", "yesterday"], "not a date", id="bad-export-day"),
    pytest.param(["events", "--limit", "0"], "--limit: '0' is not a whole number from 1",
                 id="bad-limit"),
    pytest.param(["rate", "A001", "great"], "not a rating", id="bad-score"),
    pytest.param(["rate", "A001", "5"], "SCORE: not a rating: '5' (use 1 to 4", id="score-5"),
    pytest.param(["staff", "add", "C09", "--name", "x", "--role", "boss"], "invalid choice",
                 id="bad-role"),
    pytest.param(["--db", "nonsense", "issue", "A"], "not a database URL", id="malformed-url"),
    pytest.param(["issue", "A", "--db", "nosuch://x"], "--db", id="unknown-dialect"),
]


@pytest.mark.parametrize(("argv", "message"), MISUSE)
def test_misuse_exits_2_with_one_line(cli: Cli, ready: Hall, argv: list[str],
                                      message: str) -> None:
    before = fingerprint(ready)
    result = cli(*argv)
    assert result.code == 2
    assert message in one_line_error(result)
    assert fingerprint(ready) == before


HUGE = "99999999999999999999"
"""Twenty digits: more than any database column holds (SQLite's INTEGER is 64-bit)."""


def _whole_number_arguments() -> list[Any]:
    """Every argument of every command whose value is a whole number, found by walking the
    grammar, so one added later is covered too: (argv up to the number, its name in
    argparse's messages)."""
    found: list[Any] = []

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        before: list[str] = []  # values for the positionals ahead of a positional number
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*words, name])
                continue
            if _takes_a_whole_number(action):
                name = "/".join(action.option_strings) or str(action.metavar or action.dest)
                argv = [*words, *(action.option_strings[:1] or before)]
                found.append(pytest.param(argv, name, id=" ".join([*words, name])))
            if not action.option_strings:
                before.append(str(next(iter(action.choices))) if action.choices else "A001")

    walk(build_parser(), [])
    return found


def _takes_a_whole_number(action: argparse.Action) -> bool:
    if action.nargs == 0:  # a flag
        return False
    try:
        return isinstance((action.type or str)("1"), int)  # type: ignore[operator]
    except (argparse.ArgumentTypeError, ValueError, TypeError):
        return False


WHOLE_NUMBERS = _whole_number_arguments()


def test_the_walk_finds_the_whole_numbers_the_audit_found() -> None:
    names = {param.id for param in WHOLE_NUMBERS}
    assert {"call --counter/-c", "events --limit", "visits --limit",
            "staff add --authority-limit", "rate SCORE"} <= names


@pytest.mark.parametrize(("argv", "name"), WHOLE_NUMBERS)
def test_every_whole_number_is_range_checked_as_it_is_parsed(cli: Cli, argv: list[str],
                                                             name: str) -> None:
    """A number no column can hold is misuse naming the argument and what it allows, not an
    OverflowError from the database (exit 3). Nothing is opened: $HALL_DB does not exist."""
    result = cli(*argv, HUGE)
    line = one_line_error(result)
    assert result.code == 2, line
    assert f"argument {name}: " in line
    assert re.search(r"\d", line.replace(HUGE, "")), f"no allowed range in {line!r}"


def test_help_exits_0(cli: Cli) -> None:
    result = cli("call", "--help")
    assert result.code == 0 and "--counter" in result.out


BAD_CONFIGS = [
    pytest.param('[hall\nname_zh = "x"\n', "TOML syntax error", id="toml-syntax"),
    pytest.param('[hall]\nname_zh = "x"\ncolour = "red"\n', "hall.colour: unknown key",
                 id="bad-key"),
]


@pytest.mark.parametrize(("toml", "message"), BAD_CONFIGS)
def test_bad_config_exits_2_and_changes_nothing(cli: Cli, ready: Hall, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, toml: str,
                                                message: str) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(toml, encoding="utf-8")
    before = fingerprint(ready)
    given = cli("--config", str(path), "issue", "A")
    assert given.code == 2 and message in one_line_error(given)
    monkeypatch.setenv("HALL_CONFIG", str(path))
    from_env = cli("issue", "A")
    assert from_env.code == 2 and message in one_line_error(from_env)
    assert fingerprint(ready) == before


def test_missing_config_file_exits_2(cli: Cli, ready: Hall, tmp_path: Path) -> None:
    result = cli("--config", str(tmp_path / "absent.toml"), "status")
    assert result.code == 2 and "cannot read file" in one_line_error(result)


def test_uninitialised_database_is_refused_and_not_created(cli: Cli, tmp_path: Path) -> None:
    default = tmp_path / "default-hall.db"  # the autouse fixture's $HALL_DB
    for argv in (["status"], ["issue", "A"], ["staff", "list"]):
        result = cli(*argv)
        assert result.code == 2
        assert "run `hall init` first" in one_line_error(result)
    assert not default.exists()


def test_empty_database_file_gets_the_hint_and_no_tables(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    url = f"sqlite:///{path}"
    for argv in (["issue", "A"], ["status"], ["events"]):
        result = cli("--db", url, *argv)
        assert result.code == 2
        assert "run `hall init` first" in one_line_error(result)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar() == 0
    engine.dispose()


def test_locked_database_is_one_line(cli: Cli, ready: Hall, db_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db.store.engine, "BUSY_TIMEOUT_MS", 50)
    with ready.write():  # another process holding the write lock
        result = cli("issue", "A")
    assert result.code == 1
    assert "busy" in one_line_error(result)
    assert cli("--json", "status").json()["waiting"]["A"] == 0


def test_interrupt_and_unexpected_errors_are_one_line(cli: Cli, ready: Hall,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(queries, "snapshot", interrupted)
    result = cli("status")
    assert result.code == 130 and "interrupted" in one_line_error(result)

    def broken(*_: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(queries, "snapshot", broken)
    result = cli("status")
    assert result.code == 3 and "RuntimeError: boom" in one_line_error(result)


def test_an_outdated_schema_asks_for_init(cli: Cli, ready: Hall, db_path: Path) -> None:
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE tickets DROP COLUMN note"))
    engine.dispose()
    result = cli("issue", "A")
    assert result.code == 2
    assert "run `hall init` to upgrade" in one_line_error(result)


def test_text_that_looks_like_rich_markup_is_printed_as_is(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("call", "-c", "1")
    cli("start", "-c", "1")
    done = cli("complete", "-c", "1", "--note", "[/red] 见[bold]附件")
    assert done.code == 0 and "[/red] 见[bold]附件" in done.out
    log = cli("events", "--kind", "complete")
    assert log.code == 0 and "[/red]" in log.out


def test_requeue_by_an_unknown_staff_id_is_refused(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("call", "-c", "1")
    cli("noshow", "-c", "1")
    before = fingerprint(ready)
    result = cli("requeue", "A001", "--by", "NOBODY")
    assert result.code == 1
    assert "unknown staff id 'NOBODY'" in one_line_error(result)
    assert fingerprint(ready) == before

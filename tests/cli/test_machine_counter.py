"""The apps at a counter take their counter from `--counter`, else from the machine's own
`$HALL_COUNTER`; a missing or bad value is one line of misuse naming it. The app itself is
a fake here: what is checked is the counter it would be started for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, one_line_error


class FakeApp:
    """Stands in for a Textual app: keeps what it was made with, and whether it ran."""

    made: list[dict[str, Any]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.made.append(kwargs)

    def run(self) -> None:
        """A real app would take the terminal here."""


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> list[dict[str, Any]]:
    """The counter and the evaluator start as fakes, as if in a terminal; the keyword
    arguments each was made with, in order."""
    import counter.app
    import counter.evaluator.app
    from hall import apps

    FakeApp.made = []
    monkeypatch.setattr(apps, "need_terminal", lambda command: None)
    monkeypatch.setattr(counter.app, "make_app", FakeApp)
    monkeypatch.setattr(counter.evaluator.app, "make_app", FakeApp)
    return FakeApp.made


@pytest.mark.parametrize("app", ["counter", "evaluator"])
def test_the_machines_counter_is_used_without_the_option(
    cli: Cli, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, app: str
) -> None:
    monkeypatch.setenv("HALL_COUNTER", " 3 ")
    assert cli(app).code == 0
    assert cli(app, "--counter", "2").code == 0  # the command line wins
    assert [made["counter"] for made in started] == [3, 2]


@pytest.mark.parametrize("app", ["counter", "evaluator"])
def test_no_counter_at_all_is_misuse(
    cli: Cli, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, app: str
) -> None:
    result = cli(app)
    assert result.code == 2
    assert one_line_error(result) == (f"hall: {app}: which counter? give --counter N, or set "
                                      "HALL_COUNTER=N on this machine\n")
    monkeypatch.setenv("HALL_COUNTER", "")
    assert cli(app).code == 2
    assert started == []


@pytest.mark.parametrize("value", ["x", "0", "-1", "1.5", "99999999999"])
def test_a_bad_value_is_misuse_naming_the_variable(
    cli: Cli, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HALL_COUNTER", value)
    result = cli("counter")
    assert result.code == 2
    assert one_line_error(result).startswith(
        f"hall: counter: HALL_COUNTER={value!r} is not a whole number from 1 to ")
    assert started == []
    assert cli("counter", "--counter", "1").code == 0  # the option does not read it


def test_a_counter_the_hall_has_not_is_refused(
    cli: Cli, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALL_COUNTER", "99")
    result = cli("evaluator")
    assert result.code == 1 and "unknown counter 99" in one_line_error(result)
    assert started == []


def test_the_display_is_the_machines_counter_or_the_wall(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No terminal here: a display that gets as far as opening says it needs one.
    needs_terminal = "hall: display: needs a terminal (it is a full-screen app)\n"
    assert one_line_error(cli("display")) == needs_terminal  # the wall
    monkeypatch.setenv("HALL_COUNTER", "99")
    assert "unknown counter 99" in one_line_error(cli("display"))  # counter 99's display
    assert one_line_error(cli("display", "--wall")) == needs_terminal
    assert one_line_error(cli("display", "--counter", "1")) == needs_terminal
    monkeypatch.setenv("HALL_COUNTER", "one")
    bad = cli("display")
    assert bad.code == 2 and "HALL_COUNTER='one'" in one_line_error(bad)
    assert cli("display", "--wall", "--counter", "1").code == 2  # one or the other


def test_serve_names_the_wall_for_its_displays(
    cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hall server starts each terminal's app with its screen named outright: a
    # $HALL_COUNTER set on the server's machine never turns the wall into a counter's
    # display (and the apps do not inherit it: server.sessions drops it).
    import server.app
    from server.app import Settings
    from server.terminals import terminal_at

    started: list[Settings] = []
    monkeypatch.setattr(server.app, "serve_forever",
                        lambda settings, hall, **options: started.append(settings))
    monkeypatch.setenv("HALL_COUNTER", "3")
    assert cli("serve", "display").code == 0
    settings = started[0]
    wall_terminal = terminal_at(settings.config, "display", None)
    counter_terminal = terminal_at(settings.config, "display", "2")
    assert wall_terminal is not None and counter_terminal is not None
    wall = wall_terminal.argv(settings.config_file)
    counter = counter_terminal.argv(settings.config_file)
    assert "--wall" in wall and "--counter" not in wall
    assert counter[-2:] == ["--counter", "2"] and "--wall" not in counter


@pytest.mark.parametrize("app", ["counter", "evaluator", "display"])
def test_the_help_names_the_variable(cli: Cli, app: str) -> None:
    result = cli(app, "--help")
    assert result.code == 0 and "HALL_COUNTER" in result.out

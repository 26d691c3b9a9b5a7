"""Every app from the command line, `hall <app>` and `python -m <app>` (the apps need a
terminal; here, what happens before they start): one-line refusals, and the parser."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """`python *argv` from the project's root, without a terminal."""
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture
def db(tmp_path: Path, templates: dict[str, Path]) -> str:
    """An initialised hall database's URL."""
    shutil.copyfile(templates["empty"], tmp_path / "hall.db")
    return f"sqlite:///{tmp_path / 'hall.db'}"


@pytest.mark.parametrize(("name", "argv"), [
    ("kiosk", ["-m", "hall", "kiosk"]),
    ("display", ["-m", "hall", "display"]),
    ("counter", ["-m", "hall", "counter", "-c", "1"]),
    ("evaluator", ["-m", "hall", "evaluator", "-c", "1"]),
    ("support", ["-m", "counter.support"]),
    ("leader", ["-m", "hall", "leader"]),
])
def test_an_app_needs_a_terminal(db: str, name: str, argv: list[str]) -> None:
    result = run(*argv, "--db", db)
    assert (result.returncode, result.stderr) == (
        2, f"hall: {name}: needs a terminal (it is a full-screen app)\n")


@pytest.mark.parametrize("argv", [
    ["-m", "kiosk"], ["-m", "display"], ["-m", "leader"], ["-m", "hall", "support"],
])
def test_an_app_needs_an_initialised_database(tmp_path: Path, argv: list[str]) -> None:
    result = run(*argv, "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "not initialised: run `hall init` first" in result.stderr


@pytest.mark.parametrize("argv", [
    ["-m", "counter", "--counter", "99"],
    ["-m", "counter.evaluator", "--counter", "99"],
    ["-m", "hall", "display", "--counter", "99"],
])
def test_an_unknown_counter_is_refused_first(db: str, argv: list[str]) -> None:
    result = run(*argv, "--db", db)
    assert result.returncode == 1
    assert "unknown counter 99" in result.stderr and result.stderr.count("\n") == 1


def test_the_evaluator_needs_its_counter(db: str) -> None:
    missing = run("-m", "hall", "evaluator", "--db", db)
    assert missing.returncode == 2 and "--counter" in missing.stderr
    assert missing.stderr.count("\n") == 1


def test_a_counter_display_does_not_speak(db: str, tmp_path: Path) -> None:
    result = run("-m", "hall", "display", "--counter", "1", "--voice-to", str(tmp_path / "v"),
                 "--db", db)
    assert (result.returncode, result.stderr) == (
        2, "hall: display: --voice-to is for the wall display (a counter's display does not "
           "speak)\n")


def test_other_commands_do_not_load_textual() -> None:
    code = ("import sys; from hall.cli import build_parser; build_parser(); "
            "print('textual' in sys.modules)")
    assert run("-c", code).stdout.strip() == "False"


@pytest.mark.parametrize(("argv", "handler"), [
    (["kiosk"], "kiosk"),
    (["display"], "display"),
    (["counter", "--counter", "3"], "counter"),
    (["evaluator", "--counter", "3"], "evaluator"),
    (["support"], "support_desk"),
    (["leader"], "leader"),
])
def test_each_app_has_its_command(argv: list[str], handler: str) -> None:
    from hall.parser import build_parser

    assert build_parser().parse_args(argv).handler.__name__ == handler


def test_the_apps_options_parse() -> None:
    from hall.parser import build_parser

    parse = build_parser().parse_args
    assert parse(["kiosk", "--guide"]).guide
    assert parse(["counter", "--counter", "3"]).counter == 3
    assert parse(["evaluator", "--counter", "3"]).counter == 3
    assert parse(["display"]).counter is None
    assert parse(["display", "--counter", "3"]).counter == 3
    wall = parse(["display", "--voice-to", "calls"])
    assert wall.voice_to == "calls" and not wall.no_voice
    assert parse(["display", "--no-voice"]).no_voice

"""`hall demo` alive: simulated customers take numbers and simulated clerks call them, in
real time (`--speed` faster), headless (`--seconds`) or for browsers (`--browser`); quitting
stops everything it started. Each run here is a process of its own, in a session of its
own, so that what it leaves behind can be looked for after it exits."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sqlite_only(
    "`hall demo` plays on a SQLite file of its own (hall.run.demo_url), never a server's")

DEADLINE = 180.0
"""Seconds to wait for the thing awaited (the morning's staff PINs are argon2: slow under load)."""


ALIVE = "(SELECT min(id) FROM events WHERE kind = 'sign_in' AND staff_id LIKE 'SIM%')"
"""The first event of the living hall: a simulated clerk signing in."""
COUNTS = {
    "calls": "SELECT count(*) FROM events WHERE kind = 'call' AND staff_id LIKE 'SIM%'",
    "issued": f"SELECT count(*) FROM events WHERE kind = 'issue' AND id > {ALIVE}",
    "theirs called": "SELECT count(*) FROM events WHERE kind = 'call' AND staff_id LIKE 'SIM%' "
                     "AND ticket_id IN (SELECT ticket_id FROM events WHERE kind = 'issue' "
                     f"AND id > {ALIVE})",
}
"""Calls by the simulated clerks (SIM02, …), numbers taken by the simulated customers, and
the calls of those numbers."""


def count(db: Path, what: str) -> int:
    """One of `COUNTS` in the demo's database so far."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            row = conn.execute(COUNTS[what]).fetchone()
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    return int(row[0] or 0)


def sim_calls(db: Path) -> int:
    """Calls made by the simulated clerks so far."""
    return count(db, "calls")


def wait_for(what: str, ready: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    end = time.monotonic() + DEADLINE
    while not ready():
        assert process.poll() is None, f"the demo stopped before {what}"
        assert time.monotonic() < end, f"no {what} within {DEADLINE:.0f} s"
        time.sleep(0.1)


def left_in_session(session: int) -> list[str]:
    """The processes still in the demo's session (it is their session leader's pid)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[3]) == session:  # state ppid pgrp session …
            found.append(stat.parent.name)
    return found


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `python -m hall demo ARGS` in a new session; killed at the end if still there."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("looks for the demo's leftover processes in /proc (Linux)")
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        env = {**os.environ, "HALL_DB": f"sqlite:///{tmp_path / 'default-hall.db'}",
               "XDG_DATA_HOME": str(tmp_path / "xdg-data"), "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen([sys.executable, "-m", "hall", "demo", *args], cwd=ROOT,
                                   env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl+C to the demo alone (not its group): it must stop what it started itself."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, err
    assert left_in_session(process.pid) == []
    return out, err


def test_the_living_demo_calls_numbers_headless(
        demo: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    process = demo("--db", f"sqlite:///{db}", "--seconds", "3600", "--speed", "600", "--json")
    wait_for("three numbers of simulated customers called by simulated clerks",
             lambda: count(db, "theirs called") >= 3, process)
    out, _ = stop(process)
    summary = json.loads(out)
    # Every number the demo says it issued and every call it says it made is in the database.
    assert summary["issued"] == count(db, "issued") >= 3
    assert summary["called"] == sim_calls(db) >= 3
    with sqlite3.connect(db) as conn:  # the simulated clerks signed out when it stopped
        staffed = conn.execute("SELECT count(*) FROM counters WHERE staff_id LIKE 'SIM%'"
                               ).fetchone()[0]
        mine = conn.execute("SELECT staff_id, profile FROM counters WHERE number = 1"
                            ).fetchone()
    assert staffed == 0
    assert mine == (None, "E")  # the user's counter: free, their business only


@pytest.mark.slow
def test_the_living_demo_stops_by_itself_after_its_seconds(
        demo: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    db = tmp_path / "short.db"
    process = demo("--db", f"sqlite:///{db}", "--seconds", "1", "--speed", "60")
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, err
    assert "演示结束 demo stopped" in out
    assert left_in_session(process.pid) == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_browser_demo_serves_the_hall_and_stops_the_server(
        demo: Callable[..., subprocess.Popen[str]], tmp_path: Path) -> None:
    db = tmp_path / "browser.db"
    port = free_port()
    process = demo("--db", f"sqlite:///{db}", "--browser", "--port", str(port),
                   "--speed", "600")
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    said: list[str] = []

    def told_the_kiosk() -> bool:
        while not lines.empty():
            said.append(lines.get())
        return any("/kiosk" in line for line in said)

    wait_for("the kiosk's address", told_the_kiosk, process)
    kiosk = next(re.search(r"http://\S+/kiosk", line) for line in said if "/kiosk" in line)
    assert kiosk is not None and kiosk.group() == f"http://127.0.0.1:{port}/kiosk"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as index:
        assert index.status == 200 and "/counter/1" in index.read().decode()
    wait_for("a call by a simulated clerk", lambda: sim_calls(db) >= 1, process)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=DEADLINE)
    reader.join(timeout=DEADLINE)
    assert process.returncode == 0
    assert left_in_session(process.pid) == []  # the server is gone with the demo
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)


def test_without_a_terminal_a_plain_demo_plays_the_morning_once(cli: Cli) -> None:
    result = cli("demo")  # standard input and output are not a terminal here
    assert result.code == 0, result.err
    assert "hall demo --once" in result.err and "hall status" in result.out


def test_a_port_needs_the_browser(cli: Cli) -> None:
    result = cli("demo", "--port", "8001", "--seconds", "1")
    assert result.code == 2 and "--browser" in result.err


@pytest.mark.parametrize("extra", [["--speed", "5"], ["--browser"], ["--seconds", "3"]])
def test_once_takes_no_living_options(cli: Cli, extra: list[str]) -> None:
    result = cli("demo", "--once", *extra)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "--once" in result.err and extra[0] in result.err


@pytest.mark.slow
def test_a_port_in_use_is_one_line(cli: Cli, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("demo", "--browser", "--port", str(port), "--seconds", "60",
                     "--db", f"sqlite:///{tmp_path / 'port.db'}")
    assert result.code == 1
    assert result.err.strip().count("\n") == 0, result.err
    assert f"127.0.0.1:{port}" in result.err and "hall: serve" not in result.err

"""A real `hall serve` (every app a real process) on a fresh hall, and a headless Chromium
(Debian's package) driven by Playwright, for the real-browser tests. Where Chromium or
Playwright is not installed, the tests skip with one line saying so (`.ci/run` installs
Chromium when it can)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.config import load_config
from db.rules import staff
from db.store.schema import init_db
from db.store.session import Hall

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90.0
"""How long a test waits for a thing to show (generous: the machine may be loaded)."""
CLERK_PIN = "2468"
CLERKS = ("C01", "C02", "C03")
"""The hall's clerks (one PIN): a test signs in its own at its own counter, as a clerk's
session is one at a time across browsers and the module's tests share one server."""
LEADER, LEADER_PIN = "L01", "246813"
TV = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


def chromium() -> str | None:
    """The system's Chromium: $HALL_CHROMIUM, else Debian's `chromium` on the PATH."""
    named = os.environ.get("HALL_CHROMIUM")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `hall serve`: its address and its hall (for the tests' own reads)."""

    base: str
    hall: Hall
    folder: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`hall serve` on 127.0.0.1 (a free port) on a fresh hall with clerks (`CLERKS`) and a
    duty leader (L01), on the real clock; one for the module's tests (each app a process,
    a server's start is slow), stopped after them."""
    tmp_path = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall = Hall.open(url, load_config())
    init_db(hall)
    with hall.write() as tx:
        for clerk, clerk_name in zip(CLERKS, ("张三", "王五", "赵六"), strict=True):
            staff.add_staff(tx, clerk, clerk_name, "clerk", CLERK_PIN)
        staff.add_staff(tx, LEADER, "李四", "leader", LEADER_PIN)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("HALL_CONFIG",
                                                                     "HALL_COUNTER")}
    environment |= {"HALL_DB": url, "XDG_CONFIG_HOME": str(tmp_path / "xdg-config")}
    with (tmp_path / "serve.txt").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hall", "serve", "--port", str(port)], cwd=ROOT,
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=5):  # noqa: S310 (loopback)
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("hall serve did not start: "
                                         + (tmp_path / "serve.txt").read_text()) from None
                time.sleep(0.2)
        yield Served(base, hall, tmp_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        hall.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium for this module's tests."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    assert path is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $HALL_SCREENSHOTS, else a folder in pytest's temporary
    directory (kept for the last few runs)."""
    named = os.environ.get("HALL_SCREENSHOTS")
    if named:
        folder = Path(named)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots", numbered=False)

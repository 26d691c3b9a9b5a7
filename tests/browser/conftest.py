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
CLERK, CLERK_PIN = "C01", "2468"
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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`hall serve` on 127.0.0.1 (a free port) on a fresh hall with a clerk (C01) and a duty
    leader (L01), on the real clock; stopped after the test."""
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall = Hall.open(url, load_config())
    init_db(hall)
    with hall.write() as tx:
        staff.add_staff(tx, CLERK, "张三", "clerk", CLERK_PIN)
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
        deadline = time.monotonic() + 60
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

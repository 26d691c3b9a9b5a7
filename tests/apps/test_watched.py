"""The one loop of every screen that watches the database (`ui.watched.Watched`): one read
at a time (a reload asked during a read is one more read after it), every flag and every
call of the screen on the UI thread, a failed check or read shown as stale with its reason
and the data fresh again after the next good read; and the desk's status line saying so."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Label

from db.store.session import Hall
from db.store.watch import ChangeWatcher, HallUnavailable
from tests.apps.conftest import (
    CLERK,
    DESK_SIZE,
    CounterFactory,
    FlakyWatcher,
    issue,
    text,
    until,
)
from ui.watched import Watched, stale_line, why

pytestmark = pytest.mark.pg_too  # the watcher, the database lost and back, or a session rule

UI = threading.get_ident()
"""The test's thread: the app's event loop runs on it."""


class Source:
    """What the screen reads: a number that counts the reads, held at `gate` while it is
    cleared, failing while `error` is set; it notes how many reads ran at once."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.error: Exception | None = None
        self.reads = 0
        self.running = 0
        self.most_at_once = 0
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def read(self) -> int:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.threads.add(threading.get_ident())
            assert self.gate.wait(timeout=10)
            if self.error is not None:
                raise self.error
            with self._lock:
                self.reads += 1
                return self.reads
        finally:
            with self._lock:
                self.running -= 1


class Switch(ChangeWatcher):
    """A change watcher the test drives: `changes` answers "changed" that many times;
    `down` makes it raise as the real one does while the database is away."""

    def __init__(self) -> None:
        self.changes = 0
        self.down = False
        self.checks = 0
        self.closed = False

    def changed(self) -> bool:
        self.checks += 1
        if self.down:
            raise HallUnavailable("the database is unavailable: test")
        if self.changes:
            self.changes -= 1
            return True
        return False

    def close(self) -> None:
        self.closed = True


class Probe(Watched[int], Screen[None]):
    """A watched screen that notes what it was told, and on which thread."""

    def __init__(self, source: Source, watcher: ChangeWatcher | None, every: float,
                 on_thread: bool = False) -> None:
        super().__init__()
        self.source = source
        self.watcher = watcher
        self.every = every
        self.on_thread = on_thread
        self.shown: list[int] = []
        self.told: list[Exception | None] = []
        self.threads: set[int] = set()
        self.held = False
        self.asked = 0
        """How many times the loop asked whether it may read (`can_read`)."""

    def compose(self) -> ComposeResult:
        yield Label(id="shown")

    def on_mount(self) -> None:
        self.start_watching(self.watcher, every=self.every, retry=self.every,
                            on_thread=self.on_thread)

    def read_watched(self) -> int:
        return self.source.read()

    def show_watched(self, data: int) -> None:
        self.threads.add(threading.get_ident())
        self.shown.append(data)

    def show_stale(self, error: Exception | None) -> None:
        self.threads.add(threading.get_ident())
        self.told.append(error)

    def can_read(self) -> bool:
        self.asked += 1
        return not self.held


async def checked_again(pilot: Pilot[Any], watcher: Switch) -> None:
    """Let the app run until the loop has asked `watcher` three more times: it asks only
    between reads, so whatever the earlier answers started is shown by then."""
    checks = watcher.checks
    await until(pilot, lambda: watcher.checks > checks + 2)
    await pilot.pause()


class Host(App[None]):
    def __init__(self, probe: Probe) -> None:
        super().__init__()
        self.probe = probe

    def on_mount(self) -> None:
        self.push_screen(self.probe)


async def test_a_reload_asked_during_a_read_is_one_more_read_after_it() -> None:
    source = Source()
    source.gate.clear()
    probe = Probe(source, None, 0)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: source.running == 1)  # the first read, held
        for _ in range(3):
            probe.reload()
        assert probe.reading and source.running == 1
        source.gate.set()
        await until(pilot, lambda: probe.shown == [1, 2])
        await until(pilot, lambda: not probe.reading)  # nothing left to read: no watcher
        await pilot.pause()
        assert probe.shown == [1, 2]  # three asks, one more read
    assert source.most_at_once == 1
    assert UI not in source.threads  # read on worker threads
    assert probe.threads == {UI}  # shown on the UI thread


async def test_a_change_is_read_once_and_nothing_else_is() -> None:
    source, watcher = Source(), Switch()
    probe = Probe(source, watcher, 0.02)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: probe.shown == [1])  # the first read, before any change
        await checked_again(pilot, watcher)
        assert probe.shown == [1]
        watcher.changes = 1
        await until(pilot, lambda: probe.shown == [1, 2])
        await checked_again(pilot, watcher)
        assert probe.shown == [1, 2]
    assert not watcher.closed  # the watcher's owner closes it (the app, the desk)


async def test_a_failed_read_is_stale_with_its_reason_and_fresh_after_the_next_good_one(
) -> None:
    source, watcher = Source(), Switch()
    source.error = OperationalError("SELECT", {}, Exception("disk I/O error"))
    probe = Probe(source, watcher, 0.02)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: probe.stale is not None)
        assert probe.told[0] is source.error and probe.shown == []
        assert why(source.error, "en") == "(builtins.Exception) disk I/O error"
        source.error = None  # the database is back: the next attempt reads, unchanged or not
        await until(pilot, lambda: probe.shown == [1])
        assert probe.stale is None and probe.told[-1] is None
        assert probe.told.count(None) == 1  # "fresh again" once
    assert probe.threads == {UI}


async def test_a_failed_check_is_stale_until_a_read_succeeds() -> None:
    source, watcher = Source(), Switch()
    watcher.down = True
    probe = Probe(source, watcher, 0.02)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: len(probe.told) >= 2)  # every failed check says so
        assert isinstance(probe.stale, HallUnavailable) and source.reads == 0
        assert stale_line(probe.stale, "zh") == (
            "数据未能更新，正在重试（the database is unavailable: test）")
        watcher.down = False
        await until(pilot, lambda: probe.shown == [1] and probe.stale is None)
    assert probe.threads == {UI}


async def test_held_reads_wait_and_a_reload_meanwhile_is_dropped() -> None:
    source, watcher = Source(), Switch()
    probe = Probe(source, watcher, 0.02)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: probe.shown == [1])
        probe.held = True
        checks = watcher.checks
        watcher.changes = 1
        probe.reload()
        asked = probe.asked
        await until(pilot, lambda: probe.asked > asked + 2)  # a few turns of the timer
        await pilot.pause()
        assert probe.shown == [1] and watcher.checks == checks  # not even asked
        probe.held = False
        await until(pilot, lambda: probe.shown == [1, 2])  # the change, read once


async def test_a_superseded_read_is_dropped() -> None:
    source = Source()
    probe = Probe(source, None, 0)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: probe.shown == [1])
        source.gate.clear()
        probe.reload()
        await until(pilot, lambda: source.running == 1)
        probe.supersede_reads()  # what is on show is newer than that read will be
        source.gate.set()
        await until(pilot, lambda: not probe.reading)
        await pilot.pause()
        assert probe.shown == [1] and source.reads == 2


async def test_on_a_thread_of_its_own_it_checks_reads_and_closes_the_watcher() -> None:
    source, watcher = Source(), Switch()
    probe = Probe(source, watcher, 0.02, on_thread=True)
    async with Host(probe).run_test() as pilot:
        await until(pilot, lambda: probe.shown == [1])
        watcher.changes = 1
        await until(pilot, lambda: probe.shown == [1, 2])
        probe.reload()  # picked up at the thread's next turn
        await until(pilot, lambda: probe.shown == [1, 2, 3])
        watcher.down = True
        await until(pilot, lambda: isinstance(probe.stale, HallUnavailable))
        watcher.down = False
        await until(pilot, lambda: probe.stale is None and probe.shown[-1] == 4)
        assert not probe.reading  # (the UI's flag is the timer's; the thread keeps its own)
    for _ in range(100):  # the thread stops within a turn of the app's end
        if watcher.closed:
            break
        time.sleep(0.02)
    assert watcher.closed
    assert len(source.threads) == 1 and UI not in source.threads
    assert probe.threads == {UI}


# -- a desk says it -----------------------------------------------------------------------


def queue_text(app: App[Any]) -> str:
    """The queue panel's count lines, one string."""
    return " | ".join(str(label.content)
                      for label in app.screen.query(".queue-count").results(Label))


async def test_the_desk_says_when_it_may_be_out_of_date_and_why(
    counter_app: CounterFactory, hall: Hall
) -> None:
    from counter.app import CounterApp
    from counter.screens.desk import DeskScreen

    app = counter_app()
    watcher = FlakyWatcher(ChangeWatcher.for_hall(hall))
    async with app.run_test(size=DESK_SIZE) as pilot:
        assert isinstance(app, CounterApp)
        await app.switch_screen(DeskScreen(app.machine, CLERK, watcher, 0.05))
        await until(pilot, lambda: "A 缴费：0 人" in queue_text(app))
        watcher.down = True
        await until(pilot, lambda: text(app, "#desk-status").startswith("数据未能更新"))
        assert text(app, "#desk-status").endswith("（the database is unavailable: test）")
        assert app.screen.query_one("#desk-status").has_class("-error")
        issue(hall)  # committed while the desk could not look
        watcher.down = False
        await until(pilot, lambda: "A 缴费：1 人" in queue_text(app))
        await until(pilot, lambda: text(app, "#desk-status") == "")
    watcher.close()

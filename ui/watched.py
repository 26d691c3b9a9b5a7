"""A screen (or an app) that shows what it reads from the hall's database and keeps it
fresh: `Watched`, the one loop of every screen that watches the database.

The loop: a change watcher (`db.store.watch`) is asked every few seconds, cheaply, whether
another process committed; only then the data is read again, in a worker thread, and shown
on the UI thread. One read at a time: a read asked for while one runs is coalesced into one
more right after it, never two at once. A failed check or read leaves the data on show
*stale*: the screen says so and why (`show_stale`), the loop tries again after a pause, and
the first read that succeeds makes the data fresh again. Every flag of the loop is set on
the UI thread; the worker thread only reads and posts its answer.

The checks run on a Textual timer, or (`on_thread=True`, the wall display, which checks
forty times a second) on a thread of their own that also reads, so that an idle event loop
sleeps.

    class DeskScreen(Watched[DeskState], HallScreen):     # Watched first
        def on_mount(self) -> None:
            self.start_watching(self.watcher, every=0.2)
        def read_watched(self) -> DeskState: ...          # worker thread, no widgets
        def show_watched(self, state: DeskState) -> None: ...
        def show_stale(self, error: Exception | None) -> None: ...
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from db.errors import HallError
from db.store.watch import ChangeWatcher
from ui.text import Texts

if TYPE_CHECKING:
    from textual.dom import DOMNode as _Host
else:

    class _Host:
        """At run time a plain mixin (typed as the node it is mixed into): the screen's or
        the app's own bases keep their place, stylesheets included."""

log = logging.getLogger(__name__)

T = TypeVar("T")

PUSHED_WAIT = 0.25
"""The longest pause of a watching thread whose watcher is pushed changes (`wait()` returns
as soon as one arrives): how soon it notices that it was cancelled."""

ZH: dict[str, str] = {
    "stale": "数据未能更新，正在重试（{why}）",
}
"""Chinese, the default."""

EN: dict[str, str] = {
    "stale": "Could not refresh; retrying ({why})",
}
"""English."""

t = Texts(ZH, EN)
"""What the loop says on a staff screen."""


def why(error: BaseException, lang: str) -> str:
    """What failed, in one line: a refusal of the core in `lang`, else the error's first
    line (SQLAlchemy adds the statement on lines of its own), else its type."""
    if isinstance(error, HallError):
        return error.text(lang)
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def stale_line(error: BaseException, lang: str) -> str:
    """The line a staff screen shows while its data may be out of date: that, and why."""
    return t("stale", lang, why=why(error, lang))


@dataclass
class _Loop:
    """The loop's state (UI thread's, but for what the watching thread of `on_thread`
    keeps to itself: `due` and `pending` are read and reset there)."""

    watcher: ChangeWatcher | None = None
    every: float = 0.0
    retry: float = 0.0
    on_thread: bool = False
    reading: bool = False
    """A read is under way (in a worker)."""
    pending: bool = False
    """A read was asked for while one ran: one more follows it."""
    due: bool = True
    """The next check reads whatever the watcher says: the first one, and any after a
    failure."""
    retry_at: float = 0.0
    """No check before this (time.monotonic()) after a failure."""
    started: int = 0
    """Reads started; each read's answer carries its number."""
    covered: int = 0
    """Answers of reads numbered up to this are older than what is on show: dropped."""
    stale: Exception | None = None
    """Why the data on show may be out of date; None while it is fresh."""


class Watched(_Host, Generic[T]):
    """Mixed into a Screen or an App (before its base): reads `read_watched()` in a worker
    whenever the database changed, shows it with `show_watched()`, and says when it cannot
    (`show_stale()`). Start it with `start_watching()`; ask for a read with `reload()`."""

    _watching: _Loop | None = None

    class Loaded(Message, bubble=False):
        """A read's answer (posted by the worker or the watching thread)."""

        def __init__(self, number: int, data: object) -> None:
            super().__init__()
            self.number = number
            """Which read (0: the watching thread's)."""
            self.data = data
            """What `read_watched()` returned."""

    class Failed(Message, bubble=False):
        """A check or a read failed (posted by the worker or the watching thread)."""

        def __init__(self, number: int, error: Exception) -> None:
            super().__init__()
            self.number = number
            """Which read (0: a check, or the watching thread's check or read)."""
            self.error = error
            """What was raised."""

    # -- what a watched screen says ---------------------------------------------------------

    def read_watched(self) -> T:
        """Read what the screen shows (worker thread: no widget; plain attributes the UI
        thread sets may be read)."""
        raise NotImplementedError

    def show_watched(self, data: T) -> None:
        """Show what was read (UI thread)."""
        raise NotImplementedError

    def show_stale(self, error: Exception | None) -> None:
        """Say that the data on show may be out of date, because of `error`; None: it is
        fresh again (UI thread; called on every failure, and once on recovery)."""

    def read_after(self, data: T) -> None:
        """Called right after a read's answer was posted, on the thread that read it (a
        worker, or the watching thread): a slower read of what need not hold up the rest
        (the wall display's queues and their estimated waits, read once the calls are on
        show). It posts its own answer; what it raises counts as a failed read. Nothing by
        default."""

    def changed_since(self) -> bool:
        """Inside `read_after` on the watching thread (`on_thread`): whether another process
        committed since the read; then the next turn reads again at once, and a slow
        `read_after` can give way to it. False elsewhere (a worker's read does not ask)."""
        loop = self._loop_state
        if not loop.on_thread or loop.watcher is None:
            return False
        if not loop.pending and loop.watcher.changed():
            loop.pending = True
        return loop.pending

    def can_read(self) -> bool:
        """False while reads are held (a desk's step that reads after itself): checks wait
        and a `reload()` asked meanwhile is dropped."""
        return True

    # -- the loop ---------------------------------------------------------------------------

    @property
    def stale(self) -> Exception | None:
        """Why the data on show may be out of date; None while it is fresh."""
        return self._loop_state.stale

    @property
    def reading(self) -> bool:
        """A read is under way."""
        return self._loop_state.reading

    @property
    def _loop_state(self) -> _Loop:
        if self._watching is None:
            self._watching = _Loop()
        return self._watching

    def start_watching(self, watcher: ChangeWatcher | None, *, every: float,
                       retry: float | None = None, on_thread: bool = False) -> None:
        """Ask `watcher` now (its first answer connects it) and read whatever it says; then
        ask every `every` seconds whether another process committed, and read again when
        one did. After a failure the next attempt comes `retry` seconds later (default
        `every`), and reads whatever the watcher says. No watcher, or `every` 0: read now
        and then only on `reload()`. `on_thread`: check and read on a thread of this node's
        own, which closes the watcher when it stops (else the watcher's owner closes it)."""
        loop = self._watching = _Loop(watcher, every, every if retry is None else retry,
                                      on_thread and watcher is not None and every > 0)
        if watcher is None or every <= 0:
            self.reload()
        elif loop.on_thread:
            self._watch_on_thread()
        else:
            self.set_interval(every, self.check_for_changes)
            self.check_for_changes()

    def reload(self) -> None:
        """Read again: now, or once right after the read under way (nothing while
        `can_read()` says no; the watching thread of `on_thread` reads at its next turn)."""
        loop = self._loop_state
        if loop.on_thread:
            loop.pending = True
            if loop.watcher is not None:
                loop.watcher.wake()
            return
        if not self.can_read():
            return
        if loop.reading:
            loop.pending = True
            return
        loop.reading, loop.pending, loop.due = True, False, False
        loop.started += 1
        self._read(loop.started)

    def supersede_reads(self) -> None:
        """What is on show now is newer than whatever a read under way will bring (a step
        read the state after itself): drop that read's answer."""
        loop = self._loop_state
        loop.covered = loop.started

    def check_for_changes(self) -> None:
        """The timer's turn: read when another process committed (or a read is due)."""
        loop = self._loop_state
        if (loop.watcher is None or loop.reading or not self.can_read()
                or time.monotonic() < loop.retry_at):
            return
        try:
            changed = loop.watcher.changed()
        except Exception as error:  # noqa: BLE001 (any failure: stale, try again later)
            self._failed(error)
            return
        if changed or loop.due:
            self.reload()

    @work(thread=True, exit_on_error=False, group="watched-read")
    def _read(self, number: int) -> None:
        """One read (worker thread); its answer goes to the UI thread as a message."""
        try:
            data = self.read_watched()
            self.post_message(Watched.Loaded(number, data))
            self.read_after(data)
        except Exception as error:  # noqa: BLE001 (shown as stale, never lost)
            self.post_message(Watched.Failed(number, error))

    @work(thread=True, exit_on_error=False, group="watched-thread")
    def _watch_on_thread(self) -> None:
        """Check every `every` seconds, and read after a change, a `reload()` or a failure
        (the watching thread: it posts its answers, touching no widget)."""
        loop = self._loop_state
        assert loop.watcher is not None
        cancelled = get_current_worker().cancelled_event
        try:
            while not cancelled.is_set():
                if self._turn(loop.watcher, loop):
                    # A watcher the database pushes to returns as soon as a change comes
                    # (PostgreSQL): no need to wake often. Else a plain sleep: on a small
                    # machine a wake from Event.wait costs about twice the CPU, and the wall
                    # display checks forty times a second.
                    loop.watcher.wait(max(loop.every, PUSHED_WAIT) if loop.watcher.pushed
                                      else loop.every)
                else:
                    cancelled.wait(loop.retry)
        finally:
            loop.watcher.close()

    def _turn(self, watcher: ChangeWatcher, loop: _Loop) -> bool:
        """One check, and a read if it is called for (watching thread); False when either
        failed."""
        try:
            if watcher.changed() or loop.due or loop.pending:
                loop.pending = False  # a reload() asked during the read reads once more
                data = self.read_watched()
                self.post_message(Watched.Loaded(0, data))
                self.read_after(data)
            loop.due = False
            return True
        except Exception as error:  # noqa: BLE001 (shown as stale, tried again)
            loop.due = True
            self.post_message(Watched.Failed(0, error))
            return False

    def on_watched_loaded(self, message: Watched.Loaded) -> None:
        """Show a read's answer (unless something newer is on show already); fresh again."""
        loop = self._loop_state
        if message.number == loop.started:
            loop.reading = False
        if message.number == 0 or message.number > loop.covered:
            if loop.stale is not None:
                log.info("%s: fresh again", type(self).__name__)
                loop.stale = None
                self.show_stale(None)
            self.show_watched(cast(T, message.data))
        if loop.pending and not loop.on_thread:
            loop.pending = False
            self.reload()

    def on_watched_failed(self, message: Watched.Failed) -> None:
        """The data may be out of date: say so and why; try again after a pause."""
        loop = self._loop_state
        if message.number == loop.started:
            loop.reading = False
        if message.number and message.number <= loop.covered:
            if loop.pending:
                loop.pending = False
                self.reload()
            return  # a read whose answer would have been dropped anyway
        error = message.error
        self.log.warning(f"stale: {error!r}")
        if loop.stale is None or why(loop.stale, "en") != why(error, "en"):
            log.warning("%s: data stale: %s", type(self).__name__, why(error, "en"))
        loop.stale = error
        if not loop.on_thread:  # (the watching thread keeps its own turns)
            loop.due, loop.pending = True, False
            loop.retry_at = time.monotonic() + loop.retry
        self.show_stale(error)

    def _failed(self, error: Exception) -> None:
        """A check on the UI thread failed: as a failed read."""
        self.on_watched_failed(Watched.Failed(0, error))

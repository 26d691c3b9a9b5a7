"""The display (叫号屏): the wall display of the hall, or one counter's display.

One worker thread asks the change watcher (cheap: one pragma) every CHECK_SECONDS
whether another process committed; only then it reads the hall's snapshot and posts it to
the app, and the screen shows it. The check runs on that thread rather than on a Textual
timer, so an idle display's event loop sleeps: it wakes for the clock and for a change,
not twenty times a second. While the database is away the screen says "reconnecting" and
the thread keeps trying.

The wall display also announces each new call (`display.voice`): the calls of every
snapshot newer than those already seen go to the announcer's queue, which says them one by
one on a thread of its own. When the voice cannot work here it says so once, on the screen
and in the log, and the display goes on silent.
"""

from __future__ import annotations

import time

from textual import work
from textual.app import App
from textual.message import Message
from textual.reactive import reactive
from textual.worker import get_current_worker

from db import notices, queries
from db.config import HallConfig
from db.session import Hall
from db.views import HallSnapshot
from db.watch import ChangeWatcher
from display.screens.base import DisplayScreen
from display.screens.counter import CounterScreen
from display.screens.wall import WallScreen
from display.text import both
from display.voice import Announcement, Announcer, CallTracker

CHECK_SECONDS = 0.025
"""How often the watcher is asked: a call shows within this (plus a read and a frame) of
its commit."""

RETRY_SECONDS = 1.0
"""After a failed check or read, how long before the next attempt."""

RECENT_CALLS = 9
"""Calls read per snapshot: the latest for the banner, the rest for the list."""

VOICE_OFF_SECONDS = 30.0
"""How long the "voice off" message stays up (the hint at the foot of the wall stays)."""


class DisplayApp(App[None]):
    """One display screen, kept up to date from the hall's database."""

    CSS_PATH = "display.tcss"
    TITLE = "叫号屏"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall"), (50, "-very-tall")]

    reconnecting: reactive[bool] = reactive(False)
    """The database is away: the screen says so and the app keeps trying."""

    class SnapshotLoaded(Message):
        """A worker read the hall."""

        def __init__(self, snapshot: HallSnapshot, notice: str) -> None:
            super().__init__()
            self.snapshot = snapshot
            """The hall as read."""
            self.notice = notice
            """The duty leader's notice of the day, "" for none."""

    class HallLost(Message):
        """The watcher or a read failed: the database is away for now."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason
            """What failed, one line, for the log."""

    class VoiceTurnedOff(Message):
        """The announcer cannot speak here (sent from any thread)."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason
            """Why, in one line."""

    def __init__(self, hall: Hall, screen: DisplayScreen, watcher: ChangeWatcher,
                 voice: Announcer | None = None) -> None:
        super().__init__()
        self.hall = hall
        self.display_screen = screen
        self.watcher = watcher
        self.voice = voice
        """Says the new calls; None for a silent display."""
        self.calls = CallTracker()

    def on_mount(self) -> None:
        """Show the screen and start watching."""
        self.push_screen(self.display_screen)
        if self.voice is not None:
            self.voice.on_off = self._voice_turned_off
            self.voice.start()
        self.watch_hall()

    def on_unmount(self) -> None:
        """Stop the voice (the watching thread stops with the app's workers)."""
        if self.voice is not None:
            self.voice.close()

    @work(thread=True, exit_on_error=False, group="watch")
    def watch_hall(self) -> None:
        """Check for commits every CHECK_SECONDS; read the hall after one, and first of all
        (worker thread; touches no widget, talks to the app by messages only)."""
        cancelled = get_current_worker().cancelled_event
        stale = True
        try:
            while not cancelled.is_set():
                stale = self._check(stale)
                if stale:
                    cancelled.wait(RETRY_SECONDS)
                else:
                    # A plain sleep: on this kind of machine a wake from Event.wait costs
                    # about twice the CPU, and this runs forty times a second.
                    time.sleep(CHECK_SECONDS)
        finally:
            self.watcher.close()

    def _check(self, stale: bool) -> bool:
        """One check, and a read if something changed (or the last attempt failed);
        returns whether the next check must read whatever the watcher says."""
        try:
            if self.watcher.changed() or stale:
                with self.hall.read() as tx:
                    snapshot = queries.snapshot(tx, recent=RECENT_CALLS)
                    notice = notices.current_notice(tx)
                self.post_message(self.SnapshotLoaded(snapshot, notice))
            return False
        except Exception as error:  # noqa: BLE001 (any failure: say "reconnecting", retry)
            self.post_message(self.HallLost(f"{type(error).__name__}: {error}"))
            return True

    def on_display_app_hall_lost(self, event: HallLost) -> None:
        """Say "reconnecting"; the watching thread tries again by itself."""
        self.log.warning(f"hall unavailable: {event.reason}")
        self.reconnecting = True

    def on_display_app_snapshot_loaded(self, event: SnapshotLoaded) -> None:
        """Hand the snapshot down to the screen; queue the new calls for the voice."""
        self.reconnecting = False
        self.display_screen.snapshot = event.snapshot
        self.display_screen.notice = event.notice
        for call in self.calls.fresh(event.snapshot.recent_calls):
            if self.voice is not None:
                self.voice.announce(Announcement.of(call))

    def _voice_turned_off(self, reason: str) -> None:
        """The announcer's report, from any thread: handled on the app's own."""
        self.post_message(self.VoiceTurnedOff(reason))

    def on_display_app_voice_turned_off(self, event: VoiceTurnedOff) -> None:
        """Say once, clearly, that the hall will not hear the calls."""
        self.log.warning(f"voice off: {event.reason}")
        self.display_screen.voice_off = event.reason
        self.notify(f"{both('voice_off', self.display_screen.config.languages)}: {event.reason}",
                    severity="warning", timeout=VOICE_OFF_SECONDS)


def make_app(
    config: HallConfig,
    hall: Hall,
    *,
    counter: int | None = None,
    watcher: ChangeWatcher | None = None,
    voice: Announcer | None = None,
) -> DisplayApp:
    """The wall display on `hall`, or counter `counter`'s display; the watcher is the
    cheapest the database allows unless one is given (tests give a fake). The wall
    announces the calls through `voice` when given one (a counter's display never speaks).
    Raises NotFound for a counter the config does not have."""
    screen: DisplayScreen
    if counter is None:
        screen = WallScreen(config, hall.clock)
    else:
        screen = CounterScreen(config, hall.clock, config.counter(counter))
        voice = None
    return DisplayApp(hall, screen, watcher or ChangeWatcher.for_hall(hall), voice)

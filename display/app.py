"""The display (叫号屏): the wall display of the hall, or one counter's display.

One worker thread asks the change watcher (cheap: one pragma; on PostgreSQL it waits for
the notification) every CHECK_SECONDS whether another process committed; only then it reads
the hall's snapshot and posts it to the app, and the screen shows it (`ui.watched`, on a
thread of its own). The check runs on that thread rather than on a Textual timer, so an idle
display's event loop sleeps: it wakes for the clock and for a change, not twenty times a
second. While the database is away the screen says "reconnecting" and the thread keeps
trying.

The wall reads in two steps. First what a call changes and the hall looks up for: the
latest calls, the counters, the next numbers, the notice; that is drawn at once. Then, once
that frame is on the screen (or after DRAWN_WAIT_SECONDS), the same thread reads the queues
with their estimated waits (`queries.queues`: a play-out of the hall per business, most of
the cost of a read, 20-50 ms of CPU with 2,000 waiting) and the queue board shows them, the
counts and the estimates of one read. A call is thus on the wall without waiting for the
estimates, and the estimates follow it. Should another commit come while they are worked
out, they give way (between two businesses) to the read of that change and are worked out
again after it; not when the queue board has waited QUEUES_LATE_SECONDS already.

The wall display also announces each new call (`display.voice`): every call made since
the last one read (`display.calling`, which reads back past the snapshot's latest calls after
a stall) goes to the announcer's queue, which says them one by one on a thread of its own.
The screen follows that queue: the banner shows the call being said, the calls waiting their
turn stay listed. When the voice cannot work here it says so once, on the screen and in the
log, and the display goes on silent.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from textual.message import Message
from textual.reactive import reactive

from db.config import HallConfig
from db.rules import notices, queries
from db.store.session import Hall
from db.store.views import CallView, HallSnapshot
from db.store.watch import ChangeWatcher
from display.calling import STALE_SECONDS, CallBoard, NewCalls, as_shown, new_calls
from display.screens.base import DisplayScreen
from display.screens.counter import CounterScreen
from display.screens.unlock import LeaderUnlock
from display.screens.wall import WallScreen
from display.text import both, t
from display.voice import Announcement, Announcer, CallTracker
from ui.app import LockedApp
from ui.watched import Watched

log = logging.getLogger(__name__)

CHECK_SECONDS = 0.025
"""How often the watcher is asked: a call shows within this (plus a read and a frame) of
its commit."""

RETRY_SECONDS = 1.0
"""After a failed check or read, how long before the next attempt."""

DRAWN_WAIT_SECONDS = 0.25
"""After a read, the wall reads its queues once the read is drawn, or after this long at
most (a frame that never comes: the wall under the leader's unlock screen)."""

QUEUES_LATE_SECONDS = 3.0
"""The queues' estimates give way to a new change only while the queue board was read less
than this long ago (a hall that changes faster than they are worked out still sees them)."""

RECENT_CALLS = 11
"""Calls read per snapshot: the latest for the banner, the rest for the list, one row per
ticket (recalls among them take no row of their own); the wall reads further back only when
it has more calls to announce than these."""

VOICE_OFF_SECONDS = 30.0
"""How long the "voice off" message stays up (the hint at the foot of the wall stays)."""


@dataclass(frozen=True)
class HallRead:
    """One read of the hall, for the screen."""

    snapshot: HallSnapshot
    """The hall as read."""
    notice: str
    """The duty leader's notice of the day, "" for none."""
    calls: NewCalls
    """The calls made since the last read (read only by a display that speaks)."""
    next_numbers: dict[int, str]
    """Counter → the ticket it would call next (`queries.next_numbers`; the wall's alone)."""
    number: int = 0
    """Which read of the app this is (1, 2, …): the queues read after it carry it."""


class DisplayApp(Watched[HallRead], LockedApp):
    """One display screen, kept up to date from the hall's database. Locked down like the
    kiosk (`LockedApp`): it hangs where customers stand, so nothing they can press closes
    it; the duty leader's id and PIN (F12) do."""

    CSS_PATH = "display.tcss"
    TITLE = "叫号屏"
    TEXTS = t
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall"), (50, "-very-tall")]

    reconnecting: reactive[bool] = reactive(False)
    """The database is away: the screen says so and the app keeps trying."""

    class AnnouncementBegan(Message):
        """The voice started saying a call (sent from the voice's thread)."""

        def __init__(self, event_id: int) -> None:
            super().__init__()
            self.event_id = event_id
            """The call's event."""

    class AnnouncementEnded(Message):
        """The voice finished saying a call (sent from the voice's thread)."""

        def __init__(self, event_id: int) -> None:
            super().__init__()
            self.event_id = event_id
            """The call's event."""

    class QueuesRead(Message):
        """The wall's queues with their estimates, read after read `after` was posted (sent
        from the watching thread)."""

        def __init__(self, queues: HallSnapshot, after: int) -> None:
            super().__init__()
            self.queues = queues
            """The hall as read for the queue board (no calls in it)."""
            self.after = after
            """The read (`HallRead.number`) it followed."""

    class VoiceTurnedOff(Message):
        """The announcer cannot speak here (sent from any thread)."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason
            """Why, in one line."""

    def __init__(self, hall: Hall, screen: DisplayScreen, watcher: ChangeWatcher,
                 voice: Announcer | None = None) -> None:
        super().__init__(screen.config)
        self.hall = hall
        self.display_screen = screen
        self.watcher = watcher
        self.voice = voice
        """Says the new calls; None for a silent display."""
        self.calls = CallTracker()
        """Which calls were read already (the watching thread's alone)."""
        self.board = CallBoard()
        """The calls handed to the voice and not said yet, and the one being said."""
        self.latest: tuple[CallView, ...] = ()
        """The latest calls as last read, newest first."""
        self.reads = 0
        """Reads made (the watching thread's count)."""
        self.shown_read = 0
        """The read on show (`HallRead.number`)."""
        self.queues_after = 0
        """The read the queues on show followed (`QueuesRead.after`)."""
        self._drawn = threading.Event()
        """Set once the last read is drawn (the watching thread then reads the queues)."""
        self._queues_read_at = 0.0
        """When (monotonic) the queues were last read (the watching thread's)."""

    def on_mount(self) -> None:
        """Show the screen and start watching."""
        self.push_screen(self.display_screen)
        if self.voice is not None:
            self._follow(self.voice)
            self.voice.start()
        self.start_watching(self.watcher, every=CHECK_SECONDS, retry=RETRY_SECONDS,
                            on_thread=True)

    def _follow(self, voice: Announcer) -> None:
        """Hear from the voice's thread, by messages, when it starts and ends each call."""
        voice.on_off = self._voice_turned_off
        told = voice.on_said

        def began(said: Announcement) -> None:
            self.post_message(self.AnnouncementBegan(said.event_id))

        def ended(said: Announcement, kept: Path | None) -> None:
            if told is not None:
                told(said, kept)
            self.post_message(self.AnnouncementEnded(said.event_id))

        voice.on_saying, voice.on_said = began, ended

    def unlock_screen(self) -> LeaderUnlock:
        """The duty leader's id and PIN close the display."""
        counter = getattr(self.display_screen, "counter", None)
        terminal = "display" if counter is None else f"display {counter.number}"
        return LeaderUnlock(self.hall, terminal, self.config.languages)

    def on_unmount(self) -> None:
        """Stop the voice (the watching thread stops with the app's workers)."""
        if self.voice is not None:
            self.voice.close()

    def read_watched(self) -> HallRead:
        """The hall's snapshot, the notice and the calls to announce (the watching thread,
        after a commit and first of all; touches no widget)."""
        wall = self.display_screen.shows_queues
        self._drawn.clear()
        with self.hall.read() as tx:
            snapshot = queries.snapshot(tx, recent=RECENT_CALLS, estimates=False)
            notice = notices.current_notice(tx)
            coming = queries.next_numbers(tx, snapshot.counters) if wall else {}
            calls = NewCalls()
            if self.voice is not None:
                calls = new_calls(tx, self.calls, snapshot.recent_calls, RECENT_CALLS,
                                  snapshot.at)
        self.reads += 1
        return HallRead(snapshot, notice, calls, coming, self.reads)

    def read_after(self, data: HallRead) -> None:
        """The wall's queues and their estimated waits, read once `data` is drawn (the
        watching thread; a counter's display has no queues)."""
        if not self.display_screen.shows_queues:
            return
        self._drawn.wait(DRAWN_WAIT_SECONDS)
        late = time.monotonic() - self._queues_read_at > QUEUES_LATE_SECONDS

        def give_way() -> bool:
            return not late and self.changed_since()

        if give_way():
            return
        with self.hall.read() as tx:
            queues = queries.queues(tx, give_way)
        if queues is not None:
            self._queues_read_at = time.monotonic()
            self.post_message(self.QueuesRead(queues, data.number))

    def on_display_app_queues_read(self, message: QueuesRead) -> None:
        """Show the queues and their estimated waits."""
        self.display_screen.queues = message.queues
        self.queues_after = message.after

    @property
    def settled(self) -> bool:
        """The last read is on show, and on the wall the queues read after it too (for the
        tests: what the wall will show until the next change)."""
        return self.shown_read == self.reads and (
            not self.display_screen.shows_queues or self.queues_after == self.reads)

    def show_stale(self, error: Exception | None) -> None:
        """Say "reconnecting" while the database is away; the watching thread tries again
        by itself."""
        self.reconnecting = error is not None

    def show_watched(self, read: HallRead) -> None:
        """Queue the new calls for the voice; hand the snapshot down to the screen."""
        self._announce(read.calls)
        self.latest = as_shown(read.snapshot)
        self.display_screen.next_numbers = read.next_numbers
        self.display_screen.snapshot = read.snapshot
        self.display_screen.notice = read.notice
        self._show_calls()
        self.shown_read = read.number
        self.call_after_refresh(self._drawn.set)

    def _announce(self, calls: NewCalls) -> None:
        """Queue the calls for the voice, and log once those too old to be said."""
        if self.voice is None or not self.voice.on:
            return
        if calls.too_old:
            numbers = ", ".join(c.number for c in calls.too_old)
            log.warning("not announced: %d calls made over %d minutes before they were read "
                        "(the display was paused or the database away): %s",
                        len(calls.too_old), STALE_SECONDS // 60, numbers)
        self.board.queue(calls.to_announce)
        for call in calls.to_announce:
            self.voice.announce(Announcement.of(call))

    def on_display_app_announcement_began(self, event: AnnouncementBegan) -> None:
        """The banner shows the call being said."""
        self.board.began(event.event_id)
        self._show_calls()

    def on_display_app_announcement_ended(self, event: AnnouncementEnded) -> None:
        """The call is said: it leaves the waiting ones."""
        self.board.ended(event.event_id)
        self._show_calls()

    def _show_calls(self) -> None:
        if self.display_screen.snapshot is not None:  # nothing to show before the first read
            self.display_screen.calls = self.board.on_show(self.latest)

    def _voice_turned_off(self, reason: str) -> None:
        """The announcer's report, from any thread: handled on the app's own."""
        self.post_message(self.VoiceTurnedOff(reason))

    def on_display_app_voice_turned_off(self, event: VoiceTurnedOff) -> None:
        """Say once, clearly, that the hall will not hear the calls."""
        self.log.warning(f"voice off: {event.reason}")
        self.board.clear()
        self._show_calls()
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

"""The announcer: every call and recall said in the order they were made, one at a time.

The display hands each new call to `Announcer.announce`, which only puts it on a queue; one
worker thread takes the calls off in order and for each makes the sound (espeak-ng, `engine`) and
plays it (or writes it to a folder) to the end before it takes the next, so two
announcements never overlap and the display never waits for the voice. When the voice
cannot work here (no espeak-ng, no sound device, a failure on the way) it turns itself off
once, says why through `on_off`, and the display carries on silent.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from db.config import VoiceConfig
from db.store.views import CallView
from display.voice.engine import make_synthesizer
from display.voice.phrase import phrase_en, phrase_zh, to_pinyin
from display.voice.sound import Output, Pcm, Synthesizer, VoiceUnavailable, join

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Announcement:
    """One call to say."""

    number: str
    """The ticket number, e.g. A023."""
    counter: int
    """The counter the customer should go to."""
    recall: bool
    """A repeated call (重呼): said again in full."""
    event_id: int
    """The call's event: announcements follow its order."""

    @classmethod
    def of(cls, call: CallView) -> Announcement:
        """The announcement of a call read from the hall."""
        return cls(call.number, call.counter, call.recall, call.event_id)

    @property
    def name(self) -> str:
        """A short name for files and logs: A023-call, A023-recall."""
        return f"{self.number}-{'recall' if self.recall else 'call'}"


class CallTracker:
    """Picks the calls not announced yet out of each snapshot's latest calls. The calls
    already made when the display starts are not announced; a recall is an event of its
    own, so it is announced again. On PostgreSQL counters commit side by side, so a call
    can become visible after one with a higher event id: a call is new when its id was not
    seen before (among the ids down to the oldest the display has been shown), not only
    when it is higher than every id seen."""

    def __init__(self) -> None:
        self.last: int | None = None
        """The newest event id seen; None before the first snapshot."""
        self.seen: set[int] = set()
        """The ids seen at or above `floor`."""
        self.floor = 0
        """Calls at or below this id are never new (older than the snapshots reach)."""

    def fresh(self, calls: Sequence[CallView]) -> list[CallView]:
        """The calls not seen before, oldest first."""
        ids = {c.event_id for c in calls}
        newest = max(ids, default=0)
        if self.last is None:
            self.last, self.seen = newest, ids
            self.floor = min(ids, default=0) - 1 if ids else 0
            return []
        found = sorted((c for c in calls if c.event_id > self.floor
                        and c.event_id not in self.seen), key=lambda c: c.event_id)
        self.last = max(self.last, newest)
        if ids:  # what falls below the calls shown now is forgotten
            self.floor = max(self.floor, min(ids) - 1)
        self.seen = {i for i in self.seen | ids if i > self.floor}
        return found


class Announcer:
    """One worker thread saying the queued announcements one after another."""

    def __init__(
        self,
        config: VoiceConfig,
        output: Output,
        *,
        synthesizer: Synthesizer | None = None,
        on_off: Callable[[str], None] | None = None,
        on_said: Callable[[Announcement, Path | None], None] | None = None,
        on_saying: Callable[[Announcement], None] | None = None,
    ) -> None:
        self.config = config
        self.output = output
        self.synthesizer = synthesizer or make_synthesizer(config)
        self.on_off = on_off
        """Told once, with one line, when the voice turns off (on any thread)."""
        self.on_said = on_said
        """Told after each announcement (on the worker thread), with the file if kept."""
        self.on_saying = on_saying
        """Told as each announcement starts (on the worker thread)."""
        self.off_reason: str | None = None
        """Why the voice is off; None while it works."""
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    @property
    def on(self) -> bool:
        """Whether announcements are being said."""
        return self.off_reason is None and self._thread is not None

    def start(self) -> bool:
        """Check the synthesizer and the output, then start the worker; False (and
        `on_off` told why) when the voice cannot work here."""
        problem = self._problem()
        if problem is not None:
            self.turn_off(problem)
            return False
        self._thread = threading.Thread(target=self._work, name="voice", daemon=True)
        self._thread.start()
        return True

    def _problem(self) -> str | None:
        check = getattr(self.synthesizer, "available", None)
        return (check() if callable(check) else None) or self.output.available()

    def announce(self, announcement: Announcement) -> None:
        """Queue an announcement (nothing happens while the voice is off)."""
        if self.on:
            self._queue.put(announcement)

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until every queued announcement has been said; False on timeout."""
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Stop after the announcement being said; what is still queued is dropped."""
        if self._thread is None:
            return
        self.off_reason = self.off_reason or "closed"
        self._drain()
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def turn_off(self, reason: str) -> None:
        """Stop announcing, and say why once."""
        if self.off_reason is not None:
            return
        self.off_reason = reason
        log.warning("voice off: %s", reason)
        if self.on_off is not None:
            self.on_off(reason)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                if self.off_reason is None:
                    self._say(item)
            except VoiceUnavailable as error:
                self.turn_off(str(error))
                self._drain()
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _say(self, announcement: Announcement) -> None:
        if self.on_saying is not None:
            self.on_saying(announcement)
        kept = self.output.put(self.sound(announcement), announcement.name)
        if self.on_said is not None:
            self.on_said(announcement, kept)

    def sound(self, announcement: Announcement) -> Pcm:
        """The whole announcement: chime, then the phrase(s) said `repeats` times."""
        cfg, number, counter = self.config, announcement.number, announcement.counter
        spoken = to_pinyin(phrase_zh(cfg.template_zh, number, counter))
        pieces = [self.synthesizer.speak(spoken, cfg.espeak_voice, cfg.speed)]
        if cfg.template_en.strip():
            english = phrase_en(cfg.template_en, number, counter)
            pieces.append(self.synthesizer.speak(english, cfg.espeak_voice_en, cfg.speed))
        return join(pieces, repeats=cfg.repeats, with_chime=cfg.chime)

    def _drain(self) -> None:
        """Drop what is queued (the voice is off or closing)."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            self._queue.task_done()
            if item is None:  # keep the worker's stop signal
                self._queue.put(None)
                return

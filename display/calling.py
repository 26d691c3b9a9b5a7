"""Which calls the wall announces, and which it shows while the voice works through them.

Reading (the watching thread): every call and recall made since the last one read goes to
the voice, in order. A snapshot holds only the latest few calls, so after a stall (the
display paused, the database away) with more calls than that in between, the calls are read
back from the hall, further each time, until they reach the last one read. A display that
starts announces only what is called from then on, never the day's history. A call older
than STALE_SECONDS by the time it is read (after a long outage) is not announced: the
customer has long been called again or passed over, and a backlog of minutes of old calls
would hold up the new ones. Such calls are logged, once per read, as not announced.

Showing (the app): the banner shows the call being announced now; the calls still waiting
for their turn stay in the list, marked, however many there are; the list never drops a
call that has not been said. With the voice off nothing waits: the banner shows the newest.

No Textual here: both halves are plain code, tested without a screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from db.rules import queries
from db.store.session import Tx
from db.store.views import CallView, HallSnapshot
from display.voice import CallTracker

STALE_SECONDS = 300.0
"""A call read more than this long after it was made is not announced (but logged)."""

READ_BACK_LIMIT = 10_000
"""The most calls one read looks back over (a day of a very busy hall)."""


@dataclass(frozen=True)
class NewCalls:
    """The calls a read found that no earlier read had, oldest first."""

    to_announce: tuple[CallView, ...] = ()
    """Recent enough to be said."""
    too_old: tuple[CallView, ...] = ()
    """Made more than STALE_SECONDS before the read: logged, not said."""


def new_calls(tx: Tx, tracker: CallTracker, latest: tuple[CallView, ...], limit: int,
              now: dt.datetime) -> NewCalls:
    """The calls made since the tracker's last, given the snapshot's `latest` calls (the
    newest `limit`, newest first); reads further back when they do not reach that far."""
    since = now - dt.timedelta(seconds=STALE_SECONDS)
    if tracker.last is not None:
        latest = read_back(tx, latest, limit, tracker.last)
    fresh = tracker.fresh(latest)
    return NewCalls(tuple(c for c in fresh if c.at >= since),
                    tuple(c for c in fresh if c.at < since))


def read_back(tx: Tx, latest: tuple[CallView, ...], limit: int,
              after: int) -> tuple[CallView, ...]:
    """Today's calls since event `after`, newest first: `latest` (the newest `limit`) when it
    already reaches back that far, else every call since it, in one read (at most
    READ_BACK_LIMIT)."""
    if len(latest) < limit or latest[-1].event_id <= after:
        return latest
    return queries.recent_calls(tx, READ_BACK_LIMIT, after=after)


def as_shown(snapshot: HallSnapshot) -> tuple[CallView, ...]:
    """The snapshot's latest calls as the wall shows them: a recall is marked 重呼 only
    while its counter still holds the ticket; a ticket finished since (or read back after
    a restart) shows as a plain call, never as a recall."""
    held = {(c.number, c.ticket) for c in snapshot.counters if c.ticket is not None}
    return tuple(c if not c.recall or (c.counter, c.number) in held else replace(c, recall=False)
                 for c in snapshot.recent_calls)


def one_per_ticket(calls: list[CallView], waiting: set[int],
                   banner: CallView | None) -> tuple[CallView, ...]:
    """One row per ticket, newest first: a ticket's latest call (a recall updates its row and
    moves it to the top); the banner's ticket is not listed again unless it waits its turn."""
    seen: set[str] = set()
    rows = []
    for call in calls:
        if call.number in seen or (banner is not None and call.number == banner.number
                                   and call.event_id not in waiting):
            continue
        seen.add(call.number)
        rows.append(call)
    return tuple(rows)


@dataclass(frozen=True)
class CallsOnShow:
    """What the wall shows of the calls."""

    now: CallView | None = None
    """The banner's call: the one being announced, else the newest not waiting its turn."""
    listed: tuple[CallView, ...] = ()
    """The other calls, newest first, one per ticket: every call still waiting, then the
    latest others."""
    waiting: frozenset[int] = frozenset()
    """Event ids of the listed calls that have not been announced yet."""
    speaking: bool = False
    """The banner's call is being said now."""


@dataclass
class CallBoard:
    """The announcement queue as the screen follows it: the app queues each call it hands
    to the voice, and hears from the voice when one starts and ends."""

    waiting: list[CallView] = field(default_factory=list)
    """Handed to the voice, not said yet, oldest first."""
    saying: CallView | None = None
    """Being said now."""
    said: CallView | None = None
    """The last one said to the end."""

    def queue(self, calls: tuple[CallView, ...]) -> None:
        """The voice will say these, in this order."""
        self.waiting += calls

    def began(self, event_id: int) -> None:
        """The voice started the call of event `event_id`."""
        found = [c for c in self.waiting if c.event_id == event_id]
        self.waiting = [c for c in self.waiting if c.event_id != event_id]
        self.saying = found[0] if found else self.saying

    def ended(self, event_id: int) -> None:
        """The voice finished the call of event `event_id`."""
        if self.saying is not None and self.saying.event_id == event_id:
            self.said, self.saying = self.saying, None

    def clear(self) -> None:
        """The voice went off: nothing waits any more."""
        self.waiting, self.saying = [], None

    def on_show(self, latest: tuple[CallView, ...]) -> CallsOnShow:
        """Banner and list for the snapshot's `latest` calls (newest first)."""
        waiting = {c.event_id for c in self.waiting}
        known = {c.event_id: c for c in (*latest, *self.waiting)}
        if self.said is not None:
            known.setdefault(self.said.event_id, self.said)
        now = self.saying or max(
            (c for c in known.values() if c.event_id not in waiting),
            key=lambda c: c.event_id, default=None)
        listed = sorted((c for c in known.values() if now is None or c.event_id != now.event_id),
                        key=lambda c: c.event_id, reverse=True)
        return CallsOnShow(now, one_per_ticket(listed, waiting, now), frozenset(waiting),
                           self.saying is not None)

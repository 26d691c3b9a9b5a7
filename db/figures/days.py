"""Stored figures of closed business days: a closed day's log no longer changes, so its raw
figures are replayed once and kept (table `day_figures`), and a period report combines the
stored days with the days it still has to replay (today, and any day not stored yet).

A day's row holds what a period figure needs to be combined exactly: the report's raw sums
per business type and per person (counts, minutes, and the waits and handling minutes
tallied to the second, `reports.Tally`, for the 90th percentile) and the arrivals per local
hour and business for `hall staffing`. Rows are keyed by the day and `figures_version` (this
code's version and the config's standard minutes and target wait, which the staff lines and
the waits within target use), so new code or a new standard is
replayed afresh. A trigger (migration 0010) drops a day's rows when an event is logged on
that day or for one of its tickets (a complaint's reopen or reassign of an old ticket, a late
rating, the day's close): that day is replayed again the next time.

Rows are written after the report, in one short write transaction (`save`), and only for days
that ended before the report's snapshot and that no event since the snapshot has touched.
The day's close (`hall close-day`), `hall simulate`, `hall migrate` (on the source, then
copied) and `hall init` (a hall upgraded from before this table, migration 0010) also keep
every closed day not kept yet (`keep_closed_days`), so that a hall's first report over a year
replays only what is new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.exc import DBAPIError

from db.config import HallConfig
from db.errors import HallError
from db.figures.reports import Progress, Tally, _Gathered, _Samples, business_days, day_samples
from db.figures.staff import StaffSamples
from db.rules.ops import E, T
from db.store.models import DayFigures
from db.store.session import Hall, Tx

D = cast(Table, DayFigures.__table__)

FIGURES_VERSION = 3
"""Raised whenever what a day's figures mean or hold changes: older rows are then ignored
(3: the estimate told at issue against the actual wait, issue 16)."""

Arrivals = dict[tuple[int, str], int]
"""(local hour, business) → arrivals, as `db.figures.staffing` counts them."""


def figures_version(config: HallConfig) -> str:
    """The code's version and a digest of the config the stored sums depend on."""
    standards = [[(b.prefix, b.standard_minutes) for b in config.businesses],
                 config.sla_minutes]  # the waits within target are counted as gathered
    digest = hashlib.sha256(json.dumps(standards).encode()).hexdigest()[:16]
    return f"{FIGURES_VERSION}-{digest}"


def _samples_json(s: _Samples) -> dict[str, Any]:
    return {"tickets": s.tickets, "waits": s.waits.to_json(), "within": s.within,
            "handling": s.handling.to_json(),
            "entered": s.entered, "counter_min": s.counter_min, "no_shows": s.no_shows,
            "transfers": s.transfers, "referrals": s.referrals, "cancelled": s.cancelled,
            "enquiries": s.enquiries, "told_error": s.told_error.to_json(),
            "told_sum": s.told_sum, "told_actual": s.told_actual}


def _person_json(p: StaffSamples) -> dict[str, Any]:
    return {"volume": p.volume, "completed": p.completed, "services": p.services,
            "untimed": p.untimed, "handling_min": p.handling_min,
            "standard_min": p.standard_min, "ratings": {str(k): v for k, v in p.ratings.items()},
            "taken": p.taken, "returned": p.returned, "support_min": p.support_min,
            "issued": p.issued, "enquiries": dict(p.enquiries)}


def encode(gathered: _Gathered, arrivals: Arrivals) -> str:
    """A day's row: its raw figures as JSON (floats written exactly)."""
    return json.dumps({
        "businesses": {k: _samples_json(v) for k, v in gathered.businesses.items()},
        "people": {k: _person_json(v) for k, v in gathered.people.items()},
        "arrivals": [[hour, business, n] for (hour, business), n in arrivals.items()],
    }, separators=(",", ":"))


def decode(text: str) -> tuple[_Gathered, Arrivals]:
    """The day's raw figures and arrivals back from its row."""
    data = json.loads(text)
    gathered = _Gathered()
    for prefix, s in data["businesses"].items():
        waits, handling = Tally.from_json(s.pop("waits")), Tally.from_json(s.pop("handling"))
        told = Tally.from_json(s.pop("told_error"))
        gathered.businesses[prefix] = _Samples(**s, waits=waits, handling=handling,
                                               told_error=told)
    for who, p in data["people"].items():
        enquiries: dict[str, int] = defaultdict(int, p.pop("enquiries"))
        ratings = {int(k): v for k, v in p.pop("ratings").items()}
        gathered.people[who] = StaffSamples(**p, ratings=ratings, enquiries=enquiries)
    arrivals = {(int(h), str(b)): int(n) for h, b, n in data["arrivals"]}
    return gathered, arrivals


class DayStore:
    """The stored days of one period as one report reads them, and the closed days it
    replayed (to `save` afterwards). Its `samples` is a `period_report` source; the arrivals
    of the days it gave out add up in `arrivals`."""

    def __init__(self, tx: Tx, date_from: dt.date, date_to: dt.date) -> None:
        self.version = figures_version(tx.config)
        self.today = tx.day
        # What this snapshot holds of the log: the newest id and the newest seal. On
        # PostgreSQL ids are taken before commit, so an event with an id below `through` can
        # still commit after this snapshot; it is then sealed after it too (or not yet).
        # The unsealed events it does hold (a few: the sealer follows the commits) are
        # told apart from those.
        # All three from one statement, one snapshot (PostgreSQL reads at READ COMMITTED:
        # two statements could see a seal given between them).
        rows = tx.conn.execute(select(E.c.id, E.c.seal).where(
            E.c.seal.is_(None)
            | (E.c.id == select(func.max(E.c.id)).scalar_subquery())
            | (E.c.seal == select(func.max(E.c.seal)).scalar_subquery()))).all()
        self.through = max((event_id for event_id, _ in rows), default=0)
        self.sealed = max((seal for _, seal in rows if seal is not None), default=0)
        self.unsealed = frozenset(event_id for event_id, seal in rows if seal is None)
        self.stored: dict[dt.date, str] = {}
        self.made: dict[dt.date, str] = {}
        # A database not yet upgraded to migration 0010 (`hall init` does it) has no table:
        # every day is replayed, nothing is kept.
        self.enabled = tx.conn.dialect.has_table(tx.conn, D.name)
        if self.enabled:
            query = select(D.c.day, D.c.figures).where(
                D.c.day.between(date_from, date_to), D.c.version == self.version)
            self.stored = {day: text for day, text in tx.conn.execute(query)}
        self.arrivals: Arrivals = defaultdict(int)
        self.reused = 0

    def samples(self, tx: Tx, day: dt.date) -> _Gathered:
        """The day's raw figures: stored, else replayed (and kept to save if it is closed)."""
        text = self.stored.pop(day, None)
        if text is not None:
            gathered, arrivals = decode(text)
            self.reused += 1
        else:
            from db.figures.staffing import day_arrivals

            gathered, arrivals = day_samples(tx, day), day_arrivals(tx, day)
            if self.enabled and day < self.today:
                self.made[day] = encode(gathered, arrivals)
        for key, n in arrivals.items():
            self.arrivals[key] += n
        return gathered


def save(hall: Hall, store: DayStore) -> int:
    """Write the closed days the report replayed; a day an event touched since the report's
    snapshot is left out (it will be replayed next time). Returns the days written. A
    database that cannot be written now (busy, read-only) keeps nothing: the figures were
    right, only the next report replays those days again."""
    if not store.made:
        return 0
    try:
        return _write(hall, store)
    except (DBAPIError, HallError):
        return 0
    finally:
        store.made.clear()


def _write(hall: Hall, store: DayStore) -> int:
    with hall.write() as tx:
        touched = _touched_since(tx, store)
        rows = [{"day": day, "version": store.version, "through_event": store.through,
                 "figures": text, "made_at": tx.now}
                for day, text in store.made.items() if day not in touched]
        if rows:
            tx.conn.execute(delete(D).where(D.c.day.in_([r["day"] for r in rows]),
                                            D.c.version == store.version))
            tx.conn.execute(insert(D), rows)
    return len(rows)


def _touched_since(tx: Tx, store: DayStore) -> set[dt.date]:
    """Business days that events not in `store`'s snapshot were logged on or for a ticket
    of: ids after its newest, and events sealed after its newest seal or not sealed yet that
    it did not hold unsealed (on PostgreSQL an event with a lower id may commit after the
    snapshot; on SQLite a seal is its id)."""
    query = (
        select(E.c.id, E.c.business_day, T.c.business_day)
        .select_from(E.outerjoin(T, T.c.id == E.c.ticket_id))
        .where((E.c.id > store.through) | E.c.seal.is_(None) | (E.c.seal > store.sealed))
    )
    found: set[dt.date] = set()
    for event_id, on, of in tx.conn.execute(query):
        if event_id <= store.through and event_id in store.unsealed:
            continue  # in the snapshot, sealed since
        found.add(on)
        if of is not None:
            found.add(of)
    return found


def keep_closed_days(hall: Hall, progress: Progress | None = None) -> int:
    """Replay and keep every closed business day that has tickets and no stored figures
    of this version yet (the day's close does it, so a report reads them stored). Returns
    the days written; nothing on a database without the table or one that cannot be
    written now (the next report replays those days instead)."""
    with hall.read() as tx:
        store = DayStore(tx, tx.day, tx.day)  # loads nothing: only today's row could match
        if not store.enabled:
            return 0
        kept = set(tx.conn.execute(select(D.c.day).where(D.c.version == store.version))
                   .scalars())
        days = [d for d in business_days(tx, dt.date.min, tx.day - dt.timedelta(days=1))
                if d not in kept]
        for done, day in enumerate(days, 1):
            store.samples(tx, day)
            if progress is not None:
                progress(done, len(days))
    return save(hall, store)

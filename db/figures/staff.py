"""The period report's staff part (奖惩): each person's raw figures, gathered as
`db.figures.reports` replays the log, and their line in the report.

Definitions (the README has them for people; tests/unit/test_reports.py checks each):

- Staff volume: the period's tickets of which the person is first-responsible handler
  (cancelled ones left out). A rating is the handler's at the completion it rated.
  Handling against the standard is the person's own timed minutes over the standard
  minutes of the same services; untimed services (completions with no clock of theirs in
  the matter) are in neither.
- Support: referrals taken (from the pool, or named to them) and handed back, and the time
  from the take (or the referral, when nobody took it) to the return. Guide: tickets
  issued for customers (`issued_by`, walk-ins apart) and enquiries answered (`enquiry`
  events of the period's days, by business type).
- Workload, the composite's volume part, is counted per post (`POSTS`) and scored against
  the busiest person of the same post.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from db.config import HallConfig
from db.config.score import ScoreConfig, composite, satisfaction
from db.rules.complaints import upheld_by_handler
from db.store.models import Remedy
from db.store.session import Tx
from db.store.sql import S
from db.store.views import _Json

GRANTED = ("granted", "approved")
"""Remedy states that count as given to the customer."""
POSTS = {"clerk": "counter", "leader": "counter", "support": "support", "guide": "guide"}
"""The post whose work counts as a role's workload: handled tickets at the counter,
referrals handed back at support, tickets issued and enquiries answered at the guide desk."""
POST_ORDER = ("counter", "support", "guide")
"""The order of the posts in the staff list."""


@dataclass(frozen=True)
class StaffFigures(_Json):
    """One staff member over the period (奖惩)."""

    staff: str
    """Staff id."""
    name: str
    """Name."""
    role: str
    """guide, clerk, support or leader: the post (`POSTS`) the workload is counted in."""
    workload: int
    """The post's work: volume (clerk, leader), referrals returned (support), tickets
    issued plus enquiries answered (guide). The composite's volume part compares it with
    the busiest person of the same post."""
    volume: int
    """Tickets of the period the person is first-responsible handler of (not cancelled)."""
    completed: int
    """Of those, completed."""
    services: int
    """Services the person handled (any handler's tickets), untimed ones included."""
    services_untimed: int
    """Of those, completions away from a counter by someone with no clock in the matter
    (closed away after support's return or a set-aside, taken up after a reassign or a
    reopen): no minutes, so in neither handling_min nor standard_min."""
    handling_min: float
    """The person's timed handling minutes in all."""
    standard_min: float
    """The standard minutes of the same (timed) services."""
    handling_ratio: float | None
    """handling_min / standard_min: below 1 is faster than the standard."""
    ratings: dict[int, int]
    """Rating level (1-4) → count, of the completions the person was handler at."""
    satisfaction: float | None
    """Mean of the ratings' points (config [score].rating_points), 0-100."""
    complaints_upheld: int
    """Complaints against the person (as handler) that the duty leader upheld, by the
    business day they were recorded."""
    remedies: int
    """Remedies the person granted (within authority, or approved by the leader)."""
    remedy_yuan: float
    """Their total amount in yuan."""
    referrals_taken: int
    """Support: referrals the person took from the pool or was named for."""
    referrals_returned: int
    """Support: referrals the person handed back to the handler."""
    support_min: float
    """Support: minutes from each take (or the referral, when nobody took it) to the
    person's return."""
    issued: int
    """Guide: tickets the person issued for customers (`issued_by`; walk-ins apart)."""
    enquiries: int
    """Guide: questions the person answered on the spot (`enquiry` events)."""
    enquiries_by_business: dict[str, int]
    """Those enquiries per business prefix."""
    composite: float
    """The weighted composite score (config [score])."""


@dataclass
class StaffSamples:
    """Raw figures of one staff member, gathered as the log is replayed."""

    volume: int = 0
    """Tickets they are first-responsible handler of (not cancelled)."""
    completed: int = 0
    """Of those, completed."""
    services: int = 0
    """Services they handled, untimed ones included."""
    untimed: int = 0
    """Of those, untimed."""
    handling_min: float = 0.0
    """Their timed handling minutes."""
    standard_min: float = 0.0
    """The standard minutes of those timed services."""
    ratings: dict[int, int] = field(default_factory=lambda: {4: 0, 3: 0, 2: 0, 1: 0})
    """Rating level → count."""
    taken: int = 0
    """Support: referrals taken or named to them."""
    returned: int = 0
    """Support: referrals handed back."""
    support_min: float = 0.0
    """Support: minutes from take (or referral) to return."""
    issued: int = 0
    """Guide: tickets issued for customers."""
    enquiries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Guide: enquiries answered, per business prefix."""


def credit_service(config: HallConfig, person: StaffSamples, prefix: str, minutes: float) -> None:
    """One timed service: its minutes, and the standard minutes of its business."""
    person.services += 1
    person.handling_min += minutes
    person.standard_min += _standard(config, prefix)


def _standard(config: HallConfig, prefix: str) -> float:
    known = {b.prefix: b.standard_minutes for b in config.businesses}
    return float(known.get(prefix, 0.0))


def _remedies(tx: Tx, date_from: dt.date, date_to: dt.date) -> dict[str, tuple[int, int]]:
    """Staff id → (remedies granted, fen in all) over the period."""
    R = Remedy.__table__
    query = (
        select(R.c.requested_by, func.count(), func.coalesce(func.sum(R.c.amount_fen), 0))
        .where(
            and_(R.c.business_day.between(date_from, date_to), R.c.status.in_(GRANTED))
        )
        .group_by(R.c.requested_by)
    )
    return {who: (int(n), int(fen)) for who, n, fen in tx.conn.execute(query)}


def _efficiency(ratio: float | None) -> float | None:
    """100 at or under the standard minutes, less in proportion above them."""
    if ratio is None:
        return None
    return 100.0 if ratio <= 1 else 100 / ratio


def _workload(post: str, p: StaffSamples) -> int:
    if post == "support":
        return p.returned
    if post == "guide":
        return p.issued + sum(p.enquiries.values())
    return p.volume


def staff_figures(
    tx: Tx, people: dict[str, StaffSamples], date_from: dt.date, date_to: dt.date
) -> list[StaffFigures]:
    """The staff lines of the period: everyone with samples, a remedy or an upheld
    complaint in it, by post (`POST_ORDER`), then by composite score, best first."""
    remedies = _remedies(tx, date_from, date_to)
    upheld = upheld_by_handler(tx, date_from, date_to)
    ids = set(people) | set(remedies) | set(upheld)
    samples = {i: people.get(i) or StaffSamples() for i in ids}
    query = select(S.c.id, S.c.name, S.c.role).where(S.c.id.in_(ids))
    known = {who: (name, role) for who, name, role in tx.conn.execute(query)}
    posts = {i: POSTS.get(known.get(i, (i, "clerk"))[1], "counter") for i in ids}
    work = {i: _workload(posts[i], samples[i]) for i in ids}
    busiest: dict[str, int] = defaultdict(int)
    for i in ids:
        busiest[posts[i]] = max(busiest[posts[i]], work[i])
    found = [
        _person_figures(tx.config.score, i, known.get(i, (i, "clerk")), samples[i],
                        (work[i], busiest[posts[i]]), remedies.get(i, (0, 0)), upheld.get(i, 0))
        for i in ids
    ]
    found.sort(key=lambda f: (POST_ORDER.index(posts[f.staff]), -f.composite, f.staff))
    return found


def _person_figures(
    score: ScoreConfig, staff_id: str, known: tuple[str, str], p: StaffSamples,
    work: tuple[int, int], remedies: tuple[int, int], complaints: int,
) -> StaffFigures:
    """One person's line; `work` is (their workload, the busiest of their post's)."""
    (name, role), (workload, busiest), (granted, fen) = known, work, remedies
    ratio = p.handling_min / p.standard_min if p.standard_min > 0 else None
    satisfied = satisfaction(score, p.ratings)
    return StaffFigures(
        staff=staff_id, name=name, role=role, workload=workload, volume=p.volume,
        completed=p.completed, services=p.services, services_untimed=p.untimed,
        handling_min=round(p.handling_min, 2), standard_min=round(p.standard_min, 2),
        handling_ratio=ratio, ratings=dict(p.ratings), satisfaction=satisfied,
        complaints_upheld=complaints, remedies=granted, remedy_yuan=fen / 100,
        referrals_taken=p.taken, referrals_returned=p.returned,
        support_min=round(p.support_min, 2), issued=p.issued,
        enquiries=sum(p.enquiries.values()),
        enquiries_by_business=dict(sorted(p.enquiries.items())),
        composite=composite(score, 100 * workload / busiest if busiest else 0.0,
                            _efficiency(ratio), satisfied, complaints, granted),
    )

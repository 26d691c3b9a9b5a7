"""The plain frozen records the core returns; never live ORM objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Self

from db.store.models import AT_COUNTER

RATINGS = {4: "very_satisfied", 3: "satisfied", 2: "fair", 1: "dissatisfied"}
"""The evaluator's four levels: 非常满意 / 满意 / 基本满意 / 不满意."""

RATING_NAMES_ZH = {4: "非常满意", 3: "满意", 2: "基本满意", 1: "不满意"}

TICKET_STATUS_ZH = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "with_support": "后台处理中",
    "done": "已办结",
    "no_show": "过号",
    "cancelled": "已作废",
}

COUNTER_STATE_ZH = {"open": "开放", "paused": "暂停", "closed": "关闭"}

ROLE_ZH = {"guide": "引导岗", "clerk": "工作岗", "support": "服务岗", "leader": "值班领导岗"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Json:
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 UTC, dates as YYYY-MM-DD."""
        return {k: _plain(v) for k, v in asdict(self).items()}  # type: ignore[call-overload]

    @classmethod
    def of_row(cls, row: Any, **columns: str) -> Self:
        """The view of a row: each field from the column of its name, or of the name given
        in `columns` (field=column)."""
        m = row._mapping
        return cls(**{f.name: m[columns.get(f.name, f.name)] for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class AppointmentView(_Json):
    """A booking (预约) as the CLI and the kiosk see it (`db.rules.appointments`)."""

    id: int
    day: dt.date
    code: str
    name: str
    phone: str
    account: str | None
    business: str
    slot_start: dt.datetime
    """The slot's start, naive UTC."""
    slot_end: dt.datetime
    state: str
    """booked, checked_in or missed (a booked one whose window has closed reads missed)."""
    ticket: str | None
    """The number given at check-in."""
    checked_in_at: dt.datetime | None
    source: str


@dataclass(frozen=True)
class TicketView(_Json):
    """A ticket as the apps see it."""

    id: int
    """Database id; stable across days, unlike `number`."""
    number: str
    """The number the customer holds, e.g. `A023`; unique within its business day."""
    business_day: dt.date
    """The business day the number belongs to."""
    business: str
    """Prefix of the queue it is in now (changes on transfer)."""
    origin_business: str
    """Prefix of the business it was issued for."""
    status: str
    """One of `db.store.models.TICKET_STATES`."""
    priority: str
    """Priority class code, `normal` for most customers."""
    account: str | None
    """The customer's account number (户号), when given."""
    counter: int | None
    """The counter that holds it now (called or serving there); None otherwise."""
    handler: str | None
    """Staff id of the first-responsible handler (首办责任人)."""
    issued_by: str | None
    """Staff id of the guide or clerk who issued it; None for the kiosk."""
    support: str | None
    """Support staff id it is referred to, while with support."""
    issued_at: dt.datetime
    """When the number was taken (UTC)."""
    queued_at: dt.datetime
    """When it entered its current queue (UTC): the order within a priority class."""
    first_called_at: dt.datetime | None
    """When it was first called (UTC): where the customer's wait ends."""
    called_at: dt.datetime | None
    """When it was last called (UTC)."""
    no_show_at: dt.datetime | None
    """When it was marked a no-show (UTC), while it is one."""
    started_at: dt.datetime | None
    """When service began (UTC)."""
    completed_at: dt.datetime | None
    """When the matter was completed (UTC)."""
    recalls: int
    """How many times it was called again."""
    services: int
    """How many services this one visit has had (add-next-service counts up)."""
    directed_to: int | None
    """The one counter a guide sent the customer to, while waiting for it."""
    rating: int | None
    """1..4, see `RATINGS`, once rated."""
    rated_at: dt.datetime | None
    """When it was rated (UTC)."""
    note: str | None
    """The last note attached by staff (outcome, referral request)."""
    last_counter: int | None = None
    """The counter that holds it or last held it (where it was completed, missed or voided);
    None after it left for a queue or support, or before its first call."""
    ahead: int | None = None
    """People ahead in its queue, for a waiting ticket when asked for."""
    estimated_wait_min: float | None = None
    """Estimated minutes until it is called, when asked for (0: 即将叫号)."""
    estimated_low: float | None = None
    """…and the low end of its range, when it has one."""
    estimated_high: float | None = None
    """…and the high end."""
    told_minutes: float | None = None
    """What the customer was told at issue (`db.rules.estimate`): minutes until the call
    (0: 即将叫号); None when no open counter served the business, or before version 0011."""
    told_low: float | None = None
    """The low end of the range told at issue."""
    told_high: float | None = None
    """The high end of the range told at issue."""
    hall: str | None = None
    """The code of the hall the visit was made in, when it is not this one (a customer's
    visits by account span the halls of the database: `db.rules.queries.visits`)."""

    def to_json(self) -> dict[str, Any]:
        """As `_Json.to_json`, with `hall` only for a visit made in another hall."""
        found = super().to_json()
        if self.hall is None:
            del found["hall"]
        return found

    @classmethod
    def from_row(cls, row: Any) -> TicketView:
        """From a `tickets` row (a mapping with the table's column names)."""
        return cls.from_mapping(row._mapping)

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> TicketView:
        """From a `tickets` row's values by column name. Every field is filled in directly,
        not through the generated `__init__` (which sets each of the frozen fields one by one
        through `object.__setattr__`): a view is built in every step, under the hall's write
        lock."""
        held = m["counter_number"]
        values = {name: m[name] for name in _TICKET_NAMES}
        values.update(_NOT_FROM_ROW)
        values["counter"] = held if m["status"] in AT_COUNTER else None
        values["last_counter"] = held
        values["handler"] = m["handler_id"]
        values["support"] = m["support_id"]
        view = object.__new__(cls)
        view.__dict__.update(values)
        return view

    def with_wait(self, ahead: int | None, minutes: float | None,
                  low: float | None = None, high: float | None = None) -> TicketView:
        """The same ticket with its place in the queue (and its estimate) filled in."""
        return replace(self, ahead=ahead, estimated_wait_min=minutes, estimated_low=low,
                       estimated_high=high)


_RENAMED = {"counter", "last_counter", "handler", "support", "ahead", "estimated_wait_min",
            "estimated_low", "estimated_high", "hall"}
_TICKET_NAMES = [f.name for f in fields(TicketView) if f.name not in _RENAMED]
_NOT_FROM_ROW = {f.name: f.default for f in fields(TicketView)
                 if f.name in _RENAMED and f.name not in ("counter", "last_counter", "handler",
                                                         "support")}
"""The fields a row does not fill (the wait estimate), at their defaults."""


@dataclass(frozen=True)
class StaffView(_Json):
    """A staff member, without the PIN hash."""

    id: str
    """Staff number, e.g. `C01`."""
    name: str
    """Full name as shown on the counter display."""
    role: str
    """guide, clerk, support or leader."""
    authority_limit: int
    """Remedy in yuan the person may grant alone (授权)."""


@dataclass(frozen=True)
class CounterView(_Json):
    """A counter in the hall snapshot."""

    number: int
    """Counter number."""
    name_zh: str
    """Chinese name, e.g. 3号窗口."""
    name_en: str
    """English name."""
    state: str
    """closed, open or paused."""
    profile: tuple[str, ...]
    """Business prefixes served, in order."""
    staff: str | None
    """Staff id signed in, if any."""
    staff_name: str | None
    """Their name."""
    ticket: str | None
    """Number of the ticket it holds (called or serving), if any."""
    ticket_status: str | None
    """That ticket's status."""


@dataclass(frozen=True)
class CallView(_Json):
    """One call or recall, for the display and the status."""

    number: str
    """Ticket number called."""
    counter: int
    """Counter the customer should go to."""
    at: dt.datetime
    """When (UTC)."""
    recall: bool
    """True for a repeated call (重呼)."""
    event_id: int
    """Event id, increasing: lets a display tell a new call from one already shown."""


@dataclass(frozen=True)
class HallSnapshot(_Json):
    """What the wall display and `hall status` show."""

    at: dt.datetime
    """When the snapshot was taken (UTC)."""
    business_day: dt.date
    """The current business day."""
    waiting: dict[str, int]
    """Business prefix → tickets waiting (every configured prefix is present)."""
    counters: tuple[CounterView, ...]
    """Every counter in number order."""
    recent_calls: tuple[CallView, ...]
    """Latest calls first."""
    estimated_wait_min: dict[str, float | None] = field(default_factory=dict)
    """Business prefix → estimated wait for a ticket taken now (0: 即将叫号; None: no open
    counter serves it): what the kiosk would tell (`db.rules.estimate.predict_new`)."""
    estimated_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Business prefix → the low–high range of that estimate, where it has one."""


@dataclass(frozen=True)
class EventView(_Json):
    """One row of the append-only event log."""

    id: int
    """Increasing event id."""
    at: dt.datetime
    """When (UTC)."""
    kind: str
    """What happened: issue, call, recall, no_show, start, complete, transfer, …"""
    ticket: str | None
    """Ticket number, if the event is about a ticket."""
    staff: str | None
    """Who did it."""
    counter: int | None
    """At which counter."""
    detail: dict[str, Any] | None
    """Anything else worth keeping (target business, note, rating)."""


@dataclass(frozen=True)
class FeedbackView(_Json):
    """A note from the supervision box (监督箱)."""

    id: int
    """Feedback id."""
    at: dt.datetime
    """When it was left (UTC)."""
    ticket: str | None
    """The ticket number it is about; None when anonymous."""
    body: str
    """What the customer wrote."""
    status: str
    """new, answered or closed."""
    reply: str | None
    """The duty leader's answer."""


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals, e.g. 1250 → "12.50" (money is never a float)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


@dataclass(frozen=True)
class RemedyView(_Json):
    """A remedy on a ticket (授权): granted within authority, or a request to the leader."""

    id: int
    """Remedy id: what the duty leader approves or refuses."""
    ticket: str
    """The ticket number, e.g. `A023`."""
    ticket_id: int
    """The ticket's database id."""
    business_day: dt.date
    """The business day it was granted or requested."""
    kind: str
    """A remedy kind code of the hall config, e.g. `late_fee_waiver`."""
    amount_fen: int
    """The amount in fen (1/100 yuan); 0 for a service without money."""
    reason: str
    """Why the handler granted or asked for it."""
    status: str
    """granted (within authority), pending (the duty leader's), approved or refused."""
    requested_by: str
    """Staff id of who granted or asked for it."""
    requested_at: dt.datetime
    """When (UTC)."""
    decided_by: str | None
    """The duty leader who approved or refused it."""
    decided_at: dt.datetime | None
    """When the leader decided (UTC)."""
    decision_reason: str | None
    """The leader's reason."""

    @property
    def amount(self) -> str:
        """The amount in yuan, e.g. "12.50"."""
        return yuan(self.amount_fen)

    def to_json(self) -> dict[str, Any]:
        """As `_Json.to_json`, with the amount in yuan as a string too."""
        return {**super().to_json(), "amount_yuan": self.amount}


@dataclass(frozen=True)
class DayFigures(_Json):
    """A staff member's own figures of one business day, as the counter shows them."""

    staff: str
    """Staff id."""
    business_day: dt.date
    """The business day."""
    served: int
    """Tickets they completed as the first-responsible handler."""
    average_handling_min: float | None
    """Mean minutes from start of service to completion; None before the first."""
    ratings: dict[int, int]
    """Rating (4 best .. 1) → how many of their completed tickets got it."""
    satisfaction: float | None
    """Share of ratings that are 满意 or 非常满意 (3 or 4), 0..1; None before the first."""
    remedies_granted: int
    """Remedies they granted or had approved that day."""


MATTER_STAGES = ("with_support", "returned", "question", "awaiting_customer")
"""Where an open matter away from the counter stands: with support (referred), handed back
by support as done, handed back with a question for the handler, or set aside waiting on
the customer (to bring something, or to come back)."""


@dataclass(frozen=True)
class MatterView(_Json):
    """One of a handler's open matters away from the counter, and where it stands."""

    ticket: TicketView
    """The ticket (status with_support, or serving at no counter)."""
    stage: str
    """One of `MATTER_STAGES`."""
    note: str | None
    """What the step that put it there said: the referral's request, support's answer or
    question, what the customer is to bring."""
    by: str | None
    """Who took that step (the handler, or the support colleague)."""
    since: dt.datetime | None
    """When it reached this stage (naive UTC)."""


@dataclass(frozen=True)
class QueueLine(_Json):
    """One business type's queue as it stands today."""

    business: str
    """Business prefix."""
    waiting: int
    """Tickets waiting today (for any counter serving it)."""
    longest_wait_min: float | None
    """Minutes the longest-waiting of them has waited; None when nobody waits."""


@dataclass(frozen=True)
class ComplaintView(_Json):
    """A complaint to the duty leader (投诉), open or resolved."""

    id: int
    """Complaint id."""
    ticket: str
    """The ticket number it is about, e.g. `A023`."""
    ticket_id: int
    """The ticket's database id."""
    ticket_day: dt.date
    """The business day of the ticket."""
    handler: str | None
    """The handler complained about (the ticket's handler when it was recorded)."""
    body: str
    """What the customer complained about."""
    customer_name: str | None
    """The customer's name, when given."""
    customer_phone: str | None
    """The customer's phone number, when given."""
    status: str
    """open or resolved."""
    recorded_by: str
    """The duty leader who recorded it."""
    recorded_at: dt.datetime
    """When (UTC)."""
    outcome: str | None
    """upheld or not_upheld, once resolved."""
    correction: str | None
    """none, reassign, reopen, void or remedy, once resolved."""
    resolution: str | None
    """The leader's reason for the outcome and correction."""
    resolved_by: str | None
    """The duty leader who resolved it."""
    resolved_at: dt.datetime | None
    """When it was resolved (UTC)."""
    new_handler: str | None
    """The handler the ticket was reassigned to (reassign, or reopen to another handler)."""
    remedy_id: int | None
    """The remedy approved as the correction."""

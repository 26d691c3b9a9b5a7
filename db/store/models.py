"""The tables. Plain mapped classes: the rules live in `db.rules.ops`, not here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TICKET_STATES = ("waiting", "called", "serving", "with_support", "done", "no_show", "cancelled")
"""Every state a ticket can be in; see the life cycle in docs/design.md."""

AT_COUNTER = ("called", "serving")
"""States in which a ticket occupies its counter (at most one such ticket per counter)."""

COUNTER_STATES = ("closed", "open", "paused")
ROLES = ("guide", "clerk", "support", "leader")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class BusinessTypeRow(Base):
    """A queue, synced from the hall config by `hall init`."""

    __tablename__ = "business_types"
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    standard_minutes: Mapped[float]


class Staff(Base):
    """A person who works in the hall; the PIN is kept only as an argon2id hash."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(10))
    authority_limit: Mapped[int] = mapped_column(default=0)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_pins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PinAttempt(Base):
    """Wrong PINs in a row for what has no staff row to count them on: an id that is not a
    staff member's (`id:X99`, counted and locked as a known id is, so that the answers do
    not tell which ids exist) and a terminal (`terminal:kiosk`), whatever the ids tried."""

    __tablename__ = "pin_attempts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Counter(Base):
    """A service point; its state and signed-in staff are shared by every process."""

    __tablename__ = "counters"
    __table_args__ = (CheckConstraint(_in("state", COUNTER_STATES), name="state"),)
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    # Comma-separated business prefixes in serving order; the leader may change it in the day.
    profile: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(10), default="closed")
    # Unique: one person can be signed in at one counter only.
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), unique=True)
    signed_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The token of the sign-in that holds the counter now: a client acting with another one
    # (its session ended by a sign-in elsewhere, or by a sign-out) is refused.
    session: Mapped[str | None] = mapped_column(String(32))


class DaySequence(Base):
    """The last number given out per business day and prefix; numbers come only from here."""

    __tablename__ = "day_sequences"
    business_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    last_seq: Mapped[int]


class Ticket(Base):
    """One customer visit, from the number taken to the rating given."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("business_day", "number", name="uq_tickets_day_number"),
        CheckConstraint(_in("status", TICKET_STATES), name="status"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 4", name="rating"),
        # The call-next probe: only waiting tickets are indexed, so history does not slow it,
        # and today's first, so a leftover of an earlier day is never even read.
        Index(
            "ix_tickets_queue",
            "business_day",
            "business",
            "priority_rank",
            "queued_at",
            "id",
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        # A counter holds at most one called-or-serving ticket, enforced by the database.
        Index(
            "uq_tickets_counter_current",
            "counter_number",
            unique=True,
            sqlite_where=text(f"{_in('status', AT_COUNTER)} AND counter_number IS NOT NULL"),
            postgresql_where=text(f"{_in('status', AT_COUNTER)} AND counter_number IS NOT NULL"),
        ),
        Index(
            "ix_tickets_directed",
            "directed_to",
            "business_day",
            "priority_rank",
            "queued_at",
            "id",
            sqlite_where=text("status = 'waiting' AND directed_to IS NOT NULL"),
            postgresql_where=text("status = 'waiting' AND directed_to IS NOT NULL"),
        ),
        Index("ix_tickets_done", "business", "completed_at"),
        Index("ix_tickets_handler_status", "handler_id", "status"),
        Index("ix_tickets_support", "status", "support_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    business_day: Mapped[dt.date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(8))
    # The queue the ticket is in now; a transfer changes it, `origin_business` keeps the first.
    business: Mapped[str] = mapped_column(ForeignKey("business_types.prefix"))
    origin_business: Mapped[str] = mapped_column(ForeignKey("business_types.prefix"))
    priority: Mapped[str] = mapped_column(String(20))
    priority_rank: Mapped[int]
    account: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(12))
    counter_number: Mapped[int | None] = mapped_column(ForeignKey("counters.number"))
    # First-responsible handler (首办责任人): set once by the first call, never overwritten.
    handler_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    issued_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    support_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # When the ticket entered its current queue: the order of service within a priority class.
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    first_called_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    no_show_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    recalls: Mapped[int] = mapped_column(default=0)
    services: Mapped[int] = mapped_column(default=1)
    # A guide may send a customer to one named counter: only that counter calls it.
    directed_to: Mapped[int | None] = mapped_column(ForeignKey("counters.number"))
    rating: Mapped[int | None]
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(500))


class Event(Base):
    """Append-only log of every step (who, which counter, when, what); figures come from it."""

    __tablename__ = "events"
    # The display's "recent calls" reads the newest calls without scanning the whole log.
    __table_args__ = (Index("ix_events_kind_day_id", "kind", "business_day", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    business_day: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    counter_number: Mapped[int | None] = mapped_column(ForeignKey("counters.number"))
    # none_as_null: an event without details stores SQL NULL, not the JSON text "null".
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON(none_as_null=True))
    # The hash chain (`db.store.audit`): the newest event's hash when this one was appended, and
    # sha256 over that and this event's canonical text. NULL only on a row not written by
    # `db.rules.ops.log`, which `hall audit verify` reports as inserted.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


FEEDBACK_STATES = ("new", "answered", "closed")


class Feedback(Base):
    """A note left in the supervision box (监督箱): anonymous or tied to a ticket."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint(_in("status", FEEDBACK_STATES), name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    business_day: Mapped[dt.date] = mapped_column(Date)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    body: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(10), default="new", index=True)
    reply: Mapped[str | None] = mapped_column(String(1000))
    replied_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


REMEDY_STATES = ("granted", "pending", "approved", "refused")
"""granted: within the handler's own authority; pending: above it, waiting for the duty
leader, who makes it approved or refused."""


class Remedy(Base):
    """A remedy on a ticket (授权): a fee waiver, compensation or a service, granted by its
    handler within their authority limit, or requested of the duty leader above it."""

    __tablename__ = "remedies"
    __table_args__ = (
        CheckConstraint(_in("status", REMEDY_STATES), name="status"),
        CheckConstraint("amount_fen >= 0", name="amount"),
        # The leader's list of pending requests reads only pending rows.
        Index(
            "ix_remedies_pending",
            "requested_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_remedies_staff_day", "requested_by", "business_day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    business_day: Mapped[dt.date] = mapped_column(Date)
    # A remedy kind code of the hall config ([[remedy]]), e.g. late_fee_waiver.
    kind: Mapped[str] = mapped_column(String(20))
    # Money as integer fen (1/100 yuan): never a float.
    amount_fen: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))


COMPLAINT_STATES = ("open", "resolved")
COMPLAINT_OUTCOMES = ("upheld", "not_upheld")
COMPLAINT_CORRECTIONS = ("none", "reassign", "reopen", "void", "remedy")
"""How the duty leader corrects an upheld (or not upheld) complaint; see `db.rules.complaints`."""


class Complaint(Base):
    """A customer's complaint to the duty leader (投诉) about a ticket and its handler."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(_in("status", COMPLAINT_STATES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', COMPLAINT_OUTCOMES)}",
                        name="outcome"),
        CheckConstraint(f"correction IS NULL OR {_in('correction', COMPLAINT_CORRECTIONS)}",
                        name="correction"),
        # The leader's list of open complaints reads only open rows.
        Index(
            "ix_complaints_open",
            "recorded_at",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    business_day: Mapped[dt.date] = mapped_column(Date)
    # The handler complained about, as it was when the complaint was recorded.
    handler_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True)
    body: Mapped[str] = mapped_column(String(500))
    customer_name: Mapped[str | None] = mapped_column(String(40))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="open")
    recorded_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))
    correction: Mapped[str | None] = mapped_column(String(10))
    resolution: Mapped[str | None] = mapped_column(String(500))
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    new_handler_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    remedy_id: Mapped[int | None] = mapped_column(ForeignKey("remedies.id"))

"""The tables, as SQLAlchemy Core `Table`s: the rules live in `db.rules.ops`, not here.

Each table is a class holding its `__table__` (as the ORM's declarative classes did, so
`Ticket.__table__` reads the same everywhere), but nothing is mapped: the project only ever
used the tables, and importing the ORM to declare them was a third of a `hall` command's
start-up. A column is NOT NULL unless it says `nullable=True`, as `Mapped[X]` against
`Mapped[X | None]` had it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.sql.expression import FromClause

TICKET_STATES = ("waiting", "called", "serving", "with_support", "done", "no_show", "cancelled")
"""Every state a ticket can be in; see the life cycle in DESIGN.md."""

AT_COUNTER = ("called", "serving")
"""States in which a ticket occupies its counter (at most one such ticket per counter)."""

COUNTER_STATES = ("closed", "open", "paused")
APPOINTMENT_STATES = ("booked", "checked_in", "missed")
"""booked: not yet checked in; checked_in: a number was given at the kiosk (once only);
missed: its check-in window closed without one (`db.rules.appointments`)."""
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


class Base:
    """What every table belongs to: `Base.metadata` (Alembic's target)."""

    metadata = MetaData(naming_convention=NAMING)
    __table__: ClassVar[FromClause]


def _table(name: str, *items: Any) -> FromClause:
    """A table of `Base.metadata`, typed as the ORM's `__table__` was (callers cast)."""
    return Table(name, Base.metadata, *items)


def _column(name: str, *args: Any, nullable: bool = False, **kwargs: Any) -> Column[Any]:
    """A column, NOT NULL unless `nullable=True`."""
    return Column(name, *args, nullable=nullable, **kwargs)


def _hall() -> Column[Any]:
    """The hall a row belongs to (`halls.id`; migration 0014). Nobody writes it: the database
    fills it in, with 1 on SQLite (one hall per database) and with the session's hall on
    PostgreSQL, where row-level security also keeps every statement to that hall."""
    return Column("hall_id", Integer(), nullable=False)


_PARTIAL: dict[Index, str] = {}
"""Each partial index and the WHERE of the rows it holds."""


def _partial(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of only the rows `where` holds, on SQLite and on PostgreSQL. PostgreSQL's
    option is given when the tables are created there (`_postgresql_where`): naming a
    `postgresql_` option here would import the PostgreSQL dialect and its drivers in every
    process, a fifth of a `hall` command's start-up on SQLite. (The migrations, which make
    the schema, give both.)"""
    index = Index(name, *columns, unique=unique, sqlite_where=text(where))
    _PARTIAL[index] = where
    return index


@event.listens_for(Base.metadata, "before_create")
def _postgresql_where(target: MetaData, connection: Any, **kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        for index, where in _PARTIAL.items():
            index.dialect_kwargs["postgresql_where"] = text(where)


class HallRow(Base):
    """A hall of the database: a code to select it (`--hall`, `$HALL_CODE`) and its name. A
    SQLite database holds one; a PostgreSQL one any number (`db.rules.halls`)."""

    __table__ = _table(
        "halls",
        _column("id", Integer(), primary_key=True),
        _column("code", String(16), unique=True),
        _column("name", String(80)),
    )


class BusinessTypeRow(Base):
    """A queue, synced from the hall config by `hall init`."""

    __table__ = _table(
        "business_types",
        _column("prefix", String(1), primary_key=True),
        _column("name_zh", String(40)),
        _column("name_en", String(80)),
        _column("standard_minutes", Double()),
    )


class Staff(Base):
    """A person who works in the hall; the PIN is kept only as an argon2id hash."""

    __table__ = _table(
        "staff",
        _column("id", String(20), primary_key=True),
        _column("name", String(40)),
        _column("role", String(10)),
        _column("authority_limit", Integer(), default=0),
        _column("pin_hash", String(200)),
        _column("failed_pins", Integer(), default=0),
        _column("locked_until", DateTime(), nullable=True),
        _column("active", Boolean(), default=True),
        _column("created_at", DateTime()),
        CheckConstraint(_in("role", ROLES), name="role"),
        _hall(),
    )


class PinAttempt(Base):
    """Wrong PINs in a row for what has no staff row to count them on: an id that is not a
    staff member's (`id:X99`, counted and locked as a known id is, so that the answers do
    not tell which ids exist) and a terminal (`terminal:kiosk`), whatever the ids tried."""

    __table__ = _table(
        "pin_attempts",
        _column("key", String(64), primary_key=True),
        _column("failures", Integer(), default=0),
        _column("locked_until", DateTime(), nullable=True),
        _column("last_at", DateTime()),
        _hall(),
    )


class HallSecret(Base):
    """A secret of the hall, made once at first use and never shown: `ticket_link` signs
    each ticket's page address for the customer's phone with it (db.rules.links)."""

    __table__ = _table(
        "hall_secrets",
        _column("name", String(40), primary_key=True),
        _column("value", String(100)),
        _column("created_at", DateTime()),
    )


class DayFigures(Base):
    """The report's raw sums of one closed business day (`db.figures.days`), written once
    and combined by later reports; keyed by the day and the figures' version (the code's and
    the config's standard minutes). A trigger (migration 0010) drops a day's rows when an
    event is logged on that day or for one of its tickets, so a correction is counted."""

    __table__ = _table(
        "day_figures",
        _column("day", Date(), primary_key=True),
        _column("version", String(40), primary_key=True),
        _column("through_event", Integer()),
        _column("figures", Text()),
        _column("made_at", DateTime()),
        _hall(),
    )


class Counter(Base):
    """A service point; its state and signed-in staff are shared by every process."""

    __table__ = _table(
        "counters",
        _column("number", Integer(), primary_key=True, autoincrement=False),
        _column("name_zh", String(40)),
        _column("name_en", String(80)),
        # Comma-separated business prefixes in serving order; the leader may change it in
        # the day.
        _column("profile", String(60)),
        _column("state", String(10), default="closed"),
        # Unique: one person can be signed in at one counter only.
        _column("staff_id", String(20), ForeignKey("staff.id"), unique=True, nullable=True),
        _column("signed_in_at", DateTime(), nullable=True),
        # The token of the sign-in that holds the counter now: a client acting with another
        # one (its session ended by a sign-in elsewhere, or by a sign-out) is refused.
        _column("session", String(32), nullable=True),
        CheckConstraint(_in("state", COUNTER_STATES), name="state"),
        _hall(),
    )


class DaySequence(Base):
    """The last number given out per business day and prefix; numbers come only from here."""

    __table__ = _table(
        "day_sequences",
        _column("business_day", Date(), primary_key=True),
        _column("prefix", String(1), primary_key=True),
        _column("last_seq", Integer()),
        _hall(),
    )


class Ticket(Base):
    """One customer visit, from the number taken to the rating given."""

    __table__ = _table(
        "tickets",
        _column("id", Integer(), primary_key=True),
        _column("business_day", Date()),
        _column("number", String(8)),
        # The queue the ticket is in now; a transfer changes it, `origin_business` keeps the
        # first.
        _column("business", String(1), ForeignKey("business_types.prefix")),
        _column("origin_business", String(1), ForeignKey("business_types.prefix")),
        _column("priority", String(20)),
        _column("priority_rank", Integer()),
        _column("account", String(32), index=True, nullable=True),
        _column("status", String(12)),
        _column("counter_number", Integer(), ForeignKey("counters.number"), nullable=True),
        # First-responsible handler (首办责任人): set once by the first call, never overwritten.
        _column("handler_id", String(20), ForeignKey("staff.id"), nullable=True),
        _column("issued_by", String(20), ForeignKey("staff.id"), nullable=True),
        _column("support_id", String(20), ForeignKey("staff.id"), nullable=True),
        _column("issued_at", DateTime()),
        # When the ticket entered its current queue: the order of service within a priority
        # class.
        _column("queued_at", DateTime()),
        _column("called_at", DateTime(), nullable=True),
        _column("first_called_at", DateTime(), nullable=True),
        _column("started_at", DateTime(), nullable=True),
        _column("completed_at", DateTime(), nullable=True),
        _column("no_show_at", DateTime(), nullable=True),
        _column("recalls", Integer(), default=0),
        _column("services", Integer(), default=1),
        # A guide may send a customer to one named counter: only that counter calls it.
        _column("directed_to", Integer(), ForeignKey("counters.number"), nullable=True),
        _column("rating", Integer(), nullable=True),
        _column("rated_at", DateTime(), nullable=True),
        _column("note", String(500), nullable=True),
        # What the customer was told at issue (`db.rules.estimate`): minutes until the call
        # (0: 即将叫号) and a low–high range; NULL when no open counter served the business.
        _column("told_minutes", Double(), nullable=True),
        _column("told_low", Double(), nullable=True),
        _column("told_high", Double(), nullable=True),
        UniqueConstraint("business_day", "number", name="uq_tickets_day_number"),
        CheckConstraint(_in("status", TICKET_STATES), name="status"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 4", name="rating"),
        # The call-next probe: only waiting tickets are indexed, so history does not slow it,
        # and today's first, so a leftover of an earlier day is never even read.
        _partial("ix_tickets_queue", "business_day", "business", "priority_rank", "queued_at",
                 "id", where="status = 'waiting'"),
        # A counter holds at most one called-or-serving ticket, enforced by the database.
        _partial("uq_tickets_counter_current", "counter_number", unique=True,
                 where=f"{_in('status', AT_COUNTER)} AND counter_number IS NOT NULL"),
        _partial("ix_tickets_directed", "directed_to", "business_day", "priority_rank",
                 "queued_at", "id", where="status = 'waiting' AND directed_to IS NOT NULL"),
        Index("ix_tickets_done", "business", "completed_at"),
        Index("ix_tickets_handler_status", "handler_id", "status"),
        Index("ix_tickets_support", "status", "support_id"),
        _hall(),
    )


class Event(Base):
    """Append-only log of every step (who, which counter, when, what); figures come from it."""

    __table__ = _table(
        "events",
        _column("id", Integer(), primary_key=True),
        _column("at", DateTime()),
        _column("business_day", Date(), index=True),
        _column("kind", String(20)),
        _column("ticket_id", Integer(), ForeignKey("tickets.id"), index=True, nullable=True),
        _column("staff_id", String(20), ForeignKey("staff.id"), nullable=True),
        _column("counter_number", Integer(), ForeignKey("counters.number"), nullable=True),
        # none_as_null: an event without details stores SQL NULL, not the JSON text "null".
        _column("detail", JSON(none_as_null=True), nullable=True),
        # The hash chain (`db.store.audit`): the newest event's hash when this one was
        # appended, and sha256 over that and this event's canonical text. NULL only on a row
        # not written by `db.rules.ops.log`, which `hall audit verify` reports as inserted.
        _column("prev_hash", String(64), nullable=True),
        _column("hash", String(64), nullable=True),
        # The event's place in the chain (1, 2, 3 ...): its id on SQLite, where events are
        # chained as they are written; on PostgreSQL given by the sealer after commit
        # (`db.store.audit.seal`), NULL until then (the unsealed tail).
        _column("seal", Integer(), nullable=True),
        Index("ix_events_seal", "seal", unique=True),
        # The display's "recent calls" reads the newest calls without scanning the whole log.
        Index("ix_events_kind_day_id", "kind", "business_day", "id"),
        _hall(),
    )


FEEDBACK_STATES = ("new", "answered", "closed")


class Feedback(Base):
    """A note left in the supervision box (监督箱): anonymous or tied to a ticket."""

    __table__ = _table(
        "feedback",
        _column("id", Integer(), primary_key=True),
        _column("at", DateTime()),
        _column("business_day", Date()),
        _column("ticket_id", Integer(), ForeignKey("tickets.id"), nullable=True),
        _column("body", String(1000)),
        _column("status", String(10), default="new", index=True),
        _column("reply", String(1000), nullable=True),
        _column("replied_by", String(20), ForeignKey("staff.id"), nullable=True),
        _column("replied_at", DateTime(), nullable=True),
        CheckConstraint(_in("status", FEEDBACK_STATES), name="status"),
        _hall(),
    )


REMEDY_STATES = ("granted", "pending", "approved", "refused")
"""granted: within the handler's own authority; pending: above it, waiting for the duty
leader, who makes it approved or refused."""


class Remedy(Base):
    """A remedy on a ticket (授权): a fee waiver, compensation or a service, granted by its
    handler within their authority limit, or requested of the duty leader above it."""

    __table__ = _table(
        "remedies",
        _column("id", Integer(), primary_key=True),
        _column("ticket_id", Integer(), ForeignKey("tickets.id"), index=True),
        _column("business_day", Date()),
        # A remedy kind code of the hall config ([[remedy]]), e.g. late_fee_waiver.
        _column("kind", String(20)),
        # Money as integer fen (1/100 yuan): never a float.
        _column("amount_fen", Integer()),
        _column("reason", String(500)),
        _column("status", String(10)),
        _column("requested_by", String(20), ForeignKey("staff.id")),
        _column("requested_at", DateTime()),
        _column("decided_by", String(20), ForeignKey("staff.id"), nullable=True),
        _column("decided_at", DateTime(), nullable=True),
        _column("decision_reason", String(500), nullable=True),
        CheckConstraint(_in("status", REMEDY_STATES), name="status"),
        CheckConstraint("amount_fen >= 0", name="amount"),
        # The leader's list of pending requests reads only pending rows.
        _partial("ix_remedies_pending", "requested_at", where="status = 'pending'"),
        Index("ix_remedies_staff_day", "requested_by", "business_day"),
        _hall(),
    )


COMPLAINT_STATES = ("open", "resolved")
COMPLAINT_OUTCOMES = ("upheld", "not_upheld")
COMPLAINT_CORRECTIONS = ("none", "reassign", "reopen", "void", "remedy")
"""How the duty leader corrects an upheld (or not upheld) complaint; see `db.rules.complaints`."""


class Complaint(Base):
    """A customer's complaint to the duty leader (投诉) about a ticket and its handler."""

    __table__ = _table(
        "complaints",
        _column("id", Integer(), primary_key=True),
        _column("ticket_id", Integer(), ForeignKey("tickets.id"), index=True),
        _column("business_day", Date()),
        # The handler complained about, as it was when the complaint was recorded.
        _column("handler_id", String(20), ForeignKey("staff.id"), index=True, nullable=True),
        _column("body", String(500)),
        _column("customer_name", String(40), nullable=True),
        _column("customer_phone", String(20), nullable=True),
        _column("status", String(10), default="open"),
        _column("recorded_by", String(20), ForeignKey("staff.id")),
        _column("recorded_at", DateTime()),
        _column("outcome", String(12), nullable=True),
        _column("correction", String(10), nullable=True),
        _column("resolution", String(500), nullable=True),
        _column("resolved_by", String(20), ForeignKey("staff.id"), nullable=True),
        _column("resolved_at", DateTime(), nullable=True),
        _column("new_handler_id", String(20), ForeignKey("staff.id"), nullable=True),
        _column("remedy_id", Integer(), ForeignKey("remedies.id"), nullable=True),
        CheckConstraint(_in("status", COMPLAINT_STATES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', COMPLAINT_OUTCOMES)}",
                        name="outcome"),
        CheckConstraint(f"correction IS NULL OR {_in('correction', COMPLAINT_CORRECTIONS)}",
                        name="correction"),
        # The leader's list of open complaints reads only open rows.
        _partial("ix_complaints_open", "recorded_at", where="status = 'open'"),
        _hall(),
    )


class Appointment(Base):
    """A booking made through the utility's online channels (预约) for a slot of one day,
    imported from the channel's list or added by hand; checked in once, at the kiosk, by its
    code or by the phone's last four digits and the account (`db.rules.appointments`)."""

    __table__ = _table(
        "appointments",
        _column("id", Integer(), primary_key=True),
        _column("day", Date()),
        # Digits only, as the kiosk's on-screen keypad types them; unique within the day.
        _column("code", String(12)),
        _column("name", String(40)),
        _column("phone", String(20)),
        _column("account", String(32), nullable=True),
        _column("business", String(1), ForeignKey("business_types.prefix")),
        # The slot, as UTC instants like every other time (the list gives local times).
        _column("slot_start", DateTime()),
        _column("slot_end", DateTime()),
        _column("state", String(12)),
        _column("ticket_id", Integer(), ForeignKey("tickets.id"), unique=True, nullable=True),
        _column("checked_in_at", DateTime(), nullable=True),
        _column("imported_at", DateTime()),
        # Where the booking came from: "import FILE" or "add".
        _column("source", String(80)),
        UniqueConstraint("day", "code", name="uq_appointments_day_code"),
        CheckConstraint(_in("state", APPOINTMENT_STATES), name="state"),
        CheckConstraint("slot_end > slot_start", name="slot"),
        Index("ix_appointments_day_account", "day", "account"),
        _hall(),
    )

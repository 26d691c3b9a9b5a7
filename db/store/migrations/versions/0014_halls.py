"""halls: many halls in one database (issue 17). A `halls` table (id, code, name); every
hall-scoped table gets `hall_id`, back-filled with the one hall the database held until now
(code `main`). Business types and the hall secrets stay shared by the halls of a database.

On PostgreSQL the hall is part of every key a hall owns (a counter's number, a day's ticket
numbers and sequences, one current ticket per counter, an appointment's code, stored day
figures, PIN attempts), and row-level security scopes every statement to the hall the
session names (`hall.id`, set by `db.store.session.Hall` in each transaction): a row of
another hall is neither seen nor written. A session that names no hall (or hall 0) sees
every hall, as migrations and whole-database tools need; a new row then goes to the only
hall, and is refused (no hall) on a database of several. The event log stays one hash chain over the whole database: the sealer (0013), whose
transaction names no hall, chains every hall's events. On SQLite a database is one hall, as before: the
column is there (always 1) and the keys are unchanged.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED = ("staff", "pin_attempts", "day_figures", "counters", "day_sequences", "tickets",
          "events", "feedback", "remedies", "complaints", "appointments")
"""The tables whose rows belong to one hall."""

SETTING = "nullif(current_setting('hall.id', true), '')"
"""The session's hall (NULL when it names none)."""

COUNTER_REFS = (("tickets", "counter_number"), ("tickets", "directed_to"),
                ("events", "counter_number"))
"""The columns naming a counter: on PostgreSQL they name it with their row's hall."""

KEYS = (
    # (table, constraint, kind, columns before, columns after)
    ("day_sequences", "pk_day_sequences", "PRIMARY KEY", "business_day, prefix",
     "hall_id, business_day, prefix"),
    ("day_figures", "pk_day_figures", "PRIMARY KEY", "day, version", "hall_id, day, version"),
    ("pin_attempts", "pk_pin_attempts", "PRIMARY KEY", "key", "hall_id, key"),
    ("tickets", "uq_tickets_day_number", "UNIQUE", "business_day, number",
     "hall_id, business_day, number"),
    ("appointments", "uq_appointments_day_code", "UNIQUE", "day, code", "hall_id, day, code"),
)

INDEXES = (
    # (name, table, columns before, WHERE, unique)
    ("uq_tickets_counter_current", "tickets", "counter_number",
     "status IN ('called', 'serving') AND counter_number IS NOT NULL", True),
    ("ix_tickets_queue", "tickets", "business_day, business, priority_rank, queued_at, id",
     "status = 'waiting'", False),
    ("ix_tickets_directed", "tickets", "directed_to, business_day, priority_rank, queued_at, id",
     "status = 'waiting' AND directed_to IS NOT NULL", False),
    ("ix_events_kind_day_id", "events", "kind, business_day, id", None, False),
)


def upgrade() -> None:
    op.create_table(
        "halls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_halls")),
        sa.UniqueConstraint("code", name=op.f("uq_halls_code")),
    )
    op.execute("INSERT INTO halls (id, code, name) VALUES (1, 'main', '营业厅')")
    for table in SCOPED:
        op.add_column(table, sa.Column("hall_id", sa.Integer(), nullable=False,
                                       server_default="1"))
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_keys()
        _postgresql_security()


DEFAULT = f"""
CREATE FUNCTION hall_default() RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT coalesce(({SETTING})::integer, (SELECT min(id) FROM halls HAVING count(*) = 1))
$$
"""
"""A new row's hall: the session's; in a session that names none, the database's only hall
(a single-hall database works as before for every tool), and none (refused: NOT NULL) when
the database holds several."""


def _postgresql_keys() -> None:
    op.execute("SELECT setval(pg_get_serial_sequence('halls', 'id'), 1)")
    op.execute(DEFAULT)
    for table in SCOPED:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_hall_id_halls "
                   "FOREIGN KEY (hall_id) REFERENCES halls (id)")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN hall_id SET DEFAULT hall_default()")
    for table, column in COUNTER_REFS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_{column}_counters")
    op.execute("ALTER TABLE counters DROP CONSTRAINT pk_counters")
    op.execute("ALTER TABLE counters ADD CONSTRAINT pk_counters PRIMARY KEY (hall_id, number)")
    for table, column in COUNTER_REFS:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{column}_counters "
                   f"FOREIGN KEY (hall_id, {column}) REFERENCES counters (hall_id, number)")
    for table, name, kind, _before, after in KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {kind} ({after})")
    for name, table, columns, where, unique in INDEXES:
        op.execute(f"DROP INDEX {name}")
        op.execute(_index(name, table, f"hall_id, {columns}", where, unique))


def _index(name: str, table: str, columns: str, where: str | None, unique: bool) -> str:
    return (f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {table} ({columns})"
            + (f" WHERE {where}" if where else ""))


VISIBLE = (f"CASE WHEN coalesce({SETTING}, '0') = '0' THEN (SELECT array_agg(id) FROM halls) "
           f"ELSE ARRAY[({SETTING})::integer] END")
"""The halls a session sees: the one it names, else every hall. One policy, an equality (or
IN) on the leading column of every key that includes the hall: the planner uses those
indexes as before (two policies OR-ed together would hide the hall from the index)."""


def _postgresql_security() -> None:
    for table in SCOPED:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        # FORCE: the tables' owner (often the role the apps use) is held to the policies too.
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY hall_rows ON {table} USING (hall_id = ANY ({VISIBLE}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        if op.get_bind().execute(sa.text("SELECT count(*) FROM halls")).scalar_one() > 1:
            raise RuntimeError("the database holds several halls: it cannot go back to one")
        for table in SCOPED:
            op.execute(f"DROP POLICY hall_rows ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for name, table, columns, where, unique in INDEXES:
            op.execute(f"DROP INDEX {name}")
            op.execute(_index(name, table, columns, where, unique))
        for table, name, kind, before, _after in KEYS:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {kind} ({before})")
        for table, column in COUNTER_REFS:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_{column}_counters")
        op.execute("ALTER TABLE counters DROP CONSTRAINT pk_counters")
        op.execute("ALTER TABLE counters ADD CONSTRAINT pk_counters PRIMARY KEY (number)")
        for table, column in COUNTER_REFS:
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{column}_counters "
                       f"FOREIGN KEY ({column}) REFERENCES counters (number)")
        for table in SCOPED:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_hall_id_halls")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN hall_id DROP DEFAULT")
        op.execute("DROP FUNCTION hall_default()")
    for table in reversed(SCOPED):
        op.drop_column(table, "hall_id")
    op.drop_table("halls")

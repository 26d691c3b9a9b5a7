"""event seal: each event's place in the chain (events.seal), so that PostgreSQL writers
append side by side and one sealer chains their committed events afterwards
(`db.store.audit.seal`); every event chained so far keeps its place: seal = id. On
PostgreSQL the events' id sequence is moved past the ids given out by hand until now.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEALING = """
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one change an event may undergo: the sealer gives an unsealed event its place
    -- and hashes, its own columns untouched.
    IF TG_OP = 'UPDATE' AND OLD.seal IS NULL AND NEW.seal IS NOT NULL
        AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
        AND (NEW.id, NEW.at, NEW.business_day, NEW.kind, NEW.ticket_id, NEW.staff_id,
             NEW.counter_number, NEW.detail::text)
            IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.business_day, OLD.kind, OLD.ticket_id,
                                  OLD.staff_id, OLD.counter_number, OLD.detail::text) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the event log is append-only';
END $$
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$
"""
NO_UPDATE = ("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
             "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.add_column("events", sa.Column("seal", sa.Integer(), nullable=True))
    # Every event written so far was chained in id order as it was appended (a row without
    # a hash keeps its place too: verify goes on calling it inserted, never sealed afresh).
    # The append-only guard is lifted for this one UPDATE, as 0006 does.
    op.execute("DROP TRIGGER events_no_update" if sqlite
               else "ALTER TABLE events DISABLE TRIGGER events_no_change")
    op.execute("UPDATE events SET seal = id")
    op.execute(NO_UPDATE if sqlite else "ALTER TABLE events ENABLE TRIGGER events_no_change")
    op.create_index("ix_events_seal", "events", ["seal"], unique=True)
    if sqlite:
        return
    op.execute(SEALING)
    sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence('events', 'id')")).scalar()
    if sequence:
        bind.execute(sa.text(
            f"SELECT setval('{sequence}', COALESCE((SELECT max(id) FROM events), 0) + 1, "
            "false)"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(APPEND_ONLY)
    op.drop_index("ix_events_seal", table_name="events")
    op.drop_column("events", "seal")

"""audit chain: event_seals, the SHA-256 chain over the event log; existing history sealed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_seals",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_seals")),
    )
    # The seals are append-only like the log they protect.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_seals_no_{verb.lower()} BEFORE {verb} ON event_seals "
                "BEGIN SELECT RAISE(ABORT, 'the event seals are append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION event_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the event seals are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER event_seals_no_change BEFORE UPDATE OR DELETE ON event_seals "
            "FOR EACH ROW EXECUTE FUNCTION event_seals_append_only()"
        )
        op.execute(
            "CREATE TRIGGER event_seals_no_truncate BEFORE TRUNCATE ON event_seals "
            "FOR EACH STATEMENT EXECUTE FUNCTION event_seals_append_only()"
        )
    # The history already there is sealed now, with the chain of the running code (the
    # hash format is a contract of db.store.audit, not something a later version may change).
    from db.store.audit import CHUNK, GENESIS, link, stored_events

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    seals = sa.table("event_seals", sa.column("event_id", sa.Integer),
                     sa.column("hash", sa.String), sa.column("sealed_at", sa.DateTime))
    previous, batch = GENESIS, []
    for row in stored_events(op.get_bind()):
        previous = link(previous, row)
        batch.append({"event_id": row.id, "hash": previous, "sealed_at": now})
        if len(batch) >= CHUNK:
            op.bulk_insert(seals, batch)
            batch = []
    if batch:
        op.bulk_insert(seals, batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_update")
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_truncate ON event_seals")
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_change ON event_seals")
        op.execute("DROP FUNCTION IF EXISTS event_seals_append_only()")
    op.drop_table("event_seals")

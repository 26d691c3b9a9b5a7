"""first tables

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "business_types",
        sa.Column("prefix", sa.String(length=1), nullable=False),
        sa.Column("name_zh", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("standard_minutes", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_business_types")),
    )
    op.create_table(
        "day_sequences",
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=1), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_day", "prefix", name=op.f("pk_day_sequences")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("authority_limit", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_pins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('guide', 'clerk', 'support', 'leader')", name=op.f("ck_staff_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    op.create_table(
        "counters",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name_zh", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("profile", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.String(length=20), nullable=True),
        sa.Column("signed_in_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('closed', 'open', 'paused')", name=op.f("ck_counters_state")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_counters_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_counters")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_counters_staff_id")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("business", sa.String(length=1), nullable=False),
        sa.Column("origin_business", sa.String(length=1), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("handler_id", sa.String(length=20), nullable=True),
        sa.Column("issued_by", sa.String(length=20), nullable=True),
        sa.Column("support_id", sa.String(length=20), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("first_called_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("no_show_at", sa.DateTime(), nullable=True),
        sa.Column("recalls", sa.Integer(), nullable=False),
        sa.Column("services", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'called', 'serving', 'with_support', 'done', 'no_show', 'cancelled')",
            name=op.f("ck_tickets_status"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 4", name=op.f("ck_tickets_rating")
        ),
        sa.ForeignKeyConstraint(
            ["business"], ["business_types.prefix"], name=op.f("fk_tickets_business_business_types")
        ),
        sa.ForeignKeyConstraint(
            ["counter_number"], ["counters.number"], name=op.f("fk_tickets_counter_number_counters")
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["staff.id"], name=op.f("fk_tickets_handler_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["staff.id"], name=op.f("fk_tickets_issued_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["origin_business"],
            ["business_types.prefix"],
            name=op.f("fk_tickets_origin_business_business_types"),
        ),
        sa.ForeignKeyConstraint(
            ["support_id"], ["staff.id"], name=op.f("fk_tickets_support_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("business_day", "number", name="uq_tickets_day_number"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_account"), ["account"], unique=False)
        batch_op.create_index("ix_tickets_done", ["business", "completed_at"], unique=False)
        batch_op.create_index("ix_tickets_handler_status", ["handler_id", "status"], unique=False)
        batch_op.create_index(
            "ix_tickets_queue",
            ["business_day", "business", "priority_rank", "queued_at", "id"],
            unique=False,
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )
        batch_op.create_index("ix_tickets_support", ["status", "support_id"], unique=False)
        batch_op.create_index(
            "uq_tickets_counter_current",
            ["counter_number"],
            unique=True,
            sqlite_where=sa.text("status IN ('called', 'serving') AND counter_number IS NOT NULL"),
            postgresql_where=sa.text(
                "status IN ('called', 'serving') AND counter_number IS NOT NULL"
            ),
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.String(length=20), nullable=True),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["counter_number"], ["counters.number"], name=op.f("fk_events_counter_number_counters")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_events_staff_id_staff")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_business_day"), ["business_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_events_kind_day_id", ["kind", "business_day", "id"], unique=False)

    # The event log is append-only: the database itself refuses edits and deletions.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
                "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
        )
        # Every step appends an event: its commit tells the displays (LISTEN hall_changes,
        # db/store/watch.py) that the hall changed. Delivered at commit, once per transaction.
        op.execute(
            "CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_notify('hall_changes', ''); RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER events_notify AFTER INSERT ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION events_notify()"
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_day_id")
        batch_op.drop_index(batch_op.f("ix_events_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_events_business_day"))

    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_notify ON events")
        op.execute("DROP FUNCTION IF EXISTS events_notify()")
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_no_change ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    op.drop_table("events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tickets_counter_current",
            sqlite_where=sa.text("status IN ('called', 'serving') AND counter_number IS NOT NULL"),
            postgresql_where=sa.text(
                "status IN ('called', 'serving') AND counter_number IS NOT NULL"
            ),
        )
        batch_op.drop_index("ix_tickets_support")
        batch_op.drop_index(
            "ix_tickets_queue",
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )
        batch_op.drop_index("ix_tickets_handler_status")
        batch_op.drop_index("ix_tickets_done")
        batch_op.drop_index(batch_op.f("ix_tickets_account"))

    op.drop_table("tickets")
    op.drop_table("counters")
    op.drop_table("staff")
    op.drop_table("day_sequences")
    op.drop_table("business_types")

"""kiosk: supervision box, tickets directed to a counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIRECTED_WHERE = "status = 'waiting' AND directed_to IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reply", sa.String(length=1000), nullable=True),
        sa.Column("replied_by", sa.String(length=20), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('new', 'answered', 'closed')", name=op.f("ck_feedback_status")
        ),
        sa.ForeignKeyConstraint(
            ["replied_by"], ["staff.id"], name=op.f("fk_feedback_replied_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_feedback_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_status"), "feedback", ["status"], unique=False)
    # A plain ADD COLUMN (with its reference inline): no table rebuild, so a hall with years
    # of tickets upgrades in a moment.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tickets ADD COLUMN directed_to INTEGER REFERENCES counters (number)")
    else:
        op.add_column("tickets", sa.Column("directed_to", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_tickets_directed_to_counters"), "tickets", "counters",
            ["directed_to"], ["number"],
        )
    op.create_index(
        "ix_tickets_directed",
        "tickets",
        ["directed_to", "business_day", "priority_rank", "queued_at", "id"],
        unique=False,
        sqlite_where=sa.text(DIRECTED_WHERE),
        postgresql_where=sa.text(DIRECTED_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_directed", table_name="tickets")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tickets DROP COLUMN directed_to")
    else:
        op.drop_constraint(op.f("fk_tickets_directed_to_counters"), "tickets", type_="foreignkey")
        op.drop_column("tickets", "directed_to")
    op.drop_index(op.f("ix_feedback_status"), table_name="feedback")
    op.drop_table("feedback")

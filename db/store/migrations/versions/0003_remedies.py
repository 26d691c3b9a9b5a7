"""remedies within authority (授权): granted by the handler, or pending the duty leader

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_WHERE = "status = 'pending'"


def upgrade() -> None:
    op.create_table(
        "remedies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=20), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_remedies_amount")),
        sa.CheckConstraint(
            "status IN ('granted', 'pending', 'approved', 'refused')",
            name=op.f("ck_remedies_status"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_remedies_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["staff.id"], name=op.f("fk_remedies_requested_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["staff.id"], name=op.f("fk_remedies_decided_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedies")),
    )
    op.create_index(op.f("ix_remedies_ticket_id"), "remedies", ["ticket_id"], unique=False)
    op.create_index(
        "ix_remedies_staff_day", "remedies", ["requested_by", "business_day"], unique=False
    )
    op.create_index(
        "ix_remedies_pending",
        "remedies",
        ["requested_at"],
        unique=False,
        sqlite_where=sa.text(PENDING_WHERE),
        postgresql_where=sa.text(PENDING_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_remedies_pending", table_name="remedies")
    op.drop_index("ix_remedies_staff_day", table_name="remedies")
    op.drop_index(op.f("ix_remedies_ticket_id"), table_name="remedies")
    op.drop_table("remedies")

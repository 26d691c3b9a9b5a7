"""complaints to the duty leader (投诉): recorded against a ticket and its handler, resolved
with an outcome and a correction

The supervision box's `feedback` table already has its status and reply columns (0002), so
this revision adds only the complaints.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_WHERE = "status = 'open'"


def _staff_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["staff.id"], name=op.f(f"fk_complaints_{column}_staff")
    )


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("handler_id", sa.String(length=20), nullable=True),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("customer_name", sa.String(length=40), nullable=True),
        sa.Column("customer_phone", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("correction", sa.String(length=10), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=True),
        sa.Column("resolved_by", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("new_handler_id", sa.String(length=20), nullable=True),
        sa.Column("remedy_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_complaints_status")),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'not_upheld')",
            name=op.f("ck_complaints_outcome"),
        ),
        sa.CheckConstraint(
            "correction IS NULL OR correction IN ('none', 'reassign', 'reopen', 'void', "
            "'remedy')",
            name=op.f("ck_complaints_correction"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_complaints_ticket_id_tickets")
        ),
        _staff_fk("handler_id"),
        _staff_fk("recorded_by"),
        _staff_fk("resolved_by"),
        _staff_fk("new_handler_id"),
        sa.ForeignKeyConstraint(
            ["remedy_id"], ["remedies.id"], name=op.f("fk_complaints_remedy_id_remedies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index(op.f("ix_complaints_ticket_id"), "complaints", ["ticket_id"], unique=False)
    op.create_index(op.f("ix_complaints_handler_id"), "complaints", ["handler_id"], unique=False)
    op.create_index(
        "ix_complaints_open",
        "complaints",
        ["recorded_at"],
        unique=False,
        sqlite_where=sa.text(OPEN_WHERE),
        postgresql_where=sa.text(OPEN_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_open", table_name="complaints")
    op.drop_index(op.f("ix_complaints_handler_id"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_ticket_id"), table_name="complaints")
    op.drop_table("complaints")

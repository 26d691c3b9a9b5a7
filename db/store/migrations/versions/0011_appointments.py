"""appointments: the day's bookings made through the utility's online channels (预约), imported
or added before the day and checked in at the kiosk, which gives a number with the
appointment priority inside the slot's window

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=True),
        sa.Column("business", sa.String(length=1), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("slot_end", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.CheckConstraint("state IN ('booked', 'checked_in', 'missed')",
                           name=op.f("ck_appointments_state")),
        sa.CheckConstraint("slot_end > slot_start", name=op.f("ck_appointments_slot")),
        sa.ForeignKeyConstraint(["business"], ["business_types.prefix"],
                                name=op.f("fk_appointments_business_business_types")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_appointments_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("day", "code", name="uq_appointments_day_code"),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_appointments_ticket_id")),
    )
    op.create_index("ix_appointments_day_account", "appointments", ["day", "account"])


def downgrade() -> None:
    op.drop_index("ix_appointments_day_account", table_name="appointments")
    op.drop_table("appointments")

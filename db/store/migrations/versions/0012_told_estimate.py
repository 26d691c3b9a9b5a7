"""told estimate: what the customer was told at issue (the kiosk's, guide's, CLI's or the
simulator's estimated wait, issue 16): minutes (0: 即将叫号) and the low–high range, kept
with the ticket so that exports and reports compare it with the actual wait; NULL when no
open counter served the business (nothing was promised) and for tickets of older versions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("told_minutes", "told_low", "told_high")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("tickets", sa.Column(name, sa.Double(), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), as 0007 does.
    for name in reversed(COLUMNS):
        op.drop_column("tickets", name)

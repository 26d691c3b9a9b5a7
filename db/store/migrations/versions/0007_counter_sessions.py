"""counter sessions: each sign-in at a counter gets its own token (counters.session), so a
second client signing in at the same counter ends the first one's session instead of both
acting at the counter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Clients signed in before the upgrade hold no token: the column starts NULL for them,
    # and a NULL session is never a client's (they sign in again after the upgrade).
    op.add_column("counters", sa.Column("session", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of the table could not
    # drop it while the tickets' foreign keys point at it.
    op.drop_column("counters", "session")

"""day figures: the report's raw sums of each closed business day, written once (when a
report first reads the day after it ended) and combined by later reports; a trigger drops
a day's row when an event is logged for one of its tickets or on it (a correction, a late
rating), so the figures are computed again from the log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGER = """
CREATE TRIGGER day_figures_stale AFTER INSERT ON events
BEGIN
    DELETE FROM day_figures WHERE day = NEW.business_day
        OR day = (SELECT business_day FROM tickets WHERE id = NEW.ticket_id);
END
"""
POSTGRES_FUNCTION = """
CREATE FUNCTION day_figures_stale() RETURNS trigger AS $$
BEGIN
    DELETE FROM day_figures WHERE day = NEW.business_day
        OR day = (SELECT business_day FROM tickets WHERE id = NEW.ticket_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER day_figures_stale AFTER INSERT ON events
FOR EACH ROW EXECUTE FUNCTION day_figures_stale()
"""


def upgrade() -> None:
    op.create_table(
        "day_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("through_event", sa.Integer(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", "version", name=op.f("pk_day_figures")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER day_figures_stale ON events")
        op.execute("DROP FUNCTION day_figures_stale()")
    else:
        op.execute("DROP TRIGGER day_figures_stale")
    op.drop_table("day_figures")

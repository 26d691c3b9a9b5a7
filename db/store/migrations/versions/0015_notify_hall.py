"""notify hall: on PostgreSQL a commit that appends events tells the displays which halls
changed (the payload of the `hall_changes` notification is each hall's id), so that a wall
display wakes for its own hall's steps only, not for every hall of the database. SQLite
(one hall a file) has no notification and is untouched.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PER_HALL = """
CREATE OR REPLACE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One notification per hall the statement appended to (the server folds the same
    -- channel and payload into one per transaction).
    PERFORM pg_notify('hall_changes', changed.hall_id::text)
        FROM (SELECT DISTINCT hall_id FROM added) AS changed;
    RETURN NULL;
END $$
"""
ANY_HALL = """
CREATE OR REPLACE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM pg_notify('hall_changes', ''); RETURN NULL; END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS events_notify ON events")
    op.execute(PER_HALL)
    op.execute("CREATE TRIGGER events_notify AFTER INSERT ON events REFERENCING NEW TABLE AS "
               "added FOR EACH STATEMENT EXECUTE FUNCTION events_notify()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS events_notify ON events")
    op.execute(ANY_HALL)
    op.execute("CREATE TRIGGER events_notify AFTER INSERT ON events "
               "FOR EACH STATEMENT EXECUTE FUNCTION events_notify()")

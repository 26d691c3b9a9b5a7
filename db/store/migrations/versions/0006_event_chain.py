"""event chain: every event carries the hash of the one before (events.prev_hash, hash);
the seals of 0004 move into the events and their table goes

An event sealed by 0004 keeps its seal as its hash, so whatever was done to the sealed
history before this upgrade is still found by `hall audit verify`: an edited event no longer
matches, a deleted one leaves a gap, and an event slipped in among the sealed ones gets no
hash at all (reported as inserted); a seal left without its event makes the next event
chain to the missing one (reported as deleted). The events after the last seal are chained now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALS = sa.table("event_seals", sa.column("event_id", sa.Integer),
                 sa.column("hash", sa.String), sa.column("sealed_at", sa.DateTime))
EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("prev_hash", sa.String),
                  sa.column("hash", sa.String))


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _updates_allowed(allowed: bool) -> None:
    """Lift the append-only guard on events for this migration's own UPDATE, or restore it."""
    if _sqlite():
        if allowed:
            op.execute("DROP TRIGGER events_no_update")
        else:
            op.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                       "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")
    else:
        verb = "DISABLE" if allowed else "ENABLE"
        op.execute(f"ALTER TABLE events {verb} TRIGGER events_no_change")


def _drop_seal_guards() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_update")
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_truncate ON event_seals")
        op.execute("DROP TRIGGER IF EXISTS event_seals_no_change ON event_seals")
        op.execute("DROP FUNCTION IF EXISTS event_seals_append_only()")


def upgrade() -> None:
    from db.store.audit import CHUNK, GENESIS, STORED, link, stored_events

    op.add_column("events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    last_sealed = bind.execute(sa.select(sa.func.max(SEALS.c.event_id))).scalar() or 0
    update = (sa.update(EVENTS).where(EVENTS.c.id == sa.bindparam("row"))
              .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")))
    _updates_allowed(True)
    # A seal whose event is gone stands in for it: the next event then chains to the
    # deleted one, and verify reports the deletion.
    orphans = list(bind.execute(
        sa.select(SEALS.c.event_id, SEALS.c.hash)
        .where(SEALS.c.event_id.not_in(sa.select(STORED.c.id))).order_by(SEALS.c.event_id)
    ))
    previous, batch = GENESIS, []
    seal = SEALS.c.hash.label("seal")
    joined = STORED.outerjoin(SEALS, SEALS.c.event_id == STORED.c.id)
    for row in stored_events(bind, seal, source=joined):
        while orphans and orphans[0].event_id < row.id:
            previous = orphans.pop(0).hash
        if row.seal is not None:  # as sealed: the seal was computed over the previous seal
            batch.append({"row": row.id, "p": previous, "h": row.seal})
            previous = row.seal
        elif row.id < last_sealed:  # slipped in among the sealed events: left unchained
            continue
        else:
            chained = link(previous, row)
            batch.append({"row": row.id, "p": previous, "h": chained})
            previous = chained
        if len(batch) >= CHUNK:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)
    _updates_allowed(False)
    _drop_seal_guards()
    op.drop_table("event_seals")


def downgrade() -> None:
    op.create_table(
        "event_seals",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_seals")),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.execute(
        sa.insert(SEALS).from_select(
            ["event_id", "hash", "sealed_at"],
            sa.select(EVENTS.c.id, EVENTS.c.hash, sa.literal(now, sa.DateTime))
            .where(EVENTS.c.hash.is_not(None)),
        )
    )
    if _sqlite():
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
    op.drop_column("events", "hash")
    op.drop_column("events", "prev_hash")

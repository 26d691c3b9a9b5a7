"""Creating and upgrading the database (Alembic), and loading the hall config into it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, update

from db.store import halls
from db.store.engine import create_database
from db.store.models import BusinessTypeRow, Counter
from db.store.session import Hall, Tx

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision(engine: Engine) -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision, keeping all history; a no-op when current."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def sync_config(tx: Tx) -> None:
    """Write the config's business types and counters into the database (new ones added,
    names and profiles updated; a counter's state and staff are left as they are)."""
    for kind in tx.config.businesses:
        _upsert(tx, BusinessTypeRow, "prefix", kind.prefix, name_zh=kind.name_zh,
                name_en=kind.name_en, standard_minutes=kind.standard_minutes)
    for desk in tx.config.counters:
        _upsert(tx, Counter, "number", desk.number, name_zh=desk.name_zh,
                name_en=desk.name_en, profile=",".join(desk.profile))


def _upsert(tx: Tx, model: type, key: str, value: object, **values: object) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    exists = tx.conn.execute(select(table.c[key]).where(table.c[key] == value)).first()
    if exists:
        tx.conn.execute(update(table).where(table.c[key] == value).values(**values))
    else:
        tx.conn.execute(table.insert().values({key: value, **values}))


def init_db(hall: Hall, name: str = "") -> str | None:
    """Create or upgrade the schema, then load the config: safe to run any number of times.
    Returns the revision the database is now at. The one place a hall's database is
    created: a missing SQLite file is made owner-only (`create_database`); and the one place
    a hall is added to a database (`hall.code` not yet in it: `db.store.halls.ensure`)."""
    create_database(hall.engine.url)
    upgrade(hall.engine)
    if hall.code is not None:
        with hall.engine.begin() as conn:
            halls.ensure(conn, hall.code, name)
    with hall.write() as tx:
        sync_config(tx)
    return current_revision(hall.engine)

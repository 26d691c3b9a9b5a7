"""Shared fixtures: a hall on a temporary database with a clock the test moves.

Every test that reaches the database through `db_url` (the `hall`, `empty_hall` and the CLI's
`cli_url` fixtures all do) runs twice: on a SQLite file (`[sqlite]`) and on a database of a
throw-away PostgreSQL cluster (`[pg]`), one cluster shared by the pytest workers, started by
the first worker to reach a PostgreSQL test and stopped by pytest's main process at the end,
each test on its own database cloned from a template. Where the server
binaries are missing the `[pg]` half skips with one line. A test marked
`@pytest.mark.sqlite_only("why")` runs once, on SQLite: it is about SQLite itself (its file,
its locks, its driver), or it draws the screen only (a layout that no database changes).

The apps' tests (tests/apps) run on SQLite, and on PostgreSQL too where marked `pg_too`: the
apps reach the database only through the core and the change watcher, which the doubled
unit and CLI tests cover on both; the marked ones are those that watch another process's
commits (the watcher is PostgreSQL's LISTEN there), lose and regain the database, or keep
one live session per counter, and one whole flow of each app. The doubled Textual flows
took the suite from 7 to 17 minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from db.config import HallConfig, load_config
from db.rules import counters, staff
from db.store.schema import init_db
from db.store.session import Hall, ManualClock, utc_now
from tests import pg_cluster

OPENING = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
"""The tests' hall opens at 09:00 local time on a Friday."""

PIN = "2468"
"""Every test staff member's PIN but the duty leader's."""

LEADER_PIN = "246813"
"""The test duty leader's PIN (L01): a leader's PIN has at least 6 digits."""

TEAM = [
    ("C01", "张伟", "clerk"),
    ("C02", "王芳", "clerk"),
    ("C03", "李娜", "clerk"),
    ("S01", "刘强", "support"),
    ("G01", "陈静", "guide"),
    ("L01", "杨洋", "leader"),
]


BACKENDS = ("sqlite", "pg")
"""The database engines a test that touches the database runs on (its id's suffix)."""


SHARED = "HALL_TESTS_SHARED"
"""The environment variable naming the folder the pytest processes of one run share (made by
the main process before the workers start, who inherit it): the PostgreSQL cluster's
address, and the locks around starting it and building its templates."""


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # pytest's main process (or the only one)
        os.environ[SHARED] = tempfile.mkdtemp(prefix="hall-tests-")
    config.addinivalue_line(
        "markers", "sqlite_only(why): runs on SQLite only (not doubled on PostgreSQL), for the "
        "reason given: SQLite's own file, locks or driver, or a screen's layout alone")
    config.addinivalue_line(
        "markers", "pg_too: an app test (tests/apps) that runs on PostgreSQL as well")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers a core (at most `--maxprocesses`, 4 in pyproject.toml). Much
    of the suite waits rather than computes (a Textual pilot's pauses, a process or server
    starting, a step's answer from another process): with one worker a core the cores stand
    partly idle."""
    return 2 * len(os.sched_getaffinity(0))


def pytest_unconfigure(config: pytest.Config) -> None:
    """The main process, once every worker is done: the shared cluster stopped, if one was
    started."""
    if hasattr(config, "workerinput") or SHARED not in os.environ:
        return
    shared = Path(os.environ.pop(SHARED))
    started = shared / "cluster"
    if started.exists():
        pg_cluster.stop(Path(started.read_text().split("\n")[1]))
    shutil.rmtree(shared, ignore_errors=True)


@contextmanager
def _shared_lock(name: str) -> Iterator[Path]:
    """The run's shared folder, held under the lock `name` (one pytest process at a time)."""
    shared = Path(os.environ[SHARED])
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield shared
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that needs the `backend` (through `db_url` and the fixtures built on it) runs on
    each of `BACKENDS`, unless marked `sqlite_only`."""
    if "backend" not in metafunc.fixturenames:
        return
    once = metafunc.definition.get_closest_marker("sqlite_only")
    if "db_path" in metafunc.fixturenames:  # the CLI's database *file*: about SQLite
        return
    if once is not None:
        if not once.args:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a why")
        return
    in_apps = Path(str(metafunc.definition.path)).parent.name == "apps"
    if in_apps and metafunc.definition.get_closest_marker("pg_too") is None:
        return
    metafunc.parametrize("backend", BACKENDS)


_PG_NOT_RUN: list[int] = []
"""How many tests on PostgreSQL were left out because no cluster can be started here."""


def _on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return (callspec is not None and callspec.params.get("backend") == "pg") \
        or "pg" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked `slow` first, the others after (each group in its own order): xdist
    hands the tests out in collection order, and a test of a minute or more that starts
    near the end keeps the whole run waiting for it alone.
    Where no PostgreSQL cluster can be started, the PostgreSQL half is left out but for its
    first test, which skips saying why and how many were not run: one line in the summary."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if pg_cluster.missing() is None:
        return
    on_postgres = [item for item in items if _on_postgres(item)]
    if len(on_postgres) > 1:
        left_out = set(on_postgres[1:])
        config.hook.pytest_deselected(items=on_postgres[1:])
        items[:] = [item for item in items if item not in left_out]
    _PG_NOT_RUN.append(len(on_postgres))


@pytest.fixture(autouse=True)
def _no_user_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own database, config and counter never leak into a test."""
    monkeypatch.setenv("HALL_DB", f"sqlite:///{tmp_path / 'default-hall.db'}")
    monkeypatch.delenv("HALL_CONFIG", raising=False)
    monkeypatch.delenv("HALL_COUNTER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def config() -> HallConfig:
    """The shipped default hall config."""
    return load_config()


@pytest.fixture
def clock() -> ManualClock:
    """A clock at opening time that only moves when the test moves it."""
    return ManualClock(OPENING)


@pytest.fixture
def backend() -> str:
    """The database engine of the test: "sqlite" or "pg" (`pytest_generate_tests` runs a
    test needing it on both; this default is for the tests marked `sqlite_only`)."""
    return "sqlite"


class PgClusterForTests:
    """The worker's throw-away PostgreSQL cluster, with template databases made once (the
    migrated schema; the test team) that each test's database is cloned from."""

    def __init__(self, url: str, config: HallConfig) -> None:
        self.url = url
        """The cluster's URL with `{db}` to fill."""
        self._config = config
        self._templates: set[str] = set()
        self.admin = create_engine(url.format(db="postgres"), isolation_level="AUTOCOMMIT",
                                   poolclass=NullPool)

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def database(self, template: str | None = None) -> str:
        """A new database (empty, or a clone of the template named: "empty", "staffed",
        "cli"); its URL."""
        if template is not None and template not in self._templates:
            self._make_template(template)
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "tpl_{template}"' if template
                                                  else ""))
        return self.url.format(db=name)

    def drop(self, url: str) -> None:
        """Drop a test's database (its connections are cut: a test's app may still hold one)."""
        name = url.split("/")[3].split("?")[0]
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _make_template(self, template: str) -> None:
        """Build the template once for the run: the first worker to need it builds it (the
        others wait on its lock), under another name until it is whole."""
        name = f"tpl_{template}"
        with _shared_lock(name):
            with self.admin.connect() as conn:
                there = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                     {"name": name}).first()
            if there is None:
                building = f"{name}_building"
                self._sql(f'DROP DATABASE IF EXISTS "{building}"')
                self._sql(f'CREATE DATABASE "{building}"')
                clock = utc_now if template == "cli" else ManualClock(OPENING)  # as on SQLite
                hall = Hall.open(self.url.format(db=building), self._config, clock)
                init_db(hall)
                if template != "empty":
                    add_team(hall)
                hall.dispose()  # a template must have no connection when it is cloned
                self._sql(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        self._templates.add(template)


@pytest.fixture(scope="session")
def pg(config: HallConfig) -> Iterator[PgClusterForTests]:
    """The run's PostgreSQL cluster, shared by the pytest workers: started by the first to
    reach a test on PostgreSQL (each cluster start is an initdb and its templates: seconds of
    CPU), stopped by the main process at the end (`pytest_unconfigure`). Tests that stop or
    restart the server have one of their own (`own_pg`). Where it cannot be started here the
    one test on PostgreSQL left in (the others are deselected,
    `pytest_collection_modifyitems`) skips, saying why."""
    why = pg_cluster.missing()
    if why is not None:
        not_run = sum(_PG_NOT_RUN)
        pytest.skip(f"PostgreSQL half not run ({not_run} tests): {why}")
    with _shared_lock("cluster") as shared:
        started = shared / "cluster"
        if started.exists():
            url = started.read_text().split("\n")[0]
        else:
            url, folder = pg_cluster.start()
            started.write_text(f"{url}\n{folder}")
    cluster = PgClusterForTests(url, config)
    yield cluster
    cluster.admin.dispose()


@pytest.fixture(scope="module")
def own_pg(config: HallConfig) -> Iterator[PgClusterForTests]:
    """A PostgreSQL cluster of the module's own, for tests that stop or restart the server
    (the shared one, `pg`, serves every worker's tests at the same time)."""
    why = pg_cluster.missing()
    if why is not None:
        pytest.skip(f"PostgreSQL not run: {why}")
    with pg_cluster.cluster() as url:
        cluster = PgClusterForTests(url, config)
        yield cluster
        cluster.admin.dispose()


def _template_of(request: pytest.FixtureRequest) -> str | None:
    """The template a test's PostgreSQL database is cloned from: what its `hall`,
    `empty_hall` or `cli_url` fixture would copy on SQLite; none for a bare `db_url`."""
    names = request.fixturenames
    if "hall" in names:
        return "staffed"
    if "empty_hall" in names:
        return "empty"
    if "cli_url" in names:
        return "cli"
    return None


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The test's database: on SQLite a path for a fresh file (never :memory:, which each
    connection sees as a new database), made by `hall` or `init_db`; on PostgreSQL a new
    database, already a clone of the template the test's hall fixture would copy."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'hall.db'}"
        return
    cluster: PgClusterForTests = request.getfixturevalue("pg")
    url = cluster.database(_template_of(request))
    yield url
    cluster.drop(url)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, config: HallConfig) -> dict[str, Path]:
    """Database files built once per run and copied for each test: migrating and hashing
    six PINs with argon2id per test would cost over a second each time."""
    folder = tmp_path_factory.mktemp("templates")
    empty, staffed = folder / "empty.db", folder / "staffed.db"
    for path in (empty, staffed):
        hall = Hall.open(f"sqlite:///{path}", config, ManualClock(OPENING))
        init_db(hall)
        if path == staffed:
            add_team(hall)
        hall.dispose()  # the last connection to close checkpoints the WAL into the file
    return {"empty": empty, "staffed": staffed}


def add_team(hall: Hall) -> None:
    """Add the test team (`TEAM`) and sign C01 in at counter 1, C02 at counter 4."""
    with hall.write() as tx:
        for staff_id, name, role in TEAM:
            pin = LEADER_PIN if role == "leader" else PIN
            staff.add_staff(tx, staff_id, name, role, pin, authority_limit=200)
        counters.sign_in(tx, 1, "C01")
        counters.sign_in(tx, 4, "C02")


def _hall_from(template: Path, db_url: str, config: HallConfig, clock: ManualClock) -> Hall:
    if db_url.startswith("sqlite:///"):  # on PostgreSQL `db_url` is the template's clone
        shutil.copyfile(template, db_url.removeprefix("sqlite:///"))
    return Hall.open(db_url, config, clock)


@pytest.fixture
def empty_hall(
    db_url: str, config: HallConfig, clock: ManualClock, templates: dict[str, Path]
) -> Iterator[Hall]:
    """An initialised hall with no staff."""
    hall = _hall_from(templates["empty"], db_url, config, clock)
    yield hall
    hall.dispose()


@pytest.fixture
def hall(
    db_url: str, config: HallConfig, clock: ManualClock, templates: dict[str, Path]
) -> Iterator[Hall]:
    """An initialised hall with the test team (`TEAM`, PIN `PIN`, authority 200 yuan);
    C01 signed in at counter 1 (A, E), C02 at counter 4 (B, F, C)."""
    hall = _hall_from(templates["staffed"], db_url, config, clock)
    yield hall
    hall.dispose()

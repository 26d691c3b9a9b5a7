"""A throw-away PostgreSQL cluster (initdb + pg_ctl on a Unix socket in a temporary folder,
as a non-root user: `postgres` when run as root), for the tests and the benchmarks that run
on PostgreSQL. `server_bin()` / `run_as()` say whether one can be started here."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 54329
"""The socket's port number (only its file name: the cluster listens on no TCP address)."""


def server_bin() -> Path | None:
    """The folder of the newest installed server's initdb and pg_ctl, or None."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def run_as() -> list[str] | None:
    """How to run the server's commands: directly, or (as root) as the postgres user; None
    when neither can be done."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else None


def missing() -> str | None:
    """Why no cluster can be started here, or None."""
    if server_bin() is None or run_as() is None:
        return "PostgreSQL server binaries (or a non-root user to run them) not found"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the PostgreSQL driver (psycopg) is not installed"
    return None


def start(*, fsync: bool = False) -> tuple[str, Path]:
    """Start a cluster; returns the URL of its databases with `{db}` to fill, and its folder
    (for `stop`). `fsync=False` (the tests) trades durability for speed."""
    server, prefix = server_bin(), run_as()
    if server is None or prefix is None:
        raise RuntimeError(missing())
    # Not under a test's own temporary folder (nor $TMPDIR, which may be one: the benchmarks'
    # tiny runs): the server's user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="hall-pg-", dir="/tmp" if prefix else None))
    data = folder / "data"
    if prefix:
        shutil.chown(folder, "postgres")
    subprocess.run([*prefix, str(server / "initdb"), "-D", str(data), "-A", "trust", "-U", "hall",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    options = f"-p {PORT} -k {folder} -c listen_addresses=''"
    if not fsync:  # nothing survives a crash: no fsync, no waiting commit, the least WAL (a
        # database cloned from a template costs a third of its time with the default WAL);
        # room for every pytest worker's tests and their processes at once
        options += (" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                    " -c wal_level=minimal -c max_wal_senders=0 -c max_connections=300")
    try:
        subprocess.run([*prefix, str(server / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                        str(folder / "log"), "-w", "start"], check=True, capture_output=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return f"postgresql+psycopg://hall@/{{db}}?host={folder}&port={PORT}", folder


def stop(folder: Path) -> None:
    """Stop the cluster started in `folder` and remove it."""
    server, prefix = server_bin(), run_as()
    if server is not None and prefix is not None:
        subprocess.run([*prefix, str(server / "pg_ctl"), "-D", str(folder / "data"), "-m",
                        "immediate", "stop"], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def cluster(*, fsync: bool = False) -> Iterator[str]:
    """A running cluster (`start`); yields the URL of its databases with `{db}` to fill.
    Stopped and removed afterwards."""
    url, folder = start(fsync=fsync)
    try:
        yield url
    finally:
        stop(folder)


def new_database(cluster_url: str) -> str:
    """A fresh, empty database in the cluster; its URL."""
    from sqlalchemy import create_engine, text

    name = f"hall_{uuid.uuid4().hex[:10]}"
    admin = create_engine(cluster_url.format(db="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return cluster_url.format(db=name)

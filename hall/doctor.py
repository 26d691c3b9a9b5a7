"""`hall doctor`: is this machine ready to run the hall? One line per check, ✓ or ✗, and for
each ✗ what to do; exit 1 when any check failed.

The checks only look: nothing is written to the database, nothing is printed on the ticket
printer (it is asked for its status, DLE EOT 1 and 4), nothing is played on the speakers
(the voice is synthesised into memory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.errors import HallError, Refused
from hall.errors import masked
from hall.run import Run, parse_url, sqlite_path

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from db.config import HallConfig, PrinterConfig

WAL_LIMIT_BYTES = 256 * 1024 * 1024
"""A write-ahead log larger than this means checkpoints are being starved (a reader that
never lets go): every read then walks it."""

FREE_DISK_BYTES = 1024 * 1024 * 1024
"""Less free space than this (or than twice the database) beside the database is a failure:
a backup, a migration or a busy day could fill the disk."""

CLOCK_SLACK = dt.timedelta(minutes=5)
"""The machine's clock may be this far behind the newest event before it counts as wrong."""

PROBE_PHRASE = ("A001", 1)
"""What the voice check says: 请A零零一号到一号窗口."""


@dataclass(frozen=True)
class Check:
    """One check's outcome."""

    name: str
    """Short English name, for scripts: "database", "schema", …"""
    label: str
    """What is checked, Chinese first."""
    ok: bool
    """Passed (or nothing to check here, said in `detail`)."""
    detail: str
    """What was found, one line."""
    fix: str | None = None
    """What to do, when it failed."""

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        text = f"{mark} {self.label}: {self.detail}"
        return text if self.ok or not self.fix else f"{text} — {self.fix}"

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def doctor(run: Run) -> None:
    """`doctor`: run every check, print one line each, refuse (exit 1) if any failed."""
    checks = run_checks(run.url, run.config, getattr(run.args, "config_error", None))
    failed = [c for c in checks if not c.ok]
    data = {"ok": not failed, "checks": [c.to_json() for c in checks]}
    if run.out.as_json:
        run.out.data(data)
    else:
        from hall.output import write_stdout

        write_stdout("".join(c.line() + "\n" for c in checks))
    if failed:
        names = ", ".join(c.name for c in failed)
        raise Refused(f"{len(failed)} of {len(checks)} checks failed: {names}",
                      zh=f"{len(checks)} 项检查中 {len(failed)} 项未通过：{names}")


def run_checks(url: str, config: HallConfig, config_error: str | None = None) -> list[Check]:
    """Every check, in the order they are printed."""
    checks = [check_config(config, config_error)]
    engine, reached = check_database(url)
    checks.append(reached)
    try:
        checks += database_checks(url, engine, config.timezone)
    finally:
        if engine is not None:
            engine.dispose()
    checks += [check_printer(config.printer), check_voice(config), check_sound(config)]
    return checks


# -- the config ----------------------------------------------------------------------------


def check_config(config: HallConfig, error: str | None) -> Check:
    label = "配置 config"
    if error is not None:
        return Check("config", label, False, error,
                     "correct the named key in the file (the shipped example is "
                     "db/config/default_hall.toml), then run `hall doctor` again")
    return Check("config", label, True, f"valid ({config.source})")


# -- the database --------------------------------------------------------------------------


def check_database(url: str) -> tuple[Engine | None, Check]:
    """Connect and ask for one row; the engine when it answered."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from db.store.engine import make_engine

    label = "数据库可连接 database reachable"
    shown = masked(url)
    try:
        path = sqlite_path(parse_url(url))
    except HallError as exc:
        return None, Check("database", label, False, str(exc), "give a database URL such as "
                           "sqlite:///path/hall.db (--db or $HALL_DB)")
    if path is not None and not path.is_file():
        return None, Check("database", label, False, f"no database at {path}",
                           "run `hall init` (or give the right --db / $HALL_DB)")
    engine = None
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
    except (HallError, SQLAlchemyError, OSError) as exc:
        if engine is not None:
            engine.dispose()
        said = _said(exc)
        damaged = ("damaged", "malformed", "not a database", "corrupt")
        fix = ("restore it from a backup (`hall restore FILE`)"
               if any(word in said.lower() for word in damaged) else
               "check the URL, the server and the file's permissions")
        return None, Check("database", label, False, f"{shown}: {said}", fix)
    return engine, Check("database", label, True, shown)


def _said(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(exc).__name__


def database_checks(url: str, engine: Engine | None, zone: str = "") -> list[Check]:
    """Schema, integrity, WAL, disk, clock and permissions; each said skipped without a
    database to look at."""
    path = sqlite_path(parse_url(url)) if engine is not None or _is_sqlite(url) else None
    if engine is None:
        unreachable = "not checked: the database cannot be reached"
        checks = [Check(name, label, False, unreachable, "see the database line above")
                  for name, label in (("schema", "数据库版本 schema current"),
                                      ("integrity", "数据库完整 integrity_check"))]
    else:
        checks = [check_schema(engine), check_integrity(engine)]
    checks += [check_wal(path), check_disk(url, path)]
    checks.append(check_clock(engine, zone))
    checks.append(check_permissions(path))
    return checks


def _is_sqlite(url: str) -> bool:
    try:
        return sqlite_path(parse_url(url)) is not None
    except HallError:
        return False


def check_schema(engine: Engine) -> Check:
    from sqlalchemy.exc import SQLAlchemyError

    from db.store.schema import current_revision, head_revision

    label = "数据库版本 schema current"
    try:
        current, newest = current_revision(engine), head_revision(engine)
    except SQLAlchemyError as exc:
        return Check("schema", label, False, _said(exc), "run `hall init`")
    if current is None:
        return Check("schema", label, False, "no tables yet", "run `hall init`")
    if current == newest:
        return Check("schema", label, True, f"revision {current} (the newest)")
    from alembic.script import ScriptDirectory

    from db.store.schema import alembic_config

    known = {s.revision for s in ScriptDirectory.from_config(
        alembic_config(engine)).walk_revisions()}
    if current in known:
        return Check("schema", label, False, f"revision {current}, this program's is {newest}",
                     "stop the hall's apps, take a backup (`hall backup FILE`), then run "
                     "`hall init` to upgrade it in place")
    return Check("schema", label, False,
                 f"revision {current} is unknown here: made by a newer version of this program",
                 "install that version again (or restore a backup made by this one)")


def check_integrity(engine: Engine) -> Check:
    from sqlalchemy.exc import SQLAlchemyError

    from db.store.audit import SKIPPED, integrity_check

    label = "数据库完整 integrity_check"
    try:
        with engine.connect() as conn:
            said = integrity_check(conn)
    except SQLAlchemyError as exc:
        said = _said(exc)
    if said == "ok":
        return Check("integrity", label, True, "ok")
    if said == SKIPPED or said.startswith("not checked"):
        return Check("integrity", label, True, said)
    return Check("integrity", label, False, f"damaged: {said}",
                 "stop the apps and restore the newest good backup (`hall restore FILE`)")


def check_wal(path: Path | None) -> Check:
    label = "预写日志 WAL size"
    if path is None:
        return Check("wal", label, True, "not SQLite: nothing to check")
    wal = Path(f"{path}-wal")
    size = wal.stat().st_size if wal.is_file() else 0
    shown = _size(size)
    if size > WAL_LIMIT_BYTES:
        return Check("wal", label, False, f"{wal}: {shown} (over {_size(WAL_LIMIT_BYTES)})",
                     "a program holds a read open and checkpoints cannot finish: restart "
                     "the hall's apps (`systemctl restart 'hall-*'`); the WAL shrinks when "
                     "the last connection closes")
    return Check("wal", label, True, shown)


def check_disk(url: str, path: Path | None) -> Check:
    label = "磁盘空间 free disk"
    if path is None:
        return Check("disk", label, True, f"{masked(url)}: the database server's disk is "
                     "its own (check it there)")
    folder = path.parent if path.parent.exists() else Path.cwd()
    free = shutil.disk_usage(folder).free
    size = sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{path}{s}").is_file())
    wanted = max(FREE_DISK_BYTES, 2 * size)
    if free < wanted:
        return Check("disk", label, False, f"{_size(free)} free in {folder}, want {_size(wanted)}",
                     "free space on that disk (old backups, logs) or move the hall there")
    return Check("disk", label, True, f"{_size(free)} free in {folder}")


def check_clock(engine: Engine | None, hall_zone: str = "") -> Check:
    """The machine's clock against the newest event: a clock behind the log means it was
    set back (or the log came from a machine ahead), and numbers would be given out of
    order in time. The zone itself is the config's, checked when it was read."""
    label = "时钟与时区 clock and time zone"
    now = dt.datetime.now(dt.UTC)
    zones = f"hall zone {hall_zone}, machine zone {time.strftime('%Z')}"
    if hall_zone:
        import zoneinfo

        try:
            local = now.astimezone(zoneinfo.ZoneInfo(hall_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return Check("clock", label, False, f"unknown time zone {hall_zone!r}",
                         "set [hall] timezone to an IANA name such as Asia/Shanghai "
                         "(`apt install tzdata` if the machine has none)")
        zones = f"{local:%H:%M} in {hall_zone} (machine zone {time.strftime('%Z')})"
    if engine is None:
        return Check("clock", label, True, f"{now:%Y-%m-%d %H:%M} UTC, {zones}; no log to "
                     "compare with")
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            newest = conn.execute(text("SELECT max(at) FROM events")).scalar()
    except SQLAlchemyError:
        newest = None
    latest = _as_utc(newest)
    if latest is not None and latest - now > CLOCK_SLACK:
        return Check("clock", label, False,
                     f"the clock says {now:%Y-%m-%d %H:%M:%S} UTC but the newest event is at "
                     f"{latest:%Y-%m-%d %H:%M:%S} UTC",
                     "set the clock right and keep it so (`timedatectl set-ntp true`)")
    seen = f"; newest event {latest:%Y-%m-%d %H:%M} UTC" if latest else ""
    return Check("clock", label, True, f"{now:%Y-%m-%d %H:%M} UTC, {zones}{seen}")


def _as_utc(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def check_permissions(path: Path | None) -> Check:
    """The database holds PIN hashes, account and phone numbers: its file (and SQLite's side
    files) and its folder must be the owner's alone."""
    label = "文件权限 file permissions"
    if path is None:
        return Check("permissions", label, True, "not a SQLite file: nothing to check")
    if not path.exists():
        return Check("permissions", label, True, f"no database file at {path} yet")
    loose = []
    for target in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(target.stat().st_mode)
            if mode & 0o077:
                loose.append(f"{target} {mode:04o}")
    folder = path.parent
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode & 0o077:
            loose.append(f"{folder}/ {mode:04o}")
    if loose:
        return Check("permissions", label, False,
                     "others can reach the database: " + ", ".join(loose),
                     f"run `hall init` (it makes the files 0600), and `chmod 700 {folder}`")
    return Check("permissions", label, True, f"{path} and its folder are the owner's alone")


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


# -- the printer, the voice, the sound -----------------------------------------------------


def check_printer(config: PrinterConfig, *, timeout: float | None = None) -> Check:
    """Ask the printer for its status (nothing is printed)."""
    label = "打印机 ticket printer"
    if config.kind == "none":
        return Check("printer", label, True, 'none configured ([printer] kind = "none"): '
                     "the kiosk shows the number on screen only")
    from kiosk.printer import describe

    where = describe(config)
    if config.kind == "file":
        target = Path(config.path or "")
        if target.exists() and not os.access(target, os.W_OK):
            return Check("printer", label, False, f"{where}: not writable",
                         f"give this user write access to {target} (e.g. the lp group)")
        if not target.exists() and not os.access(target.parent, os.W_OK):
            return Check("printer", label, False, f"{where}: no such device",
                         "plug the printer in, or correct [printer] path")
        return Check("printer", label, True, f"{where}: writable (a file cannot answer a "
                     "status request)")
    if not config.status_check:
        return Check("printer", label, True, f"{where}: status_check = false, not asked")
    try:
        online, paper = _ask_printer(config, timeout or config.timeout_seconds)
    except Exception as exc:
        from kiosk.printer import _one_line

        return Check("printer", label, False, f"{where}: {_one_line(exc)}",
                     "check the cable or network and the power, and [printer] in the hall "
                     "file; `hall printer test` prints a test slip")
    from kiosk.printer_port import status_problem

    answers = f"DLE EOT 1 = 0x{online:02X}, DLE EOT 4 = 0x{paper:02X}"
    problem = status_problem(online, paper)
    if problem is not None:
        return Check("printer", label, False, f"{where}: {answers}: {problem}",
                     "load paper, close the cover, clear the printer's error light")
    return Check("printer", label, True, f"{where}: {answers}: ready")


def _ask_printer(config: PrinterConfig, timeout: float) -> tuple[int, int]:
    """The two status bytes, asked on a thread so that a transport without a time limit
    cannot hold the doctor past `timeout`."""
    from kiosk.printer import open_printer
    from kiosk.printer_port import read_status

    found: list[tuple[int, int]] = []
    failed: list[BaseException] = []

    def ask() -> None:
        try:
            printer = open_printer(config)
            try:
                found.append(read_status(printer, time.monotonic() + timeout))
            finally:
                printer.close()
        except BaseException as exc:  # handed to the waiting thread
            failed.append(exc)

    worker = threading.Thread(target=ask, name="doctor-printer", daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    if failed:
        raise failed[0]
    if not found:
        raise TimeoutError(f"no answer within {timeout:g} s")
    return found[0]


Synthesise = Callable[["HallConfig"], int]
"""Makes the probe phrase's sound and returns its length in samples (a test's stand-in)."""


def synthesise_probe(config: HallConfig) -> int:
    """Say the probe phrase as the wall display would, into memory; its sample count."""
    from display.voice.caller import Announcement, Announcer
    from display.voice.sound import VoiceUnavailable, WavFolder

    announcer = Announcer(config.voice, WavFolder(Path(os.devnull)))
    check = getattr(announcer.synthesizer, "available", None)
    problem = check() if callable(check) else None
    if problem:
        raise VoiceUnavailable(problem)
    number, counter = PROBE_PHRASE
    pcm = announcer.sound(Announcement(number, counter, False, 0))
    return len(pcm.frames) // 2 // max(pcm.channels, 1)


def check_voice(config: HallConfig, synthesise: Synthesise | None = None) -> Check:
    label = "语音 voice"
    if not config.voice.enabled:
        return Check("voice", label, True, "off in the hall file ([voice] enabled = false)")
    try:
        samples = (synthesise or synthesise_probe)(config)
    except Exception as exc:
        return Check("voice", label, False, f"cannot synthesise a call: {_said(exc)}",
                     "reinstall the program (`pip install onestop-hall` brings its voice) "
                     "or `apt install espeak-ng`; or set [voice] enabled = false")
    if samples <= 0:
        return Check("voice", label, False, "the synthesiser made no sound",
                     "check [voice] espeak_voice, or `apt install espeak-ng`")
    number, counter = PROBE_PHRASE
    return Check("voice", label, True, f"said {number} to counter {counter} "
                 f"({samples} samples)")


def check_sound(config: HallConfig, present: Callable[[], bool] | None = None) -> Check:
    label = "声卡 sound device"
    from display.voice.sound import sound_device_present

    if (present or sound_device_present)():
        return Check("sound", label, True, _sound_found() if present is None else
                     "an ALSA device or a PulseAudio/PipeWire server")
    if not config.voice.enabled:
        return Check("sound", label, True, "none, and the voice is off")
    return Check("sound", label, False, "no ALSA device (/dev/snd) and no PulseAudio/PipeWire "
                 "server", "connect speakers and check `aplay -l`; a service needs the audio "
                 "group (`usermod -aG audio USER`)")


def _sound_found() -> str:
    """What was found to play through, in the order the display tries it."""
    from display.voice import sound

    found = []
    servers: dict[str, bool] = getattr(sound, "sound_server_sockets", dict)()
    found += [f"{name} server" for name in ("pipewire", "pulse") if servers.get(name)]
    cards = getattr(sound, "alsa_cards_present", lambda: False)()
    found += ["an ALSA card in /dev/snd"] if cards else []
    return ", ".join(found) or "an ALSA device or a PulseAudio/PipeWire server"

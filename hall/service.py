"""`hall service install`: systemd units that run the hall on this machine, restarted when
they fail.

- `hall-server.service`: the hall server (`hall serve`), every terminal for browsers.
- `hall-kiosk.service`: the kiosk on the local console (tty1, in place of its login prompt).
- `hall-display.service`: the wall display with its voice, on the console tty2, in the audio
  group (the speakers are this machine's).
- `hall-backup.service` + `hall-backup.timer`: `hall backup` every night into a folder,
  keeping the newest copies.

The database URL may hold a password: it never goes on a unit's command line (which anyone
on the machine can read with `ps` or `systemctl show`), only into an EnvironmentFile of its
own, 0600, as `HALL_DB` (what `hall serve` hands its terminals too).
"""

from __future__ import annotations

import os
import pwd
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from hall.errors import UsageError, masked
from hall.run import Run, config_path

UNITS = ("server", "kiosk", "display", "backup")
"""What `--units` may name, in the order they are written."""

SYSTEM_DIR = Path("/etc/systemd/system")
SYSTEM_ENV = Path("/etc/onestop-hall/hall.env")
BACKUP_STATE = "onestop-hall/backups"
"""The backup folder of system units, under /var/lib: systemd makes it (StateDirectory),
owned by the service's user, 0700."""
KEEP_BACKUPS = 30


@dataclass(frozen=True)
class Unit:
    """One file to write."""

    name: str
    """Its file name, e.g. hall-server.service."""
    text: str
    """Its contents."""


@dataclass(frozen=True)
class Plan:
    """Where the files go and who the services run as."""

    folder: Path
    env_file: Path
    user_mode: bool
    user: str
    hall: str
    """The command that runs `hall`, absolute."""


def install(run: Run) -> None:
    """`service install [--user | --dir DIR] [--dry-run] [--units …] [--host H] [--port P]
    [--allow NET] [--as USER] [--backup-dir DIR] [--keep N]`."""
    a = run.args
    plan = _plan(a.user, a.dir, a.run_as)
    chosen = _units(a.units)
    units = make_units(plan, chosen, host=a.host, port=a.port, allow=a.allow,
                       backup_dir=a.backup_dir, keep=a.keep)
    url = database_url(run, plan)
    env = environment(run, url)
    commands = systemctl_commands(plan, units)
    data = {"dry_run": a.dry_run, "folder": str(plan.folder), "env_file": str(plan.env_file),
            "units": {u.name: u.text for u in units}, "db": masked(url), "user": plan.user,
            "commands": commands}
    if a.dry_run:
        body = "".join(f"# {plan.folder / u.name}\n{u.text}\n" for u in units)
        body += f"# {plan.env_file} (0600; holds the database URL)\n"
        body += f"HALL_DB={masked(url)}\n"
        body += "".join(f"{line}\n" for line in env.splitlines()[1:])
        body += "\n# then:\n" + "".join(f"{c}\n" for c in commands)
        if run.out.as_json:
            run.out.data(data)
        else:
            from hall.output import write_stdout

            write_stdout(body)
        return
    written = write_units(plan, units, env)
    lines = [f"已写入 (wrote): {path}" for path in written]
    lines.append(f"服务以 {plan.user} 身份运行，数据库 (the services run as {plan.user}, on): "
                 f"{masked(url)}")
    lines.append("接下来运行 (now run):")
    lines += [f"  {c}" for c in commands]
    run.out.done("\n".join(lines), {**data, "written": [str(p) for p in written]})


def _units(given: str | None) -> tuple[str, ...]:
    if not given:
        return UNITS
    names = tuple(dict.fromkeys(n.strip() for n in given.split(",") if n.strip()))
    unknown = [n for n in names if n not in UNITS]
    if unknown or not names:
        raise UsageError(f"service install: --units takes {', '.join(UNITS)} "
                         f"(comma-separated), got {given!r}")
    return names


def _plan(user_mode: bool, folder: str | None, run_as: str | None) -> Plan:
    me = pwd.getpwuid(os.getuid()).pw_name
    user = run_as or os.environ.get("SUDO_USER") or me
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise UsageError(f"service install: no user {user!r} on this machine") from None
    if folder is not None:
        where = Path(folder).expanduser()
        env_file = where / "hall.env"
    elif user_mode:
        home = Path(pwd.getpwnam(me).pw_dir)
        where = home / ".config" / "systemd" / "user"
        env_file = home / ".config" / "onestop-hall" / "hall.env"
    else:
        where, env_file = SYSTEM_DIR, SYSTEM_ENV
    return Plan(where, env_file, user_mode, user, hall_command())


def hall_command() -> str:
    """This installation's `hall`, absolute: the script beside the running interpreter, else
    the interpreter running the package."""
    beside = Path(sys.executable).with_name("hall")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside.absolute())
    return f"{Path(sys.executable).absolute()} -m hall"


def database_url(run: Run, plan: Plan) -> str:
    """The hall the services run: `--db` or `$HALL_DB`, else the default database of the
    user they run as (under sudo, not root's)."""
    if getattr(run.args, "db", None) or os.environ.get("HALL_DB"):
        return run.url
    home = Path(pwd.getpwnam(plan.user).pw_dir)
    if plan.user == pwd.getpwuid(os.getuid()).pw_name:
        return run.url
    return f"sqlite:///{home / '.local' / 'share' / 'onestop-hall' / 'hall.db'}"


def environment(run: Run, url: str) -> str:
    """The EnvironmentFile: the database URL and the hall file, as the units' processes get
    them (systemd reads the file as root before it drops to the user)."""
    lines = [f"HALL_DB={_env_value(url)}"]
    chosen = config_path(getattr(run.args, "config", None))
    if chosen is not None:
        lines.append(f"HALL_CONFIG={_env_value(str(chosen.expanduser().absolute()))}")
    return "\n".join(lines) + "\n"


def _env_value(value: str) -> str:
    # EnvironmentFile: a double-quoted value keeps every character but the quote and the
    # backslash, which are escaped.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _exec(plan: Plan, *args: str) -> str:
    """An ExecStart line's command: `hall` and its arguments, each quoted for systemd (which
    takes shell-like quoting) and with "%" doubled (systemd's specifiers) and "$" doubled
    (its variables)."""
    words = [*shlex.split(plan.hall), *args]
    return " ".join(shlex.quote(w).replace("%", "%%").replace("$", "$$") for w in words)


def make_units(plan: Plan, chosen: tuple[str, ...], *, host: str = "127.0.0.1",
               port: int = 8000, allow: list[str] | None = None,
               backup_dir: str | None = None, keep: int = KEEP_BACKUPS) -> list[Unit]:
    """The unit files for `chosen` (names of `UNITS`)."""
    who = "" if plan.user_mode else f"User={plan.user}\n"
    env = f"EnvironmentFile={plan.env_file}\n"
    wanted = "default.target" if plan.user_mode else "multi-user.target"
    units = []
    if "server" in chosen:
        serve = ["serve", "--host", host, "--port", str(port)]
        for network in allow or []:
            serve += ["--allow", network]
        units.append(Unit("hall-server.service", f"""[Unit]
Description=One-stop hall server: every terminal for browsers, each ticket's page for phones
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
{who}{env}ExecStart={_exec(plan, *serve)}
Restart=on-failure
RestartSec=3

[Install]
WantedBy={wanted}
"""))
    if "kiosk" in chosen:
        units.append(Unit("hall-kiosk.service", _console_unit(
            plan, who, env, wanted, "tty1", "One-stop hall kiosk on the local console (tty1)",
            _exec(plan, "kiosk"), audio=False)))
    if "display" in chosen:
        units.append(Unit("hall-display.service", _console_unit(
            plan, who, env, wanted, "tty2",
            "One-stop hall wall display with voice calling (tty2, this machine's speakers)",
            _exec(plan, "display", "--wall"), audio=True)))
    if "backup" in chosen:
        state = ""
        if backup_dir is not None:
            folder = backup_dir
        elif plan.user_mode:
            folder = str(Path(pwd.getpwnam(plan.user).pw_dir) / "hall-backups")
        else:
            folder = f"/var/lib/{BACKUP_STATE}"
            state = f"StateDirectory={BACKUP_STATE}\nStateDirectoryMode=0700\n"
        units.append(Unit("hall-backup.service", f"""[Unit]
Description=One-stop hall: verified backup of the hall's database

[Service]
Type=oneshot
{who}{state}{env}ExecStart={_exec(plan, "backup", folder.rstrip("/") + "/", "--keep", str(keep))}
"""))
        units.append(Unit("hall-backup.timer", """[Unit]
Description=One-stop hall: a verified backup every night

[Timer]
OnCalendar=*-*-* 22:30:00
Persistent=true
RandomizedDelaySec=300

[Install]
WantedBy=timers.target
"""))
    return units


def _console_unit(plan: Plan, who: str, env: str, wanted: str, tty: str, description: str,
                  command: str, *, audio: bool) -> str:
    groups = "SupplementaryGroups=audio\n" if audio and not plan.user_mode else ""
    return f"""[Unit]
Description={description}
After=systemd-user-sessions.service getty@{tty}.service
Conflicts=getty@{tty}.service

[Service]
Type=simple
{who}{groups}{env}Environment=TERM=linux
ExecStart={command}
StandardInput=tty
StandardOutput=tty
StandardError=journal
TTYPath=/dev/{tty}
TTYReset=yes
TTYVHangup=yes
Restart=on-failure
RestartSec=3

[Install]
WantedBy={wanted}
"""


def systemctl_commands(plan: Plan, units: list[Unit]) -> list[str]:
    """What to run once the files are in place."""
    systemctl = "systemctl --user" if plan.user_mode else "sudo systemctl"
    started = [u.name for u in units if u.name != "hall-backup.service"]
    commands = [f"{systemctl} daemon-reload"]
    if started:
        commands.append(f"{systemctl} enable --now {' '.join(started)}")
    if plan.user_mode:
        commands.append(f"sudo loginctl enable-linger {plan.user}  # start them at boot, "
                        "without a login")
    names = " ".join(u.name.split(".")[0] for u in units if u.name.endswith(".service"))
    journal = "journalctl --user" if plan.user_mode else "journalctl"
    commands.append(f"{journal} -u 'hall-*' -f  # their logs ({names})")
    return commands


def write_units(plan: Plan, units: list[Unit], env: str) -> list[Path]:
    """Write the units (0644) and the EnvironmentFile (0600, its folder 0700 when made)."""
    written = []
    try:
        plan.folder.mkdir(parents=True, exist_ok=True)
        if not plan.env_file.parent.exists():
            plan.env_file.parent.mkdir(parents=True, mode=0o700)
        handle = os.open(plan.env_file, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(env)
        written.append(plan.env_file)
        for unit in units:
            path = plan.folder / unit.name
            path.write_text(unit.text, encoding="utf-8")
            path.chmod(0o644)
            written.append(path)
    except PermissionError as exc:
        raise UsageError(f"service install: cannot write {exc.filename}: run it with sudo, "
                         "or give --user or --dir DIR") from None
    return written

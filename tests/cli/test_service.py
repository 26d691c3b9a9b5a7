"""`hall service install`: the systemd units, written or shown, valid, with no password in
them."""

from __future__ import annotations

import configparser
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, one_line_error

pytestmark = pytest.mark.sqlite_only(
    "`hall service install` writes unit files naming a database URL and opens no database "
    "(the nightly backup's test: `hall backup` copies the SQLite file)")

SECRET_URL = "postgresql://hall:s3cret-pw@db.example/hall"


def parse_unit(path: Path) -> configparser.RawConfigParser:
    """A unit file read as INI: sections and keys (systemd's own reading is stricter)."""
    unit = configparser.RawConfigParser(strict=False, delimiters=("=",))
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    unit.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return unit


def test_units_are_written_valid_and_hold_no_password(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "units"
    done = cli("--db", SECRET_URL, "--json", "service", "install", "--dir", str(folder),
               "--host", "0.0.0.0", "--allow", "192.168.1.0/24")
    assert done.code == 0, done.err
    names = {p.name for p in folder.iterdir()}
    assert names == {"hall.env", "hall-server.service", "hall-kiosk.service",
                     "hall-display.service", "hall-backup.service", "hall-backup.timer"}
    env = folder / "hall.env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text(encoding="utf-8") == f'HALL_DB="{SECRET_URL}"\n'
    for path in folder.glob("hall-*"):
        text = path.read_text(encoding="utf-8")
        assert "s3cret" not in text, path.name
        unit = parse_unit(path)
        if path.suffix == ".service":
            service = unit["Service"]
            assert service["ExecStart"].startswith("/"), path.name
            assert service["EnvironmentFile"] == str(env)
            if service.get("Type") != "oneshot":
                assert service["Restart"] == "on-failure", path.name
    server = parse_unit(folder / "hall-server.service")["Service"]["ExecStart"]
    assert server.endswith("serve --host 0.0.0.0 --port 8000 --allow 192.168.1.0/24")
    kiosk = parse_unit(folder / "hall-kiosk.service")
    assert kiosk["Service"]["StandardInput"] == "tty"
    assert kiosk["Service"]["TTYPath"] == "/dev/tty1"
    assert kiosk["Unit"]["Conflicts"] == "getty@tty1.service"
    display = parse_unit(folder / "hall-display.service")["Service"]
    assert display["ExecStart"].endswith("display --wall")
    assert display["SupplementaryGroups"] == "audio"
    assert parse_unit(folder / "hall-backup.timer")["Timer"]["OnCalendar"]
    backup = parse_unit(folder / "hall-backup.service")["Service"]["ExecStart"]
    assert backup.endswith("backup /var/lib/onestop-hall/backups/ --keep 30")
    assert "s3cret" not in done.out  # what it says (the units' text and commands)
    assert "sudo systemctl daemon-reload" in done.json()["commands"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_systemd_itself_accepts_the_units(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "units"
    assert cli("service", "install", "--dir", str(folder)).code == 0
    units = sorted(str(p) for p in folder.glob("hall-*"))
    checked = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True,
                             text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "Unknown" not in checked.stderr and "Invalid" not in checked.stderr, checked.stderr


def test_dry_run_prints_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "units"
    shown = cli("--db", SECRET_URL, "service", "install", "--dir", str(folder), "--dry-run",
                "--units", "server,backup")
    assert shown.code == 0, shown.err
    assert not folder.exists()
    assert f"# {folder / 'hall-server.service'}" in shown.out
    assert "hall-kiosk" not in shown.out and "[Timer]" in shown.out
    assert "HALL_DB=postgresql://hall:***@db.example/hall" in shown.out
    assert "s3cret" not in shown.out
    assert "systemctl daemon-reload" in shown.out


def test_user_units_and_bad_choices(cli: Cli, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    shown = cli("--json", "service", "install", "--user", "--dry-run")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["folder"].endswith(".config/systemd/user")
    assert all("User=" not in text for text in data["units"].values())
    assert any(c.startswith("systemctl --user enable --now") for c in data["commands"])
    bad = cli("service", "install", "--dry-run", "--units", "kiosk,printer")
    assert bad.code == 2 and "--units" in one_line_error(bad)
    nobody = cli("service", "install", "--dry-run", "--as", "no-such-user-here")
    assert nobody.code == 2 and "no user" in one_line_error(nobody)


def test_a_nightly_backup_into_a_folder_keeps_the_newest(cli: Cli, db_path: Path,
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    for day in ("20261201-223000", "20261202-223000", "20261203-223000"):
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / f"hall-{day}.db").write_bytes(b"old")
    done = cli("--json", "backup", f"{folder}/", "--keep", "2")
    assert done.code == 0, done.err
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2 and kept[0] == "hall-20261203-223000.db"
    assert Path(done.json()["file"]).name == kept[1]
    misuse = cli("backup", str(tmp_path / "one.db"), "--keep", "2")
    assert misuse.code == 2 and "folder" in one_line_error(misuse)


def test_under_sudo_the_hall_is_the_users_not_roots(cli: Cli,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    other = next((p for p in pwd.getpwall() if p.pw_uid != 0 and p.pw_dir.startswith("/")),
                 None)
    if other is None:
        pytest.skip("no second user on this machine")
    monkeypatch.delenv("HALL_DB", raising=False)
    shown = cli("--json", "service", "install", "--dry-run", "--as", other.pw_name)
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["db"] == f"sqlite:///{other.pw_dir}/.local/share/onestop-hall/hall.db"
    assert f"User={other.pw_name}" in data["units"]["hall-server.service"]

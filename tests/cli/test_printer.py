"""`hall printer test`: a test slip on the printer the hall file names, and its answer."""

from __future__ import annotations

import socket
from pathlib import Path

from db.config import DEFAULT_CONFIG
from tests.cli.conftest import Cli, one_line_error


def hall_file(tmp_path: Path, printer: str) -> Path:
    """The shipped hall file with its [printer] section's kind line replaced by `printer`."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "hall.toml"
    path.write_text(text.replace('kind = "none"', printer, 1), encoding="utf-8")
    return path


def test_a_test_slip_goes_to_the_printer(cli: Cli, tmp_path: Path) -> None:
    slip = tmp_path / "slip.bin"
    config = hall_file(tmp_path, f'kind = "file"\npath = "{slip}"')
    done = cli("--config", str(config), "printer", "test")
    assert done.code == 0, done.err
    assert "test slip printed" in done.out
    sent = slip.read_bytes()
    assert "测试".encode("gb18030") in sent  # Chinese text, in the printer's encoding
    assert b"\x1dV" in sent  # and the cut


def test_no_printer_or_a_dead_one_is_one_line(cli: Cli, tmp_path: Path) -> None:
    none = cli("printer", "test")
    assert none.code == 1 and "no printer configured" in one_line_error(none)
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    config = hall_file(tmp_path, f'kind = "network"\nhost = "127.0.0.1"\nport = {port}')
    dead = cli("--config", str(config), "printer", "test")
    assert dead.code == 1 and f"127.0.0.1:{port}" in one_line_error(dead)

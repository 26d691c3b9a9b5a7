"""Importing python-escpos (~1 s) once, when a slip is first rendered or a printer opened,
with its capabilities cache kept out of the temp folder. Re-exported by `kiosk.printer`."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_IMPORT_LOCK = threading.Lock()


def load_escpos() -> None:
    """Import python-escpos once, keeping its capabilities cache out of the temp folder.

    escpos.capabilities reads `os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())`,
    and Python evaluates that `mkdtemp()` even when the variable is set, so every start would
    leave an empty folder in /tmp. While it imports, `tempfile.mkdtemp` answers calls from that
    module alone with the cache folder instead; every other caller gets the real thing.
    """
    with _IMPORT_LOCK:
        if "escpos.capabilities" in sys.modules:
            return
        _set_cache_folder()
        real_mkdtemp = tempfile.mkdtemp

        def mkdtemp(*args: Any, **kwargs: Any) -> Any:
            cache = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
            if cache and sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
                return cache
            return real_mkdtemp(*args, **kwargs)

        tempfile.mkdtemp = mkdtemp
        try:
            with _cache_lock():
                import escpos.capabilities  # noqa: F401
        finally:
            tempfile.mkdtemp = real_mkdtemp


@contextlib.contextmanager
def _cache_lock() -> Iterator[None]:
    """Hold an exclusive lock on the escpos cache folder (where the OS has `flock`).

    On its first import escpos writes its capabilities pickle in place, not atomically: a
    second process importing at that moment (two kiosks starting together, parallel tests)
    read a half-written pickle and failed with EOFError. One import at a time per folder."""
    cache = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    if not cache:
        yield
        return
    try:
        handle = open(Path(cache) / ".lock", "a")  # noqa: SIM115 (held across the yield)
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _set_cache_folder() -> None:
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("onestop-hall", appauthor=False)) / "escpos"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # an unwritable home: escpos falls back to a temporary folder, as it would
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(folder))

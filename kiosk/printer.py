"""The kiosk's ticket printer: an ESC/POS slip in Chinese or English, sent by python-escpos.

Chinese thermal printers only print Chinese once they are switched into Chinese character
mode (`FS &`) and fed GB18030 double-byte codes; python-escpos's own text encoding does
neither, and its `set(double_width=...)` leaves Chinese characters small. So the text of a
slip is encoded here and written with `_raw`, sized with `GS !`, which scales Chinese and
ASCII alike. The layout, in bytes:

    ESC @              1B 40        initialise (clear buffer, reset modes)
    FS &               1C 26        Chinese character mode, for every slip (see below)
    ESC a 1            1B 61 01     centre everything
    GS ! 0x11  hall name        LF  double width and height
    GS ! 0x11  business name    LF
    GS ! 0x44  number (A023)    LF  five times width and height
    GS ! 0x01  go to counter 7  LF  double height (only for a ticket sent to a named counter)
    GS ! 0x00  people ahead     LF  (only when known)
               estimated wait   LF
               YYYY-MM-DD HH:MM LF
               LF
    GS ( k ...                      QR code of qr_data (model 2, module 6 dots, level M)
               footer           LF  (only when not empty)
    ESC d 6, GS V 0    1B 64 06, 1D 56 00   feed six lines and cut

and then, to a printer that can answer, the status requests DLE EOT 1 and DLE EOT 4, sent
apart from the slip (`kiosk.printer_port`: taken by the kernel is not printed).

python-escpos (~1 s to import) is imported only when a slip is rendered or a printer opened.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.config import PrinterConfig
from kiosk.printer_port import (
    ANSWERING_KINDS,
    DeviceFile,
    check_status,
    discard_unsent,
    wait_until_sent,
)

if TYPE_CHECKING:
    from escpos.escpos import Escpos

INIT = b"\x1b@"
"""ESC @: clear the printer's buffer and reset its modes."""
CHINESE_MODE = b"\x1c&"
"""FS &: from here on, bytes 0x81-0xFE start a GB18030 double-byte character."""
CENTRE = b"\x1ba\x01"
"""ESC a 1: centre the lines (and the QR code) that follow."""
SIZE_NORMAL = b"\x1d!\x00"
"""GS ! 0x00: normal size."""
SIZE_DOUBLE = b"\x1d!\x11"
"""GS ! 0x11: double width and height, for the hall and business names."""
SIZE_TALL = b"\x1d!\x01"
"""GS ! 0x01: double height, normal width, for the counter a guide sent the customer to: it
stands out, and "请到 7号窗口（故障报修与咨询） 办理" (33 columns) takes two lines of a 58 mm
roll's 32, where double width would take three."""
SIZE_NUMBER = b"\x1d!\x44"
"""GS ! 0x44: five times width and height, for the number. "A023" is then 240 dots wide
(30 mm), and a five-character number still fits a 58 mm roll's 384 dots, which 8x would not."""

JOIN_GRACE_SECONDS = 0.25
"""How long past the print timeout the kiosk waits for the printing thread: the send's own
limits end at the timeout and say what went wrong (no status answer, stopped taking data);
the join is for a call that has no limit (a device file's write)."""

QR_MODULE_DOTS = 6
"""Dots per QR module: a 25-module code (version 2) is about 19 mm wide at 203 dpi."""

_LABELS = {
    "zh": {
        "ahead": "前面还有 {n} 人",
        "ahead_one": "前面还有 1 人",
        "ahead_none": "前面没有人在等候",
        "go_to": "请到 {counter} 办理",
        "wait": "预计等候约 {m} 分钟",
        "no_wait": "预计等候：暂无预计",
    },
    "en": {
        "ahead": "{n} people ahead",
        "ahead_one": "1 person ahead",
        "ahead_none": "Nobody is waiting ahead of you",
        "go_to": "Please go to {counter}",
        "wait": "Estimated wait: about {m} min",
        "no_wait": "Estimated wait: not known yet",
    },
}


class PrinterFault(Exception):
    """The printer could not print the ticket; str() is one line for the leader's log."""


@dataclass(frozen=True)
class TicketSlip:
    """What goes on the paper."""

    hall_name: str
    """Name of the hall, in the customer's language."""
    number: str
    """The ticket number, e.g. "A023"."""
    business: str
    """Name of the business type, in the customer's language."""
    ahead: int | None
    """People ahead in the queue; None leaves the line out."""
    estimated_wait_min: float | None
    """Estimated minutes until the call; None prints "暂无预计" / "not known yet"."""
    issued_at: datetime.datetime
    """When the number was taken: aware, in the hall's local time."""
    qr_data: str
    """Text of the QR code: the ticket's page on the hall server, e.g.
    "http://192.168.1.10:8000/t/2s-Xq3…", or "HALL:2026-11-27:A023" without one."""
    footer: str
    """Last line (a hint to the customer); empty for none."""
    language: str
    """"zh" or "en": the language of the labels."""
    counter: str | None = None
    """The named counter a guide sent the customer to, in their language; None for a ticket
    any counter of its business may call."""

    def __post_init__(self) -> None:
        if self.language not in _LABELS:
            raise ValueError(f"slip language must be zh or en, got {self.language!r}")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be aware, in the hall's local time")


# --- rendering ------------------------------------------------------------------------------


def encode_text(text: str) -> bytes:
    """GB18030 bytes of one line of slip text; control characters become spaces, so that
    a name from the config can never smuggle a printer command onto the slip."""
    printable = "".join(c if c.isprintable() else " " for c in text)
    return printable.encode("gb18030", errors="replace")


def ahead_text(ahead: int, language: str) -> str:
    """The people-ahead line, e.g. "前面还有 3 人" / "3 people ahead"; with nobody ahead, the
    confirmation screen's words ("前面没有人在等候"), not "前面还有 0 人"."""
    labels = _LABELS[language]
    if ahead == 0:
        return labels["ahead_none"]
    return labels["ahead_one"] if ahead == 1 else labels["ahead"].format(n=ahead)


def wait_text(minutes: float | None, language: str) -> str:
    """The estimated-wait line, e.g. "预计等候约 12 分钟"; whole minutes, at least 1."""
    labels = _LABELS[language]
    if minutes is None:
        return labels["no_wait"]
    return labels["wait"].format(m=max(1, round(minutes)))


def _line(printer: Escpos, size: bytes, text: str) -> None:
    printer._raw(size + encode_text(text) + b"\n")


def render_ticket(printer: Escpos, slip: TicketSlip) -> None:
    """Write the ticket to an escpos printer object (also used with printer.Dummy() in tests).

    `FS &` is sent for English slips too: it is harmless for ASCII, which prints the same in
    Chinese mode, and an English name falls back to the Chinese one when the config has none.
    `FS .` (leave Chinese mode) is never sent: each slip starts with ESC @ and FS & so it does
    not depend on what came before, and Chinese mode is these printers' power-on state anyway.
    """
    load_escpos()
    from escpos.constants import QR_ECLEVEL_M

    printer._raw(INIT + CHINESE_MODE + CENTRE)
    _line(printer, SIZE_DOUBLE, slip.hall_name)
    _line(printer, SIZE_DOUBLE, slip.business)
    _line(printer, SIZE_NUMBER, slip.number)
    if slip.counter:
        _line(printer, SIZE_TALL, _LABELS[slip.language]["go_to"].format(counter=slip.counter))
    if slip.ahead is not None:
        _line(printer, SIZE_NORMAL, ahead_text(slip.ahead, slip.language))
    _line(printer, SIZE_NORMAL, wait_text(slip.estimated_wait_min, slip.language))
    _line(printer, SIZE_NORMAL, slip.issued_at.strftime("%Y-%m-%d %H:%M"))
    printer._raw(b"\n")
    # Native QR (GS ( k): the printer draws it from ~40 bytes. Both work on Dummy, but the
    # library default sends a raster image (~6 KB: 6 s at 9600 baud, over the timeout) and,
    # with the default profile, prints a warning to stdout on every ticket.
    printer.qr(slip.qr_data, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS, native=True)
    if slip.footer.strip():
        _line(printer, SIZE_NORMAL, slip.footer)
    printer.cut()


def sample_slip(language: str = "zh", **changes: Any) -> TicketSlip:
    """A slip for tests and demos: A023 at 09:00 on 2026-11-27, 3 ahead, about 12 minutes."""
    zh, defaults = language == "zh", PrinterConfig()
    fields: dict[str, Any] = {
        "hall_name": "国网某某供电公司城东营业厅" if zh else "City East Power Service Hall",
        "number": "A023",
        "business": "缴费" if zh else "Bill payment",
        "ahead": 3,
        "estimated_wait_min": 12.0,
        "issued_at": datetime.datetime.fromisoformat("2026-11-27T09:00+08:00"),
        "qr_data": "HALL:2026-11-27:A023",
        "footer": defaults.footer_zh if zh else defaults.footer_en,
        "language": language,
    }
    return TicketSlip(**{**fields, **changes})


# --- importing python-escpos ----------------------------------------------------------------

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


# --- opening a printer ----------------------------------------------------------------------


def describe(config: PrinterConfig) -> str:
    """Where the printer is, for messages: "network 192.168.1.50:9100", "usb 0416:5011"…"""
    targets = {
        "file": str(config.path),
        "network": f"{config.host}:{config.port}",
        "usb": f"{config.vendor_id or 0:04x}:{config.product_id or 0:04x}",
        "serial": str(config.device),
    }
    return f"{config.kind} {targets[config.kind]}" if config.kind in targets else config.kind


def open_printer(config: PrinterConfig) -> Escpos:
    """A fresh escpos object for `config`, connected, with the transport's own timeouts set;
    raises whatever the transport raises, which TicketPrinter turns into a PrinterFault."""
    load_escpos()
    from escpos import printer

    timeout = config.timeout_seconds
    if config.kind == "file":
        device = printer.File(devfile=config.path)
        # escpos's File.open truncates ("wb") and blocks; tickets are appended, without
        # blocking, so that a stuck printer cannot print one late (DeviceFile).
        device.device = DeviceFile(config.path or "", timeout)
        return device
    if config.kind == "network":
        device = printer.Network(config.host, config.port, timeout=timeout)
    elif config.kind == "usb":
        _require(printer.Usb, "usb", "pyusb")
        device = printer.Usb(config.vendor_id, config.product_id, timeout=int(timeout * 1000))
    elif config.kind == "serial":
        _require(printer.Serial, "serial", "pyserial")
        device = printer.Serial(devfile=config.device, baudrate=config.baudrate, timeout=timeout)
    else:
        raise PrinterFault(f"no printer configured (kind {config.kind!r})")
    device.open()
    if config.kind == "serial":
        device.device.write_timeout = timeout  # escpos sets only pyserial's read timeout
    return device


def _require(kind: Any, name: str, package: str) -> None:
    # Without its package an escpos Usb/Serial object fails in odd places (a NameError while
    # built, a RuntimeError from __del__ printed to stderr), so check before building one.
    if not kind.is_usable():
        raise PrinterFault(f"{name} printing needs the {package} package, which is not installed")


# --- printing -------------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    if type(error).__name__ == "NoBackendError":  # pyusb's, when libusb is not installed
        return "no USB backend: install libusb-1.0"
    return " ".join(str(error).split()) or type(error).__name__


def _send(
    opener: Callable[[PrinterConfig], Escpos], config: PrinterConfig, data: bytes, deadline: float
) -> None:
    printer = opener(config)
    try:
        printer._raw(data)
        wait_until_sent(printer, deadline)
        if config.kind in ANSWERING_KINDS and config.status_check:
            check_status(printer, deadline)  # taken by the kernel is not printed
    except BaseException:
        discard_unsent(printer)
        raise
    finally:
        printer.close()


class TicketPrinter:
    """The kiosk's printer: a fresh escpos connection per ticket, every failure a PrinterFault.

    The time limit: the slip is first rendered to a Dummy (no I/O, so it cannot hang), then
    one thread opens the printer, sends the bytes in one write, asks a printer that can answer
    whether it can print them (`kiosk.printer_port`) and closes it, and the caller waits for
    that thread at most `timeout_seconds` (and a short grace). A blocking system call cannot
    be interrupted from outside, so the join is the only bound that holds for every call. The
    transports' own timeouts (socket, pyusb, pyserial) are set too, so that a thread left
    behind ends soon after; while one is still stuck, the next ticket fails at once rather
    than piling up threads.
    """

    def __init__(
        self, config: PrinterConfig, *, opener: Callable[[PrinterConfig], Escpos] | None = None
    ) -> None:
        self.config = config
        """Which printer, how to reach it, and the time limit."""
        self._opener = opener or open_printer
        self._lock = threading.Lock()
        self._stuck: threading.Thread | None = None
        if self.enabled:
            # Pay python-escpos's ~1 s import when the kiosk starts, not on the first ticket.
            # A failure here shows up again, as a PrinterFault, at the first print.
            with contextlib.suppress(Exception):
                load_escpos()

    @property
    def enabled(self) -> bool:
        """False when the hall has no printer (kind "none"): printing then does nothing."""
        return self.config.kind != "none"

    def print_ticket(self, slip: TicketSlip) -> None:
        """Print one slip, blocking for at most about `timeout_seconds`; raise PrinterFault."""
        if not self.enabled:
            return
        if not self._lock.acquire(timeout=self.config.timeout_seconds):
            raise self._fault("busy with another ticket")
        try:
            self._print(self._render(slip))
        finally:
            self._lock.release()

    def _fault(self, problem: str) -> PrinterFault:
        return PrinterFault(f"ticket printer ({describe(self.config)}): {problem}")

    def _render(self, slip: TicketSlip) -> bytes:
        try:
            load_escpos()
            from escpos.printer import Dummy

            dummy = Dummy()
            render_ticket(dummy, slip)
            return bytes(dummy.output)
        except Exception as exc:
            raise self._fault(f"cannot render the slip: {_one_line(exc)}") from exc

    def _print(self, data: bytes) -> None:
        if self._stuck is not None and self._stuck.is_alive():
            raise self._fault("still stuck on an earlier ticket")
        errors: list[Exception] = []
        deadline = time.monotonic() + self.config.timeout_seconds

        def send() -> None:
            try:
                _send(self._opener, self.config, data, deadline)
            except Exception as exc:  # handed to the waiting thread
                errors.append(exc)

        worker = threading.Thread(target=send, name="ticket-printer", daemon=True)
        worker.start()
        worker.join(self.config.timeout_seconds + JOIN_GRACE_SECONDS)
        if worker.is_alive():
            self._stuck = worker
            raise self._fault(f"no answer within {self.config.timeout_seconds:g} s")
        if errors:
            raise self._fault(_one_line(errors[0])) from errors[0]

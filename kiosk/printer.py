"""The kiosk's ticket printer: the slip (`kiosk.slip`) sent by python-escpos, within a time
limit, every failure a PrinterFault; and a test slip for setting a printer up.

After each slip, a printer that can answer is sent the status requests DLE EOT 1 and DLE
EOT 4, apart from the slip (`kiosk.printer_port`: taken by the kernel is not printed).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from db.config import PrinterConfig
from kiosk.escpos_loader import load_escpos as load_escpos
from kiosk.printer_port import (
    ANSWERING_KINDS,
    DeviceFile,
    PrinterNotReady,
    discard_unsent,
    read_status,
    status_problem,
    wait_until_sent,
)
from kiosk.slip import TicketSlip as TicketSlip
from kiosk.slip import ahead_text as ahead_text
from kiosk.slip import render_test_slip
from kiosk.slip import render_ticket as render_ticket
from kiosk.slip import sample_slip as sample_slip
from kiosk.slip import wait_text as wait_text

if TYPE_CHECKING:
    from escpos.escpos import Escpos

log = logging.getLogger(__name__)

JOIN_GRACE_SECONDS = 0.25
"""How long past the print timeout the kiosk waits for the printing thread: the send's own
limits end at the timeout and say what went wrong (no status answer, stopped taking data);
the join is for a call that has no limit (a device file's write)."""


class PrinterFault(Exception):
    """The printer could not print the ticket; str() is one line for the leader's log."""


@dataclass(frozen=True)
class PrinterAnswer:
    """What a printer answered after a slip (`print_test_slip`)."""

    online: int | None
    """Its answer to DLE EOT 1 (printer status: bit 3 set = offline); None when it was not
    asked: a file, or `status_check = false`."""
    paper: int | None
    """Its answer to DLE EOT 4 (roll paper sensor: bits 5 and 6 set = paper end), or None."""
    problem: str | None
    """What the answers say is wrong ("out of paper"…), None when it can print (or was not
    asked)."""
    notes: tuple[str, ...] = ()
    """Warnings that are no fault, e.g. characters the printer's code page lacks."""

    def describe(self) -> str:
        """One line: "DLE EOT 1 = 0x16, DLE EOT 4 = 0x12: ready" or "not asked"."""
        if self.online is None or self.paper is None:
            return "no status asked (a file, or status_check = false)"
        answers = f"DLE EOT 1 = 0x{self.online:02X}, DLE EOT 4 = 0x{self.paper:02X}"
        return f"{answers}: {self.problem or 'ready'}"


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
    opener: Callable[[PrinterConfig], Escpos], config: PrinterConfig, data: bytes,
    deadline: float, strict: bool = True,
) -> tuple[int, int] | None:
    """Send `data`; return the printer's status answers (None when not asked), and raise
    PrinterNotReady when `strict` and they say it cannot print."""
    printer = opener(config)
    try:
        printer._raw(data)
        wait_until_sent(printer, deadline)
        if config.kind not in ANSWERING_KINDS or not config.status_check:
            return None
        answers = read_status(printer, deadline)  # taken by the kernel is not printed
        problem = status_problem(*answers)
        if strict and problem is not None:
            raise PrinterNotReady(problem)
        return answers
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
        self._missing: frozenset[str] = frozenset()
        self.notes: list[str] = []
        """Warnings so far that are no fault, one line each, each said once: characters
        the printer's code page lacks (printed as "□")."""
        self.fault: str | None = None
        """The last print's fault (one line), until a print goes through again."""
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
        """Print one slip, blocking for at most about `timeout_seconds`; raise PrinterFault.
        Characters the printer's code page lacks are printed as "□" and logged, once each
        (`notes`): a warning, not a fault."""
        if self.enabled:
            self._print(lambda printer: render_ticket(printer, slip, self.config))

    def print_test_slip(self, now: datetime.datetime | None = None) -> PrinterAnswer:
        """Print the test slip (`kiosk.slip.render_test_slip`) and return what the printer
        answered to the status requests, even when they say it cannot print; raise
        PrinterFault when it cannot be reached or does not answer."""
        if not self.enabled:
            raise self._fault("no printer configured")
        when = now or datetime.datetime.now().astimezone()
        answers = self._print(lambda p: render_test_slip(p, self.config, when), strict=False)
        online, paper = answers or (None, None)
        problem = status_problem(*answers) if answers else None
        return PrinterAnswer(online, paper, problem, tuple(self.notes))

    def _fault(self, problem: str) -> PrinterFault:
        return PrinterFault(f"ticket printer ({describe(self.config)}): {problem}")

    def _render(self, render: Callable[[Escpos], frozenset[str] | None]) -> bytes:
        try:
            load_escpos()
            from escpos.printer import Dummy

            dummy = Dummy(profile=self.config.profile)
            missing = render(dummy) or frozenset()
            data = bytes(dummy.output)
        except Exception as exc:
            raise self._fault(f"cannot render the slip: {_one_line(exc)}") from exc
        if missing - self._missing:
            self._missing |= missing
            note = (f"the printer's code page ({self.config.encoding}) lacks "
                    f"{''.join(sorted(missing))}, printed as □")
            self.notes.append(note)
            log.warning("ticket printer: %s", note)
        return data

    def warnings(self) -> list[str]:
        """What the staff should know about the printer, one line each: the last print's
        fault while it lasts, then the notes."""
        return ([self.fault] if self.fault else []) + self.notes

    def _print(
        self, render: Callable[[Escpos], frozenset[str] | None], strict: bool = True
    ) -> tuple[int, int] | None:
        try:
            if not self._lock.acquire(timeout=self.config.timeout_seconds):
                raise self._fault("busy with another ticket")
            try:
                answers = self._send(self._render(render), strict)
            finally:
                self._lock.release()
        except PrinterFault as fault:
            self.fault = str(fault)
            raise
        self.fault = None
        return answers

    def _send(self, data: bytes, strict: bool) -> tuple[int, int] | None:
        if self._stuck is not None and self._stuck.is_alive():
            raise self._fault("still stuck on an earlier ticket")
        errors: list[Exception] = []
        answers: list[tuple[int, int] | None] = []
        deadline = time.monotonic() + self.config.timeout_seconds

        def send() -> None:
            try:
                answers.append(_send(self._opener, self.config, data, deadline, strict))
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
        return answers[0] if answers else None


def print_test_slip(
    config: PrinterConfig, *, opener: Callable[[PrinterConfig], Escpos] | None = None
) -> PrinterAnswer:
    """`hall printer test`: print a test slip on the configured printer (both sizes of
    Chinese and English text, full-width rulers, the settings, a QR code, the cut) and
    return what it answered to DLE EOT 1 and DLE EOT 4; raise PrinterFault when there is no
    printer, it cannot be reached, or it does not answer within `timeout_seconds`."""
    return TicketPrinter(config, opener=opener).print_test_slip()

"""Talking to a ticket printer within a time limit: waiting until a slip has left, asking
the printer whether it can print it, and dropping what is still queued after a failure.

A printer that takes the connection and never reads looks, from here, exactly like one
that printed: a 250-byte slip fits in the kernel's socket buffer, so the write returns at
once either way. Only an answer from the printer tells them apart, so after each slip the
printers that can answer (network, serial, USB) are asked for their real-time status
(ESC/POS `DLE EOT n`, python-escpos's `query_status`), which a printer answers with one
byte as soon as it has received the request, behind the slip's bytes:

    DLE EOT 1  10 04 01   printer status: bit 3 set = offline (cover open, paper out, error)
    DLE EOT 4  10 04 04   roll paper sensor: bits 5 and 6 set = paper end

No answer by the deadline is a fault, and so is an answer that says offline or no paper.
A file or device node (kind "file") cannot answer and is not asked; it is written without
blocking instead (`DeviceFile`), so that a stuck one cannot print a slip minutes late.

The functions work on the escpos object `kiosk.printer.open_printer` built, through its
`_device`: a socket, a pyserial port, a pyusb device or a `DeviceFile` (`.device` would
open one).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from escpos.escpos import Escpos

ANSWERING_KINDS = ("network", "serial", "usb")
"""Printer kinds that can answer a status request; "file" is one-way."""

POLL_SECONDS = 0.01
"""How often a device file that is not taking data is tried again."""


class PrinterNotReady(Exception):
    """The printer answered the status request: it cannot print (str() says why)."""


def wait_until_sent(printer: Escpos, deadline: float) -> None:
    """Wait, until `deadline`, for a serial port's output buffer to empty.

    A slip fits in a serial port's output buffer, so the write returns at once; escpos's
    close() then drains it with tcdrain, which waits without limit for a printer that has
    stopped taking data (paper out, flow control held). Wait here, with a limit, instead."""
    port: Any = getattr(printer, "_device", None)
    if not hasattr(port, "out_waiting"):
        return
    while port.out_waiting:
        if time.monotonic() > deadline:
            raise TimeoutError("the printer stopped taking data")
        time.sleep(0.02)


def check_status(printer: Escpos, deadline: float) -> None:
    """Ask the printer for its status and its paper (DLE EOT 1, DLE EOT 4), each answer
    awaited until `deadline`. Raises TimeoutError when it does not answer, PrinterNotReady
    when it answers that it is offline or out of paper."""
    problem = status_problem(*read_status(printer, deadline))
    if problem is not None:
        raise PrinterNotReady(problem)


def read_status(printer: Escpos, deadline: float) -> tuple[int, int]:
    """The printer's answers to DLE EOT 1 (printer status) and DLE EOT 4 (roll paper
    sensor), one byte each, awaited until `deadline`; TimeoutError when it does not answer."""
    from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER

    return _ask(printer, RT_STATUS_ONLINE, deadline), _ask(printer, RT_STATUS_PAPER, deadline)


def status_problem(online: int, paper: int) -> str | None:
    """What the two status bytes say is wrong, or None when the printer can print; read
    with python-escpos's masks, as its `is_online()` and `paper_status()` read them."""
    from escpos.constants import RT_MASK_NOPAPER, RT_MASK_ONLINE

    if paper & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
        return "out of paper"
    if online & RT_MASK_ONLINE:
        return "offline (cover open, paper out or a printer error)"
    return None


def _ask(printer: Escpos, request: bytes, deadline: float) -> int:
    # Not is_online() / paper_status(): they take no answer for "offline" and for "plenty of
    # paper", and no answer is what a deaf printer gives.
    _limit_reads(printer, deadline)
    try:
        reply = printer.query_status(request)
    except TimeoutError:  # a socket's recv; pyserial's read returns b"" instead
        reply = b""
    if not reply:
        raise TimeoutError(f"no answer to the status request (DLE EOT {request[-1]}): "
                           "the slip may not have printed")
    return int(reply[0])


def _limit_reads(printer: Escpos, deadline: float) -> None:
    # escpos reads with the transport's own timeout: the socket's and pyserial's are the
    # whole print timeout (set when opened), pyusb's is its default; wait no later than the
    # deadline instead.
    left = max(deadline - time.monotonic(), 0.001)
    port: Any = getattr(printer, "_device", None)
    if isinstance(port, socket.socket):
        port.settimeout(left)
    elif hasattr(port, "out_waiting"):  # pyserial
        port.timeout = left
    elif hasattr(port, "default_timeout"):  # pyusb, in ms; 0 would mean no limit at all
        port.default_timeout = max(1, int(left * 1000))


def discard_unsent(printer: Escpos) -> None:
    """After a failed print, drop what is still queued instead of letting it go out later:
    the customer was told to note the number, and half a slip turning up minutes
    afterwards, perhaps in the middle of a QR command, helps nobody. A socket closed with
    SO_LINGER 0 resets the connection; a serial port's output buffer is flushed away."""
    port: Any = getattr(printer, "_device", None)
    with contextlib.suppress(Exception):
        if isinstance(port, socket.socket):
            port.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif hasattr(port, "reset_output_buffer"):
            port.reset_output_buffer()


class DeviceFile:
    """A printer's device file (kind "file": /dev/usb/lp0, /dev/lp0, a FIFO, a plain file)
    written without blocking, until a deadline, for escpos's `File` printer.

    Written the ordinary way, a write to a stuck printer blocks in the kernel for as long as
    the printer is stuck: the kiosk gives up at its timeout, but the write goes on waiting
    and the slip comes out whenever the printer wakes up, long after the customer was told
    to note their number. Here nothing waits without limit. Opening a FIFO that no one
    reads fails at once (ENXIO) instead of waiting for a reader; a write the device does not
    take by the deadline is a fault; and `flush` waits, until the deadline, for the device
    to report itself writable again, which the USB printer driver (usblp) does only once the
    transfer has reached the printer. Closing the file then drops whatever was not taken:
    usblp cancels a transfer still in flight on close. (Bytes a FIFO's reader has not read
    yet stay in the pipe: nothing on this side can take them back.)
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout
        """time.monotonic() by which the slip must have been taken."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
        self.fd: int | None = os.open(path, flags, 0o666)

    def write(self, data: bytes) -> int:
        """Write all of `data`, waiting while the device takes none, until the deadline."""
        rest = memoryview(data)
        while rest:
            try:
                rest = rest[os.write(self._open_fd(), rest):]
            except BlockingIOError:
                self._wait("the printer stopped taking data")
        return len(data)

    def flush(self) -> None:
        """Wait, until the deadline, until the device can take more: what was written has
        left (a USB printer), or there is room again (a FIFO); a plain file always can."""
        fd = self._open_fd()
        while not select.select([], [fd], [], 0)[1]:
            self._wait("the printer did not take the slip")

    def close(self) -> None:
        """Close the file, dropping what the device has not taken yet."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)

    def _open_fd(self) -> int:
        if self.fd is None:
            raise ValueError("write to a closed printer file")
        return self.fd

    def _wait(self, problem: str) -> None:
        # A short sleep rather than select(): a parallel port (lp) reports itself always
        # writable, and select() would not wait at all.
        if time.monotonic() > self.deadline:
            raise TimeoutError(problem)
        time.sleep(POLL_SECONDS)

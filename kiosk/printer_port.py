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
A file or device node (kind "file") cannot answer and is not asked.

The functions work on the escpos object `kiosk.printer.open_printer` built, through its
`_device`: a socket, a pyserial port or a pyusb device (`.device` would open one).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from escpos.escpos import Escpos

ANSWERING_KINDS = ("network", "serial", "usb")
"""Printer kinds that can answer a status request; "file" is one-way."""


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
    from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER

    online = _ask(printer, RT_STATUS_ONLINE, deadline)
    paper = _ask(printer, RT_STATUS_PAPER, deadline)
    problem = status_problem(online, paper)
    if problem is not None:
        raise PrinterNotReady(problem)


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

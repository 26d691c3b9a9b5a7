"""Tests of kiosk.printer: the slip's ESC/POS bytes (on escpos's Dummy) and printer faults."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from db.config import PrinterConfig
from kiosk.printer import (
    PrinterFault,
    TicketPrinter,
    TicketSlip,
    ahead_text,
    load_escpos,
    render_ticket,
    sample_slip,
)
from kiosk.text import t

ROOT = Path(__file__).resolve().parents[2]
FS_AND = b"\x1c&"
FS_DOT = b"\x1c."
CUT = b"\x1bd\x06\x1dV\x00"  # ESC d 6 (feed), GS V 0 (full cut)
QR_STORE = b"\x1d(k\x17\x001P0HALL:2026-11-27:A023"  # GS ( k, 23 bytes: store the data
QR_PRINT = b"\x1d(k\x03\x001Q0"  # GS ( k: print the stored code
LINE = re.compile(rb"\x1d!(.)([^\n]*)\n", re.DOTALL)  # GS ! n, text, LF


def rendered(slip: TicketSlip) -> bytes:
    """The bytes render_ticket writes to a fresh escpos Dummy."""
    load_escpos()  # before importing escpos: see load_escpos
    from escpos.printer import Dummy

    printer = Dummy()
    render_ticket(printer, slip)
    return bytes(printer.output)


def lines(output: bytes) -> list[tuple[int, str]]:
    """Every text line as (GS ! size byte, text decoded from GB18030)."""
    return [(m[1][0], m[2].decode("gb18030")) for m in LINE.finditer(output)]


def one_line_fault(printer: TicketPrinter, slip: TicketSlip | None = None) -> str:
    """Print, expect a PrinterFault, and return its message (checked to be one line)."""
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip or sample_slip())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("ticket printer (")
    return message


# --- the slip's bytes ---------------------------------------------------------------------


def test_chinese_slip_lines_sizes_and_order() -> None:
    output = rendered(sample_slip("zh"))
    assert output.startswith(b"\x1b@" + FS_AND + b"\x1ba\x01")  # ESC @, FS &, ESC a 1
    assert lines(output) == [
        (0x01, "国网某某供电公司城东营业厅"),  # 52 columns at double width: double height only
        (0x11, "缴费"),
        (0x44, "A023"),
        (0x00, "前面还有 3 人"),
        (0x00, "预计等候约 12 分钟"),
        (0x00, "2026-11-27 09:00"),
        (0x00, "请留意叫号屏幕与语音提示，过号请到服务台"),
    ]


def test_chinese_is_gb18030_after_chinese_mode_never_utf8() -> None:
    output = rendered(sample_slip("zh"))
    business = "缴费".encode("gb18030")
    assert output.index(FS_AND) < output.index(business)
    assert "缴费".encode() not in output
    assert output.count(FS_AND) == 1
    assert FS_DOT not in output  # decided: the printer is left in Chinese mode


def test_number_is_sized_big_right_before_it() -> None:
    output = rendered(sample_slip("zh"))
    assert b"\x1d!\x44A023\n" in output
    assert output.index(b"\x1d!\x11" + "缴费".encode("gb18030")) < output.index(b"A023")


def test_native_qr_between_time_and_footer_then_cut() -> None:
    output = rendered(sample_slip("zh"))
    assert b"\x1d(k\x04\x001A2\x00" in output  # model 2
    store, show = output.index(QR_STORE), output.index(QR_PRINT)
    assert output.index(b"2026-11-27 09:00\n") < store < show
    assert show < output.index("请留意".encode("gb18030"))
    assert output.endswith(CUT)


def test_english_slip_is_ascii_and_still_sends_chinese_mode() -> None:
    # FS & is harmless for ASCII, and an English name may fall back to a Chinese one.
    output = rendered(sample_slip("en"))
    assert output.count(FS_AND) == 1
    texts = [text for _, text in lines(output)]
    assert texts == [
        "City East Power Service Hall",
        "Bill payment",
        "A023",
        "3 people ahead",
        "Estimated wait: about 12 min",
        "2026-11-27 09:00",
        "Please watch the screen",  # 50 columns, on 80 mm's 48: broken between words
        "and listen for your number",
    ]
    assert all(text.isascii() for text in texts)
    assert output.endswith(CUT)


@pytest.mark.parametrize(("language", "counter", "line"), [
    ("zh", "7号窗口", "请到 7号窗口 办理"),
    ("en", "Counter 7", "Please go to Counter 7"),
])
def test_a_slip_sent_to_a_named_counter_says_which_right_under_the_number(
    language: str, counter: str, line: str
) -> None:
    texts = lines(rendered(sample_slip(language, counter=counter)))
    number = texts.index((0x44, "A023"))
    assert texts[number + 1] == (0x01, line)  # GS ! 0x01: double height
    plain = lines(rendered(sample_slip(language)))  # no counter: the people ahead come next
    assert plain[plain.index((0x44, "A023")) + 1] == (0x00, ahead_text(3, language))


def test_english_slip_with_chinese_fallback_name_prints_it_in_gb18030() -> None:
    output = rendered(sample_slip("en", business="缴费"))
    assert (0x11, "缴费") in lines(output)


@pytest.mark.parametrize(
    ("language", "changes", "expected", "absent"),
    [
        ("zh", {"estimated_wait_min": None}, "预计等候：暂无预计", "分钟"),
        ("en", {"estimated_wait_min": None}, "Estimated wait: not known yet", "min"),
        ("zh", {"estimated_wait_min": 0.2}, "预计等候约 1 分钟", "暂无"),
        ("zh", {"ahead": None}, "预计等候约 12 分钟", "前面"),
        ("en", {"ahead": 1}, "1 person ahead", "people"),
        ("en", {"ahead": 0}, "Nobody is waiting ahead of you", "people"),
        ("zh", {"ahead": 0}, "前面没有人在等候", "0 人"),
        ("zh", {"footer": ""}, "2026-11-27 09:00", "请留意"),
    ],
)
def test_optional_lines(language: str, changes: dict[str, Any], expected: str, absent: str) -> None:
    texts = [text for _, text in lines(rendered(sample_slip(language, **changes)))]
    assert expected in texts
    assert not any(absent in text for text in texts)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_nobody_ahead_is_worded_as_on_the_screen(language: str) -> None:
    assert ahead_text(0, language) == t("ahead_none", language)


def test_control_characters_in_names_cannot_send_commands() -> None:
    output = rendered(sample_slip("zh", hall_name="城东\x1b@营业厅\n\x1dV\x00"))
    assert output.count(b"\x1b@") == 1  # only the initialise at the start
    assert (0x11, "城东 @营业厅  V") in lines(output)  # spaces at the ends are dropped


def test_slip_refuses_naive_time_and_unknown_language() -> None:
    with pytest.raises(ValueError, match="aware"):
        sample_slip(issued_at=datetime.datetime(2026, 11, 27, 9, 0))
    with pytest.raises(ValueError, match="zh or en"):
        sample_slip(language="fr")


# --- printing and faults ------------------------------------------------------------------


load_escpos()  # before importing escpos: see load_escpos
from escpos.escpos import Escpos  # noqa: E402

STATUS_REQUEST = b"\x10\x04"  # DLE EOT n: a real-time status request
READY = {1: 0x16, 4: 0x12}  # DLE EOT 1: online; DLE EOT 4: paper present (fixed bits only)
PAPER_OUT = {1: 0x1E, 4: 0x72}  # offline, and the paper-end bits 5 and 6 set
OFFLINE = {1: 0x1E, 4: 0x12}  # offline with paper (e.g. the cover is open)


def status_reply(request: bytes, status: dict[int, int]) -> bytes:
    """A printer's one-byte answer to DLE EOT n, as `status` says it stands."""
    return bytes([status[request[2]]])


class FakePrinter(Escpos):  # type: ignore[misc]  # escpos has no types
    """An escpos printer stand-in: records bytes and answers status requests with one byte
    like a real one (escpos's own query_status asks), or fails like a jammed printer."""

    def __init__(self, fail: bool, status: dict[int, int] | None = None) -> None:
        super().__init__()
        self.fail = fail
        self.status = READY if status is None else status
        self.received = b""
        self.answers: list[bytes] = []
        self.closed = False

    def _raw(self, msg: bytes) -> None:
        if self.fail:
            raise OSError("paper jam\nsecond line")
        if msg.startswith(STATUS_REQUEST):
            self.answers.append(status_reply(msg, self.status))
        else:
            self.received += msg

    def _read(self) -> bytes:
        return self.answers.pop(0) if self.answers else b""

    def close(self) -> None:
        self.closed = True


def join_printer_threads() -> None:
    """Wait for sends that outlived their print_ticket call to end (whatever they would
    still have sent, they have)."""
    for thread in threading.enumerate():
        if thread.name == "ticket-printer":
            thread.join(30)
            assert not thread.is_alive(), "a send never ended"


NETWORK = PrinterConfig(kind="network", host="printer.invalid", timeout_seconds=0.5)


def test_none_kind_prints_nothing() -> None:
    def opener(config: PrinterConfig) -> Any:
        raise AssertionError("no printer is configured")

    printer = TicketPrinter(PrinterConfig(), opener=opener)
    assert not printer.enabled
    printer.print_ticket(sample_slip())


def test_after_a_failure_the_next_ticket_gets_a_fresh_printer() -> None:
    opened: list[FakePrinter] = []

    def opener(config: PrinterConfig) -> FakePrinter:
        opened.append(FakePrinter(fail=not opened))
        return opened[-1]

    printer = TicketPrinter(NETWORK, opener=opener)
    assert printer.enabled
    message = one_line_fault(printer)
    assert message == "ticket printer (network printer.invalid:9100): paper jam second line"
    printer.print_ticket(sample_slip())
    assert len(opened) == 2 and all(p.closed for p in opened)
    assert opened[1].received == rendered(sample_slip())


def test_opener_failure_is_a_fault() -> None:
    def opener(config: PrinterConfig) -> Any:
        raise RuntimeError("Device not found (Unable to open:\n[Errno 19] No such device)")

    message = one_line_fault(TicketPrinter(NETWORK, opener=opener))
    assert message.endswith("Device not found (Unable to open: [Errno 19] No such device)")


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event that a hanging fake printer waits for; set when the test ends."""
    event = threading.Event()
    yield event
    event.set()


def test_a_hanging_printer_is_cut_off_at_the_timeout(release: threading.Event) -> None:
    def opener(config: PrinterConfig) -> FakePrinter:
        release.wait(10)  # a write to a device file that never returns
        return FakePrinter(fail=False)

    printer = TicketPrinter(NETWORK, opener=opener)
    start = time.monotonic()
    assert one_line_fault(printer).endswith("no answer within 0.5 s")
    assert time.monotonic() - start < 0.5 + 0.5
    # While that send is still stuck the next ticket fails at once instead of queueing.
    start = time.monotonic()
    assert one_line_fault(printer).endswith("still stuck on an earlier ticket")
    assert time.monotonic() - start < 0.1
    release.set()
    join_printer_threads()  # once the stuck send has ended, printing works again
    printer.print_ticket(sample_slip())


class StalledPort:
    """A pyserial stand-in whose printer stopped taking data: bytes stay queued."""

    def __init__(self) -> None:
        self.out_waiting = 180
        self.discarded = threading.Event()

    def reset_output_buffer(self) -> None:
        self.out_waiting = 0
        self.discarded.set()


def test_a_stalled_serial_printer_is_a_fault_and_its_queue_is_discarded() -> None:
    port = StalledPort()
    fake = FakePrinter(fail=False)
    fake._device = port

    printer = TicketPrinter(NETWORK, opener=lambda config: fake)
    start = time.monotonic()
    message = one_line_fault(printer)
    assert time.monotonic() - start < 0.5 + 0.5
    assert message.endswith(("the printer stopped taking data", "no answer within 0.5 s"))
    join_printer_threads()
    assert port.discarded.is_set()  # not sent later, when the printer wakes up
    assert fake.closed


def free_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_network_connection_refused_is_a_quick_fault() -> None:
    config = PrinterConfig(kind="network", host="127.0.0.1", port=free_port())
    start = time.monotonic()
    message = one_line_fault(TicketPrinter(config))
    assert time.monotonic() - start < 1
    assert f"network 127.0.0.1:{config.port}" in message
    assert "refused" in message


@pytest.fixture
def deaf_listener() -> Iterator[tuple[str, int]]:
    """A listener that accepts connections and never reads from them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()
    server.close()


def test_network_peer_that_never_reads_is_a_fault_within_the_timeout(
    deaf_listener: tuple[str, int],
) -> None:
    # A normal slip: the kernel takes all of it, so only the missing status answer tells.
    host, port = deaf_listener
    config = PrinterConfig(kind="network", host=host, port=port, timeout_seconds=0.5)
    assert len(rendered(sample_slip())) < 400
    start = time.monotonic()
    message = one_line_fault(TicketPrinter(config))
    assert time.monotonic() - start < 0.5 + 0.5
    assert "no answer to the status request (DLE EOT 1)" in message


def test_a_printer_that_cannot_answer_is_not_asked_when_told(
    deaf_listener: tuple[str, int],
) -> None:
    # `status_check = false`: the slip goes out and nobody waits for an answer.
    host, port = deaf_listener
    config = PrinterConfig(kind="network", host=host, port=port, timeout_seconds=0.5,
                           status_check=False)
    TicketPrinter(config).print_ticket(sample_slip())


class PrinterOnTheNetwork:
    """A printer on a local port: reads each connection to its end and answers every status
    request, as a real one does, with one byte from `status`."""

    def __init__(self, status: dict[int, int]) -> None:
        self.status = status
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = self.server.getsockname()
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        """One connection after another, until the server is closed."""
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.server.accept()
                with connection:
                    self.received.append(self.read(connection))

    def read(self, connection: socket.socket) -> bytes:
        """Everything the kiosk sends on one connection, answering status requests."""
        data = b""
        while chunk := connection.recv(4096):
            data += chunk
            while (at := data.find(STATUS_REQUEST)) >= 0 and len(data) > at + 2:
                connection.sendall(status_reply(data[at:at + 3], self.status))
                data = data[:at] + data[at + 3:]
        return data

    def close(self) -> None:
        """Stop listening."""
        self.server.close()
        self.thread.join(2)


@pytest.fixture
def network_printer() -> Iterator[Callable[[dict[int, int]], PrinterConfig]]:
    """`network_printer(status)`: the config of a printer on the network that answers so."""
    printers: list[PrinterOnTheNetwork] = []

    def start(status: dict[int, int]) -> PrinterConfig:
        printers.append(PrinterOnTheNetwork(status))
        host, port = printers[-1].address
        return PrinterConfig(kind="network", host=host, port=port, timeout_seconds=0.5)

    yield start
    for printer in printers:
        printer.close()


def test_a_network_printer_that_answers_ready_prints(
    network_printer: Callable[[dict[int, int]], PrinterConfig],
) -> None:
    config = network_printer(READY)
    printer = TicketPrinter(config)
    printer.print_ticket(sample_slip("zh"))
    printer.print_ticket(sample_slip("en"))
    join_printer_threads()


@pytest.mark.parametrize(("status", "reason"), [
    (PAPER_OUT, "out of paper"),
    (OFFLINE, "offline (cover open, paper out or a printer error)"),
])
def test_a_printer_that_answers_it_cannot_print_is_a_fault_with_the_reason(
    network_printer: Callable[[dict[int, int]], PrinterConfig],
    status: dict[int, int], reason: str,
) -> None:
    config = network_printer(status)
    start = time.monotonic()
    message = one_line_fault(TicketPrinter(config))
    assert time.monotonic() - start < 0.5
    assert message == f"ticket printer (network {config.host}:{config.port}): {reason}"


@pytest.mark.parametrize(("kind", "asked"), [("serial", True), ("usb", True), ("file", False)])
def test_serial_and_usb_printers_are_asked_too_but_a_file_is_not(kind: str, asked: bool) -> None:
    config = PrinterConfig(kind=kind, path="x", device="x", vendor_id=1, product_id=1)
    fake = FakePrinter(fail=False, status=PAPER_OUT)
    printer = TicketPrinter(config, opener=lambda config: fake)
    if asked:
        assert one_line_fault(printer).endswith(": out of paper")
    else:
        printer.print_ticket(sample_slip())  # a file cannot answer: nothing is asked
    assert fake.received == rendered(sample_slip()) and fake.closed


def test_usb_without_device_or_pyusb_is_a_fault() -> None:
    config = PrinterConfig(kind="usb", vendor_id=0x0416, product_id=0x5011)
    message = one_line_fault(TicketPrinter(config))
    assert message.startswith("ticket printer (usb 0416:5011): ")


def test_serial_missing_device_is_a_fault() -> None:
    config = PrinterConfig(kind="serial", device="/nonexistent/ttyUSB9")
    message = one_line_fault(TicketPrinter(config))
    assert message.startswith("ticket printer (serial /nonexistent/ttyUSB9): ")


def test_file_kind_appends_each_ticket(tmp_path: Path) -> None:
    path = tmp_path / "ticket.bin"
    printer = TicketPrinter(PrinterConfig(kind="file", path=str(path)))
    printer.print_ticket(sample_slip("zh"))
    printer.print_ticket(sample_slip("en"))
    assert path.read_bytes() == rendered(sample_slip("zh")) + rendered(sample_slip("en"))


def test_file_kind_unwritable_path_is_a_fault(tmp_path: Path) -> None:
    config = PrinterConfig(kind="file", path=str(tmp_path))  # a directory
    assert "Is a directory" in one_line_fault(TicketPrinter(config))
    config = dataclasses.replace(config, path=str(tmp_path / "missing" / "ticket.bin"))
    assert "No such file" in one_line_fault(TicketPrinter(config))


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe standing in for a printer's device node (/dev/usb/lp0)."""
    path = tmp_path / "lp0"
    os.mkfifo(path)
    return path


def drain(reader: int) -> bytes:
    """Everything the pipe holds now."""
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(reader, 65536):
            data += chunk
    return data


def test_a_stuck_device_file_is_a_fault_and_never_prints_the_slip_late(fifo: Path) -> None:
    # The printer has stopped taking data: its pipe is full. The slip must not come out
    # once it starts reading again (the customer was told to note their number).
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    backlog = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        fcntl.fcntl(backlog, fcntl.F_SETPIPE_SZ, 4096)
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(backlog, b"\0" * 512)
        config = PrinterConfig(kind="file", path=str(fifo), timeout_seconds=0.5)
        start = time.monotonic()
        message = one_line_fault(TicketPrinter(config))
        assert time.monotonic() - start < 0.5 + 0.5
        assert message.endswith("the printer stopped taking data")
        assert set(drain(reader)) == {0}  # the printer wakes up: only what was there before
        join_printer_threads()
        assert drain(reader) == b""  # and the slip never comes
    finally:
        os.close(backlog)
        os.close(reader)


def test_a_device_file_no_one_reads_is_a_fault_at_once(fifo: Path) -> None:
    config = PrinterConfig(kind="file", path=str(fifo), timeout_seconds=0.5)
    start = time.monotonic()
    assert "No such device or address" in one_line_fault(TicketPrinter(config))
    assert time.monotonic() - start < 0.3
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the printer comes back
    try:
        join_printer_threads()
        assert drain(reader) == b""  # no slip left waiting for it
    finally:
        os.close(reader)


def test_a_device_file_that_reads_gets_the_whole_slip(fifo: Path) -> None:
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        TicketPrinter(PrinterConfig(kind="file", path=str(fifo))).print_ticket(sample_slip())
        assert drain(reader) == rendered(sample_slip())
    finally:
        os.close(reader)


# --- importing python-escpos ---------------------------------------------------------------

IMPORT_CHECK = """
import json, sys
import kiosk.printer as p
p.TicketPrinter(p.PrinterConfig())  # no printer: escpos stays unimported
lazy = "escpos" not in sys.modules
p.TicketPrinter(p.PrinterConfig(kind="file", path=sys.argv[1])).print_ticket(p.sample_slip())
print(json.dumps({"lazy": lazy, "loaded": "escpos.printer" in sys.modules}))
"""


def test_escpos_is_imported_lazily_and_leaves_no_temp_folder(tmp_path: Path) -> None:
    temp, cache = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "XDG_CACHE_HOME": str(cache)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, str(tmp_path / "ticket.bin")],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout) == {"lazy": True, "loaded": True}
    assert out.stderr == ""
    assert list(temp.iterdir()) == []  # escpos's mkdtemp() was answered with the cache
    assert list(cache.glob("onestop-hall/escpos/*.capabilities.pickle"))
    assert (tmp_path / "ticket.bin").read_bytes() == rendered(sample_slip())


@pytest.mark.slow
def test_kiosks_starting_together_on_a_fresh_machine_all_load_escpos(tmp_path: Path) -> None:
    # escpos writes its capabilities pickle in place on first import: a second process
    # reading it meanwhile got a half-written file (EOFError). load_escpos takes turns.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    code = "from kiosk.printer import load_escpos; load_escpos(); print('loaded')"
    starts = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [p.communicate(timeout=120) for p in starts]
    assert [out.strip() for out, _ in results] == ["loaded"] * 6, [e for _, e in results]
    assert (tmp_path / "onestop-hall" / "escpos").is_dir()


def test_the_last_fault_is_kept_until_a_print_goes_through() -> None:
    """What the guide mode shows: the fault while it lasts, then the notes."""
    failing = [True]
    printer = TicketPrinter(dataclasses.replace(NETWORK, encoding="gbk"),
                            opener=lambda config: FakePrinter(fail=failing[0]))
    assert printer.warnings() == []
    fault = one_line_fault(printer)
    assert printer.fault == fault and printer.warnings() == [fault]
    failing[0] = False
    printer.print_ticket(sample_slip(hall_name="城东㐀营业厅"))
    assert printer.fault is None
    assert printer.warnings() == ["the printer's code page (gbk) lacks 㐀, printed as □"]
    failing[0] = True
    with pytest.raises(PrinterFault):
        printer.print_test_slip()
    assert printer.warnings() == [fault, "the printer's code page (gbk) lacks 㐀, printed as □"]

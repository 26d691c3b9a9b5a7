"""A ticket slip in Chinese or English and its ESC/POS bytes, written to a python-escpos object.

Chinese thermal printers only print Chinese once they are switched into Chinese character
mode (`FS &`) and fed GB18030 (or GBK) double-byte codes; python-escpos's own text encoding
does neither, and its `set(double_width=...)` leaves Chinese characters small. So the text
of a slip is encoded here and written with `_raw`, sized with `GS !`, which scales Chinese
and ASCII alike, and laid out for the roll by `kiosk.slip_layout`: each line at the
largest of its sizes that fits the paper's columns, else wrapped at word boundaries. The
layout, in bytes:

    ESC @              1B 40        initialise (clear buffer, reset modes)
    FS &               1C 26        Chinese character mode, for every slip (see below)
    ESC a 1            1B 61 01     centre everything
    GS ! 0x11  hall name        LF  double width and height (0x01, double height, if too wide)
    GS ! 0x11  business name    LF  (the same)
    GS ! 0x44  number (A023)    LF  five times width and height (smaller if too wide)
    GS ! 0x01  go to counter 7  LF  double height (only for a ticket sent to a named counter)
    GS ! 0x00  people ahead     LF  (only when known)
               estimated wait   LF
               YYYY-MM-DD HH:MM LF
               LF
    GS ( k ...                      QR code of qr_data (model 2, module 6 dots, level M);
                                    or GS v 0, a raster image of it (qr = "image"); or none
               footer           LF  (only when not empty)
    ESC d 6, GS V 0    1B 64 06, 1D 56 00   feed six lines and cut (no cut when the escpos
                                            profile says the printer has no cutter)

and then, to a printer that can answer, the status requests DLE EOT 1 and DLE EOT 4, sent
apart from the slip (`kiosk.printer_port`: taken by the kernel is not printed).
`kiosk.printer` sends the bytes; python-escpos (~1 s to import) is imported only when a slip
is rendered (`kiosk.escpos_loader`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from db.config import PrinterConfig
from db.rules.waits import wait_line
from kiosk import slip_layout as layout
from kiosk.escpos_loader import load_escpos

if TYPE_CHECKING:
    from escpos.escpos import Escpos

INIT = b"\x1b@"
"""ESC @: clear the printer's buffer and reset its modes."""
CHINESE_MODE = b"\x1c&"
"""FS &: from here on, bytes 0x81-0xFE start a GB18030 double-byte character."""
CENTRE = b"\x1ba\x01"
"""ESC a 1: centre the lines (and the QR code) that follow."""
SIZE = b"\x1d!"
"""GS ! n: the size of the characters that follow (`kiosk.slip_layout`'s sizes)."""
RASTER = b"\x1dv0\x00"
"""GS v 0 0: a raster bit image at normal density, for a QR code the printer cannot draw."""

QR_MODULE_DOTS = 6
"""Dots per QR module: a 25-module code (version 2) is about 19 mm wide at 203 dpi."""

_LABELS = {
    "zh": {
        "ahead": "前面还有 {n} 人",
        "ahead_one": "前面还有 1 人",
        "ahead_none": "前面没有人在等候",
        "go_to": "请到 {counter} 办理",
        "priority": "优先类别：{name}",
        "no_wait": "预计等候：暂无预计",
    },
    "en": {
        "ahead": "{n} people ahead",
        "ahead_one": "1 person ahead",
        "ahead_none": "Nobody is waiting ahead of you",
        "go_to": "Please go to {counter}",
        "priority": "Priority: {name}",
        "no_wait": "Estimated wait: not known yet",
    },
}


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
    estimated_low: float | None = None
    """The low end of the estimate's range, when it has one (约 10–15 分钟)."""
    estimated_high: float | None = None
    """…and the high end."""
    priority: str | None = None
    """The ticket's priority class (预约, 老年人 …) in the customer's language; None for a
    normal number."""

    def __post_init__(self) -> None:
        if self.language not in _LABELS:
            raise ValueError(f"slip language must be zh or en, got {self.language!r}")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be aware, in the hall's local time")


# --- rendering ------------------------------------------------------------------------------


def ahead_text(ahead: int, language: str) -> str:
    """The people-ahead line, e.g. "前面还有 3 人" / "3 people ahead"; with nobody ahead, the
    confirmation screen's words ("前面没有人在等候"), not "前面还有 0 人"."""
    labels = _LABELS[language]
    if ahead == 0:
        return labels["ahead_none"]
    return labels["ahead_one"] if ahead == 1 else labels["ahead"].format(n=ahead)


def wait_text(minutes: float | None, language: str, low: float | None = None,
              high: float | None = None) -> str:
    """The estimated-wait line in the words every screen uses (`db.rules.estimate.wait_line`):
    "预计等候约 12 分钟", "预计等候约 10–15 分钟" where the spread is wide, "即将叫号"."""
    line = wait_line(minutes, low, high, language)
    return _LABELS[language]["no_wait"] if line is None else line


class _Paper:
    """Lines written to an escpos printer, laid out for its roll and encoded for its code
    page; `missing` collects the characters the code page lacks (printed as "□")."""

    def __init__(self, printer: Escpos, config: PrinterConfig) -> None:
        self.printer, self.config = printer, config
        self.columns = layout.columns_of(config.width_dots)
        self.missing: set[str] = set()

    def line(self, text: str, sizes: Sequence[int] = layout.BODY) -> None:
        text, missing = layout.printable(text, self.config.encoding)
        self.missing |= missing
        for size, part in layout.fit(text, sizes, self.columns):
            self.printer._raw(SIZE + bytes([size]) + part.encode(self.config.encoding) + b"\n")

    def qr(self, data: str) -> None:
        """The QR code as the printer can print it: drawn by the printer (GS ( k), as a
        raster image (GS v 0) or not at all, by `qr_mode`."""
        from escpos.constants import QR_ECLEVEL_M

        mode = qr_mode(self.config, self.printer)
        if mode == "native":
            # ~40 bytes; python-escpos's image default would be ~6 KB and print to stdout.
            self.printer.qr(data, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS, native=True)
        elif mode == "image":
            self.printer._raw(qr_image(data, self.config.width_dots) + b"\n")


def qr_mode(config: PrinterConfig, printer: Escpos) -> str:
    """config.qr, except that "native" is "image" for a printer whose escpos profile (the
    `profile` key, given to the printer object) says it has no QR code support."""
    if config.qr == "native" and not printer.profile.supports("qrCode"):
        return "image"
    return config.qr


def qr_image(data: str, dots: int) -> bytes:
    """GS v 0 and a QR code of `data` (level M, 6-dot modules, smaller if the roll is too
    narrow for them) drawn with the qrcode package, as python-escpos's `qr(native=False)`
    draws it. Not that method itself: it selects a code page (ESC t 0) on the way, and its
    `image()` prints a warning to stdout when the profile does not know the paper width."""
    load_escpos()
    import qrcode
    from escpos.image import EscposImage

    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    code.box_size = max(1, min(QR_MODULE_DOTS, dots // (code.modules_count + 2)))
    image = EscposImage(code.make_image()._img.convert("RGB"))
    size = bytes((image.width_bytes % 256, image.width_bytes // 256,
                  image.height % 256, image.height // 256))
    raster: bytes = image.to_raster_format()
    return RASTER + size + raster


def render_ticket(
    printer: Escpos, slip: TicketSlip, config: PrinterConfig | None = None
) -> frozenset[str]:
    """Write the ticket to an escpos printer object (also used with printer.Dummy() in tests)
    for `config`'s paper, QR mode and encoding (default: PrinterConfig()'s); return the
    characters the printer's code page lacks, printed as "□".

    `FS &` is sent for English slips too: it is harmless for ASCII, which prints the same in
    Chinese mode, and an English name falls back to the Chinese one when the config has none.
    `FS .` (leave Chinese mode) is never sent: each slip starts with ESC @ and FS & so it does
    not depend on what came before, and Chinese mode is these printers' power-on state anyway.
    """
    load_escpos()
    paper = _Paper(printer, config or PrinterConfig())
    labels = _LABELS[slip.language]
    printer._raw(INIT + CHINESE_MODE + CENTRE)
    paper.line(slip.hall_name, layout.HEADING)
    paper.line(slip.business, layout.HEADING)
    paper.line(slip.number, layout.NUMBER)
    if slip.counter:
        # Double height at normal width: "请到 7号窗口（故障报修与咨询） 办理" (35 columns)
        # takes two lines of a 58 mm roll's 32, where double width would take three.
        paper.line(labels["go_to"].format(counter=slip.counter), (layout.TALL,))
    if slip.priority:
        paper.line(labels["priority"].format(name=slip.priority))
    if slip.ahead is not None:
        paper.line(ahead_text(slip.ahead, slip.language))
    paper.line(wait_text(slip.estimated_wait_min, slip.language, slip.estimated_low,
                         slip.estimated_high))
    paper.line(slip.issued_at.strftime("%Y-%m-%d %H:%M"))
    printer._raw(b"\n")
    paper.qr(slip.qr_data)
    if slip.footer.strip():
        paper.line(slip.footer)
    printer.cut()
    return frozenset(paper.missing)


def render_test_slip(printer: Escpos, config: PrinterConfig, now: datetime.datetime) -> None:
    """Write a test slip: both sizes of Chinese and English text, a full-width ruler of each
    (a ruler that wraps says the paper width is set too wide), the settings, a QR code, the
    cut; `now` is printed on it."""
    load_escpos()
    paper = _Paper(printer, config)
    columns = paper.columns
    printer._raw(INIT + CHINESE_MODE + CENTRE)
    paper.line("打印测试页", (layout.DOUBLE,))
    paper.line("Test print", (layout.DOUBLE,))
    paper.line("中文正常大小 Normal size")
    paper.line("".join(str(n % 10) for n in range(1, columns + 1)))
    paper.line("中文满行" * (columns // 8) + "中文满行"[: columns % 8 // 2])
    width = f"{config.width_dots} dots"
    paper.line(f"纸宽 paper {config.paper if config.dots is None else width}, "
               f"{columns} 列 columns")
    paper.line(f"编码 encoding {config.encoding}, QR {qr_mode(config, printer)}")
    paper.line(now.strftime("%Y-%m-%d %H:%M:%S"))
    printer._raw(b"\n")
    paper.qr("HALL:TEST")
    paper.line("扫码应得 HALL:TEST / scan: HALL:TEST")
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

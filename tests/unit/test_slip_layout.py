"""The slip laid out for the roll (issue 15): every line of the decoded bytes within the
paper's columns at its size, no word split, the hall name whole when it fits at some size;
the QR code as an image for printers without native QR; characters a GBK printer lacks
replaced and warned about once; the test slip and the printer's answers to it."""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from typing import Any

import pytest

from db.config import PrinterConfig
from db.config.kiosk import InvalidSetting
from kiosk.printer import PrinterAnswer, TicketPrinter, load_escpos, print_test_slip
from kiosk.slip import (
    TicketSlip,
    ahead_text,
    render_test_slip,
    render_ticket,
    sample_slip,
    wait_text,
)
from kiosk.slip_layout import fit, text_width, wrap
from tests.unit.test_printer import OFFLINE, PAPER_OUT, READY, FakePrinter

LINE = re.compile(rb"\x1d!(.)([^\n]*)\n", re.DOTALL)  # GS ! n, text, LF
NATIVE_QR = b"\x1d(k"
RASTER = b"\x1dv0"
PAPERS = {"58mm": PrinterConfig(paper="58mm"), "80mm": PrinterConfig(paper="80mm"),
          "512 dots": PrinterConfig(dots=512)}
COLUMNS = {"58mm": 32, "80mm": 48, "512 dots": 42}
HALL_NAMES = {
    "zh": ["城东营业厅", "国网某某供电公司城东营业厅",
           "国网某某省某某市某某县供电公司某某镇城东新区第一供电营业厅"],
    "en": ["East Hall", "City East Power Service Hall",
           "State Grid Somewhere Provincial Electric Power Company City East Customer "
           "Service Hall"],
}
LONG_COUNTERS = {"zh": "7号窗口（故障报修与咨询）", "en": "Counter 7 (fault repair and enquiries)"}


def rendered(slip: TicketSlip | None = None, config: PrinterConfig | None = None,
             **dummy: Any) -> bytes:
    load_escpos()
    from escpos.printer import Dummy

    printer = Dummy(**dummy)
    render_ticket(printer, slip or sample_slip(), config)
    return bytes(printer.output)


def lines(output: bytes, encoding: str = "gb18030") -> list[tuple[int, str]]:
    """(GS ! size byte, text) of every text line of a slip."""
    return [(m[1][0], m[2].decode(encoding)) for m in LINE.finditer(output)]


def dots_wide(size: int, raw: str, encoding: str = "gb18030") -> int:
    """How wide the printer prints a line, measured from its bytes (in Chinese mode a byte
    of a character is a 12-dot column) and the GS ! width factor."""
    return len(raw.encode(encoding)) * 12 * ((size >> 4) + 1)


def slips(language: str) -> list[TicketSlip]:
    names = HALL_NAMES[language]
    return [sample_slip(language, hall_name=name) for name in names] + [
        sample_slip(language, counter=LONG_COUNTERS[language], ahead=0, estimated_wait_min=None)
    ]


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_line_is_wider_than_the_paper(paper: str, language: str) -> None:
    config = PAPERS[paper]
    for slip in slips(language):
        for size, text in lines(rendered(slip, config)):
            assert dots_wide(size, text) <= config.width_dots, (paper, size, text)


def sources(slip: TicketSlip) -> list[str]:
    """The texts of a slip, each before it is laid out, in order."""
    go_to = {"zh": "请到 {} 办理", "en": "Please go to {}"}[slip.language]
    return [slip.hall_name, slip.business, slip.number,
            *([go_to.format(slip.counter)] if slip.counter else []),
            *([ahead_text(slip.ahead, slip.language)] if slip.ahead is not None else []),
            wait_text(slip.estimated_wait_min, slip.language),
            slip.issued_at.strftime("%Y-%m-%d %H:%M"), slip.footer]


def rejoins(parts: list[str], source: str) -> bool:
    """Whether the lines give `source` back: joined at a space it was broken at, or with
    nothing between two characters of which one is Chinese; so never inside a word."""
    found = {parts[0]}
    for part in parts[1:]:
        found = {before + " " + part for before in found} | {
            before + part for before in found if wide(before[-1]) or wide(part[0])}
    return source in found


def wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_word_is_split_and_nothing_is_lost(paper: str, language: str) -> None:
    # The lines are each text of the slip in order, broken only between words or between
    # Chinese characters.
    for slip in slips(language):
        texts = [text for _, text in lines(rendered(slip, PAPERS[paper]))]
        at = 0
        for source in sources(slip):
            taken = next((n for n in range(1, 5) if rejoins(texts[at:at + n], source)), None)
            assert taken is not None, (paper, source, texts[at:])
            at += taken
        assert at == len(texts)


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_hall_name_is_whole_on_one_line_when_it_fits_at_some_size(
    paper: str, language: str
) -> None:
    columns = COLUMNS[paper]
    for name in HALL_NAMES[language]:
        output = lines(rendered(sample_slip(language, hall_name=name), PAPERS[paper]))
        if text_width(name) <= columns // 2:
            assert output[0] == (0x11, name)  # double size
        elif text_width(name) <= columns:
            assert output[0] == (0x01, name)  # double height, normal width
        else:  # wrapped at double height, in balanced lines, no character left alone
            parts = [text for size, text in output if size == 0x01]
            assert len(parts) == -(-text_width(name) // columns)
            assert min(text_width(p) for p in parts) >= columns // 2


def test_measured_widths_of_the_shipped_texts() -> None:
    # The cases: the hall name (26 columns: 624 dots at double width) wrapped on
    # both rolls, the English footer broke mid-word, the Chinese footer wrapped on 58 mm.
    zh58 = lines(rendered(sample_slip("zh"), PAPERS["58mm"]))
    assert zh58[0] == (0x01, "国网某某供电公司城东营业厅")  # 312 of 384 dots
    assert zh58[-2:] == [(0, "请留意叫号屏幕与语音"), (0, "提示，过号请到服务台")]
    en80 = lines(rendered(sample_slip("en"), PAPERS["80mm"]))
    assert en80[-2:] == [(0, "Please watch the screen"), (0, "and listen for your number")]
    assert lines(rendered(sample_slip("zh"), PAPERS["80mm"]))[-1][1].endswith("过号请到服务台")


def test_the_number_is_as_large_as_fits() -> None:
    assert (0x44, "A023") in lines(rendered(config=PAPERS["58mm"]))  # 240 of 384 dots
    long_number = sample_slip(number="AB12345")  # 7 x 5 x 12 = 420 dots: too wide at 5x
    assert (0x33, "AB12345") in lines(rendered(long_number, PAPERS["58mm"]))


def test_wrapping_rules() -> None:
    # "（" never ends a line, "）" never starts one; the lines are balanced.
    for columns in (12, 16):
        assert wrap("请到 7号窗口（故障报修与咨询） 办理", columns) == [
            "请到 7号窗口", "（故障报修与", "咨询） 办理"]
    assert wrap("请到 7号窗口（故障报修与咨询） 办理", 11) == [
        "请到 7号窗", "口（故障报", "修与咨询）", "办理"]
    assert wrap("Supercalifragilisticexpialidocious word", 10)[0] == "Supercalif"  # only so
    assert fit("", (0x11, 0x01), 16) == [(0x11, "")]


# --- the QR code ----------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "profile"), [
    (PrinterConfig(qr="image"), None),
    (PrinterConfig(qr="native", profile="POS-5890"), "POS-5890"),  # the profile: no QR code
    (PrinterConfig(paper="58mm", qr="image"), None),
])
def test_qr_as_a_raster_image(config: PrinterConfig, profile: str | None) -> None:
    long_url = sample_slip(qr_data="http://192.168.100.200:8000/t/2s-Xq3abcdefghijk")
    output = rendered(long_url, config, profile=profile)
    assert NATIVE_QR not in output
    at = output.index(RASTER + b"\x00")  # GS v 0, normal density
    width_bytes = output[at + 4] + 256 * output[at + 5]
    height = output[at + 6] + 256 * output[at + 7]
    assert width_bytes * 8 <= config.width_dots
    footer = output.index("请留意".encode("gb18030"))
    assert output.index(b"2026-11-27 09:00\n") < at < at + 8 + width_bytes * height < footer
    assert b"\x1bt" not in output  # no code page selection on the way (escpos's qr() sends one)


def test_qr_none_prints_no_code_and_native_stays_native() -> None:
    output = rendered(config=PrinterConfig(qr="none"))
    assert NATIVE_QR not in output and RASTER not in output
    assert NATIVE_QR in rendered() and RASTER not in rendered()


def test_a_printer_without_cutter_is_sent_no_cut() -> None:
    output = rendered(config=PrinterConfig(profile="POS-5890"), profile="POS-5890")
    assert output.endswith(b"\x1bd\x06") and b"\x1dV" not in output


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(InvalidSetting, match="unknown printer profile"):
        PrinterConfig(profile="NO-SUCH-PRINTER")
    assert PrinterConfig(profile="ZJ-5870").profile == "ZJ-5870"


# --- characters the printer lacks -----------------------------------------------------------


def test_outside_gbk_is_replaced_visibly_on_a_gbk_printer() -> None:
    slip = sample_slip(hall_name="城东㐀营业厅")
    gbk = rendered(slip, PrinterConfig(encoding="gbk"))
    assert (0x11, "城东□营业厅") in lines(gbk, "gbk")
    assert "㐀".encode("gb18030") not in gbk
    assert "㐀".encode("gb18030") in rendered(slip)  # a GB18030 printer gets it as it is
    assert render_ticket_missing(slip, PrinterConfig(encoding="gbk")) == {"㐀"}


def render_ticket_missing(slip: TicketSlip, config: PrinterConfig) -> frozenset[str]:
    load_escpos()
    from escpos.printer import Dummy

    return render_ticket(Dummy(), slip, config)


def test_a_missing_character_is_a_note_warned_once_not_a_fault(
    caplog: pytest.LogCaptureFixture,
) -> None:
    received: list[FakePrinter] = []

    def opener(config: PrinterConfig) -> FakePrinter:
        received.append(FakePrinter(fail=False))
        return received[-1]

    config = PrinterConfig(kind="network", host="printer.invalid", encoding="gbk")
    printer = TicketPrinter(config, opener=opener)
    slip = sample_slip(hall_name="城东㐀营业厅")
    with caplog.at_level(logging.WARNING, logger="kiosk.printer"):
        for _ in range(3):
            printer.print_ticket(slip)
    assert len(received) == 3
    assert printer.notes == ["the printer's code page (gbk) lacks 㐀, printed as □"]
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.printer"]  # (not what
    # another test's thread in this process logs meanwhile)
    assert said == [f"ticket printer: {printer.notes[0]}"]


# --- the test slip --------------------------------------------------------------------------

NOW = datetime.datetime.fromisoformat("2026-11-27T09:00:00+08:00")


@pytest.mark.parametrize("paper", PAPERS)
def test_the_test_slip_on_a_dummy(paper: str) -> None:
    load_escpos()
    from escpos.printer import Dummy

    config, dummy = PAPERS[paper], Dummy()
    render_test_slip(dummy, config, NOW)
    output = bytes(dummy.output)
    found = lines(output)
    assert found[:2] == [(0x11, "打印测试页"), (0x11, "Test print")]
    assert (0x00, "中文正常大小 Normal size") in found
    columns = COLUMNS[paper]  # rulers of digits and of Chinese, each the paper's width
    assert (0x00, "".join(str(n % 10) for n in range(1, columns + 1))) in found
    assert (0x00, ("中文满行" * 9)[: columns // 2]) in found
    assert all(dots_wide(size, text) <= config.width_dots for size, text in found)
    assert NATIVE_QR in output and b"HALL:TEST" in output
    assert output.endswith(b"\x1dV\x00")


@pytest.mark.parametrize(("status", "answer"), [
    (READY, PrinterAnswer(0x16, 0x12, None)),
    (PAPER_OUT, PrinterAnswer(0x1E, 0x72, "out of paper")),
    (OFFLINE, PrinterAnswer(0x1E, 0x12, "offline (cover open, paper out or a printer error)")),
])
def test_print_test_slip_returns_the_status_answers(
    status: dict[int, int], answer: PrinterAnswer
) -> None:
    fake = FakePrinter(fail=False, status=status)
    config = PrinterConfig(kind="serial", device="/dev/null", paper="58mm")
    assert print_test_slip(config, opener=lambda _: fake) == answer
    assert "打印测试页".encode("gb18030") in fake.received and fake.closed
    assert answer.describe().startswith(f"DLE EOT 1 = 0x{answer.online:02X}, DLE EOT 4 = ")


def test_print_test_slip_on_a_file_asks_nothing(tmp_path: Any) -> None:
    path = tmp_path / "test.bin"
    answer = print_test_slip(PrinterConfig(kind="file", path=str(path)))
    assert answer == PrinterAnswer(None, None, None)
    assert b"Test print" in path.read_bytes()

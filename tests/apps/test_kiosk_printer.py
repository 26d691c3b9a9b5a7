"""The ticket printer in the kiosk's guide mode: its warnings (characters the code page lacks)
and last fault shown to staff, and a test slip (F7) with what the printer answered to the
status requests, on the real `TicketPrinter` writing to a file or to a fake network printer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from db.config import HallConfig, PrinterConfig
from db.store.session import Hall
from kiosk.app import KioskApp, make_app
from kiosk.printer import TicketPrinter
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.guide import GuideScreen
from tests.apps.conftest import SMALL, FakePrinter, click, notifications, quick, settle, until
from tests.apps.test_kiosk_staff import sign_in_dialog
from tests.conftest import PIN
from tests.unit.test_printer import FakePrinter as FakeEscpos

pytestmark = pytest.mark.usefixtures("no_touch_guard")

NETWORK = PrinterConfig(kind="network", host="printer.invalid", timeout_seconds=2.0)


def guide_app(config: HallConfig, hall: Hall, printer: Any) -> KioskApp:
    return make_app(quick(config), hall, printer=printer, guide=True)


def state(app: KioskApp) -> str:
    return str(app.screen.query_one("#printer-state", Label).content)


async def signed_in(pilot: Pilot[Any]) -> None:
    await sign_in_dialog(pilot, "G01", PIN)
    assert isinstance(pilot.app.screen, GuideScreen)


async def test_a_file_printer_prints_the_test_slip(
        config: HallConfig, hall: Hall, tmp_path: Path) -> None:
    path = tmp_path / "printer.bin"
    printer_config = PrinterConfig(kind="file", path=str(path))
    config = replace(config, printer=printer_config)
    app = guide_app(config, hall, TicketPrinter(printer_config))
    async with app.run_test(size=SMALL) as pilot:
        await signed_in(pilot)
        assert state(app) == f"打印机：file {path}"
        await click(pilot, "#g-test-print")
        await until(pilot, lambda: "测试页已发出" in state(app))
        assert state(app) == (f"打印机：file {path}\n"
                              "测试页已发出（文件或未开启状态查询，打印机无应答可查）")
    sent = path.read_bytes()
    assert "打印测试页".encode("gb18030") in sent and b"HALL:TEST" in sent
    assert b"\x1dV" in sent[-8:]  # the cut (GS V) ends it


async def test_the_test_slip_shows_what_the_printer_answered(
        config: HallConfig, hall: Hall) -> None:
    status = {1: 0x16, 4: 0x12}  # ready
    printers: list[FakeEscpos] = []

    def opener(_: PrinterConfig) -> FakeEscpos:
        printers.append(FakeEscpos(fail=False, status=dict(status)))
        return printers[-1]

    config = replace(config, printer=NETWORK)
    app = guide_app(config, hall, TicketPrinter(NETWORK, opener=opener))
    async with app.run_test(size=SMALL) as pilot:
        await signed_in(pilot)
        await pilot.press("f7")
        await until(pilot, lambda: "测试页已打印" in state(app))
        assert state(app).splitlines()[1] == (
            "测试页已打印；状态应答 DLE EOT 1 = 0x16，DLE EOT 4 = 0x12：正常")
        status[4] = 0x72  # paper end
        await pilot.press("f7")
        await until(pilot, lambda: "缺纸" in state(app))
        assert state(app).splitlines()[1] == (
            "测试页已打印；状态应答 DLE EOT 1 = 0x16，DLE EOT 4 = 0x72：缺纸")
        await pilot.press("f2")  # English
        await until(pilot, lambda: state(app).startswith("Printer:"))
        assert state(app).splitlines()[1] == (
            "Test slip printed; status DLE EOT 1 = 0x16, DLE EOT 4 = 0x72: out of paper")
    assert len(printers) == 2 and b"HALL:TEST" in printers[0].received


async def test_warnings_and_the_last_fault_are_shown_to_the_guide(
        config: HallConfig, hall: Hall) -> None:
    """A hall name the GBK code page lacks is printed as □ and said once; a fault shows
    until a print goes through again."""
    failing = [False]

    def opener(_: PrinterConfig) -> FakeEscpos:
        return FakeEscpos(fail=failing[0])

    printer_config = replace(NETWORK, encoding="gbk")
    config = replace(config, name_zh="城东㐀营业厅", printer=printer_config)
    app = guide_app(config, hall, TicketPrinter(printer_config, opener=opener))
    async with app.run_test(size=SMALL) as pilot:
        await signed_in(pilot)
        assert state(app) == "打印机：network printer.invalid:9100"
        await pilot.press("1", "f3")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, GuideScreen))
        note = "⚠ the printer's code page (gbk) lacks 㐀, printed as □"
        await until(pilot, lambda: note in state(app))
        failing[0] = True
        await pilot.press("1", "f3")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, GuideScreen))
        fault = "⚠ ticket printer (network printer.invalid:9100): paper jam second line"
        await until(pilot, lambda: fault in state(app))
        assert state(app).splitlines() == ["打印机：network printer.invalid:9100", fault, note]
        failing[0] = False
        await pilot.press("f7")
        await until(pilot, lambda: "测试页已打印" in state(app))
        assert fault not in state(app) and note in state(app)


async def test_without_a_printer_the_guide_is_told(config: HallConfig, hall: Hall) -> None:
    app = guide_app(config, hall, FakePrinter(enabled=False))
    async with app.run_test(size=SMALL) as pilot:
        await signed_in(pilot)
        assert state(app) == "未配置打印机（只显示号码）"
        await pilot.press("f7")
        await until(pilot, lambda: bool(notifications(app)))
        assert notifications(app) == ["未配置打印机（只显示号码）"]

"""The kiosk's part of the hall configuration: its screen timings and its ticket printer.

Both sections are optional in the file; an absent one takes the defaults below, and the
shipped default has no printer (`kind = "none"`). Re-exported by `db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from db.config.file import listing, show
from db.config.schema import InvalidSetting as InvalidSetting  # raised here, re-exported
from db.config.schema import OptionalText, Rule, check

PRINTER_KINDS: tuple[str, ...] = ("none", "file", "network", "usb", "serial")
"""How the ticket printer is reached; "none" means the kiosk prints nothing."""

PAPER_DOTS: dict[str, int] = {"58mm": 384, "80mm": 576}
"""Printable width in dots (203 dpi) of the two common thermal rolls."""

MAX_PRINT_TIMEOUT_SECONDS = 30.0
"""A longer print timeout would leave a customer staring at a frozen kiosk."""

Seconds = Annotated[float, Rule(gt=0)]
"""A kiosk timing: more than 0 seconds."""

_NEEDED_BY_KIND = {
    "file": ("path",),
    "network": ("host",),
    "usb": ("vendor_id", "product_id"),
    "serial": ("device",),
}


@dataclass(frozen=True)
class KioskConfig:
    """Timings of the kiosk's screens."""

    confirm_seconds: Seconds = 8.0
    """The confirmation screen returns home by itself after this many seconds."""
    idle_reset_seconds: Seconds = 45.0
    """Half-finished input is reset after this many seconds untouched."""
    fault_confirm_seconds: Seconds = 30.0
    """The number stays on screen this long when the printer failed."""

    def __post_init__(self) -> None:
        check(self)


@dataclass(frozen=True)
class PrinterConfig:
    """The kiosk's ESC/POS ticket printer and how to reach it."""

    kind: str = "none"
    """One of `PRINTER_KINDS`: none, file, network, usb or serial."""
    path: OptionalText = None
    """kind "file": the ticket bytes are appended to this file (or device node)."""
    host: OptionalText = None
    """kind "network": host name or IP address of the printer."""
    port: Annotated[int, Rule(ge=1, le=65535)] = 9100
    """kind "network": TCP port, 1-65535 (raw printing is 9100 on nearly every printer)."""
    vendor_id: int | None = None
    """kind "usb": USB vendor id, e.g. 0x0416."""
    product_id: int | None = None
    """kind "usb": USB product id, e.g. 0x5011."""
    device: OptionalText = None
    """kind "serial": serial device, e.g. /dev/ttyUSB0 or COM3."""
    baudrate: Annotated[int, Rule(gt=0)] = 9600
    """kind "serial": line speed."""
    timeout_seconds: Annotated[float, Rule(gt=0, le=MAX_PRINT_TIMEOUT_SECONDS)] = 2.5
    """A print that takes longer counts as a fault, so the kiosk stays responsive; 0 < x <= 30."""
    footer_zh: str = "请留意叫号屏幕与语音提示，过号请到服务台"
    """Last line of a Chinese ticket; empty for none."""
    footer_en: str = "Please watch the screen and listen for your number"
    """Last line of an English ticket; empty for none."""
    status_check: bool = True
    """Ask a network, serial or USB printer for its status after each slip (no answer,
    offline or out of paper is a fault); false for a printer that cannot answer (then a
    slip the printer took but could not print goes unnoticed)."""
    paper: Annotated[str, Rule(pattern="58mm|80mm", means='"58mm" or "80mm"')] = "80mm"
    """Roll width: every line of the slip is laid out to fit its dots (`PAPER_DOTS`)."""
    dots: Annotated[int | None, Rule(ge=192, le=2048)] = None
    """Printable width in dots for another roll or printer (e.g. 512); overrides `paper`."""
    qr: Annotated[str, Rule(pattern="native|image|none", means='"native", "image" or "none"')] = (
        "native"
    )
    """How the QR code is printed: "native" (the printer draws it, GS ( k), "image" (a raster
    image, GS v 0, for printers without QR support) or "none"."""
    profile: OptionalText = None
    """python-escpos printer profile (e.g. "ZJ-5870", "POS-5890"); one that says the printer
    has no QR code support turns qr "native" into "image", one without a cutter sends no cut."""
    encoding: Annotated[str, Rule(pattern="gb18030|gbk", means='"gb18030" or "gbk"')] = "gb18030"
    """The printer's Chinese character set: "gbk" for one that lacks GB18030's four-byte
    characters, which are then printed as "□"."""

    @property
    def width_dots(self) -> int:
        """The printable width in dots: `dots` if set, else the `paper`'s."""
        return self.dots if self.dots is not None else PAPER_DOTS[self.paper]

    def __post_init__(self) -> None:
        check(self)
        problem = _printer_problem(self)
        if problem is not None:
            raise InvalidSetting(*problem)


def _printer_problem(printer: PrinterConfig) -> tuple[str, str] | None:
    """The first (key, problem) of a printer config, or None if it is usable."""
    if printer.kind not in PRINTER_KINDS:
        known = listing(PRINTER_KINDS)
        return "kind", f"unknown printer kind {show(printer.kind)} (known: {known})"
    for key in _NEEDED_BY_KIND.get(printer.kind, ()):
        if getattr(printer, key) is None:
            return key, f'required when kind = "{printer.kind}"'
    for key in ("vendor_id", "product_id"):
        value = getattr(printer, key)
        if value is not None and not 0 <= value <= 0xFFFF:
            return key, f"must be 0x0000-0xFFFF, got {value}"
    if printer.profile is not None:
        profiles = escpos_profiles()
        if profiles and printer.profile not in profiles:
            names = listing(sorted(profiles))
            return "profile", f"unknown printer profile {show(printer.profile)} (known: {names})"
    return None


def escpos_profiles() -> frozenset[str]:
    """The printer profiles python-escpos knows, read from its capabilities.json without
    importing it (~1 s); empty when python-escpos is not installed."""
    import importlib.util
    import json
    import os
    from pathlib import Path

    path = os.environ.get("ESCPOS_CAPABILITIES_FILE")
    if path is None:
        spec = importlib.util.find_spec("escpos")
        if spec is None or spec.origin is None:
            return frozenset()
        path = str(Path(spec.origin).parent / "capabilities.json")
    try:
        with open(path, encoding="utf-8") as file:
            return frozenset(json.load(file)["profiles"])
    except (OSError, ValueError, KeyError):
        return frozenset()


"""The kiosk's part of the hall configuration: its screen timings and its ticket printer.

Both sections are optional in the file; an absent one takes the defaults below, and the
shipped default has no printer (`kind = "none"`). Re-exported by `db.config`.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.config.file import Table, listing, show

PRINTER_KINDS: tuple[str, ...] = ("none", "file", "network", "usb", "serial")
"""How the ticket printer is reached; "none" means the kiosk prints nothing."""

MAX_PRINT_TIMEOUT_SECONDS = 30.0
"""A longer print timeout would leave a customer staring at a frozen kiosk."""

_KIOSK_KEYS = ("confirm_seconds", "idle_reset_seconds", "fault_confirm_seconds")
_PRINTER_KEYS = (
    "kind", "path", "host", "port", "vendor_id", "product_id", "device", "baudrate",
    "timeout_seconds", "footer_zh", "footer_en", "status_check",
)  # fmt: skip
_NEEDED_BY_KIND = {
    "file": ("path",),
    "network": ("host",),
    "usb": ("vendor_id", "product_id"),
    "serial": ("device",),
}


class InvalidSetting(ValueError):
    """A kiosk or printer setting out of range; the parser turns it into a ConfigError."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        """The offending key within its section, e.g. "port"."""
        self.problem = problem
        """What is wrong with it, one line."""


@dataclass(frozen=True)
class KioskConfig:
    """Timings of the kiosk's screens."""

    confirm_seconds: float = 8.0
    """The confirmation screen returns home by itself after this many seconds."""
    idle_reset_seconds: float = 45.0
    """Half-finished input is reset after this many seconds untouched."""
    fault_confirm_seconds: float = 30.0
    """The number stays on screen this long when the printer failed."""

    def __post_init__(self) -> None:
        for key in _KIOSK_KEYS:
            value = getattr(self, key)
            if not value > 0:
                raise InvalidSetting(key, f"must be greater than 0, got {value:g}")


@dataclass(frozen=True)
class PrinterConfig:
    """The kiosk's ESC/POS ticket printer and how to reach it."""

    kind: str = "none"
    """One of `PRINTER_KINDS`: none, file, network, usb or serial."""
    path: str | None = None
    """kind "file": the ticket bytes are appended to this file (or device node)."""
    host: str | None = None
    """kind "network": host name or IP address of the printer."""
    port: int = 9100
    """kind "network": TCP port, 1-65535 (raw printing is 9100 on nearly every printer)."""
    vendor_id: int | None = None
    """kind "usb": USB vendor id, e.g. 0x0416."""
    product_id: int | None = None
    """kind "usb": USB product id, e.g. 0x5011."""
    device: str | None = None
    """kind "serial": serial device, e.g. /dev/ttyUSB0 or COM3."""
    baudrate: int = 9600
    """kind "serial": line speed."""
    timeout_seconds: float = 2.5
    """A print that takes longer counts as a fault, so the kiosk stays responsive; 0 < x <= 30."""
    footer_zh: str = "请留意叫号屏幕与语音提示，过号请到服务台"
    """Last line of a Chinese ticket; empty for none."""
    footer_en: str = "Please watch the screen and listen for your number"
    """Last line of an English ticket; empty for none."""
    status_check: bool = True
    """Ask a network, serial or USB printer for its status after each slip (no answer,
    offline or out of paper is a fault); false for a printer that cannot answer (then a
    slip the printer took but could not print goes unnoticed)."""

    def __post_init__(self) -> None:
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
    checks = (
        ("port", 1 <= printer.port <= 65535, "must be 1-65535"),
        ("vendor_id", _is_usb_id(printer.vendor_id), "must be 0x0000-0xFFFF"),
        ("product_id", _is_usb_id(printer.product_id), "must be 0x0000-0xFFFF"),
        ("baudrate", printer.baudrate > 0, "must be greater than 0"),
    )
    for key, ok, problem in checks:
        if not ok:
            return key, f"{problem}, got {getattr(printer, key)}"
    timeout = printer.timeout_seconds
    if not 0 < timeout <= MAX_PRINT_TIMEOUT_SECONDS:
        limit = f"{MAX_PRINT_TIMEOUT_SECONDS:g}"
        return "timeout_seconds", f"must be > 0 and <= {limit}, got {timeout:g}"
    return None


def _is_usb_id(value: int | None) -> bool:
    return value is None or 0 <= value <= 0xFFFF


def kiosk_config(top: Table) -> KioskConfig:
    """Read the optional [kiosk] table."""
    table = top.sub("kiosk", _KIOSK_KEYS)
    defaults = KioskConfig()
    values = {key: table.number(key, getattr(defaults, key)) for key in _KIOSK_KEYS}
    try:
        return KioskConfig(**values)
    except InvalidSetting as exc:
        raise table.error(exc.key, exc.problem) from None


def printer_config(top: Table) -> PrinterConfig:
    """Read the optional [printer] table; the keys its kind needs must be present."""
    table = top.sub("printer", _PRINTER_KEYS)
    defaults = PrinterConfig()
    try:
        return PrinterConfig(
            kind=table.text("kind", defaults.kind),
            path=table.optional_text("path"),
            host=table.optional_text("host"),
            port=table.integer("port", defaults.port),
            vendor_id=table.optional_integer("vendor_id"),
            product_id=table.optional_integer("product_id"),
            device=table.optional_text("device"),
            baudrate=table.integer("baudrate", defaults.baudrate),
            timeout_seconds=table.number("timeout_seconds", defaults.timeout_seconds),
            footer_zh=table.string("footer_zh", defaults.footer_zh),
            footer_en=table.string("footer_en", defaults.footer_en),
            status_check=table.boolean("status_check", defaults.status_check),
        )
    except InvalidSetting as exc:
        raise table.error(exc.key, exc.problem) from None

"""Tests of db.config: the shipped default, business days, validation messages, lookups."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import tomllib
from pathlib import Path
from typing import Annotated

import pytest

from db.config import (
    DEFAULT_CONFIG,
    AppointmentsConfig,
    BusinessType,
    CounterSpec,
    EvaluatorConfig,
    HallConfig,
    KioskConfig,
    LogConfig,
    PrinterConfig,
    PriorityClass,
    ScoreConfig,
    ServerConfig,
    VoiceConfig,
    load_config,
    parse_config,
    schema,
)
from db.config.file import Table
from db.config.kiosk import InvalidSetting
from db.config.remedy import RemedyKind
from db.config.schema import Rule
from db.errors import ConfigError, NotFound

UTC = datetime.UTC

# The smallest valid file; error cases below change one thing in it.
MINIMAL = """
[hall]
name_zh = "测试营业厅"

[[business]]
prefix = "A"
zh = "缴费"
standard_minutes = 4

[[business]]
prefix = "B"
zh = "报装接电"
en = "New connection"
standard_minutes = 20

[[counter]]
number = 1
profile = ["A"]

[[counter]]
number = 2
profile = ["B", "A"]
"""


def config_error(text: str, source: str = "hall.toml") -> str:
    """Parse text that must fail and return the error message, checked to be one line."""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{source}: ")
    return message


def at_utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime.datetime:
    """An aware UTC datetime."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- the shipped default ------------------------------------------------------------------


def test_default_loads_with_six_types_and_eight_counters() -> None:
    config = load_config()
    assert config.source == "<default>"
    assert [b.prefix for b in config.businesses] == ["A", "B", "C", "D", "E", "F"]
    assert config.business("B").name_zh == "报装接电"
    assert config.business("F").standard_minutes == 25
    assert len(config.counters) >= 8
    assert config.counter(8).profile == ("F", "B", "C", "D", "A", "E")
    assert config.languages == ("zh", "en")
    assert config.day_start == datetime.time(4, 0)
    assert str(config.tz) == "Asia/Shanghai"


def test_default_priorities_sorted_and_normal_last() -> None:
    config = load_config(None)
    codes = [p.code for p in config.priorities]
    assert codes[0] == "appointment"
    assert codes[-1] == "normal"
    assert set(codes) == {"appointment", "elderly", "disabled", "pregnant", "normal"}
    assert config.priority("elderly").rank == 2
    assert [p.code for p in config.priorities if p.guide_only] == ["appointment"]


def test_default_path_loads_the_same_as_none() -> None:
    assert DEFAULT_CONFIG.is_file()
    assert load_config(DEFAULT_CONFIG).counters == load_config().counters
    assert load_config(str(DEFAULT_CONFIG)).source == str(DEFAULT_CONFIG)


def test_defaults_fill_optional_keys() -> None:
    config = parse_config(MINIMAL)
    assert config.name_en == "测试营业厅"
    assert config.timezone == "Asia/Shanghai"
    assert config.day_start == datetime.time(4, 0)
    assert config.languages == ("zh", "en")
    assert (config.sla_minutes, config.sla_share, config.no_show_grace_minutes) == (10, 0.8, 30)
    assert (config.pin_max_failures, config.pin_lock_minutes) == (5, 15)
    assert config.business("A").name_en == "缴费"
    assert config.counter(2).name_zh == "2号窗口"
    assert config.counter(2).name_en == "Counter 2"
    assert [p.code for p in config.priorities] == ["normal"]
    assert config.source == "<string>"


def test_normal_is_added_after_the_highest_rank() -> None:
    text = MINIMAL + '[[priority]]\ncode = "elderly"\nzh = "老年人"\nrank = 3\n'
    normal = parse_config(text).priority("normal")
    assert (normal.name_zh, normal.name_en, normal.rank) == ("普通", "Normal", 4)


def test_counters_sorted_by_number_profile_order_kept() -> None:
    text = MINIMAL.replace("number = 1", "number = 9")
    config = parse_config(text)
    assert [c.number for c in config.counters] == [2, 9]
    assert config.counter(2).profile == ("B", "A")


def test_utf8_bom_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_config(path).name_zh == "测试营业厅"


def test_native_toml_time_for_day_start() -> None:
    text = MINIMAL.replace('name_zh = "测试营业厅"', 'name_zh = "厅"\nday_start = 05:30:00')
    assert parse_config(text).day_start == datetime.time(5, 30)


# --- business day -------------------------------------------------------------------------


def test_business_day_turns_at_day_start_local_time() -> None:
    config = parse_config(MINIMAL)  # Asia/Shanghai is UTC+8; day starts 04:00 local
    # 2024-03-10 03:59 local is 2024-03-09 19:59 UTC: still the 9th's business day.
    assert config.business_day(at_utc(2024, 3, 9, 19, 59)) == datetime.date(2024, 3, 9)
    # 04:00 local starts the 10th.
    assert config.business_day(at_utc(2024, 3, 9, 20, 0)) == datetime.date(2024, 3, 10)


def test_business_day_across_utc_midnight() -> None:
    config = parse_config(MINIMAL)
    # 23:59 UTC on the 9th is 07:59 local on the 10th; 00:00 UTC on the 10th is 08:00 local.
    assert config.business_day(at_utc(2024, 3, 9, 23, 59)) == datetime.date(2024, 3, 10)
    assert config.business_day(at_utc(2024, 3, 10, 0, 0)) == datetime.date(2024, 3, 10)
    # 15:59 UTC is 23:59 local; 16:00 UTC is midnight local but still before 04:00.
    assert config.business_day(at_utc(2024, 3, 10, 15, 59)) == datetime.date(2024, 3, 10)
    assert config.business_day(at_utc(2024, 3, 10, 16, 0)) == datetime.date(2024, 3, 10)


def test_business_day_with_midnight_start_and_other_offset() -> None:
    text = MINIMAL.replace('name_zh = "测试营业厅"', 'name_zh = "厅"\nday_start = "00:00"')
    config = parse_config(text)
    assert config.business_day(at_utc(2024, 3, 10, 16, 0)) == datetime.date(2024, 3, 11)
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    at = datetime.datetime(2024, 3, 11, 1, 0, tzinfo=plus_two)  # 07:00 local Shanghai
    assert config.business_day(at) == datetime.date(2024, 3, 11)


def test_business_day_refuses_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_config(MINIMAL).business_day(datetime.datetime(2024, 3, 10, 12, 0))


# --- validation errors --------------------------------------------------------------------


def replace_once(old: str, new: str) -> str:
    """MINIMAL with the first `old` replaced by `new` (the fixture must contain `old`)."""
    assert old in MINIMAL
    return MINIMAL.replace(old, new, 1)


BAD_FILES = {
    "syntax error": ("[hall\nname_zh = 1", "TOML syntax error"),
    "missing hall name": (replace_once('name_zh = "测试营业厅"', ""), "hall.name_zh: required"),
    "missing business": (
        MINIMAL.split("[[business]]")[0] + '[[counter]]\nnumber = 1\nprofile = ["A"]\n',
        "business: at least one [[business]]",
    ),
    "missing counter": (MINIMAL.split("[[counter]]")[0], "counter: at least one [[counter]]"),
    "missing standard_minutes": (
        replace_once("standard_minutes = 4", ""),
        "business[1].standard_minutes",
    ),
    "unknown top key": (MINIMAL + "\n[services]\nsla_minutes = 5\n", "services: unknown key"),
    "unknown hall key": (
        replace_once("[hall]", '[hall]\ntimezon = "UTC"'),
        "hall.timezon: unknown key",
    ),
    "unknown business key": (
        replace_once("standard_minutes = 4", "standrd_minutes = 4"),
        "business[1].standrd_minutes: unknown key",
    ),
    "unknown service key": (MINIMAL + "\n[service]\nsla = 5\n", "service.sla: unknown key"),
    "string for number": (
        replace_once("standard_minutes = 4", 'standard_minutes = "4"'),
        "business[1].standard_minutes: expected a number",
    ),
    "bool for number": (
        MINIMAL + "\n[service]\nsla_minutes = true\n",
        "service.sla_minutes: expected a number, got boolean",
    ),
    "bool for integer": (
        replace_once("number = 1", "number = true"),
        "counter[1].number: expected an integer, got boolean",
    ),
    "float for integer": (
        MINIMAL + "\n[security]\npin_max_failures = 2.5\n",
        "security.pin_max_failures: expected an integer",
    ),
    "string for profile": (
        replace_once('profile = ["A"]', 'profile = "A"'),
        "counter[1].profile: expected an array of strings",
    ),
    "table for business": (
        MINIMAL.replace("[[business]]", "[business]", 1).split("[[business]]")[0]
        + '[[counter]]\nnumber = 1\nprofile = ["A"]\n',
        "business: expected an array of tables",
    ),
    "hall not a table": (
        'hall = "x"\n' + MINIMAL.split("[hall]\n")[1].split("\n", 1)[1],
        "hall: expected a table",
    ),
    "lower-case prefix": (
        replace_once('prefix = "B"', 'prefix = "aa"'),
        'business[2].prefix: must be one capital letter A-Z, got "aa"',
    ),
    "duplicate prefix": (
        replace_once('prefix = "B"', 'prefix = "A"'),
        'business[2].prefix: duplicate "A" (already used by business[1])',
    ),
    "non-positive minutes": (
        replace_once("standard_minutes = 4", "standard_minutes = 0"),
        "business[1].standard_minutes: must be greater than 0",
    ),
    "infinite minutes": (
        replace_once("standard_minutes = 4", "standard_minutes = inf"),
        "business[1].standard_minutes: must be a finite number",
    ),
    "duplicate counter number": (
        replace_once("number = 2", "number = 1"),
        "counter[2].number: duplicate 1",
    ),
    "counter number zero": (
        replace_once("number = 1", "number = 0"),
        "counter[1].number: must be 1 or more",
    ),
    "profile unknown type": (
        replace_once('profile = ["B", "A"]', 'profile = ["B", "Z"]'),
        'counter[2].profile: unknown business type "Z"',
    ),
    "empty profile": (
        replace_once('profile = ["A"]', "profile = []"),
        "counter[1].profile: must name at least one",
    ),
    "duplicate in profile": (
        replace_once('profile = ["A"]', 'profile = ["A", "A"]'),
        'counter[1].profile: duplicate business type "A"',
    ),
    "missing profile": (
        replace_once('profile = ["A"]', ""),
        "counter[1].profile: required key is missing",
    ),
    "bad timezone": (
        replace_once("[hall]", '[hall]\ntimezone = "Asia/Shanghia"'),
        'hall.timezone: unknown IANA time zone "Asia/Shanghia"',
    ),
    "timezone directory": (
        replace_once("[hall]", '[hall]\ntimezone = "Asia"'),
        "hall.timezone: unknown IANA",
    ),
    "timezone path": (
        replace_once("[hall]", '[hall]\ntimezone = "../etc/passwd"'),
        "hall.timezone: unknown IANA",
    ),
    "bad day_start": (
        replace_once("[hall]", '[hall]\nday_start = "25:00"'),
        'hall.day_start: expected a time "HH:MM"',
    ),
    "day_start number": (
        replace_once("[hall]", "[hall]\nday_start = 4"),
        "hall.day_start: expected a time",
    ),
    "bad language": (
        replace_once("[hall]", '[hall]\nlanguages = ["zh", "fr"]'),
        'hall.languages: unsupported language "fr"',
    ),
    "no language": (
        replace_once("[hall]", "[hall]\nlanguages = []"),
        "hall.languages: at least one",
    ),
    "sla_share zero": (
        MINIMAL + "\n[service]\nsla_share = 0\n",
        "service.sla_share: must be > 0 and <= 1",
    ),
    "sla_share above one": (
        MINIMAL + "\n[service]\nsla_share = 1.5\n",
        "service.sla_share: must be > 0 and <= 1",
    ),
    "negative grace": (
        MINIMAL + "\n[service]\nno_show_grace_minutes = -1\n",
        "service.no_show_grace_minutes",
    ),
    "zero pin lock": (
        MINIMAL + "\n[security]\npin_lock_minutes = 0\n",
        "security.pin_lock_minutes",
    ),
    "bad priority code": (
        MINIMAL + '[[priority]]\ncode = "Elderly"\nzh = "老"\nrank = 1\n',
        "priority[1].code",
    ),
    "duplicate priority code": (
        MINIMAL + '[[priority]]\ncode = "vip"\nzh = "贵宾"\nrank = 1\n' * 2,
        'priority[2].code: duplicate "vip"',
    ),
    "normal not last": (
        MINIMAL
        + '[[priority]]\ncode = "normal"\nzh = "普通"\nrank = 2\n'
        + '[[priority]]\ncode = "elderly"\nzh = "老年人"\nrank = 2\n',
        'priority[1].rank: "normal" must have the highest rank',
    ),
    "blank name": (replace_once('zh = "缴费"', 'zh = "  "'), "business[1].zh: must not be empty"),
}


@pytest.mark.parametrize(("text", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_raises_one_line_config_error_naming_the_key(text: str, expected: str) -> None:
    assert expected in config_error(text)


def test_syntax_error_in_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text('[hall]\nname_zh = "未闭合\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML syntax error") as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot read file")
    assert "\n" not in message


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_config(tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(MINIMAL.encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_file_errors_name_the_path_given(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(replace_once('prefix = "B"', 'prefix = "aa"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert str(caught.value) == (
        f'{path}: business[2].prefix: must be one capital letter A-Z, got "aa"'
    )


# --- lookups and invariants ---------------------------------------------------------------


def test_lookups_raise_not_found_for_unknowns() -> None:
    config = parse_config(MINIMAL)
    with pytest.raises(NotFound, match=r"unknown business type 'Z'; known: A, B"):
        config.business("Z")
    with pytest.raises(NotFound, match=r"unknown priority class 'vip'; known: normal"):
        config.priority("vip")
    with pytest.raises(NotFound, match=r"unknown counter 7; known: 1, 2"):
        config.counter(7)


def test_config_is_frozen() -> None:
    config = parse_config(MINIMAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.sla_share = 0.5  # type: ignore[misc]


def test_replace_rechecks_cross_references() -> None:
    config = parse_config(MINIMAL, "hall.toml")
    changed = dataclasses.replace(config.counter(1), profile=("B",))
    others = tuple(c for c in config.counters if c.number != 1)
    updated = dataclasses.replace(config, counters=(changed, *others))
    assert updated.counter(1).profile == ("B",)
    broken = dataclasses.replace(config.counter(1), profile=("Z",))
    with pytest.raises(ConfigError, match="hall.toml: counter 1: bad profile"):
        dataclasses.replace(config, counters=(broken, *others))
    with pytest.raises(ConfigError, match="duplicate number 2"):
        dataclasses.replace(config, counters=(*config.counters, config.counter(2)))


def test_config_error_exit_code() -> None:
    assert ConfigError.exit_code == 2
    assert isinstance(parse_config(MINIMAL), HallConfig)


# --- [kiosk] and [printer] ----------------------------------------------------------------


def with_printer(*lines: str) -> str:
    """MINIMAL plus a [printer] table of these lines."""
    return MINIMAL + "\n[printer]\n" + "\n".join(lines) + "\n"


def with_kiosk(*lines: str) -> str:
    """MINIMAL plus a [kiosk] table of these lines."""
    return MINIMAL + "\n[kiosk]\n" + "\n".join(lines) + "\n"


def test_kiosk_and_printer_default_when_absent() -> None:
    config = parse_config(MINIMAL)
    assert config.kiosk == KioskConfig(8, 45, 30)
    assert config.printer == PrinterConfig()
    assert config.printer.kind == "none"
    assert (config.printer.port, config.printer.baudrate) == (9100, 9600)
    assert config.printer.timeout_seconds == 2.5
    assert config.printer.footer_zh.startswith("请留意叫号屏幕")


def test_shipped_default_has_no_printer_and_the_documented_timings() -> None:
    config = load_config()
    assert config.kiosk == KioskConfig(
        confirm_seconds=8, idle_reset_seconds=45, fault_confirm_seconds=30
    )
    assert config.printer == PrinterConfig()


def test_shipped_printer_examples_parse_once_uncommented() -> None:
    # The commented keys in the default file are valid TOML and valid values.
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    examples = [line[2:] for line in text.splitlines() if re.match(r"# [a-z_]+ = ", line)]
    assert len(examples) == 7
    text = text.replace('kind = "none"', 'kind = "network"', 1)
    text = text.replace("timeout_seconds = 2.5", "\n".join(examples) + "\ntimeout_seconds = 2")
    printer = parse_config(text).printer
    assert (printer.kind, printer.host, printer.port) == ("network", "192.168.1.50", 9100)
    assert (printer.vendor_id, printer.product_id) == (0x0416, 0x5011)
    assert (printer.path, printer.device) == ("ticket.bin", "/dev/ttyUSB0")


def test_kiosk_timings_read() -> None:
    text = with_kiosk("confirm_seconds = 5", "idle_reset_seconds = 60.5")
    assert parse_config(text).kiosk == KioskConfig(5, 60.5, 30)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (('kind = "file"', 'path = "ticket.bin"'), {"path": "ticket.bin"}),
        (('kind = "network"', 'host = "192.168.1.50"'), {"host": "192.168.1.50", "port": 9100}),
        (('kind = "network"', 'host = "p1"', "port = 9101"), {"host": "p1", "port": 9101}),
        (
            ('kind = "usb"', "vendor_id = 0x0416", "product_id = 0x5011"),
            {"vendor_id": 0x0416, "product_id": 0x5011},
        ),
        (('kind = "serial"', 'device = "/dev/ttyUSB0"'), {"device": "/dev/ttyUSB0"}),
        (('kind = "serial"', 'device = "COM3"', "baudrate = 19200"), {"baudrate": 19200}),
        (('kind = "none"', 'host = "kept for later"'), {"host": "kept for later"}),
        (("timeout_seconds = 30", 'footer_zh = ""'), {"timeout_seconds": 30, "footer_zh": ""}),
    ],
    ids=["file", "network", "network-port", "usb", "serial", "serial-baud", "none", "limits"],
)
def test_printer_kinds_read(lines: tuple[str, ...], expected: dict[str, object]) -> None:
    printer = parse_config(with_printer(*lines)).printer
    assert {key: getattr(printer, key) for key in expected} == expected


PRINTER_BAD = {
    "unknown kiosk key": (with_kiosk("confirm = 5"), "kiosk.confirm: unknown key"),
    "kiosk not a table": ("kiosk = 5\n" + MINIMAL, "kiosk: expected a table, got integer"),
    "kiosk string": (
        with_kiosk('confirm_seconds = "8"'),
        'kiosk.confirm_seconds: expected a number, got string "8"',
    ),
    "kiosk zero": (
        with_kiosk("idle_reset_seconds = 0"),
        "kiosk.idle_reset_seconds: must be greater than 0, got 0",
    ),
    "kiosk negative": (
        with_kiosk("fault_confirm_seconds = -1"),
        "kiosk.fault_confirm_seconds: must be greater than 0",
    ),
    "unknown printer key": (
        with_printer('kind = "network"', 'hostname = "p1"'),
        "printer.hostname: unknown key (allowed here: kind, path, host",
    ),
    "unknown kind": (
        with_printer('kind = "wifi"'),
        'printer.kind: unknown printer kind "wifi" (known: none, file, network, usb, serial)',
    ),
    "kind not a string": (with_printer("kind = 1"), "printer.kind: expected a string"),
    "network without host": (
        with_printer('kind = "network"', "port = 9100"),
        'printer.host: required when kind = "network"',
    ),
    "usb without product": (
        with_printer('kind = "usb"', "vendor_id = 0x0416"),
        'printer.product_id: required when kind = "usb"',
    ),
    "usb without vendor": (
        with_printer('kind = "usb"', "product_id = 0x5011"),
        'printer.vendor_id: required when kind = "usb"',
    ),
    "serial without device": (
        with_printer('kind = "serial"'),
        'printer.device: required when kind = "serial"',
    ),
    "file without path": (
        with_printer('kind = "file"'),
        'printer.path: required when kind = "file"',
    ),
    "blank host": (
        with_printer('kind = "network"', 'host = " "'),
        "printer.host: must not be empty",
    ),
    "port zero": (
        with_printer('kind = "network"', 'host = "p"', "port = 0"),
        "printer.port: must be 1-65535, got 0",
    ),
    "port too big": (
        with_printer('kind = "network"', 'host = "p"', "port = 65536"),
        "printer.port: must be 1-65535, got 65536",
    ),
    "port string": (
        with_printer('kind = "network"', 'host = "p"', 'port = "9100"'),
        'printer.port: expected an integer, got string "9100"',
    ),
    "vendor id float": (
        with_printer('kind = "usb"', "vendor_id = 1.5", "product_id = 1"),
        "printer.vendor_id: expected an integer, got float",
    ),
    "vendor id too big": (
        with_printer('kind = "usb"', "vendor_id = 0x10000", "product_id = 1"),
        "printer.vendor_id: must be 0x0000-0xFFFF, got 65536",
    ),
    "zero baudrate": (
        with_printer('kind = "serial"', 'device = "COM3"', "baudrate = 0"),
        "printer.baudrate: must be greater than 0",
    ),
    "zero timeout": (
        with_printer("timeout_seconds = 0"),
        "printer.timeout_seconds: must be > 0 and <= 30, got 0",
    ),
    "long timeout": (
        with_printer("timeout_seconds = 30.5"),
        "printer.timeout_seconds: must be > 0 and <= 30, got 30.5",
    ),
    "bool timeout": (
        with_printer("timeout_seconds = true"),
        "printer.timeout_seconds: expected a number, got boolean",
    ),
    "footer not a string": (
        with_printer("footer_en = ['a']"),
        "printer.footer_en: expected a string, got array",
    ),
    "status check not a boolean": (
        with_printer('status_check = "no"'),
        'printer.status_check: expected true or false, got string "no"',
    ),
    "guide-only not a boolean": (
        MINIMAL + '\n[[priority]]\ncode = "vip"\nzh = "贵宾"\nrank = 1\nguide_only = 1\n',
        "priority[1].guide_only: expected true or false, got integer 1",
    ),
    "normal guide-only": (
        MINIMAL + '\n[[priority]]\ncode = "normal"\nzh = "普通"\nrank = 9\nguide_only = true\n',
        "priority[1].guide_only: \"normal\" is every customer's",
    ),
}


@pytest.mark.parametrize(("text", "expected"), PRINTER_BAD.values(), ids=PRINTER_BAD.keys())
def test_bad_kiosk_or_printer_raises_one_line_config_error(text: str, expected: str) -> None:
    assert expected in config_error(text)


def test_printer_error_from_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(with_printer('kind = "usb"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f'{path}: printer.vendor_id: required when kind = "usb"'


def test_printer_config_checks_itself_when_built_directly() -> None:
    with pytest.raises(InvalidSetting, match='host: required when kind = "network"'):
        PrinterConfig(kind="network")
    with pytest.raises(ValueError, match="timeout_seconds"):
        PrinterConfig(timeout_seconds=60)
    with pytest.raises(ValueError, match="confirm_seconds"):
        KioskConfig(confirm_seconds=0)


def test_hall_config_built_without_the_new_sections_gets_defaults() -> None:
    # Code that builds HallConfig by hand (tests, tools) predates [kiosk] and [printer].
    config = parse_config(MINIMAL)
    old_fields = {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(HallConfig)
        if f.name not in ("kiosk", "printer")
    }
    rebuilt = HallConfig(**old_fields)
    assert rebuilt.kiosk == KioskConfig()
    assert rebuilt.printer == PrinterConfig()
    network = PrinterConfig(kind="network", host="10.0.0.9")
    assert dataclasses.replace(rebuilt, printer=network).printer.host == "10.0.0.9"


# --- the schema is the dataclasses --------------------------------------------------------

SECTIONS: dict[str, type] = {
    "kiosk": KioskConfig, "printer": PrinterConfig, "evaluator": EvaluatorConfig,
    "voice": VoiceConfig, "score": ScoreConfig, "server": ServerConfig,
    "appointments": AppointmentsConfig, "log": LogConfig,
}  # fmt: skip
ROWS: dict[str, type] = {
    "business": BusinessType, "priority": PriorityClass, "counter": CounterSpec,
    "remedy": RemedyKind,
}  # fmt: skip
OWN_TABLES = ("hall", "service", "security")


def accepted_keys(table: str) -> list[str]:
    """The keys the file takes in `table` ("" for the top level), as the message refusing
    an unknown key there lists them."""
    if not table:
        text = "bogus_key = 1\n" + MINIMAL
    elif table in ROWS:
        text = MINIMAL + f"\n[[{table}]]\nbogus_key = 1\n"
    elif f"[{table}]" in MINIMAL:
        text = MINIMAL.replace(f"[{table}]", f"[{table}]\nbogus_key = 1")
    else:
        text = MINIMAL + f"\n[{table}]\nbogus_key = 1\n"
    found = re.search(r"bogus_key: unknown key \(allowed here: (.*)\)$", config_error(text))
    assert found is not None
    return found[1].split(", ")


def file_key(field: dataclasses.Field[object]) -> str:
    """A row's name_zh and name_en are "zh" and "en" in the file; every other key is the
    field's name."""
    return field.name.removeprefix("name_")


def test_every_section_field_is_a_key_and_every_key_a_field() -> None:
    config = parse_config(MINIMAL)
    sections = {f.name for f in dataclasses.fields(HallConfig)
                if dataclasses.is_dataclass(getattr(config, f.name))}
    assert sections == set(SECTIONS)
    for table, section in SECTIONS.items():
        assert accepted_keys(table) == [f.name for f in dataclasses.fields(section)], table
    for table, row in ROWS.items():
        assert accepted_keys(table) == [file_key(f) for f in dataclasses.fields(row)], table


def holds_dataclasses(value: object) -> bool:
    """A section ([kiosk]) or an array of tables ([[counter]]), not a plain value."""
    return any(dataclasses.is_dataclass(v) for v in (value if isinstance(value, tuple) else
                                                     (value,)))


def test_every_plain_hall_config_field_is_a_key_of_its_own_tables() -> None:
    config = parse_config(MINIMAL)
    plain = [f.name for f in dataclasses.fields(HallConfig)
             if f.name != "source" and not holds_dataclasses(getattr(config, f.name))]
    assert sorted(key for table in OWN_TABLES for key in accepted_keys(table)) == sorted(plain)
    assert sorted(accepted_keys("")) == sorted([*OWN_TABLES, *SECTIONS, *ROWS])


def toml_value(value: object) -> str:
    """A value written the way TOML has it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("table", SECTIONS)
def test_a_section_with_every_key_written_out_reads_as_its_defaults(table: str) -> None:
    defaults = SECTIONS[table]()
    lines = [f"{f.name} = {toml_value(getattr(defaults, f.name))}"
             for f in dataclasses.fields(defaults) if getattr(defaults, f.name) is not None]
    text = MINIMAL + f"\n[{table}]\n" + "\n".join(lines) + "\n"
    assert getattr(parse_config(text), table) == defaults


@dataclasses.dataclass(frozen=True)
class WiderKiosk(KioskConfig):
    """KioskConfig with a field added, as a change adding a kiosk timing would make it."""

    new_seconds: Annotated[float, Rule(gt=0)] = 5.0


def read_wider(section: str, source: str = "hall.toml") -> WiderKiosk:
    """Read a [kiosk] table into WiderKiosk the way load_config reads the real one."""
    top = Table(tomllib.loads("[kiosk]\n" + section), "", source, ("kiosk",))
    return schema.section(top, "kiosk", WiderKiosk)


def test_a_new_field_is_a_key_of_the_file_with_nothing_else_to_list() -> None:
    assert read_wider("new_seconds = 2\nconfirm_seconds = 3\n") == WiderKiosk(3, 45, 30, 2)
    assert read_wider("").new_seconds == 5.0
    with pytest.raises(ConfigError) as caught:
        read_wider("new_second = 2\n")
    assert str(caught.value).startswith("hall.toml: kiosk.new_second: unknown key (allowed "
                                        "here: confirm_seconds, ")
    assert str(caught.value).endswith(", new_seconds)")
    with pytest.raises(ConfigError, match=r"^hall.toml: kiosk.new_seconds: must be greater "
                                          r"than 0, got 0$"):
        read_wider("new_seconds = 0\n")
    with pytest.raises(InvalidSetting, match="new_seconds: must be greater than 0"):
        WiderKiosk(new_seconds=-1)  # built in code, the field's rule holds too


def test_every_key_is_described_in_the_shipped_file() -> None:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    header = text[: text.index("\n[hall]\n")]
    blocks = re.split(r"^# (\[\[?[a-z]+\]\]?) ", header, flags=re.MULTILINE)
    described = {name.strip("[]"): re.findall(r"^#   ([a-z_]+) ", body, flags=re.MULTILINE)
                 for name, body in zip(blocks[1::2], blocks[2::2], strict=True)}
    for table in [*OWN_TABLES, *SECTIONS, *ROWS]:
        missing = [key for key in accepted_keys(table) if key not in described[table]]
        assert not missing, f"[{table}] in {DEFAULT_CONFIG.name} does not describe {missing}"


def write_hall(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "line"), [
    (with_kiosk('confirm_seconds = "abc"'),
     'kiosk.confirm_seconds: expected a number, got string "abc"'),
    (MINIMAL + "\n[evaluator]\npause = 3\n",
     "evaluator.pause: unknown key (allowed here: timeout_seconds, thanks_seconds)"),
    (MINIMAL + "\n[evaluator]\ntimeout_seconds = 601\n",
     "evaluator.timeout_seconds: must be > 0 and <= 600, got 601"),
    (replace_once("number = 1", "number = 1\nzh = 1"),
     "counter[1].zh: expected a string, got integer 1"),
    (replace_once('prefix = "B"', 'prefix = "BB"'),
     'business[2].prefix: must be one capital letter A-Z, got "BB"'),
    (MINIMAL + "\n[service]\nsla_share = 1.5\n",
     "service.sla_share: must be > 0 and <= 1, got 1.5"),
    ('[hall]\nname_zh = "厅"\n[kiosk\n',
     "TOML syntax error: Expected ']' at the end of a table declaration (at line 3, column 7)"),
], ids=["wrong type", "unknown key", "out of range", "row type", "row pattern", "own table",
        "broken TOML"])
def test_an_error_is_one_line_naming_the_file_and_the_key(
        tmp_path: Path, text: str, line: str) -> None:
    path = write_hall(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {line}"

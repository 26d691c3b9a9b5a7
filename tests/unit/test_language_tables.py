"""Every language table of the apps and of ui/ says the same things in Chinese and English:
the same keys, and in each text the same placeholders (`{name}` fields), so that a switch
of language never meets a missing key or a field the other language did not fill in.

A table is a `Texts(ZH, EN)` made at the top of a module, or a module-level dict annotated
`dict[str, tuple[str, str]]` (a name as (Chinese, English)); both are found by reading the
source, so a new table is checked without being listed here."""

from __future__ import annotations

import ast
import importlib
import string
from pathlib import Path

import pytest

from ui.text import Texts

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kiosk", "counter", "display", "leader", "ui", "hall")
PAIRS = "dict[str, tuple[str, str]]"


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def found_tables() -> tuple[list[str], list[str]]:
    """`module:name` of every Texts table, and of every (Chinese, English) dict."""
    texts: list[str] = []
    pairs: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                        and ast.unparse(node.value.func).split(".")[-1] == "Texts"):
                    texts += [f"{module_of(path)}:{ast.unparse(t)}" for t in node.targets]
                elif (isinstance(node, ast.AnnAssign)
                      and ast.unparse(node.annotation) == PAIRS):
                    pairs.append(f"{module_of(path)}:{ast.unparse(node.target)}")
    return texts, pairs


TEXTS, PAIR_TABLES = found_tables()


def load(where: str) -> object:
    module, name = where.split(":")
    return getattr(importlib.import_module(module), name)


def fields(text: str) -> list[str]:
    """The placeholders of `text`, each once, sorted (`{n}` and `{n:>3}` are both `n`)."""
    names = {field.split(".")[0].split("[")[0]
             for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    return sorted(names)


def test_every_table_is_found() -> None:
    assert {"counter.text:t", "counter.support.text:t", "counter.evaluator.text:t",
            "kiosk.text:t", "display.text:t", "leader.text:t", "ui.history_text:t",
            "ui.watched:t"} <= set(TEXTS)
    assert {"ui.history_text:EVENTS", "counter.support.text:ROLES"} <= set(PAIR_TABLES)


@pytest.mark.parametrize("where", TEXTS)
def test_chinese_and_english_have_the_same_keys(where: str) -> None:
    table = load(where)
    assert isinstance(table, Texts)
    zh, en = table.strings["zh"], table.strings["en"]
    assert sorted(zh.keys() - en.keys()) == [], "only in Chinese"
    assert sorted(en.keys() - zh.keys()) == [], "only in English"


@pytest.mark.parametrize("where", TEXTS)
def test_chinese_and_english_have_the_same_placeholders(where: str) -> None:
    table = load(where)
    assert isinstance(table, Texts)
    zh, en = table.strings["zh"], table.strings["en"]
    differ = {key: (fields(zh[key]), fields(en[key]))
              for key in zh.keys() & en.keys() if fields(zh[key]) != fields(en[key])}
    assert differ == {}


@pytest.mark.parametrize("where", PAIR_TABLES)
def test_each_names_two_languages_have_the_same_placeholders(where: str) -> None:
    table = load(where)
    assert isinstance(table, dict)
    differ = {key: (fields(zh), fields(en)) for key, (zh, en) in table.items()
              if fields(zh) != fields(en)}
    assert differ == {}
    assert all(zh and en for zh, en in table.values())


def test_a_placeholder_is_a_field_name() -> None:
    # The check itself: what it counts as a placeholder.
    assert fields("{n} 人，{m:>3} 分钟 {{literal}} {n}") == ["m", "n"]
    assert fields("no fields") == []

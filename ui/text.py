"""The language machinery of every app: `Texts` looks a key up in one app's strings, `name()`
picks a configured name. Each app keeps its own strings in its own `text.py`.

Names that come from the hall config (business types, priority classes, counters, the hall,
reasons) are not in any app's strings; they carry their own `name_zh` / `name_en`.
"""

from __future__ import annotations

from typing import Protocol


class Named(Protocol):
    """Anything of the config with a Chinese and an English name."""

    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...


class Texts:
    """One app's strings, one dict per language; called as `t(key, lang, **fields)`."""

    def __init__(self, zh: dict[str, str], en: dict[str, str]) -> None:
        self.zh = zh
        """Chinese, the default (and the fallback for a language the app lacks)."""
        self.strings = {"zh": zh, "en": en}
        """Language code → its strings."""

    def __call__(self, key: str, lang: str, **fields: object) -> str:
        """The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""
        text = self.strings.get(lang, self.zh)[key]
        return text.format(**fields) if fields else text


def name(thing: Named, lang: str) -> str:
    """A configured business type, priority class, counter, hall or reason in `lang`."""
    return thing.name_en if lang == "en" else thing.name_zh


def mask_phone(phone: str) -> str:
    """A customer's phone number as a list shows it: the first three and the last four
    digits, the middle hidden (13812345678 → 138****5678); a short one keeps only its last
    two digits. The full number is shown only in the complaint's (or record's) own detail."""
    digits = phone.strip()
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)

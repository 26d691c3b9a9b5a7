"""The [voice] section of the hall config: defaults, and one clear line for each mistake."""

from __future__ import annotations

import pytest

from db.config import VoiceConfig, load_config, parse_config
from db.errors import ConfigError

BASE = """
[hall]
name_zh = "测试营业厅"

[[business]]
prefix = "A"
zh = "缴费"
standard_minutes = 4

[[counter]]
number = 1
profile = ["A"]
"""


def voice(section: str) -> VoiceConfig:
    return parse_config(BASE + "\n[voice]\n" + section, "hall.toml").voice


def test_the_shipped_default_speaks_chinese_twice_after_a_chime() -> None:
    shipped = load_config().voice
    assert shipped == VoiceConfig()
    assert shipped.enabled and shipped.chime and shipped.repeats == 2
    assert shipped.template_zh == "请{number}号到{counter}号窗口"
    assert shipped.espeak_voice == "cmn-latn-pinyin"


def test_an_absent_section_takes_the_defaults() -> None:
    assert parse_config(BASE).voice == VoiceConfig()


def test_every_key_is_read() -> None:
    read = voice('enabled = false\ntemplate_zh = "{number}号请到{counter}号窗口办理"\n'
                 'template_en = "Number {number}, counter {counter}"\nrepeats = 3\n'
                 'chime = false\nespeak_voice = "cmn"\nespeak_voice_en = "en-us"\nspeed = 120\n'
                 'engine = "library"\n')
    assert read == VoiceConfig(False, "{number}号请到{counter}号窗口办理",
                               "Number {number}, counter {counter}", 3, False, "cmn",
                               "en-us", 120, "library")


@pytest.mark.parametrize(("section", "message"), [
    ("repeats = 0", "hall.toml: voice.repeats: must be 1-5, got 0"),
    ("repeats = 6", "hall.toml: voice.repeats: must be 1-5, got 6"),
    ('repeats = "2"', 'hall.toml: voice.repeats: expected an integer, got string "2"'),
    ("speed = 20", "hall.toml: voice.speed: must be 80-450, got 20"),
    ('engine = "espeak"',
     'hall.toml: voice.engine: must be "auto", "library" or "espeak-ng", got "espeak"'),
    ('enabled = "yes"', 'hall.toml: voice.enabled: expected true or false, got string "yes"'),
    ("chime = 1", "hall.toml: voice.chime: expected true or false, got integer 1"),
    ('template_zh = ""', "hall.toml: voice.template_zh: must not be empty"),
    ('template_zh = "请到{counter}号窗口"', "hall.toml: voice.template_zh: must say {number}"),
    ('template_zh = "请{number}号到{window}"',
     "hall.toml: voice.template_zh: unknown field {window} (known: {number}, {counter})"),
    ('template_en = "Number {number"', "hall.toml: voice.template_en: bad template"),
    ('espeak_voice = " "', "hall.toml: voice.espeak_voice: must not be empty"),
    ("volume = 3", "hall.toml: voice.volume: unknown key"),
])
def test_mistakes_are_one_line_naming_the_key(section: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        voice(section)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)

"""Which language our own lines use before and after the person has written something."""

from __future__ import annotations

import pytest

from agent.messages import locale_lang, revealed_lang


@pytest.mark.parametrize(("text", "lang"), [
    ("export 1080p", "en"),
    ("导出", "zh"),
    ("匯出", "zh-Hant"),  # Traditional characters: answered in them
    ("上傳 ~/Pictures/beach.jpg，做成影片", "zh-Hant"),
    ("upload ~/Pictures/beach.jpg", "en"),
    ("上传 ~/Pictures/beach.jpg", "zh"),
    ("/credits", None),  # a command is no language
    ("/export 1080p", None),
    ("~/Pictures/beach.jpg", None),  # a dropped-in path neither
    ("'/home/me/My Photos/beach.jpg'", None),
    ("beach.jpg city.png", None),
    ("1080p", None),
    ("123 !!", None),
])
def test_a_message_shows_a_language_or_none(text: str, lang: str | None) -> None:
    assert revealed_lang(text) == lang


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh-Hant"),  # Taiwan, Hong Kong, Macau write Traditional
    ({"LANG": "zh_HK.UTF-8"}, "zh-Hant"),
    ({"LC_ALL": "zh_Hant_TW.UTF-8"}, "zh-Hant"),
    ({"LANG": "zh_SG.UTF-8"}, "zh"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as for every program
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({}, "en"),
])
def test_the_locale_picks_the_language_before_any_message(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], lang: str) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert locale_lang() == lang


def test_our_chinese_reads_in_traditional_characters_for_a_traditional_message() -> None:
    from agent.messages import t, to_hant

    assert t("ready.greeting", "zh-Hant").startswith("準備好了！把你的照片發給我")
    assert t("action.export", "zh-Hant") == "按回覆的提示開始導出…"  # 回复 is a reply here: 回覆
    assert to_hant("正在恢复上次的会话，重复的录制已限制") == "正在恢復上次的會話，重複的錄製已限制"
    assert t("ui.kind.image", "zh-Hant") == "圖片"


def test_every_character_of_our_chinese_messages_has_its_traditional_form() -> None:
    # a message added in Chinese with a character hant.json does not know would be shown half
    # Simplified to a Traditional reader: add the character to `chars` (or `same`)
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "agent" / "messages"
    data = json.loads((folder / "hant.json").read_text(encoding="utf-8"))
    known = set(data["chars"][0::2]) | set(data["same"])
    missing = set()
    for path in folder.glob("*.zh.json"):
        for text in json.loads(path.read_text(encoding="utf-8")).values():
            missing |= {ch for ch in text if "\u4e00" <= ch <= "\u9fff" and ch not in known}
    assert not missing, "".join(sorted(missing))

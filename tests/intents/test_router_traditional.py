"""A command written in Traditional characters routes like its Simplified original.

The router folds Traditional characters to Simplified with a table generated from OpenCC
(intents/data/t2s.json); Taiwan wording (影片, 檔案, 檢視, 儲存) is vocabulary of its own
in zh_hant.json. Here every Simplified command phrase is converted by OpenCC (plain
Traditional, Taiwan, Taiwan wording, Hong Kong) and must reach the same route.
"""

from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest

from intents import route

HANS = json.loads((Path(__file__).resolve().parents[2] / "intents" / "data" / "zh_hans.json")
                  .read_text(encoding="utf-8"))


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2twp", "s2hk"])
def test_every_simplified_command_routes_the_same_in_traditional(config: str) -> None:
    converter = opencc.OpenCC(config)
    wrong = []
    for expected, phrases in HANS["routes"].items():
        for phrase in phrases:
            if route(phrase).route != expected:
                continue  # a phrase that needs company ("为" alone) is not a command by itself
            traditional = converter.convert(phrase)
            if route(traditional).route != expected:
                wrong.append((phrase, traditional, route(traditional).evidence))
    assert not wrong


def test_characters_outside_the_hand_kept_table_fold_too() -> None:
    # 爲 and 賬 were missing from the hand-kept table: now every OpenCC character folds
    assert route("導出爲MP4").route == "export"
    assert route("賬戶餘額").route == "credits"


def test_the_evidence_quotes_the_message_as_written() -> None:
    # /why (and --json) show the evidence: a Traditional writer sees 匯出, not the folded 汇出
    from intents.evaluate import read_rows
    from intents.script import _evidence

    only_simplified = _evidence()[0]
    assert "'匯出 字幕'" in route("匯出字幕").evidence
    assert "「匯出成功」" in route("標題寫「匯出成功」").evidence
    rows = read_rows(Path(__file__).with_name("labeled.tsv"))
    traditional = [r.text for r in rows if r.lang == "zh-hant"]
    assert len(traditional) > 50
    leaks = [(t, route(t).evidence) for t in traditional if not only_simplified.isdisjoint(route(t).evidence)]
    assert not leaks

"""The vocabulary is data: validated on load, and a new phrase routes without a code change."""

from __future__ import annotations

import subprocess
import sys

import pydantic
import pytest

import intents
from intents.lexicon import Lexicon
from intents.router import route
from intents.vocabulary import Language, load_files


def test_shipped_data_files_validate_and_compile() -> None:
    lex = intents.load()
    assert {"导出", "export", "汇出", "点数"} <= set(lex.phrases)  # Traditional folded to Simplified
    assert lex.fuzzy_targets["export"] == "export"


def test_adding_a_phrase_to_the_data_routes_it() -> None:
    languages, paths = load_files()
    assert route("yeet it over").route == "sse"
    en = languages[0]
    en.routes["export"].append("yeet it over")
    zh = languages[1]
    zh.routes["credits"].append("米够不够")
    lex = Lexicon(languages, paths)
    assert route("yeet it over", vocabulary=lex).route == "export"
    assert route("yeet it over pls", vocabulary=lex).route == "export"
    assert route("米够不够", vocabulary=lex).route == "credits"


def test_adding_a_blocker_hides_a_keyword_inside_a_longer_word() -> None:
    languages, paths = load_files()
    assert route("出片").route == "export"
    assert route("日出片").rule == "extra-words"
    languages[1].blockers.append("日出片")
    d = route("日出片", vocabulary=Lexicon(languages, paths))
    assert d.route == "sse" and d.rule == "longer-word"


@pytest.mark.parametrize(
    "bad",
    [
        {"language": "en", "routes": {"exprt": ["x"]}},  # unknown route
        {"language": "en", "routes": {}, "filler": [" "]},  # blank phrase
        {"language": "zh", "routes": {}, "t2s": {"匯出": "汇出"}},  # t2s maps characters only
        {"language": "en", "routes": {}, "typo": []},  # misspelt list name
    ],
)
def test_malformed_vocabulary_is_rejected_on_load(bad: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        Language.model_validate(bad)


def test_import_is_light() -> None:
    """No pydantic, rapidfuzz or jieba until the first message is routed."""
    code = (
        "import sys, intents; "
        "print(sorted(m for m in ('pydantic', 'rapidfuzz', 'jieba') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

"""Generate our Traditional Chinese text from the Simplified source with OpenCC.

    .venv/bin/python tools/gen_hant.py          # rewrite the generated files
    .venv/bin/python tools/gen_hant.py --check  # exit 1 and name the files that would change

Written (checked in, so nothing needs OpenCC at run time; OpenCC is a test/dev dependency):

- ``agent/messages/<area>.zh-Hant.json`` from each ``<area>.zh.json``: OpenCC's ``s2twp``
  (Traditional characters with Taiwan wording: 影片, 伺服器, 檔案, 匯出), then the phrase
  overrides of ``tools/hant_overrides.json`` where OpenCC's choice reads wrong for us.
- ``intents/data/script.json``: the characters only Simplified writes and those only
  Traditional writes, from OpenCC's STCharacters/TSCharacters tables; ``intents.script``
  reads it to tell the two scripts apart.
- ``intents/data/t2s.json``: each Traditional character's Simplified form (OpenCC's
  TSCharacters, first choice), so the router matches Traditional messages against one
  vocabulary; ``t2s`` in ``intents/data/zh_hant.json`` keeps the few mappings we choose
  differently.

- ``agent/core/data/gui_phrases.zh-Hant.json``: the Chinese replies of the GUI-phrase rules
  (converted like the messages) and, for every Simplified character of their patterns and
  words, its Traditional forms (OpenCC's STCharacters, Taiwan's form first), so each rule
  also finds the phrase in a Traditional reply; ``match`` in the overrides adds wording
  (拽 → 曳).

Another table joins by adding a ``Target`` to ``TARGETS`` (a JSON file, a function picking its
Chinese part, and where the Traditional copy goes); ``to_hant(text)`` is the conversion
itself, for anything else that must be generated the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = Path(__file__).resolve().parent / "hant_overrides.json"
SCRIPT_DATA = ROOT / "intents" / "data" / "script.json"
FOLDING_DATA = ROOT / "intents" / "data" / "t2s.json"


def _whole(data: Any) -> Any:
    return data


@dataclass(frozen=True)
class Target:
    """One generated file: ``dest`` holds ``pick(source)`` with every string converted."""

    source: Path
    dest: Path
    pick: Callable[[Any], Any] = _whole


def _message_targets() -> list[Target]:
    folder = ROOT / "agent" / "messages"
    return [
        Target(path, path.with_name(path.name.removesuffix(".zh.json") + ".zh-Hant.json"))
        for path in sorted(folder.glob("*.zh.json"))
    ]


TARGETS: list[Callable[[], list[Target]]] = [_message_targets]
GUI_PHRASES = ROOT / "agent" / "core" / "data" / "gui_phrases.json"
GUI_HANT = ROOT / "agent" / "core" / "data" / "gui_phrases.zh-Hant.json"


@cache
def _converter() -> Any:
    import opencc  # the official OpenCC bindings (PyPI `opencc`); only this tool needs them

    return opencc.OpenCC("s2twp")


@cache
def _overrides() -> dict[str, str]:
    data = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    replace: dict[str, str] = data["replace"]
    return replace


def to_hant(text: str) -> str:
    """Simplified text in Traditional characters with Taiwan wording, overrides applied."""
    out: str = _converter().convert(text)
    for wrong, right in _overrides().items():
        out = out.replace(wrong, right)
    return out


def _convert(value: Any) -> Any:
    if isinstance(value, str):
        return to_hant(value)
    if isinstance(value, list):
        return [_convert(v) for v in value]
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    return value


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _table(target: Target) -> str:
    data = json.loads(target.source.read_text(encoding="utf-8"))
    return _dump(_convert(target.pick(data)))


@cache
def _opencc_dictionary(name: str) -> dict[str, list[str]]:
    """One of OpenCC's character dictionaries as {character: [candidates]} (from its .ocd2)."""
    import opencc

    clib = Path(opencc.__file__).parent / "clib"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        subprocess.run(
            [str(clib / "bin" / "opencc_dict"), "-i", str(clib / "share" / "opencc" / f"{name}.ocd2"),
             "-o", str(out), "-f", "ocd2", "-t", "text"],
            check=True, capture_output=True,
        )
        table: dict[str, list[str]] = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            table[key] = values.split()
        return table


def _script_data() -> str:
    """Characters that only one script writes: evidence for ``intents.script``."""
    st = _opencc_dictionary("STCharacters")  # simplified -> traditional candidates
    ts = _opencc_dictionary("TSCharacters")  # traditional -> simplified candidates
    traditional_any = {c for values in st.values() for c in values} | set(ts)
    simplified_any = set(st) | {c for values in ts.values() for c in values}
    # 发 (發 髮) is only Simplified; 后 (後 后) and 台 are written in Traditional too
    simplified_only = sorted(c for c in st if len(c) == 1 and c not in traditional_any)
    traditional_only = sorted(c for c in ts if len(c) == 1 and c not in simplified_any)
    return _dump(
        {
            "_comment": "Generated by tools/gen_hant.py from OpenCC's STCharacters and TSCharacters: "
            "characters written only in Simplified, and only in Traditional, Chinese. Do not edit.",
            "simplified_only": "".join(simplified_only),
            "traditional_only": "".join(traditional_only),
        }
    )


def _gui_chinese(data: Any) -> str:
    """Every Chinese pattern and word of the GUI-phrase table, run together."""
    cond = data.get("conditional") or {}
    parts = [rule["pattern"] for rule in data["rules"] if rule["lang"] == "zh"]
    parts += data["triggers"].get("zh", []) + data.get("temporary_issue", [])
    parts += data.get("temporary_issue_prefixes", []) + data.get("relay_buttons", [])
    return "".join(parts + cond.get("zh", []))


def _gui_data() -> str:
    """The GUI-phrase table's Traditional side: replies to show, characters to match."""
    import opencc

    data = json.loads(GUI_PHRASES.read_text(encoding="utf-8"))
    replies = {rule["id"]: to_hant(rule["reply"]) for rule in data["rules"] if rule["lang"] == "zh"}
    st = _opencc_dictionary("STCharacters")
    taiwan = opencc.OpenCC("t2tw")
    match: dict[str, str] = {}
    for ch in sorted(set(_gui_chinese(data))):
        # OpenCC's first choice in Taiwan's form, then every other form: 里 -> 裡裏里哩; a
        # character Traditional writes too keeps its place (了 -> 了瞭, never 瞭 first)
        forms = [taiwan.convert(c) for c in st.get(ch, [])] + st.get(ch, [])
        written = "".join(dict.fromkeys(forms))
        if written and written != ch:
            match[ch] = written
    for ch, words in json.loads(OVERRIDES.read_text(encoding="utf-8"))["match"].items():
        match[ch] = "".join(dict.fromkeys(match.get(ch, "") + words))
    return _dump(
        {
            "_comment": "Generated by tools/gen_hant.py from gui_phrases.json with OpenCC. "
            "replies: the Chinese replies in Traditional characters (Taiwan wording); match: "
            "each Simplified character of the Chinese patterns and words, and every form "
            "Traditional writing uses for it (the first is the one to write). Do not edit.",
            "replies": replies,
            "match": match,
        }
    )


def _folding_data() -> str:
    """Traditional -> Simplified, one character each, for the router's text folding."""
    ts = _opencc_dictionary("TSCharacters")
    pairs = sorted(
        (t, s[0]) for t, s in ts.items() if len(t) == 1 and s and len(s[0]) == 1 and s[0] != t
    )
    return _dump(
        {
            "_comment": "Generated by tools/gen_hant.py from OpenCC's TSCharacters: pairs of a "
            "Traditional character and its Simplified form. Do not edit: overrides go in "
            "zh_hant.json's t2s.",
            "pairs": "".join(t + s for t, s in pairs),
        }
    )


def generated() -> dict[Path, str]:
    """Every generated file and the text it should hold."""
    files = {SCRIPT_DATA: _script_data(), FOLDING_DATA: _folding_data(), GUI_HANT: _gui_data()}
    for targets in TARGETS:
        for target in targets():
            files[target.dest] = _table(target)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    for path in stale:
        print(f"{verb}: {path}")
    if args.check and stale:
        print("run: .venv/bin/python tools/gen_hant.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

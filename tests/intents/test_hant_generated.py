"""The Traditional tables are generated from the Simplified ones (tools/gen_hant.py, OpenCC)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_hant", ROOT / "tools" / "gen_hant.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_hant"] = module
    spec.loader.exec_module(module)
    return module


def test_regenerating_changes_nothing(gen: ModuleType) -> None:
    # a Simplified message edited (or added) without running the tool fails here:
    # run `.venv/bin/python tools/gen_hant.py`
    stale = [
        str(path.relative_to(ROOT))
        for path, text in gen.generated().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run tools/gen_hant.py: {stale}"


def test_taiwan_wording_and_overrides(gen: ModuleType) -> None:
    assert gen.to_hant("导出视频到服务器的文件夹") == "匯出影片到伺服器的資料夾"
    assert gen.to_hant("按回复的提示查看积分") == "按回覆的提示檢視點數"  # overrides (回覆, Taiwan's 點數)
    assert gen.to_hant("{name} 已保存") == "{name} 已儲存"  # placeholders untouched


def test_every_override_still_matters(gen: ModuleType) -> None:
    # an override OpenCC no longer needs (or no message uses) is dead weight: remove it
    overrides = json.loads((ROOT / "tools" / "hant_overrides.json").read_text(encoding="utf-8"))
    converter = gen._converter()
    sources = [
        target.pick(json.loads(target.source.read_text(encoding="utf-8")))
        for targets in gen.TARGETS
        for target in targets()
    ]
    converted = converter.convert(json.dumps(sources, ensure_ascii=False))
    for wrong in overrides["replace"]:
        assert wrong in converted, wrong

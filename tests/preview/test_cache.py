"""The preview cache: hits, least-recently-used eviction, concurrent writers, a full disk."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

from agent.preview.cache import CacheError, PreviewCache, default_root, draft_key

DRAFT = {"t": [{"tt": 0, "sg": [{"src": "a", "d": 3000}]}], "m": {"title": "x"}}


def _put(cache: PreviewCache, key: str, payload: bytes, video: bool = True) -> None:
    with cache.staging(key) as folder:
        (folder / "sheet.png").write_bytes(payload)
        if video:
            (folder / "preview.mp4").write_bytes(payload)
        cache.write_meta(folder, {"video": video, "payload": payload[:8].hex()})


def _files(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


def test_the_cache_folder_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("NEMO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_root() == tmp_path / "xdg" / "nemo-chat" / "previews"
    monkeypatch.setenv("NEMO_CACHE_DIR", str(tmp_path / "mine"))  # the web page's override too
    assert default_root() == tmp_path / "mine" / "previews"


def test_the_key_follows_the_draft_not_its_key_order():
    same = {"m": {"title": "x"}, "t": [{"sg": [{"d": 3000, "src": "a"}], "tt": 0}]}
    key = draft_key(DRAFT, quality="draft", backend="http://127.0.0.1:1")
    assert key == draft_key(same, quality="draft", backend="http://127.0.0.1:1")
    changed = {**DRAFT, "m": {"title": "y"}}
    assert key != draft_key(changed, quality="draft", backend="http://127.0.0.1:1")
    assert key != draft_key(DRAFT, quality="high", backend="http://127.0.0.1:1")


def test_a_stored_preview_is_found_again(tmp_path):
    cache = PreviewCache(tmp_path / "c")
    key = draft_key(DRAFT, quality="draft", backend="local")
    assert cache.get(key) is None
    _put(cache, key, b"sheet-and-video")
    entry = cache.get(key)
    assert entry is not None
    assert entry.sheet.read_bytes() == b"sheet-and-video"
    assert entry.video.read_bytes() == b"sheet-and-video"
    assert entry.meta["video"] is True
    assert _files(cache.root) == [key]  # nothing but the entry: no staging left


def test_a_failed_build_leaves_nothing(tmp_path):
    cache = PreviewCache(tmp_path / "c")
    with pytest.raises(RuntimeError), cache.staging("k1") as folder:
        (folder / "preview.mp4").write_bytes(b"half")
        raise RuntimeError("render failed")
    assert cache.get("k1") is None
    assert _files(cache.root) == []


def test_the_least_recently_used_entries_go_when_the_cache_is_full(tmp_path):
    cache = PreviewCache(tmp_path / "c", max_bytes=2500)
    for i, key in enumerate(("old", "used", "new")):
        _put(cache, key, bytes([i]) * 500)  # ~1000 bytes an entry (sheet + video) + meta
        os.utime(cache.root / key / "entry.json", (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.get("used") is not None  # touched: now the most recently used
    _put(cache, "newest", b"z" * 500)
    assert cache.get("old") is None and cache.get("new") is None  # the two least recently used
    assert cache.get("used") is not None and cache.get("newest") is not None
    assert sum(size for _, size, _ in cache.entries()) <= 2500


def test_concurrent_writers_of_one_key_leave_one_whole_entry(tmp_path):
    cache = PreviewCache(tmp_path / "c")
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            with cache.staging("same") as folder:
                (folder / "preview.mp4").write_bytes(bytes([n]) * 20_000)
                time.sleep(0.01)
                (folder / "sheet.png").write_bytes(bytes([n]) * 3_000)
                cache.write_meta(folder, {"video": True, "writer": n})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    entry = cache.get("same")
    assert entry is not None
    n = entry.meta["writer"]
    assert entry.video.read_bytes() == bytes([n]) * 20_000  # all three files from one writer
    assert entry.sheet.read_bytes() == bytes([n]) * 3_000
    assert _files(cache.root) == ["same"]


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(tmp_path):
    cache = PreviewCache(tmp_path / "c", min_free=1 << 62)
    with pytest.raises(CacheError) as err, cache.staging("k"):
        pass
    assert err.value.reason == "no_space"
    roomy = PreviewCache(tmp_path / "c")
    with pytest.raises(CacheError) as err, roomy.staging("k") as folder:
        (folder / "preview.mp4").write_bytes(b"x")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert err.value.reason == "no_space"
    assert _files(roomy.root) == []

"""Preparing the next still ahead of its shot (on a helper thread) must not change a pixel."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.draft import Draft
from backend.render import _resolver, compose
from backend.render.pictures import Planes
from backend.render.plan import make_plan

_PREPARE = compose._Shots._still  # the real one, before any spy


class _Keep:
    """Stands in for the encoder: hands out a frame to draw into, keeps a copy of each."""

    def __init__(self, width: int, height: int) -> None:
        self.frames: list[np.ndarray] = []
        self.out = Planes.alloc(width, height)

    def frame(self) -> Planes:
        return self.out

    def submit(self) -> None:
        assert self.out.buf is not None
        self.frames.append(self.out.buf.copy())


def _photo(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (270, 480, 3), np.uint8)).save(path, quality=90)
    return path


def _frames(folder: Path, lead_ms: float, monkeypatch: pytest.MonkeyPatch,
            threads: list[str]) -> list[np.ndarray]:
    monkeypatch.setattr(compose._Shots, "LEAD_MS", lead_ms)
    def spy(self: compose._Shots, shot: object) -> object:
        threads.append(threading.current_thread().name)
        return _PREPARE(self, shot)  # type: ignore[arg-type]

    monkeypatch.setattr(compose._Shots, "_still", spy)
    d = Draft.model_validate({"m": {"aspect": "16:9"}, "t": [{"tt": 0, "sg": [
        {"id": "a", "src": "p0", "st": 0, "d": 1500, "fx": {"motion": "zoom_in"}},
        {"id": "b", "src": "p1", "st": 1000, "d": 1500, "fx": {"motion": "pan_left"},
         "tr": {"type": "crossfade", "d": 500}},
        {"id": "c", "src": "p2", "st": 2500, "d": 1000, "fx": {"motion": "ken_burns"}},
    ]}]})
    plan = make_plan(d, max_height=180, fps=10)
    keep = _Keep(plan.canvas.width, plan.canvas.height)
    compose.draw_frames(plan, _resolver(lambda src: folder / f"{src}.jpg"), keep, [], None, None)  # type: ignore[arg-type]
    return keep.frames


def test_prefetched_stills_draw_the_same_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        _photo(tmp_path / f"p{i}.jpg", i)
    helper: list[str] = []
    ahead = _frames(tmp_path, 2000.0, monkeypatch, helper)
    main: list[str] = []
    inline = _frames(tmp_path, 0.0, monkeypatch, main)  # no lead: every still opened on first use
    # every still is prepared ahead on the helper thread, the first while the buffers and
    # titles are made
    assert [n.startswith("render-still") for n in helper] == [True, True, True]
    assert not any(n.startswith("render-still") for n in main)
    assert len(ahead) == len(inline) == 35
    for a, b in zip(ahead, inline, strict=True):
        assert np.array_equal(a, b)

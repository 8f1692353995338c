"""Render speed: learned per backend and kind from past renders, for "about 9 s"."""

from __future__ import annotations

import pytest

from agent.preview.speed import RenderSpeed, remaining


def test_no_estimate_before_a_render_then_one_that_follows_the_latest(tmp_path):
    speed = RenderSpeed(tmp_path / "speed.json")
    assert speed.estimate("http://local", "export", 30.0) is None
    speed.record("http://local", "export", 30.0, 9.0)  # 0.3 s of waiting per second of video
    assert speed.estimate("http://local", "export", 10.0) == pytest.approx(3.0)
    assert speed.estimate("http://local", "preview-draft", 10.0) is None  # per kind
    assert speed.estimate("https://service", "export", 10.0) is None  # per backend
    speed.record("http://local", "export", 30.0, 15.0)  # slower now: the average leans to it
    assert speed.estimate("http://local", "export", 30.0) == pytest.approx(12.0)
    assert [p.name for p in tmp_path.iterdir()] == ["speed.json"]  # no temporary file left


def test_a_damaged_file_or_a_missing_duration_gives_no_estimate(tmp_path):
    path = tmp_path / "speed.json"
    path.write_text("{not json")
    speed = RenderSpeed(path)
    assert speed.estimate("b", "export", 30.0) is None
    speed.record("b", "export", None, 5.0)
    assert speed.estimate("b", "export", None) is None
    speed.record("b", "export", 10.0, 5.0)  # the damaged file is replaced
    assert speed.estimate("b", "export", 10.0) == pytest.approx(5.0)


def test_time_left_follows_the_pace_so_far():
    assert remaining(4.0, 50.0) == pytest.approx(4.0)
    assert remaining(2.0, 80.0) == pytest.approx(0.5)
    assert remaining(1.0, 0.0) is None and remaining(3.0, 100.0) is None

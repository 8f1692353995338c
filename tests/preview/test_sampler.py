"""The sampler: the frame a player shows at each time, read from the MP4 in one process."""

from __future__ import annotations

import itertools

import pytest

from agent.preview.sampler import (
    SampleError,
    VideoInfo,
    probe_video,
    sample_frames,
    sheet_times,
)

from .conftest import frame_number


def test_each_time_gets_the_frame_shown_then(numbered_video):
    video = numbered_video(seconds=3.0, fps=10)
    times = [0.0, 0.05, 0.1, 0.95, 1.5, 2.9, 5.0]  # 5.0 is past the end: the last frame
    frames = sample_frames(video, times, width=80)
    assert [frame_number(f.pixels) for f in frames] == [0, 0, 1, 9, 15, 29, 29]
    assert [f.at for f in frames] == sorted(times)
    assert frames[3].shown == pytest.approx(0.9)
    assert frames[0].pixels.shape == (48, 80, 3)  # scaled, aspect kept, even height


def test_far_apart_times_are_reached_by_seeking_and_stay_exact(numbered_video):
    video = numbered_video(seconds=30.0, fps=10, gop=25)
    times = [0.3, 9.9, 10.0, 18.4, 27.7, 29.9]
    frames = sample_frames(video, times, width=80)
    assert [frame_number(f.pixels) for f in frames] == [3, 99, 100, 184, 277, 299]


def test_sheet_times_are_even_and_on_frames_and_tenths():
    times = sheet_times(VideoInfo(duration=30.0, fps=15.0, width=640, height=360), 9)
    assert len(times) == 9 and times == sorted(times)
    assert all(abs(t * 15 - round(t * 15)) < 1e-6 for t in times)  # a frame starts there
    assert all(abs(t * 10 - round(t * 10)) < 1e-6 for t in times)  # a whole tenth
    assert times[0] < 30 / 9 and times[-1] > 30 * 8 / 9
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) - min(gaps) <= 0.2 + 1e-9
    assert sheet_times(VideoInfo(0.0, 0.0, 0, 0), 9) == [0.0]


def test_a_damaged_or_missing_video_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(SampleError) as err:
        sample_frames(bad, [0.0], width=80)
    assert "cannot be read" in err.value.reason or "damaged" in err.value.reason
    with pytest.raises(SampleError, match="missing"):
        probe_video(tmp_path / "nope.mp4")


def test_keyframe_sampling_takes_the_keyframe_before_each_time_and_never_repeats(numbered_video):
    video = numbered_video(seconds=30.0, fps=10, gop=25)  # a keyframe every 2.5 s
    frames = sample_frames(video, [1.0, 7.0, 7.5, 7.6, 20.0], width=80, exact=False)
    numbers = [frame_number(f.pixels) for f in frames]
    assert numbers[:3] == [0, 50, 75]  # keyframes at or before 1.0, 7.0 and 7.5
    assert numbers[3] == 76  # 7.6 shares 7.5's keyframe: the next frame instead
    assert numbers[4] == 200
    assert [f.at for f in frames] == [n / 10 for n in numbers]  # stamped with their own time


def test_frames_between_targets_may_be_skipped_but_every_target_is_exact(numbered_video):
    video = numbered_video(seconds=20.0, fps=25, gop=250, preset="veryfast")  # with B-frames
    times = [0.04 * n for n in (7, 90, 131, 250, 333, 371, 402, 449, 498)]
    frames = sample_frames(video, times, width=80)
    assert [frame_number(f.pixels) for f in frames] == [7, 90, 131, 250, 333, 371, 402, 449, 498]

"""`nemo-chat batch --local`: the issue's done-when, resume, the manifest, credits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from agent.batch.args import EXIT_FAILED_ITEMS, EXIT_OK
from agent.batch.manifest import MANIFEST_NAME

from .conftest import BatchRun

ANIMATE = "turn it into a smooth animated video"


def _frames(video: Path) -> int:
    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


def _manifest(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (folder / MANIFEST_NAME).read_text().splitlines()]


def _rows(run: BatchRun) -> dict[str, list[str]]:
    """The final table (piped: tab-separated on stdout), by item."""
    lines = run.out.strip().splitlines()
    return {row.split("\t")[0]: row.split("\t") for row in lines[1:]}


@pytest.mark.slow
def test_four_photos_four_videos_then_a_rerun_renders_nothing_then_a_broken_one_fails(
    tmp_path: Path, make_photo: Callable[..., Path], run_batch: Callable[..., BatchRun]
) -> None:
    photos = [make_photo(f"{n}.jpg", size=(320, 180), seed=i) for i, n in enumerate("abcd")]
    vids = tmp_path / "vids"

    first = run_batch("--out", vids, "-m", ANIMATE, *photos)
    assert first.code == EXIT_OK, first.err
    for n in "abcd":
        assert _frames(vids / f"{n}.mp4") > 0
    assert not list(vids.glob("*.part"))
    assert {r[1] for r in _rows(first).values()} == {"saved"}
    assert "Traceback" not in first.err
    lines_before = len(_manifest(vids))

    again = run_batch("--out", vids, "-m", ANIMATE, *photos)
    assert again.code == EXIT_OK
    assert {r[1] for r in _rows(again).values()} == {"done earlier"}
    assert sorted(p.name for p in vids.glob("*.mp4")) == ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]
    assert len(_manifest(vids)) == lines_before  # nothing ran, nothing recorded

    broken = photos[0].parent / "e.jpg"
    broken.write_text("this is not a picture")
    third = run_batch("--out", vids, "-m", ANIMATE, *photos, broken)
    assert third.code == EXIT_FAILED_ITEMS
    rows = _rows(third)
    assert [rows[f"{n}.jpg"][1] for n in "abcd"] == ["done earlier"] * 4
    assert rows["e.jpg"][1].startswith("failed: ")
    assert "e.jpg" in rows["e.jpg"][1] and "format" in rows["e.jpg"][1]
    assert not (vids / "e.mp4").exists()
    last = _manifest(vids)[-1]
    assert last["item"] == "e.jpg" and last["state"] == "failed" and last["reason"]


@pytest.mark.slow
def test_spec_titles_make_different_videos_and_a_group_makes_one(
    tmp_path: Path, make_photo: Callable[..., Path], run_batch: Callable[..., BatchRun]
) -> None:
    a, b, c = (make_photo(f"{n}.png", size=(320, 180), seed=i) for i, n in enumerate("abc"))
    spec = a.parent / "items.csv"
    spec.write_text(
        "photo,instruction,title,output\n"
        f"{a.name},{ANIMATE},Summer Sale,sale\n"
        f"{a.name},{ANIMATE},New Arrivals,arrivals\n"
        f"{b.name};{c.name},{ANIMATE},,\n"
    )
    vids = tmp_path / "vids"
    run = run_batch("--out", vids, "--jobs", "3", "--spec", spec)
    assert run.code == EXIT_OK, run.err
    sale, arrivals, group = vids / "sale.mp4", vids / "arrivals.mp4", vids / "b.mp4"
    assert sale.read_bytes() != arrivals.read_bytes()  # same photo, different titles
    assert _frames(group) > _frames(sale)  # two photos make a longer video than one
    states = {r["item"]: r["state"] for r in _manifest(vids)}
    assert states["b.png +1"] == "saved"
    titled = [r for r in _manifest(vids) if r["state"] == "titling"]
    assert {r["title"] for r in titled} == {"Summer Sale", "New Arrivals"}


@pytest.mark.slow
def test_a_failed_item_is_retried_on_rerun_and_force_redoes_without_overwriting(
    tmp_path: Path, make_photo: Callable[..., Path], run_batch: Callable[..., BatchRun]
) -> None:
    a = make_photo("a.png", size=(320, 180), seed=1)
    b = make_photo("b.png", size=(320, 180), seed=2)
    vids = tmp_path / "vids"
    b_bytes = b.read_bytes()
    b.write_bytes(b"broken for now")
    first = run_batch("--out", vids, "-m", ANIMATE, a, b)
    assert first.code == EXIT_FAILED_ITEMS
    assert (vids / "a.mp4").exists() and not (vids / "b.mp4").exists()

    b.write_bytes(b_bytes)  # fixed: a new photo, so a new item; a is still done
    second = run_batch("--out", vids, "-m", ANIMATE, a, b)
    assert second.code == EXIT_OK, second.err
    assert _rows(second)["a.png"][1] == "done earlier"
    assert _rows(second)["b.png"][1] == "saved"

    a_video = (vids / "a.mp4").read_bytes()
    forced = run_batch("--out", vids, "--force", "-m", ANIMATE, a)
    assert forced.code == EXIT_OK
    assert (vids / "a.mp4").read_bytes() == a_video  # never overwritten
    assert (vids / "a-2.mp4").exists()


@pytest.mark.slow
def test_out_of_credits_mid_batch_stops_new_items_and_a_rerun_resumes(
    tmp_path: Path, make_photo: Callable[..., Path], run_batch: Callable[..., BatchRun],
    batch_env: Callable[..., None],
) -> None:
    photos = [make_photo(f"p{i}.png", size=(320, 180), seed=i) for i in range(4)]
    vids = tmp_path / "vids"
    batch_env(initial_credits=10, generation_cost=5, edit_cost=1)  # one video's worth
    first = run_batch("--out", vids, "--jobs", "1", "-m", ANIMATE, *photos)
    assert first.code == EXIT_FAILED_ITEMS
    results = [_rows(first)[f"p{i}.png"][1] for i in range(4)]
    assert results[0] == "saved"
    assert results[1] == "failed: You're out of credits."
    assert results[2:] == ["not started: out of credits"] * 2  # none started after the 2001
    assert "register" in first.err.lower()  # the way forward
    assert "run the same command again" in first.err

    batch_env(initial_credits=10, generation_cost=0, edit_cost=0)  # "topped up"
    second = run_batch("--out", vids, "--jobs", "1", "-m", ANIMATE, *photos)
    assert second.code == EXIT_OK, second.err
    assert sorted(p.name for p in vids.glob("*.mp4")) == [f"p{i}.mp4" for i in range(4)]


def test_no_credits_at_all_starts_nothing_and_says_how_to_get_more(
    tmp_path: Path, make_photo: Callable[..., Path], run_batch: Callable[..., BatchRun],
    batch_env: Callable[..., None],
) -> None:
    batch_env(initial_credits=0)
    photos = [make_photo(f"p{i}.png", size=(320, 180), seed=i) for i in range(2)]
    run = run_batch("--out", tmp_path / "vids", "-m", ANIMATE, *photos)
    assert run.code == EXIT_FAILED_ITEMS
    assert [r[1] for r in _rows(run).values()] == ["not started: out of credits"] * 2
    assert "You're out of credits." in run.err and "/register?bind=anon_" in run.err
    assert "uploading" not in run.err  # no item started

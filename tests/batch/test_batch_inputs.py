"""What is checked before a batch starts: the spec, the photos, the output folder, names."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.batch.args import EXIT_NOT_STARTED, EXIT_USAGE
from agent.batch.manifest import MANIFEST_NAME, Manifest, read_manifest
from agent.batch.photos import expand_photos
from agent.batch.plan import Item, assign_names
from agent.batch.spec import SpecError, read_spec

from .conftest import BatchRun


def _problems(spec: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        read_spec(spec)
    return caught.value.problems


def test_spec_problems_are_all_reported_with_their_line_numbers(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    photo = make_photo("shoe-1.png")
    spec = photo.parent / "items.csv"
    spec.write_text(
        "photo,instruction,title,output\n"
        "shoe-1.png,animate it,,one\n"  # line 2: fine
        "shoe-7.png,animate it,,\n"  # line 3: no such photo
        "shoe-1.png,   ,,\n"  # line 4: empty instruction
        "shoe-1.png,animate it,,one.mp4\n"  # line 5: output used on line 2
        "shoe-1.png,animate it,,../escape\n"  # line 6: not a plain name
    )
    assert _problems(spec) == [
        "items.csv line 3: photo not found: shoe-7.png",
        "items.csv line 4: the instruction is empty",
        "items.csv line 5: output one.mp4 is already used on line 2",
        "items.csv line 6: output must be a plain file name: ../escape.mp4",
    ]


def test_spec_without_the_instruction_column_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "items.csv"
    spec.write_text("photo,title\na.png,x\n")
    assert _problems(spec) == ["items.csv line 1: missing column: instruction"]


def test_jsonl_spec_groups_photos_and_reports_bad_lines(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    a, b = make_photo("a.png", seed=1), make_photo("b.png", seed=2)
    spec = a.parent / "items.jsonl"
    spec.write_text(
        json.dumps({"photo": "a.png;b.png", "instruction": "a slideshow", "title": "Both"})
        + "\n\n" + json.dumps({"photo": ["a.png"], "instruction": "animate"}) + "\n"
    )
    items = read_spec(spec)
    assert [(i.line, [p.name for p in i.photos], i.title) for i in items] == [
        (1, ["a.png", "b.png"], "Both"), (3, ["a.png"], None)]
    spec.write_text('{"photo": "a.png", "instruction": "x"}\nnot json\n{"photo": "a.png"}\n')
    assert _problems(spec) == ["items.jsonl line 2: not a JSON object",]
    spec.write_text('{"photo": "a.png", "instruction": "x"}\n{"photo": "a.png"}\n')
    assert _problems(spec) == ["items.jsonl line 2: missing column: instruction"]
    assert b.exists()


def test_folders_and_globs_expand_to_their_images_sorted(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    for name in ("b.png", "a.jpg", "c.webp"):
        make_photo(name)
    folder = tmp_path / "media"
    (folder / "notes.txt").write_text("not a photo")
    (folder / "clip.mp4").write_bytes(b"")
    found, missing = expand_photos([str(folder)])
    assert [p.name for p in found] == ["a.jpg", "b.png", "c.webp"] and missing == []
    found, missing = expand_photos([str(folder / "*.png"), str(folder / "a.jpg"),
                                    str(folder / "*.gif")])
    assert [p.name for p in found] == ["b.png", "a.jpg"]
    assert missing == [str(folder / "*.gif")]


def test_names_never_clash_with_each_other_or_files_already_there(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"someone's video")
    items = [Item(1, [Path("x/a.png")], "i", key="k1"), Item(2, [Path("y/a.jpg")], "i", key="k2"),
             Item(3, [Path("b.png")], "i", key="k3"), Item(4, [Path("c.png")], "i", key="k4")]
    assign_names(items, tmp_path, kept={"k4": "c-old.mp4"})
    assert [i.name for i in items] == ["a-2.mp4", "a-3.mp4", "b.mp4", "c-old.mp4"]


def test_the_manifest_survives_a_torn_last_line(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path)
    manifest.append(key="k1", state="uploading")
    manifest.append(key="k1", state="saved", name="a.mp4")
    manifest.append(key="k2", state="failed", reason="no")
    manifest.close()
    assert os.stat(tmp_path / MANIFEST_NAME).st_mode & 0o777 == 0o600
    with open(tmp_path / MANIFEST_NAME, "a") as fh:
        fh.write('{"key": "k2", "state": "sa')  # the power went out mid-line
    records = read_manifest(tmp_path)
    assert records["k1"]["state"] == "saved" and records["k2"]["state"] == "failed"


def test_an_invalid_spec_starts_nothing(
    tmp_path: Path, run_batch: Callable[..., BatchRun]
) -> None:
    spec = tmp_path / "items.csv"
    spec.write_text("photo,instruction\nmissing.png,animate\n")
    run = run_batch("--out", tmp_path / "vids", "--spec", spec)
    assert run.code == EXIT_USAGE
    assert "items.csv line 2: photo not found: missing.png" in run.err
    assert "Nothing was started" in run.err
    assert not (tmp_path / "vids").exists()  # not even the folder was made


def test_an_output_folder_that_cannot_be_written_is_said_before_starting(
    tmp_path: Path, make_photo: Callable[..., Path], run_batch: Callable[..., BatchRun]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    run = run_batch("--out", blocker / "vids", "-m", "animate", make_photo())
    assert run.code == EXIT_NOT_STARTED
    assert "Cannot save videos in" in run.err and "--out" in run.err
    assert "Traceback" not in run.err


def test_usage_mistakes_exit_2_and_help_names_the_exit_codes(
    run_batch: Callable[..., BatchRun], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_batch("a.png").code == EXIT_USAGE  # no instruction
    from agent.cli import main

    assert main(["batch", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Exit codes: 0 every video saved; 6 some items failed" in " ".join(shown.split())

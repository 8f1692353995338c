"""The backend going away mid-batch: running items fail with a clear reason, the manifest
records it, and the same command against a backend that is back does the rest."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.batch.args import EXIT_FAILED_ITEMS, EXIT_OK
from agent.batch.manifest import MANIFEST_NAME

from ..conftest import LocalBackend

ANIMATE = "turn it into a smooth animated video"


def _backend(data: Path, **overrides: object) -> LocalBackend:
    from backend.settings import BackendSettings

    return LocalBackend(BackendSettings.for_tests(data, one_token_per_client=False, **overrides))


@pytest.mark.slow
def test_backend_gone_fails_running_items_with_the_reason_and_a_rerun_resumes(
    tmp_path: Path, make_photo: Callable[..., Path], batch_env: Callable[..., None],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agent.cli import main

    photos = [make_photo(f"p{i}.png", size=(320, 180), seed=i) for i in range(3)]
    vids = tmp_path / "vids"
    backend = _backend(tmp_path / "data", generation_seconds=2.0)
    monkeypatch.setenv("NEMO_API_URL", backend.url)
    done = threading.Event()

    def stop_while_editing() -> None:  # the backend goes away while the first items are edited
        manifest = vids / MANIFEST_NAME
        while not done.wait(0.05):
            if manifest.exists() and '"state": "editing"' in manifest.read_text():
                backend.stop()
                return

    watcher = threading.Thread(target=stop_while_editing)
    watcher.start()
    try:
        code = main(["batch", "--jobs", "2", "--out", str(vids), "-m", ANIMATE, *map(str, photos)])
    finally:
        done.set()
        watcher.join()
        backend.stop()
    shown = capsys.readouterr()
    assert code == EXIT_FAILED_ITEMS, shown.err
    assert "Traceback" not in shown.err
    records = [json.loads(line) for line in (vids / MANIFEST_NAME).read_text().splitlines()]
    failed = [r for r in records if r["state"] == "failed"]
    assert failed and all(r["reason"] for r in failed)
    assert "127.0.0.1" in shown.out or "connect" in shown.out.lower()  # the reason, in the table
    assert not list(vids.glob("*.mp4"))

    again = _backend(tmp_path / "data")  # back, on another port
    monkeypatch.setenv("NEMO_API_URL", again.url)
    try:
        code = main(["batch", "--jobs", "2", "--out", str(vids), "-m", ANIMATE, *map(str, photos)])
    finally:
        again.stop()
    assert code == EXIT_OK, capsys.readouterr().err
    assert sorted(p.name for p in vids.glob("*.mp4")) == ["p0.mp4", "p1.mp4", "p2.mp4"]

"""Issue 18: `upload photo.jpg` where photo.jpg is a link to a file that is no media.

The checks read the name the person typed (photo.jpg: a supported format) and the upload sent
whatever the link pointed at (/etc/passwd, a key file). Now the link is resolved first, the
real file must be media by its name and by how it begins, and the message says where the
link points.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.api import LocalFileError
from agent.api.uploads import prepare_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "private" / "id_secret"
    path.parent.mkdir()
    path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    return path


def test_a_link_to_a_file_that_is_no_media_is_refused(tmp_path: Path, secret: Path) -> None:
    link = tmp_path / "photo.jpg"
    link.symlink_to(secret)
    with pytest.raises(LocalFileError) as caught:
        prepare_file(link)
    assert caught.value.reason == "link_not_media"
    assert caught.value.target == secret.resolve()


def test_a_link_whose_target_is_named_like_media_but_is_not_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "real.png"
    fake.write_text("not a picture")
    link = tmp_path / "photo.png"
    link.symlink_to(fake)
    with pytest.raises(LocalFileError):
        prepare_file(link)


def test_a_link_to_a_real_photo_and_a_linked_folder_still_upload(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    photo = make_photo("beach.png", size=(64, 36))
    link = tmp_path / "holiday.png"
    link.symlink_to(photo)
    prepared = prepare_file(link)
    assert prepared.name == "holiday.png" and prepared.send_path == photo.resolve()
    folder_link = tmp_path / "pictures"
    folder_link.symlink_to(photo.parent, target_is_directory=True)
    assert prepare_file(folder_link / "beach.png").send_path == photo.resolve()


def test_the_chat_says_where_the_link_points_and_sends_nothing(
    tmp_path: Path, secret: Path
) -> None:
    link = tmp_path / "photo.jpg"
    link.symlink_to(secret)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "config"), NEMO_DATA_DIR=str(tmp_path / "data"),
               NEMO_LOCAL_SETTINGS=json.dumps({"generation_seconds": 0.05}))
    result = subprocess.run(
        [sys.executable, "-m", "agent", "--local", "-m", f"upload {link}"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    shown = result.stdout + result.stderr
    assert result.returncode == 1, shown
    assert f"is a link to {secret.resolve()}" in shown
    assert "Traceback" not in shown
    uploads = tmp_path / "data" / "local-backend"
    assert not any("id_secret" in p.name or p.name == "photo.jpg" for p in uploads.rglob("*"))

"""The motion keeps the subject in frame: a face near the top of a portrait, a photo's salient
object, and the part of the picture a person named (`fx.focus`)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from backend.draft import Effect
from backend.render import render_draft
from backend.render.motion import MARGIN, plan_path
from backend.render.subject import clear_cache, find_subject

skimage_data = pytest.importorskip("skimage.data")


def _portrait(path: Path) -> Path:
    """scikit-image's `astronaut` (a real photo of a face), cut to a 3:4 portrait with the face
    near the top, at a phone photo's size."""
    img = Image.fromarray(skimage_data.astronaut()).crop((96, 0, 480, 512))  # 384 x 512
    img.resize((1200, 1600), Image.Resampling.LANCZOS).save(path, quality=92)
    return path


def _faces(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Faces the detector finds in a decoded frame: (top, left, bottom, right) in pixels."""
    from skimage.feature import Cascade

    det = Cascade(skimage_data.lbp_frontal_face_cascade_filename())
    side = min(rgb.shape[:2])
    found = det.detect_multi_scale(img=rgb, scale_factor=1.2, step_ratio=1, min_size=(40, 40),
                                   max_size=(side, side))
    return [(d["r"], d["c"], d["r"] + d["height"], d["c"] + d["width"]) for d in found]


def _render(tmp_path: Path, rt: SimpleNamespace, photo: Path, aspect: str,
            fx: dict[str, object], height: int = 480) -> list[np.ndarray]:
    d = rt.draft([{"src": "p", "st": 0, "d": 3000, "fx": fx}], aspect=aspect)
    out = tmp_path / f"{aspect.replace(':', 'x')}.mp4"
    render_draft(d, lambda _src: photo, out, max_height=height, fps=5)
    return rt.frames_rgb(out)


@pytest.mark.parametrize("aspect", ["9:16", "16:9"])
def test_a_portrait_keeps_the_whole_face_in_every_frame(tmp_path: Path, rt: SimpleNamespace,
                                                        aspect: str) -> None:
    # the strongest zoom the editor allows, toward the centre by default: from 1.5x on, a centred
    # zoom cuts off the top of this head (it did before the motion looked for the subject)
    clear_cache()
    photo = _portrait(tmp_path / "portrait.jpg")
    frames = _render(tmp_path, rt, photo, aspect, {"motion": "zoom_in", "amount": 0.5})
    assert len(frames) == 15
    for i, frame in enumerate(frames[::2]):
        h, w = frame.shape[:2]
        faces = _faces(frame)
        assert faces, f"frame {2 * i}: no face in the frame"
        top, left, bottom, right = max(faces, key=lambda f: (f[2] - f[0]) * (f[3] - f[1]))
        # the head reaches about half a face height above the detector's box: that is in too
        assert top - 0.4 * (bottom - top) >= 0 and left >= 0 and right <= w and bottom <= h, \
            f"frame {2 * i}: the head touches the frame's edge"


def test_the_portrait_still_zooms_toward_the_face(tmp_path: Path) -> None:
    clear_cache()
    photo = Image.open(_portrait(tmp_path / "portrait.jpg"))
    subject = find_subject(photo)
    assert subject is not None and subject.kind == "face"
    assert subject.y0 < 0.15 and 0.2 < (subject.x0 + subject.x1) / 2 < 0.8, subject
    fx = Effect(motion="zoom_in", amount=0.5)
    box = (subject.x0, subject.y0, subject.x1, subject.y1)
    path = plan_path(fx, 0, box, strict=True, aim=True)
    _cx, cy, z = path.at(1.0)
    assert z > 1.3  # the zoom is kept: the face fits at it
    h = 0.5 / z
    assert cy - h <= box[1] - MARGIN / z + 1e-9 and cy + h >= box[3] + MARGIN / z - 1e-9  # head in view
    assert cy < 0.45  # and the window went up to it


def test_a_photo_without_a_face_keeps_its_salient_object(tmp_path: Path) -> None:
    # a red disc near the top-left corner of a plain, lightly textured background: a centred
    # 1.5x zoom would lose it (its centre is at 12 % x 14 %)
    rng = np.random.default_rng(3)
    base = np.clip(rng.normal(120, 6, (900, 1600, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:900, 0:1600]
    disc = (xx - 190) ** 2 + (yy - 125) ** 2 < 80**2
    base[disc] = (220, 30, 30)
    subject = find_subject(Image.fromarray(base))
    assert subject is not None and subject.kind == "salient"
    assert subject.x0 < 0.12 < subject.x1 and subject.y0 < 0.14 < subject.y1, subject
    box = (subject.x0, subject.y0, subject.x1, subject.y1)
    fx = Effect(motion="zoom_in", amount=0.5)
    centred = plan_path(fx, 0, None)
    kept = plan_path(fx, 0, box)
    for p in np.linspace(0, 1, 11):
        cx, cy, z = kept.at(float(p))
        h = 0.5 / z
        assert cx - h <= box[0] and cx + h >= box[2] and cy - h <= box[1] and cy + h >= box[3], p
    cx, cy, z = centred.at(1.0)
    assert cx - 0.5 / z > box[0], "the test must be one a centred zoom fails"


def test_a_flat_photo_has_no_subject() -> None:
    assert find_subject(Image.new("RGB", (640, 480), (90, 120, 200))) is None


@pytest.mark.parametrize("motion", ["zoom_in", "ken_burns", "pan_right", "pan_down"])
def test_focus_left_moves_the_path_and_keeps_the_left_in_view(motion: str) -> None:
    from backend.render.motion import FOCUS_BOXES

    auto = plan_path(Effect(motion=motion, amount=0.3), 1, None)
    left_box = FOCUS_BOXES["left"]
    left = plan_path(Effect(motion=motion, amount=0.3, focus="left"), 1, left_box, strict=True, aim=True)
    moved = False
    for p in np.linspace(0, 1, 11):
        a, b = auto.at(float(p)), left.at(float(p))
        moved = moved or abs(a[0] - b[0]) > 0.02
        cx, _cy, z = b
        assert cx - 0.5 / z <= left_box[0] + 1e-9 or cx - 0.5 / z <= 1e-9, (p, b)
        assert cx <= a[0] + 1e-9, "focus left never moves the window right of the default"
    assert moved


def test_focus_left_is_honoured_by_a_render(tmp_path: Path, rt: SimpleNamespace) -> None:
    # a picture dark on its left third and bright on the rest: zooming with focus "left" keeps
    # the dark part in view at the end, the default centred zoom keeps much less of it
    img = np.full((720, 1280, 3), 230, np.uint8)
    img[:, :300] = 20
    Image.fromarray(img).save(tmp_path / "p.png")
    dark = {}
    for focus in ("auto", "left"):
        frames = _render(tmp_path, rt, tmp_path / "p.png", "16:9",
                         {"motion": "zoom_in", "amount": 0.5, "focus": focus}, height=180)
        dark[focus] = float((frames[-1][..., 1] < 100).mean())
    assert dark["left"] > dark["auto"] + 0.05, dark


def test_cropping_to_the_frame_keeps_a_face_near_the_top(tmp_path: Path, rt: SimpleNamespace) -> None:
    # a 4:3 photo fills a 16:9 frame by losing an eighth at the top and bottom: centred, that cut
    # through this head; the crop moves down just enough to keep it (no motion at all here)
    clear_cache()
    img = Image.fromarray(skimage_data.astronaut()).crop((0, 16, 512, 400))  # 512 x 384
    img.resize((1600, 1200), Image.Resampling.LANCZOS).save(tmp_path / "p.jpg", quality=92)
    d = rt.draft([{"src": "p", "st": 0, "d": 1000}])
    render_draft(d, lambda _s: tmp_path / "p.jpg", tmp_path / "o.mp4", max_height=480, fps=5)
    frame = rt.frames_rgb(tmp_path / "o.mp4")[2]
    faces = _faces(frame)
    assert faces, "no face in the frame"
    top, _left, bottom, _right = max(faces, key=lambda f: (f[2] - f[0]) * (f[3] - f[1]))
    assert top - 0.4 * (bottom - top) >= 0, "the crop cut the top of the head"


def test_a_detector_failure_frames_the_photo_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.render import subject

    def broken(_rgb: np.ndarray) -> None:
        raise RuntimeError("detector broke")

    monkeypatch.setattr(subject, "_faces", broken)
    assert find_subject(Image.new("RGB", (640, 480), (200, 10, 10))) is None


def test_a_detection_is_kept_on_disk_for_the_next_render_process(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each render runs in a process of its own: the box found by one (a preview) serves the next
    (its export) without running the detector again, by the photo's bytes, not its name."""
    from backend.render import subject as subject_mod

    cache = tmp_path / "analysis"
    subject_mod.use_disk_cache(cache)
    try:
        clear_cache()
        photo = _portrait(tmp_path / "portrait.jpg")
        first = find_subject(Image.open(photo), photo)
        assert first is not None and first.kind == "face"
        assert len(list(cache.glob("*.json"))) == 1

        calls: list[int] = []
        real = subject_mod._faces
        monkeypatch.setattr(subject_mod, "_faces", lambda rgb: calls.append(1) or real(rgb))
        clear_cache()  # a new process: nothing in memory
        copy = tmp_path / "same-photo-another-name.jpg"
        copy.write_bytes(photo.read_bytes())
        assert find_subject(Image.open(copy), copy) == first
        assert calls == []

        # a damaged entry is not trusted: the detector runs again and the entry is rewritten
        entry = next(cache.glob("*.json"))
        entry.write_text('{"box": [0, 0, 9, 9], "kind": "face"}')
        clear_cache()
        assert find_subject(Image.open(photo), photo) == first
        assert calls == [1]
        import json

        rewritten = json.loads(entry.read_text())
        assert rewritten["kind"] == "face" and max(rewritten["box"]) <= 1.0

        # another photo is another entry; the folder stays bounded
        monkeypatch.setattr(subject_mod, "DISK_FILES", 4)
        for i in range(7):
            other = tmp_path / f"o{i}.png"
            Image.new("RGB", (64, 48), (10 * i, 40, 90)).save(other)
            find_subject(Image.open(other), other)
        assert 1 < len(list(cache.glob("*.json"))) <= 4
        assert not list(cache.glob(".*.part"))
    finally:
        subject_mod.use_disk_cache(None)
        clear_cache()

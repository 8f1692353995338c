"""Where a photo's subject is: faces first, else its most salient region; found once per photo.

Why: Ken Burns motion zooms and pans blind, and a person's most common photo is a portrait whose
head sits near the top: a centred zoom cut it off. The motion planner (`motion.plan_path`) keeps
the box found here inside every frame.

Faces: scikit-image's LBP frontal-face cascade (`skimage.data.lbp_frontal_face_cascade_filename`,
OpenCV's own LBP cascade, 50 KB, shipped inside the scikit-image wheel, never fetched). The
OpenCV 5 this project installs no longer ships cascade files and its YuNet/DNN detectors need a
model file from the network. At a 320-px working size it takes ~0.16 s per photo on one core of
this machine, on the still's helper thread while earlier frames are drawn. Found faces are
widened into a head box (hair above, chin below).

No face: the spectral-residual saliency map (Hou & Zhang, CVPR 2007) of a 64-px grey copy, its
strongest blob's bounding box. Cheap (a few ms) and content-agnostic; it marks the object that
stands out from the photo's background, which is what a person keeps in view.

Results are cached per file (path, size, modification time) in memory, so a photo used twice in
a render is examined once; and, where the caller names a folder (`use_disk_cache`: the local
backend's data folder), on disk by a hash of the file's bytes, because every render runs in a
process of its own: a preview and its export, or the next edit's render, then skip the detector
and scikit-image's import (~0.2 s, then 0.06-0.15 s per photo on this machine).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

WORK_SIDE = 320  # long side the face detector sees: faces from ~7.5 % of it are found
SALIENCY_SIDE = 64
_CACHE: OrderedDict[tuple[str, int, int], Subject | None] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = threading.Lock()
# On disk: one small JSON file per photo, named by a hash of its bytes; the version is part of
# the name, so a change to the detector (WORK_SIDE, the head box) is never answered from an old
# result. At most DISK_FILES files (~120 bytes each): the oldest quarter goes when it is full.
DISK_VERSION = 1
DISK_FILES = 4096
_DISK: Path | None = None


def use_disk_cache(folder: Path | None) -> None:
    """Keep results in `folder` across processes (None: memory only)."""
    global _DISK
    _DISK = folder


KINDS = ("face", "focus", "salient")


@dataclass(frozen=True)
class Subject:
    """A box in the photo, as fractions of its width and height (0..1), and how it was found."""

    x0: float
    y0: float
    x1: float
    y1: float
    kind: str  # "face" or "focus" (kept whole: the zoom gives way), "salient" (kept if it can be)

    @property
    def strict(self) -> bool:
        return self.kind in ("face", "focus")


def find_subject(img: Any, path: Path | None = None, *, folder: Path | None = None) -> Subject | None:
    """The subject of an upright RGB Pillow image, or None when nothing stands out. `folder`
    (else the one `use_disk_cache` named) keeps the result on disk by `path`'s bytes."""
    key = None
    if path is not None:
        try:
            st = path.stat()
            key = (str(path), st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
    if key is not None:
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    disk = _disk_name(path, folder or _DISK)
    hit, found = _disk_read(disk)
    if not hit:
        try:
            rgb = _small(img)
            found = _faces(rgb) or _salient(rgb)
        except Exception:  # framing is a nicety: a detector failure must never fail the render
            log.exception("subject detection failed; the photo is framed without it")
            found = None
        else:
            _disk_write(disk, found)
    if key is not None:
        with _LOCK:
            _CACHE[key] = found
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return found


def _disk_name(path: Path | None, folder: Path | None) -> Path | None:
    if folder is None or path is None:
        return None
    import hashlib

    try:
        with path.open("rb") as fh:
            digest = hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    except OSError:
        return None
    return folder / f"{digest}.v{DISK_VERSION}.json"


def _disk_read(name: Path | None) -> tuple[bool, Subject | None]:
    """(True, the stored result: a Subject, or None when nothing stands out), or (False, None)
    when nothing usable is stored."""
    if name is None:
        return False, None
    import json

    try:
        data = json.loads(name.read_bytes()[:4096])
        if data is None:
            return True, None
        box = [float(v) for v in data["box"]]
        if len(box) != 4 or not all(0.0 <= v <= 1.0 for v in box) or data["kind"] not in KINDS:
            return False, None
        return True, Subject(box[0], box[1], box[2], box[3], kind=str(data["kind"]))
    except (OSError, ValueError, KeyError, TypeError):
        return False, None  # missing or damaged: detect again (and write it afresh)


def _disk_write(name: Path | None, found: Subject | None) -> None:
    if name is None:
        return
    import json

    data = None if found is None else {"box": [found.x0, found.y0, found.x1, found.y1],
                                       "kind": found.kind}
    try:
        name.parent.mkdir(parents=True, exist_ok=True)
        part = name.with_name(f".{name.name}.{os.getpid()}.{threading.get_ident()}.part")
        part.write_text(json.dumps(data), encoding="utf-8")
        os.replace(part, name)
        _disk_trim(name.parent)
    except OSError as exc:  # a full or read-only disk costs a detection next time, nothing more
        log.info("subject cache not written (%s)", exc)


def _disk_trim(folder: Path) -> None:
    entries = [e for e in os.scandir(folder) if e.name.endswith(".json")]
    if len(entries) <= DISK_FILES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for e in entries[: len(entries) - DISK_FILES * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(e.path)


def _small(img: Any) -> np.ndarray:
    from PIL import Image

    k = int(max(img.size) / WORK_SIDE)
    small = img.reduce(k) if k >= 2 else img  # a whole-factor box first: 3x cheaper on 12 Mpx
    w, h = small.size
    s = min(1.0, WORK_SIDE / max(w, h))
    if s < 1.0:
        small = small.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BOX)
    return np.asarray(small.convert("RGB"))


def _faces(rgb: np.ndarray) -> Subject | None:
    try:
        from skimage import data
        from skimage.feature import Cascade
    except ImportError:  # pragma: no cover - scikit-image is a dependency; degrade, do not fail
        log.warning("scikit-image is missing: photos are framed without face detection")
        return None
    h, w = rgb.shape[:2]
    if min(h, w) < 24:
        return None
    detector = Cascade(data.lbp_frontal_face_cascade_filename())
    found = detector.detect_multi_scale(img=rgb, scale_factor=1.2, step_ratio=1, min_size=(24, 24),
                                        max_size=(min(h, w), min(h, w)))
    if not found:
        return None
    biggest = max(d["width"] * d["height"] for d in found)
    # the main face and any other as large as half of it (a couple, a group); smaller hits are
    # background faces or the detector's false alarms
    keep = [d for d in found if d["width"] * d["height"] >= 0.5 * biggest]
    x0 = min(d["c"] - 0.2 * d["width"] for d in keep)
    x1 = max(d["c"] + 1.2 * d["width"] for d in keep)
    y0 = min(d["r"] - 0.45 * d["height"] for d in keep)  # the top of the head
    y1 = max(d["r"] + 1.25 * d["height"] for d in keep)  # the chin
    return Subject(max(0.0, x0 / w), max(0.0, y0 / h), min(1.0, x1 / w), min(1.0, y1 / h), "face")


def _salient(rgb: np.ndarray) -> Subject | None:
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    h, w = grey.shape
    s = SALIENCY_SIDE / max(h, w)
    sw, sh = max(8, round(w * s)), max(8, round(h * s))
    small = cv2.resize(grey, (sw, sh), interpolation=cv2.INTER_AREA)
    spec = np.fft.fft2(small)
    amp = np.log(np.abs(spec) + 1e-6)
    residual = amp - cv2.blur(amp, (3, 3), borderType=cv2.BORDER_REPLICATE)
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spec)))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), 2.5)
    top = float(sal.max())
    if not top > 0 or float(sal.std()) < 1e-3 * top:
        return None  # flat: nothing stands out
    mask = (sal >= sal.mean() + 2.0 * sal.std()).astype(np.uint8)
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return None
    # the blob holding the most saliency, not merely the largest
    best = max(range(1, n), key=lambda i: float(sal[_labels == i].sum()))
    x, y, bw, bh = (int(v) for v in stats[best, :4])
    if bw * bh > 0.6 * sw * sh:
        return None  # everywhere is nothing in particular
    return Subject(x / sw, y / sh, (x + bw) / sw, (y + bh) / sh, "salient")


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()

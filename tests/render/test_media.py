"""backend.media: sniffing by content and probing real files made on the fly."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from backend.media import SUPPORTED_EXTS, MediaError, Sniffed, probe, sniff


def _ffmpeg(*args: str) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def av_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny real audio/video files in every container the backend accepts."""
    d = tmp_path_factory.mktemp("av")
    video = ["-f", "lavfi", "-i", "testsrc=s=64x48:r=10:d=1"]
    sine = ["-f", "lavfi", "-i", "sine=f=440:d=1"]
    files = {
        "mp4": [*video, *sine, "-c:v", "libx264", "-c:a", "aac", "-shortest"],
        "mov": [*video, "-c:v", "libx264"],
        "mkv": [*video, "-c:v", "libx264"],
        "webm": [*video, "-c:v", "libvpx-vp9", "-deadline", "realtime"],
        "avi": [*video, "-c:v", "mpeg4"],
        "mp3": [*sine, "-c:a", "libmp3lame"],
        "m4a": [*sine, "-c:a", "aac"],
        "aac": [*sine, "-c:a", "aac", "-f", "adts"],
        "wav": [*sine, "-c:a", "pcm_s16le"],
    }
    out: dict[str, Path] = {}
    for ext, args in files.items():
        path = d / f"clip.{ext}"
        _ffmpeg(*args, str(path))
        out[ext] = path
    rot = d / "portrait.mp4"
    _ffmpeg("-display_rotation", "90", "-i", str(out["mov"]), "-c", "copy", str(rot))
    out["rotated"] = rot
    return out


@pytest.mark.parametrize(
    ("ext", "kind"),
    [
        ("mp4", "video"),
        ("mov", "video"),
        ("mkv", "video"),
        ("webm", "video"),
        ("avi", "video"),
        ("mp3", "audio"),
        ("m4a", "audio"),
        ("aac", "audio"),
        ("wav", "audio"),
    ],
)
def test_sniff_and_probe_audio_video(av_files: dict[str, Path], ext: str, kind: str) -> None:
    path = av_files[ext]
    sniffed = sniff(path.read_bytes()[:64])
    assert sniffed == Sniffed(kind=kind, ext=ext)  # type: ignore[arg-type]
    assert sniffed.supported
    info = probe(path)
    assert info.kind == kind
    assert info.duration == pytest.approx(1.0, abs=0.1)
    if kind == "video":
        assert (info.width, info.height) == (64, 48)
        assert info.fps == pytest.approx(10.0)
    else:
        assert info.width is None and info.fps is None
    assert info.has_audio == (ext == "mp4" or kind == "audio")


def test_probe_video_reports_displayed_size_of_rotated_clip(av_files: dict[str, Path]) -> None:
    info = probe(av_files["rotated"])
    assert (info.width, info.height) == (48, 64)
    assert info.rotation == 270  # stored landscape, shown turned


@pytest.mark.parametrize(("ext", "fmt"), [("jpg", "JPEG"), ("png", "PNG"), ("gif", "GIF"), ("webp", "WEBP")])
def test_sniff_and_probe_images(tmp_path: Path, ext: str, fmt: str) -> None:
    path = tmp_path / f"pic.{ext}"
    Image.new("RGB", (40, 30), (200, 100, 50)).save(path, fmt)
    sniffed = sniff(path.read_bytes())
    assert sniffed == Sniffed(kind="image", ext=ext)
    info = probe(path)
    assert (info.kind, info.width, info.height, info.duration) == ("image", 40, 30, None)


def test_probe_image_applies_exif_rotation(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, displayed after a quarter turn clockwise
    Image.new("RGB", (40, 30)).save(path, "JPEG", exif=exif)
    info = probe(path)
    assert (info.width, info.height, info.rotation) == (30, 40, 90)


def test_sniff_ignores_the_file_name_and_knows_lookalikes() -> None:
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == Sniffed(kind="image", ext="webp")
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") == Sniffed(kind="audio", ext="wav")
    assert sniff(b"RIFF\x00\x00\x00\x00AVI LIST") == Sniffed(kind="video", ext="avi")
    assert sniff(b"\x00\x00\x00\x18ftypqt  \x00\x00\x02\x00qt  ") == Sniffed(kind="video", ext="mov")
    heic = sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    assert heic == Sniffed(kind="image", ext="heic") and not heic.supported
    assert sniff(b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomM4A ") == Sniffed(kind="audio", ext="m4a")
    assert sniff(b"\xff\xfb\x90\x64" + bytes(60)) == Sniffed(kind="audio", ext="mp3")
    assert sniff(b"\xff\xf1\x50\x80" + bytes(60)) == Sniffed(kind="audio", ext="aac")
    for junk in (b"", b"hello world", b"%PDF-1.7\n", b"PK\x03\x04", b"\xff\xff\xff\xff", b"RIFF1234XXXX"):
        assert sniff(junk) is None


def test_supported_exts_match_the_interface() -> None:
    assert {"mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp"} <= SUPPORTED_EXTS
    assert {"mp3", "wav", "m4a", "aac"} <= SUPPORTED_EXTS


def _reason(path: Path) -> str:
    with pytest.raises(MediaError) as info:
        probe(path)
    assert info.value.reason == str(info.value)
    assert path.name in info.value.reason
    return info.value.reason


def test_probe_refuses_bad_files_with_reasons(
    tmp_path: Path, make_photo: Callable[..., Path], make_wav: Callable[..., Path]
) -> None:
    assert "does not exist" in _reason(tmp_path / "gone.png")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert "empty" in _reason(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all")
    assert "not a recognised" in _reason(text)
    photo = make_photo("cut.png", size=(200, 120))
    cut = tmp_path / "cut.png"
    cut.write_bytes(photo.read_bytes()[:300])
    assert "damaged or truncated" in _reason(cut)
    silent = make_wav("silent.wav", seconds=0.0)
    assert "zero length" in _reason(silent) or "no playable" in _reason(silent)
    assert "folder" in _reason(tmp_path)

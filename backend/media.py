"""What an uploaded file really is: content sniffing (magic bytes) and probing (size, length, rate).

The upload handler trusts the bytes, not the file name: `sniff()` looks at the first 64 bytes,
`probe()` opens the file and reports what the renderer needs, raising `MediaError` with a reason
a person can act on when the file is unreadable, empty or truncated.

Images are probed with Pillow (EXIF rotation applied to width/height, because that is the size
the renderer draws). Audio and video are probed with PyAV, in-process: opening a container and
decoding its first frame took 3 ms here (after a one-off ~50 ms import), where running the
imageio-ffmpeg binary (`ffmpeg -i`) took 19 ms and leaves nothing but stderr text to parse.
Decoding one frame is what tells a zero-length or corrupt track apart from a good one.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.stream import Stream

Kind = Literal["image", "video", "audio"]

SUPPORTED_EXTS: frozenset[str] = frozenset(
    {"mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac"}
)
"""Extensions the backend accepts. `sniff()` also recognises HEIC/AVIF (ext "heic"/"avif") so the
handler can say precisely why it refuses them; they are not in this set."""

_HEAD = 64

# ISO base media (ftyp) brands, by what they hold.
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_QT_BRANDS = {b"qt  "}


class MediaError(Exception):
    """A file the backend cannot use; `reason` is a sentence a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sniffed(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    ext: str  # canonical extension: "jpg", "png", "mp4", "mov", "mp3", "m4a", ...

    @property
    def supported(self) -> bool:
        return self.ext in SUPPORTED_EXTS


class MediaInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    ext: str | None = None  # what sniff() found, when it recognised the bytes
    width: int | None = None  # images and video: displayed size (rotation applied)
    height: int | None = None
    duration: float | None = None  # seconds; None for still images
    fps: float | None = None  # video only
    has_audio: bool = False  # video: carries a sound track
    rotation: int = 0  # degrees clockwise the stored picture is turned to display it upright


def _ftyp(head: bytes) -> Sniffed | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[0:4], "big")
    end = min(len(head), size if size >= 16 else len(head))
    major = head[8:12]
    brands = [major] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    for brand in brands:
        if brand in _AUDIO_BRANDS:
            return Sniffed(kind="audio", ext="m4a")
        if brand in _HEIC_BRANDS:
            return Sniffed(kind="image", ext="heic")
        if brand in _AVIF_BRANDS:
            return Sniffed(kind="image", ext="avif")
        if brand in _QT_BRANDS:
            return Sniffed(kind="video", ext="mov")
    return Sniffed(kind="video", ext="mp4")


def _ebml(head: bytes) -> Sniffed | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    # The DocType element (0x4282) names the flavour; WebM is a restricted Matroska.
    if b"webm" in head[:_HEAD]:
        return Sniffed(kind="video", ext="webm")
    return Sniffed(kind="video", ext="mkv")


def _mpeg_audio(head: bytes) -> Sniffed | None:
    if head.startswith(b"ID3"):
        return Sniffed(kind="audio", ext="mp3")
    if head.startswith(b"ADIF"):
        return Sniffed(kind="audio", ext="aac")
    if len(head) < 3 or head[0] != 0xFF:
        return None
    b1, b2 = head[1], head[2]
    if b1 & 0xF6 == 0xF0:  # 12 sync bits, layer 00: an ADTS (AAC) frame
        return Sniffed(kind="audio", ext="aac")
    layer = (b1 >> 1) & 0x3
    version = (b1 >> 3) & 0x3
    valid_rates = (b2 >> 4) != 0xF and ((b2 >> 2) & 0x3) != 0x3  # bitrate, sample-rate index
    if b1 & 0xE0 == 0xE0 and layer != 0 and version != 1 and valid_rates:
        return Sniffed(kind="audio", ext="mp3")
    return None


def sniff(head: bytes) -> Sniffed | None:
    """The kind of file these leading bytes start (64 are plenty), or None when unknown."""
    head = head[:_HEAD]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(kind="image", ext="jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(kind="image", ext="png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed(kind="image", ext="gif")
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return Sniffed(kind="image", ext="webp")
        if form == b"WAVE":
            return Sniffed(kind="audio", ext="wav")
        if form == b"AVI ":
            return Sniffed(kind="video", ext="avi")
        return None
    return _ftyp(head) or _ebml(head) or _mpeg_audio(head)


def probe(path: Path) -> MediaInfo:
    """Open the file and report what the renderer needs; MediaError when it cannot be used."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD)
    except FileNotFoundError:
        raise MediaError(f"{path.name}: the file does not exist") from None
    except IsADirectoryError:
        raise MediaError(f"{path.name}: is a folder, not a file") from None
    except OSError as exc:
        raise MediaError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise MediaError(f"{path.name}: the file is empty")
    sniffed = sniff(head)
    if sniffed is None:
        raise MediaError(
            f"{path.name}: not a recognised image, video or audio file "
            f"(supported: {', '.join(sorted(SUPPORTED_EXTS))})"
        )
    if sniffed.kind == "image":
        return _probe_image(path, sniffed)
    return _probe_av(path, sniffed)


def _probe_image(path: Path, sniffed: Sniffed) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    if sniffed.ext in ("heic", "avif"):
        _register_heif()
    try:
        with open_image(path) as im:
            width, height = im.size
            orientation = im.getexif().get(0x0112, 1)
            im.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # JPEG: decode at 1/8
            im.load()  # a truncated or corrupt file fails here, not in the renderer
    except Image.DecompressionBombError:
        raise MediaError(f"{path.name}: the image is too large to process") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"{path.name}: the image is damaged or truncated ({exc})") from None
    rotation = {3: 180, 5: 90, 6: 90, 7: 270, 8: 270}.get(orientation, 0)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if width < 1 or height < 1:
        raise MediaError(f"{path.name}: the image has no pixels")
    return MediaInfo(kind="image", ext=sniffed.ext, width=width, height=height, rotation=rotation)


@contextmanager
def open_image(path: Path) -> Iterator[Any]:
    """Pillow's Image.open, quiet about big pictures: up to Pillow's hard limit (2x the size it
    warns at, ~179 Mpx; phones' 200-Mpx modes are JPEGs, which decode small) a big picture is a
    photo, not a "decompression bomb"; above it Image.DecompressionBombError still refuses."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as im:
            yield im


def _register_heif() -> None:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except Exception:  # pragma: no cover - optional codec
        pass


def _probe_av(path: Path, sniffed: Sniffed) -> MediaInfo:
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path.name}: cannot be opened as {sniffed.ext} ({exc})") from None
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if sniffed.kind == "video" and video is None:
            if audio is None:
                raise MediaError(f"{path.name}: holds no video or audio track")
            sniffed = Sniffed(kind="audio", ext=sniffed.ext)  # e.g. an .mp4 with only sound
        if sniffed.kind == "audio" and audio is None:
            raise MediaError(f"{path.name}: holds no audio track")
        stream = video if sniffed.kind == "video" else audio
        assert stream is not None
        first = _first_frame(container, stream, path)
        duration = _duration(container, stream)
        if duration is None or duration <= 0:
            raise MediaError(f"{path.name}: the {sniffed.kind} has zero length")
        if sniffed.kind == "audio":
            return MediaInfo(kind="audio", ext=sniffed.ext, duration=duration, has_audio=True)
        assert video is not None
        rate = video.average_rate or video.guessed_rate
        fps = float(rate) if rate else None
        # FFmpeg's display matrix angle is counter-clockwise; we report clockwise.
        rotation = round(-float(getattr(first, "rotation", 0) or 0)) % 360
        width, height = video.codec_context.width, video.codec_context.height
        if rotation in (90, 270):
            width, height = height, width
        return MediaInfo(
            kind="video",
            ext=sniffed.ext,
            width=width,
            height=height,
            duration=duration,
            fps=fps,
            has_audio=audio is not None,
            rotation=rotation,
        )


def _first_frame(container: InputContainer, stream: Stream, path: Path) -> object:
    """Decode one frame: the cheapest proof that the track is real and not damaged."""
    import av

    try:
        for frame in container.decode(stream):
            return frame
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"{path.name}: the file is damaged ({exc})") from None
    raise MediaError(f"{path.name}: holds no playable frames (zero length or damaged)")


def _duration(container: InputContainer, stream: Stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None

"""Stand-in files for a replay: a transcript names the person's files but never holds them.

A replay uploads a small valid file of the same kind (so the client's own checks pass),
padded to the recorded size (so progress and sizes read the same). With `--files DIR` the
real file is used when one with the recorded name and SHA-256 is there. The golden
recordings upload stand-ins themselves, so their replays send the very same bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from agent.transcripts.format import FileDigest, Transcript

_PATH_CHARS = r"[A-Za-z0-9_./~\\:+@%=,\-]*"


def _png(width: int, height: int, seed: int) -> bytes:
    """A flat-colour PNG written with zlib only: the same bytes on every machine, and only a
    few hundred bytes, so that it can be padded to the size of even a small recorded photo
    (a gradient compressed to ~17 KB and made a replayed 8 KB upload differ)."""
    colour = bytes(((seed * 53) % 256, (seed * 97 + 80) % 256, (seed * 31 + 160) % 256))
    rows = (b"\x00" + colour * width) * height
    data = zlib.compress(rows, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(int(seconds * rate) * 2))
    return buf.getvalue()


def _jpeg(width: int, height: int, seed: int) -> bytes:
    from PIL import Image  # only when a JPEG stand-in is needed

    img = Image.new("RGB", (width, height), ((seed * 53) % 256, 120, 200))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


_MAGIC: dict[str, bytes] = {
    "gif": b"GIF89a",
    "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ",
    "mp3": b"ID3\x03\x00\x00\x00\x00\x00\x00",
    "m4a": b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom",
}


def standin_bytes(
    name: str, size: int | None = None, *, width: int = 96, height: int = 64
) -> bytes:
    """A small valid file for `name`'s kind, padded with zeros to `size` if that is larger."""
    seed = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:6], 16)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "png":
        body = _png(width, height, seed)
    elif ext in ("jpg", "jpeg"):
        body = _jpeg(width, height, seed)
    elif ext == "wav":
        body = _wav()
    else:
        body = _MAGIC.get(ext, b"")
    if size is not None and size > len(body):
        body += bytes(size - len(body))
    return body


@dataclass
class FilePlan:
    """Recorded path text → the file a replay uses instead (and the reverse, for diffs)."""

    feed: dict[str, str] = field(default_factory=dict)  # recorded text → live path
    made: list[Path] = field(default_factory=list)
    cwd: Path | None = None  # relative paths are made here: run the replay in this folder

    def apply(self, text: str) -> str:
        for recorded in sorted(self.feed, key=len, reverse=True):
            text = text.replace(recorded, self.feed[recorded])
        return text

    def reverse(self) -> list[tuple[str, str]]:
        pairs = [(live, recorded) for recorded, live in self.feed.items()]
        return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


def uploaded_files(transcript: Transcript) -> list[FileDigest]:
    out: list[FileDigest] = []
    for line in transcript.lines:
        if line.kind == "http":
            for item in line.payload.get("files") or []:
                out.append(FileDigest.model_validate(item))
    return out


def _find_real(folder: Path | None, digest: FileDigest) -> Path | None:
    if folder is None:
        return None
    candidate = folder / digest.name
    try:
        if (
            candidate.is_file()
            and candidate.stat().st_size == digest.size
            and hashlib.sha256(candidate.read_bytes()).hexdigest() == digest.sha256
        ):
            return candidate
    except OSError:
        return None
    return None


def _safe_relative(text: str) -> PurePosixPath | None:
    """A relative path that stays inside its folder, or None (absolute, ~, or with ..)."""
    if text.startswith(("/", "~", "\\")) or ":" in text or "\\" in text:
        return None
    path = PurePosixPath(text)
    if any(part == ".." for part in path.parts):
        return None
    return path


def plan_files(transcript: Transcript, work: Path, files_dir: Path | None = None) -> FilePlan:
    """Make a file for every path a recorded message named that was then uploaded."""
    plan = FilePlan()
    digests = {d.name: d for d in uploaded_files(transcript)}
    texts = list(transcript.user_messages())
    for event in transcript.events():
        if event.kind == "routed":
            texts.extend(event.paths)
    for text in texts:
        for name, digest in digests.items():
            for match in re.finditer(_PATH_CHARS + re.escape(name), text):
                recorded = match.group(0)
                if recorded in plan.feed or "://" in recorded:
                    continue
                if recorded != name and not recorded.endswith(("/" + name, "\\" + name)):
                    continue
                relative = _safe_relative(recorded)
                if relative is not None:  # typed as recorded, found from the replay's folder
                    plan.cwd = work / "cwd"
                    target = plan.cwd / relative
                    if not target.exists():
                        real = _find_real(files_dir, digest)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(
                            real.read_bytes() if real else standin_bytes(name, digest.size)
                        )
                        plan.made.append(target)
                    continue
                real = _find_real(files_dir, digest)
                if real is None:
                    real = work / f"f{len(plan.feed)}" / name
                    real.parent.mkdir(parents=True, exist_ok=True)
                    real.write_bytes(standin_bytes(name, digest.size))
                    plan.made.append(real)
                plan.feed[recorded] = str(real)
    return plan

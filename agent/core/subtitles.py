"""Subtitle files: the timeline's titles and captions as SRT or WebVTT beside the video.

People upload a video to a platform or open it in an editor with its subtitles as a separate
file. Each text segment of the draft becomes one cue with its exact times. pysubs2 writes the
files (timestamps, numbering, the WebVTT header, order by start): we only make each segment's
text safe for the format. Written to a `.part` file, then renamed to a name no file has yet,
in the folder exports go to; a timeline without timed text writes nothing and says why.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from agent.api import Draft, DraftSegment
from agent.events import FileSaved, Notice

from .context import Context
from .export import _file_name

__all__ = ["Cue", "cues_of", "render", "subtitle_format", "write_subtitles"]

Format = Literal["srt", "vtt"]
MAX_CUES = 5000  # far beyond any timeline; a draft that claims more is not read further
MAX_CUE_CHARS = 1000  # one cue's text (a title, a caption) is shortened past this
_TEXT_KEYS = ("text", "content", "words", "caption", "subtitle", "title")  # the full words
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SSA_ESCAPE = re.compile(r"\\(?=[Nnh])")


@dataclass(frozen=True)
class Cue:
    start: int  # ms
    end: int  # ms
    text: str


@cache
def _format_words() -> dict[str, Format]:
    """Word (lower case) → format, from data/subtitle_words.json."""
    raw = resources.files("agent.core.data").joinpath("subtitle_words.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return {word.lower(): fmt for fmt, words in data["formats"].items() for word in words}


def subtitle_format(words: str, *, strict: bool = False) -> Format | None:
    """The format asked for: WebVTT when the words name it, else SRT.

    ``strict`` (the `/subtitles` argument): a word that names no format we write is None,
    so `/subtitles ass` gets an answer instead of an SRT file it did not ask for.
    """
    known = _format_words()
    tokens = re.findall(r"[a-z0-9]+", words.lower())
    for token in tokens:
        if token in known:
            return known[token]
    return None if strict and tokens else "srt"


def _full_text(seg: DraftSegment) -> str:
    """A text segment's whole words, line breaks kept (the typed name folds white space)."""
    try:
        raw = json.loads(seg.fingerprint)
    except ValueError:
        raw = None
    if isinstance(raw, dict):
        meta = raw.get("m")
        if isinstance(meta, dict):
            raw = {**meta, **raw}
        for key in _TEXT_KEYS:
            value = raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
    return seg.name


def _clean(text: str, fmt: Format) -> str:
    """Text a subtitle file can hold as written: no control characters, no blank line (it ends
    a cue), no "-->" (it starts one); WebVTT escapes &, < and > (its markup characters)."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " "))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line).replace("-->", "→")
    if len(text) > MAX_CUE_CHARS:
        text = text[: MAX_CUE_CHARS - 1] + "…"
    if fmt == "vtt":
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # a typed backslash-N stays text (pysubs2 would read \N, \n and \h as a break or a space)
    return _SSA_ESCAPE.sub(lambda _: "\\\u200b", text)


def cues_of(draft: Draft | Any, fmt: Format = "srt") -> tuple[list[Cue], int]:
    """(cues from the draft's text segments, how many text segments had no usable times)."""
    cues: list[Cue] = []
    untimed = 0
    typed = draft if isinstance(draft, Draft) else Draft.read(draft)
    for track in typed.tracks if typed is not None else ():
        if track.kind != "text":
            continue
        for seg in track.segments:
            if len(cues) >= MAX_CUES:
                break
            text = _clean(_full_text(seg), fmt)
            if not text:
                continue
            if seg.start is None or seg.end is None or seg.end <= seg.start:
                untimed += 1
                continue
            cues.append(Cue(max(0, seg.start), seg.end, text))
    cues.sort(key=lambda c: (c.start, c.end))
    return cues, untimed


def render(cues: list[Cue], fmt: Format) -> str:
    """The file's text (pysubs2 formats the times: SRT 00:00:01,500, WebVTT 00:00:01.500)."""
    import pysubs2  # imported when subtitles are asked for, not at start-up

    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=cue.start, end=cue.end, text=cue.text.replace("\n", r"\N")))
    # keep_ssa_tags: our text is plain words; "{…}" in a title is text, not an SSA override
    text: str = subs.to_string(fmt, keep_ssa_tags=True)
    return text


def _write_new(folder: Path, stem: str, suffix: str, data: bytes) -> Path:
    """Write `data` under a name no file has yet (stem.srt, stem-2.srt, …); never overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".{stem}{suffix}.part"
    part.write_bytes(data)
    try:
        for n in range(1, 1000):
            path = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
            try:
                os.link(part, path)  # fails if the name is taken: nothing is overwritten
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links (FAT, some network shares)
                if path.exists():
                    continue
                os.replace(part, path)
            return path
        raise FileExistsError(f"{stem}{suffix}: too many files of this name")
    finally:
        part.unlink(missing_ok=True)


async def write_subtitles(ctx: Context, words: str = "", *, strict: bool = False) -> bool:
    """Write the timeline's text as `<name>.srt` (or `.vtt`) where the video would be saved.

    ``words``: the message or the `/subtitles` argument (``strict``), read for the format.
    """
    fmt = subtitle_format(words, strict=strict)
    if fmt is None:
        asked = words.strip()[:24]
        ctx.error("subtitle_format", "subtitles.format", "subtitles.format.hint", fmt=asked)
        return False
    ctx.status("subtitles.reading")
    state = await ctx.client.state()
    draft = state.draft
    cues, untimed = cues_of(draft, fmt)
    ctx.clear_status()
    if not cues:
        if untimed:
            ctx.error("no_subtitles", "subtitles.untimed", "subtitles.none.hint")
        else:
            ctx.error("no_subtitles", "subtitles.none", "subtitles.none.hint")
        return False
    stem = _file_name(draft.title if draft is not None else None).removesuffix(".mp4")
    data = render(cues, fmt).encode("utf-8")
    path = await asyncio.to_thread(_write_new, ctx.settings.out_dir, stem, f".{fmt}", data)
    if untimed:
        ctx.emit(Notice(text=ctx.say_n("subtitles.skipped", untimed), level="warning"))
    ctx.emit(Notice(text=ctx.say_n("subtitles.done", len(cues), fmt=fmt.upper()), level="success"))
    ctx.emit(FileSaved(path=str(path.resolve()), size=len(data)))
    return True

"""Reading "add c.jpg to the end", "把新照片放在开头": which uploads go into the video, and where.

The most ordinary edit after making a video is adding the photo uploaded since. A clause asks
for it with an insert verb ("add", "put", 加, 放, 插入) and the media: a file name (any
image/video extension, `media_extensions`), "the new photo"/这张 (`new_media`), or "it"/它 with
a place. The place: between two neighbouring photos, after or before a photo (an ordinal or
the file name of a photo on the timeline), "as the second photo", the start, else the end.

A file name already on the timeline is a reorder ("put a.jpg first"), not an insert, unless
the verb adds ("add a.jpg again"): then `apply` says it is there, or adds a copy with "again".
Names are read against the session's uploads (`MEDIA_NAMES`, set by `parse`), so a name with
spaces or typed onto Chinese words without a space (把c.jpg) is still the upload's own name.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING

from backend.editor.extract_set import PHOTO_NAMES, Op, _matcher, has, normalize
from backend.editor.vocab import Grammar, Phrases, grammar

if TYPE_CHECKING:
    from backend.editor.extract import Clause

__all__ = ["MEDIA_NAMES", "file_names", "insert", "only_upload_words"]

# The names of the session's uploaded pictures and clips, for the message being read.
MEDIA_NAMES: ContextVar[tuple[str, ...]] = ContextVar("MEDIA_NAMES", default=())

Span = tuple[int, int, int]  # (start, end, photo number; -1 the last)


@lru_cache(maxsize=1)
def _name_re() -> re.Pattern[str]:
    exts = "|".join(sorted(grammar().media_extensions, key=len, reverse=True))
    stop = r"\s\"'“”‘’,，。;；:：!！?？()（）「」『』《》<>|/\\"
    return re.compile(rf"(?<![^{stop}])[^{stop}]{{1,200}}?\.(?:{exts})(?![a-z0-9])")


def file_names(text: str) -> list[tuple[int, int, str]]:
    """The picture/clip file names in a normalised clause: (start, end, name), in order.

    An upload's own name wins (it may hold spaces); a name typed onto Chinese words without
    a space loses the words in front (`name_lead`: 把c.jpg → c.jpg)."""
    found: list[tuple[int, int, str]] = []
    for name in sorted(set(MEDIA_NAMES.get()), key=len, reverse=True):
        for m in re.finditer(rf"(?<![a-z0-9_.\-]){re.escape(normalize(name))}(?![a-z0-9])", text):
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), name))
    for m in _name_re().finditer(text):
        if any(a < m.end() and m.start() < b for a, b, _ in found):
            continue
        start, word = m.start(), m.group()
        for lead in sorted(grammar().name_lead, key=len, reverse=True):
            if word.startswith(lead) and len(word) > len(lead) + 4:
                start, word = start + len(lead), word[len(lead):]
                break
        found.append((start, m.end(), word))
    return sorted(found)


def _blank(text: str, spans: list[tuple[int, int, str]]) -> str:
    for a, b, _ in spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _without(text: str, words: list[str]) -> str:
    return _matcher(tuple(sorted(words, key=len, reverse=True))).sub(" ", text)  # the longest first


def only_upload_words(piece: str) -> bool:
    """"upload c.jpg", "上传c.jpg", "here are the photos": the upload itself, nothing to edit."""
    g = grammar()
    t = normalize(piece)
    rest = _blank(t, file_names(t))
    if not has(rest, g.upload_said):
        return False
    return not _without(rest, g.upload_said + g.upload_glue + g.filler).strip(" .,，。!！~～")


def _word_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    return [m.span() for m in _matcher(tuple(sorted(words, key=len, reverse=True))).finditer(text)]


def _named_near(text: str, words: list[str], spans: list[Span], *, after: bool) -> list[int]:
    """Photos named just after one of `words` ("after the second one", "between 1 and 2",
    作为第二张), or just before it (第二张后面, 第一张和第二张之间)."""
    for start, end in _word_spans(text, words):
        if after:
            near = [n for a, _, n in spans if 0 <= a - end <= 25]
        else:
            near = [n for _, b, n in spans if 0 <= start - b <= 8]
        if near:
            return near
    return []


_BARE_PAIR = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:and|&|和|与|與|跟)\s*(\d{1,3})(?![\d.]|\s*(?:s\b|sec|秒))")


def _place(text: str, spans: list[Span], g: Grammar) -> dict[str, object] | None:
    """Where the new photos go: {"where": "end"|"start"|"after"|"before"|"between"|"as", "index": n}."""
    en = [(g.insert_between, "between"), (g.insert_after, "after"), (g.insert_before, "before")]
    for words, where in en:
        nums = (_named_near(text, [w for w in words if w.isascii()], spans, after=True)
                or _named_near(text, [w for w in words if not w.isascii()], spans, after=False))
        if where == "between" and len(nums) < 2 and has(text, words):
            pair = _BARE_PAIR.search(text)  # "between 1 and 2", 在1和2之间: bare photo numbers
            nums = [int(pair.group(1)), int(pair.group(2))] if pair else nums
        if where == "between" and len(nums) >= 2:
            return {"where": "between", "index": nums[0], "other": nums[1]}
        if nums and where != "between":
            return {"where": where, "index": nums[0]}
    if nums := _named_near(text, g.insert_as, spans, after=True):
        return {"where": "as", "index": nums[0]}
    if has(text, g.to_start):
        return {"where": "start"}
    if has(text, g.to_end):
        return {"where": "end"}
    return None


def _split_anchors(names: list[tuple[int, int, str]]) -> tuple[list[str], list[Span]]:
    """The media to add, and the photos on the timeline named as places ("after b.jpg").

    Names not on the timeline are media; when every name is on the timeline ("add a.jpg again
    after b.jpg") the first one is."""
    on_timeline = [normalize(n) for n in PHOTO_NAMES.get()]
    new = [x for x in names if normalize(x[2]) not in on_timeline]
    media = new or names[:1]
    anchors = [(a, b, on_timeline.index(normalize(n)) + 1) for a, b, n in names
               if (a, b, n) not in media and normalize(n) in on_timeline]
    return [n for _, _, n in media], anchors


def _only_place(rest: str, g: Grammar) -> bool:
    """"加到最后", "add to the end": an insert verb and a place, nothing else. Chinese leaves the
    object out once it is the topic ("上传c.jpg然后加到最后": the upload just named), so such a
    clause means the new upload; any other word ("add 2 seconds to the end") is another edit."""
    words = g.insert_verbs + g.insert_place_verbs + g.to_end + g.to_start + g.insert_glue + g.filler
    return not _without(rest, words).strip(" .,，。!！~～")


def insert(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    """The extractor (see `extract.EXTRACTORS`): an insert, or None when the clause is not one."""
    from backend.editor.extract import _ordinal_spans, _secs

    names = file_names(c.text)
    rest = _blank(c.text, names)
    adds = has(rest, g.insert_verbs)
    if not (adds or has(rest, g.insert_place_verbs)):
        return None
    transition = [w for w in p.transition_words if w not in g.insert_between]
    if has(rest, g.insert_blockers + p.replace + p.remove + p.title + p.caption + p.music + transition):
        return None
    media, anchors = _split_anchors(names)
    place = _place(rest, sorted(_ordinal_spans(rest, g) + anchors), g)
    again = has(rest, g.again)
    on_timeline = {normalize(n) for n in PHOTO_NAMES.get()}
    if media and not adds and not again and all(normalize(n) in on_timeline for n in media):
        return None  # "put a.jpg first": a photo on the timeline moved (`reorder`)
    if not media and not (has(rest, g.new_media) or (has(rest, g.new_media_pronoun) and place is not None)
                          or (place is not None and _only_place(rest, g))):
        return None
    args: dict[str, object] = {"names": media or None, **(place or {"where": "end"})}
    if not media:
        args["every"] = has(rest, g.plural_media)
    if again:
        args["again"] = True
    if secs := _secs(rest):  # "add c.jpg for 5 seconds"
        args["ms"] = int(secs[1] * 1000)
    return [Op("insert", args)]

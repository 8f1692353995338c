"""From a message to edit operations: split into instructions, each read by the extractors.

A message may hold one instruction or a pasted brief of fifty. It is cut into sentences at
line breaks, sentence ends and joining words ("then", "but", 然后; grammar files), and each
sentence at commas into pieces. Every piece goes through the extractor table
(`extract.EXTRACTORS`); a piece nothing understood on its own ("显示前3秒", "tone it down")
is read together with the piece before it. A sentence that still means nothing becomes an
`unknown` operation, so the reply can name it as not done. Quoted text is never cut.
"""

from __future__ import annotations

import re
from functools import lru_cache

from backend.editor.extract import extract
from backend.editor.extract_insert import MEDIA_NAMES, only_upload_words
from backend.editor.extract_set import (
    _QUOTED,
    PHOTO_NAMES,
    Op,
    Parsed,
    has,
    normalize,
    quoted_texts,
)
from backend.editor.vocab import grammar, phrases

__all__ = ["Op", "Parsed", "normalize", "parse", "split"]

MAX_INSTRUCTIONS = 200  # read before any work: past this, the reply says how many were left out
MAX_CHARS = 20_000  # a longer message is not read at all (checked before any work)
_COMMA = re.compile(r"[,，、]|(?<=\S)\s+-\s+")
_TIMING_ONLY = re.compile(r"(?:\bfirst|\blast|前|最后|最後|\bfrom\b|从|從|\bfor\b|\d)")


@lru_cache(maxsize=1)
def _sentence_re() -> re.Pattern[str]:
    g = grammar()
    joins = sorted(g.split_before, key=len, reverse=True)
    en = "|".join(re.escape(w) for w in joins if w.isascii())
    zh = "|".join(re.escape(w) for w in joins if not w.isascii())
    verbs = "|".join(re.escape(w) for w in g.and_verbs)
    return re.compile(rf"\n+|[。！？；;!?]+|\.(?=\s|$)|(?:^|\s*[,，]?\s+)(?:{en})\s+|[,，]?\s*(?:{zh})"
                      rf"|\s*[,，]?\s+and\s+(?=(?:{verbs})\b)"
                      r"|(?:^|\n)\s*(?:[-*•]|\d+[.)])\s+")


def _cut(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Cut at the pattern, never inside quoted text."""
    spans = [m.span() for m in _QUOTED.finditer(text)]
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() == m.end() or any(a <= m.start() < b for a, b in spans):
            continue
        asked = "?" if "?" in m.group() or "？" in m.group() else ""  # a question keeps its mark
        out.append(text[pos:m.start()] + asked)
        pos = m.end()
    out.append(text[pos:])
    return [s.strip() for s in out if s.strip(" \t\n,，.。")]


def split(raw: str) -> list[list[str]]:
    """Sentences, each a list of pieces."""
    return [_cut(s, _COMMA) for s in _cut(raw, _sentence_re())]


def _timing_only(piece: str) -> bool:
    """"显示前3秒", "for the first 3 seconds", "at the bottom": a detail of the piece before."""
    p = phrases()
    t = normalize(piece)
    targets = p.photo + p.title + p.caption + p.music + p.transition_words + p.per_item + p.total
    where = [w for ws in p.position.values() for w in ws]
    return not has(t, targets) and ((bool(_TIMING_ONLY.search(t)) and has(t, p.seconds)) or has(t, where))


def _filler(piece: str) -> bool:
    """"please", "thanks", 就好, "upload c.jpg" (the file came by upload): nothing to do or report."""
    g = grammar()
    t = normalize(piece).strip(" .!。！~～")
    return not t or t in g.filler or only_upload_words(t)


def _same_kinds(a: list[Op], b: list[Op]) -> bool:
    return bool(a) and [o.kind for o in a] == [o.kind for o in b]


def _sentence(pieces: list[str]) -> list[Op]:
    results: list[tuple[str, list[Op]]] = []
    carry = ""
    for piece in pieces:
        text = f"{carry}，{piece}" if carry else piece
        ops = [] if (results and _timing_only(piece)) else extract(text)
        if ops:
            results.append((text, ops))
            carry = ""
        elif _filler(piece):
            continue
        elif results and _same_kinds(merged := extract(joined := f"{results[-1][0]}，{piece}"),
                                     results[-1][1]):
            results[-1] = (joined, merged)  # a detail of the piece before: "…, tone it down"
        elif results:
            results.append((piece, []))  # said, not understood: named in the reply
        else:
            carry = text
    if carry and not _filler(carry):
        results.append((carry, []))
    out: list[Op] = []
    for text, ops in results:
        if not ops:
            out.append(Op("unknown", {}, text))
        for op in ops:
            op.source = text
            if not out or (out[-1].kind, out[-1].args) != (op.kind, op.args):  # said twice
                out.append(op)
    return out


def parse(raw: str, photos: tuple[str, ...] = (), media: tuple[str, ...] = ()) -> Parsed:
    """`photos`: the file names on the timeline, in order, so a photo can be named by them;
    `media`: the names of the uploaded pictures and clips ("add c.jpg to the end")."""
    if len(raw) > MAX_CHARS:
        return Parsed([], too_long=len(raw))
    quoted = quoted_texts(raw)
    ops: list[Op] = []
    sentences = split(raw)
    token, media_token = PHOTO_NAMES.set(photos), MEDIA_NAMES.set(media)
    try:
        for pieces in sentences[:MAX_INSTRUCTIONS]:
            ops.extend(_sentence(pieces))
    finally:
        PHOTO_NAMES.reset(token)
        MEDIA_NAMES.reset(media_token)
    left_out = max(0, len(sentences) - MAX_INSTRUCTIONS)
    if any(op.kind == "undo" for op in ops):
        return Parsed([Op("undo", {}, raw)], quoted=quoted)
    real = [op for op in ops if op.kind not in ("unknown", "help", "export")]
    if not real:
        kinds = {op.kind for op in ops}
        uploaded = not ops and any(only_upload_words(p) for pieces in sentences for p in pieces)
        return Parsed([], help="help" in kinds, export="export" in kinds and "help" not in kinds,
                      quoted=quoted, left_out=left_out, uploaded=uploaded)
    return Parsed(ops, quoted=quoted, left_out=left_out)  # "… then export": the turn says how, beside the edits

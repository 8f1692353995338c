"""From a message to edit operations, with the phrase tables. Deterministic, no model.

The parser looks for every kind of edit in one message ("animate my photos with a smooth
zoom, 3 seconds each, crossfade, 9:16, title “Summer”, upbeat music") and returns them in
the order they are applied. Quoted text (" " “ ” 「 」 『 』 ' ') is the text of a title or
caption (also 《 》 and full-width ＂ ＂); times and volumes come from numbers with units (3s, 3 秒, 三秒, 40%).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from backend.editor.vocab import Phrases, phrases

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|‘([^’]+)’|《([^》]+)》|＂([^＂]+)＂'
                     r'|(?:^|\s|(?<=[:：]))\'([^\']+)\'(?=$|[\s,.!?;:，。！？；：])')
_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(?:seconds?\b|secs?\b|s\b|秒钟|秒鐘|秒)"
_RANGE = re.compile(rf"(?:from\s*|从|從)?{_NUM}(?:{_UNIT})?\s*(?:to|-|–|~|到|至)\s*(?:第\s*)?{_NUM}{_UNIT}")
_FIRST = re.compile(rf"(?:\bfirst|\bopening|前)\s*{_NUM}{_UNIT}")
_LAST = re.compile(rf"(?:\blast|\bfinal|\bclosing|最后|最後)\s*{_NUM}{_UNIT}")
_FOR = re.compile(rf"(?:for|lasting|持续|持續|显示|顯示)\s*{_NUM}{_UNIT}")
_AT = re.compile(rf"(?:\bat\b|\bafter\b|在第|第|在)\s*{_NUM}{_UNIT}")
_SECONDS = re.compile(rf"{_NUM}{_UNIT}")
_EACH = re.compile(rf"{_NUM}{_UNIT}\s*(?:each|apiece|per (?:photo|image|picture|clip|slide)|for each|a photo|an image)"
                   rf"|(?:each|every) (?:photo|image|picture|clip|slide)s?(?: (?:for|lasts?|to be|is|at))?\s*{_NUM}{_UNIT}"
                   rf"|每[一1]?(?:张|張|个|個|段|幅)[^0-9]{{0,6}}{_NUM}{_UNIT}")
_TOTAL = re.compile(rf"{_NUM}{_UNIT}\s*(?:in total|total|long|overall|altogether|in all)"
                    rf"|(?:总共|總共|一共|总长|總長|总时长|總時長)[^0-9]{{0,6}}{_NUM}{_UNIT}")
_CLAUSE = re.compile(r"[,.;!?，。；！？、]")
_CLAUSE_END = re.compile(r"[,;!?，。；！？\n]|\.(?=\s|$)")
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|percent\b|per cent\b)|百分之\s*(\d{1,3})")
_INDEX = re.compile(r"(?:photo|image|picture|clip|slide)\s*#?\s*(\d+)(?![\d.])(?!\s*(?:s\b|sec|second|%))|第\s*(\d+)\s*(?:张|張|个|個|段|幅)")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"(?!(?<=最后)一)(?!(?<=最後)一)[零一二两兩三四五六七八九十]+(?=\s*(?:秒|张|張|个|個|段|幅|%|倍))|(?<=第|之)[零一二两兩三四五六七八九十]+")


def _cn_to_int(text: str) -> int:
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS.get(ch, 0)
        return value
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def normalize(text: str) -> str:
    """Lower case, full-width digits and colons folded, Chinese numerals as digits."""
    text = text.translate({0xFF1A: ":", **{0xFF10 + i: str(i) for i in range(10)}, 0xFF05: "%"})
    text = _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(0))), text.lower())
    for pattern, repl in _HALVES:
        text = pattern.sub(repl, text)
    return text


# half seconds and signs: 三秒半 → 3.5秒, 半秒 → 0.5秒, "5 and a half seconds", 负2秒 → -2秒
_HALVES = [(re.compile(r"(\d+)\s*秒半"), r"\1.5秒"), (re.compile(r"(?<![\d.])半秒"), "0.5秒"),
           (re.compile(r"(\d+) and a half\b"), r"\1.5"), (re.compile(r"\bhalf an? sec"), "0.5 sec"),
           (re.compile(r"[负負]\s*(?=\d)"), "-"),
           (re.compile(r"\b(?:an? (?:extra|additional)|one more|another) sec(ond)?\b"), "+1 second"),
           (re.compile(r"\b(?:a|one) sec(?:ond)? (?=off|less|shorter|longer|more)"), "1 second ")]


@lru_cache(maxsize=512)
def _matcher(words: tuple[str, ...]) -> re.Pattern[str]:
    """One regex per word list: English words match whole words, Chinese ones anywhere."""
    alts = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() and w[:1].isalnum()
            else re.escape(w) for w in words if w]
    return re.compile("|".join(alts) or r"(?!x)x")


def has(text: str, words: list[str]) -> bool:
    return _matcher(tuple(words)).search(text) is not None


def pick(text: str, table: dict[str, list[str]]) -> str | None:
    """The first key of `table` (in file order) with a word in the text."""
    return next((key for key, words in table.items() if has(text, words)), None)


@dataclass
class Op:
    kind: str  # animate motion duration aspect transition text music volume remove replace undo …
    args: dict[str, object] = field(default_factory=dict)
    source: str = ""  # the words of the instruction, to name it in the reply


@dataclass
class Parsed:
    ops: list[Op]
    help: bool = False
    export: bool = False
    quoted: list[str] = field(default_factory=list)
    left_out: int = 0  # instructions past MAX_INSTRUCTIONS, not read
    too_long: int = 0  # the message's length when it is past MAX_CHARS (nothing read)
    uploaded: bool = False  # only "upload c.jpg"/"here are the photos": say what can be done with them


def quoted_texts(raw: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None).strip() for m in _QUOTED.finditer(raw)]


# The photos on the timeline, by the words of their file names ("dog" for dog.jpg), for the
# message being read: set by `parse` so "the dog picture" is photo 2 (see `photo_names`).
PHOTO_NAMES: ContextVar[tuple[str, ...]] = ContextVar("PHOTO_NAMES", default=())


def named_photo(text: str) -> tuple[int, int] | None:
    """(photo number, where it is named) when the message names a photo by its file name."""
    for i, name in enumerate(PHOTO_NAMES.get(), 1):
        stem = re.sub(r"\.[a-z0-9]{2,5}$", "", name.lower())
        words = [w for w in re.split(r"[\s_\-.]+", stem) if len(w) >= 3 and not w.isdigit()]
        for w in [stem, *words]:
            m = re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w), text)
            if m:
                return i, m.start()
    return None


def _index(text: str, p: Phrases) -> int | None:
    m = _INDEX.search(text)
    if m:
        return int(m.group(1) or m.group(2))
    for key, words in p.ordinals.items():
        if has(text, words):
            return int(key)
    named = named_photo(text)
    return named[0] if named else None


def _timing(text: str) -> dict[str, object]:
    """When a title or caption shows: start/end in ms, or "start"/"end" of the video."""
    p = phrases()
    if m := _RANGE.search(text):
        return {"start": int(float(m.group(1)) * 1000), "end": int(float(m.group(2)) * 1000)}
    if m := _FIRST.search(text):  # "for the first 3 seconds": 0–3 s exactly
        return {"start": 0, "end": _ms(m)}
    if m := _LAST.search(text):
        return {"anchor": "end", "length": _ms(m)}
    args: dict[str, object] = {}
    if m := _AT.search(text):
        args["start"] = int(float(m.group(1)) * 1000)
    if m := _FOR.search(text):
        args["length"] = int(float(m.group(1)) * 1000)
    if "start" not in args:
        if has(text, p.at_end):
            args["anchor"] = "end"
        elif has(text, p.at_start):
            args["anchor"] = "start"
    return args


def _quote_unquoted(raw: str, p: Phrases) -> str:
    """Put quotes around a title or caption typed without them ("title: Summer", "标题：夏日",
    "a title called Summer at the top", "change the title to Road Trip"), so the rest of the
    parser reads it as if it had been quoted. Only after a lead (colon, "called", 叫…): a bare
    "add a title at the top" has no text."""
    leads = p.text_lead + (p.text_lead_replace if has(normalize(raw), p.replace) else [])
    m = _text_lead_re(tuple(p.text_lead_roles), tuple(leads)).search(raw)
    bare = m is None
    if m is None:
        # no lead, but the text plainly starts there: "add the title Summer Trip" (a capital
        # right after the role word), "加个标题 夏日之旅" (Chinese after a space)
        m = _bare_text_re(tuple(p.text_lead_roles)).search(raw)
    if m is None:
        return raw
    start = m.end()
    clause = _CLAUSE_END.search(raw, start)
    end = clause.start() if clause else len(raw)
    where = _place_re(tuple(p.text_place_lead),
                      tuple(w for ws in p.position.values() for w in ws) + tuple(p.at_start + p.at_end))
    if (place := where.search(raw, start, end)) is not None:
        end = place.start()
    text = raw[start:end].strip()
    if bare and text[:1].isascii():
        # without a lead the text ends at its last capitalised word or number: "Road Trip 2026
        # on it" is "Road Trip 2026", "Summer by the Sea" keeps its small words
        words = list(re.finditer(r"\S+", raw[start:end]))
        last = max((i for i, w in enumerate(words) if w.group()[:1].isupper() or w.group()[:1].isdigit()),
                   default=0)
        end = start + words[last].end()
        text = raw[start:end].strip()
    asked = normalize(raw[:m.start()] + raw[end:end + 1])  # "what is the title?", "标题是什么"
    if not text or has(asked, p.question) or normalize(text) in p.question or text[-1] in "吗嗎":
        return raw
    return f"{raw[:start]}“{text}”{raw[end:]}"


@lru_cache(maxsize=4)
def _text_lead_re(roles: tuple[str, ...], leads: tuple[str, ...]) -> re.Pattern[str]:
    role = "|".join(re.escape(w) for w in sorted(roles, key=len, reverse=True))
    lead = "|".join(rf"{re.escape(w)}(?![a-z])" if w[:1].isalpha() and w.isascii() else re.escape(w)
                    for w in sorted(leads, key=len, reverse=True))
    return re.compile(rf"(?i)(?<![a-z])(?:{role})s?\s*(?:{lead})\s*(?=\S)")


@lru_cache(maxsize=4)
def _bare_text_re(roles: tuple[str, ...]) -> re.Pattern[str]:
    role = "|".join(re.escape(w) for w in sorted(roles, key=len, reverse=True))
    return re.compile(rf"(?i:(?<![a-z])(?:{role})s?)\s+(?=[A-Z\u4e00-\u9fff])")


@lru_cache(maxsize=4)
def _place_re(leads: tuple[str, ...], words: tuple[str, ...]) -> re.Pattern[str]:
    """Where a title's text ends: a preposition and a place or time ("at the top", "在顶部", "from 2s")."""
    word = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    en = "|".join(re.escape(w) for w in sorted((w for w in leads if w.isascii()), key=len, reverse=True))
    zh = "|".join(re.escape(w) for w in sorted((w for w in leads if not w.isascii()), key=len, reverse=True))
    whole = "|".join(re.escape(w) for w in sorted((w for w in words if " " in w), key=len, reverse=True))
    return re.compile(rf"(?i)\s+(?:{en})\s+(?:{word}|\d)|\s+(?:{whole})\b|\s*(?:{zh})\s*(?:{word}|\d)")


@dataclass
class SetContext:
    """What the "set" extractors read from one clause, worked out once."""

    raw: str
    quoted: list[str]
    text: str
    p: Phrases
    removing: bool
    replacing: bool
    is_title: bool
    is_caption: bool
    is_music: bool
    index: int | None
    fade: dict[str, object] | None
    motion: str | None
    smooth: bool
    duration: dict[str, object] | None
    aspect: str | None
    transition: str | None
    texty: bool


def read_set(raw: str) -> SetContext:
    p = phrases()
    if not _QUOTED.search(raw):
        raw = _quote_unquoted(raw, p)
    quoted = quoted_texts(raw)
    text = normalize(_QUOTED.sub(" ", raw))  # keywords inside quotes are the user's words
    # "fade the music out" is a fade, not "music out" (taking the music out)
    fading = has(text, p.music) and has(text, p.fade_in + p.fade_out + p.fade_generic)
    removing = has(text, p.remove) and not fading
    # "改成"/"change the" is how people set anything ("把每张照片改成4秒", "change the second photo
    # to 6 seconds"): it replaces a photo or the music only when nothing else is being set
    replacing = has(text, p.replace) and not removing and not _sets_something(text, p)
    is_title = has(text, p.title)
    is_caption = not is_title and (has(text, p.caption) or (bool(quoted) and not has(text, p.music)))
    index = _index(text, p)
    fade, fade_secs = _music_fade(text, p) if fading else (None, None)
    motion = pick(text, p.motion)
    if motion is None and has(text, p.pan_generic):
        motion = "pan_right"
    if motion is None and has(text, p.zoom_generic):
        motion = "zoom_in"
    moving = [*(w for ws in p.motion.values() for w in ws), *p.pan_generic, *p.zoom_generic]
    if motion is not None and _negated(text, moving, [*p.negation, *p.motion_negation]):
        motion = "none"  # "don't zoom", "不要放大": a still photo
    texty = (is_title or is_caption) and bool(quoted)
    # seconds near a quoted title are that title's timing; a music fade's length is the fade's
    secs = next((m for m in _SECONDS.finditer(text) if fade_secs is None or m.span() != fade_secs.span()), None)
    duration: dict[str, object] | None = None
    if m := _EACH.search(text):
        duration = {"ms": _ms(m), "per": "item"}
    elif m := _TOTAL.search(text):
        duration = {"ms": _ms(m), "per": "total"}
    elif secs and not texty and not _RANGE.search(text):
        per = "item" if has(text, p.per_item) else "total" if has(text, p.total) else None
        duration = {"ms": _ms(secs), "per": per}
    if duration is not None and index is not None and not texty:
        duration["index"] = index
    transition = None
    if (has(text, p.transition_named) and fade is None) or has(text, p.transition_words):
        transition = pick(text, p.transition) or "crossfade"  # "加转场": the usual one
    return SetContext(raw, quoted, text, p, removing, replacing, is_title, is_caption,
                      has(text, p.music), index, fade, motion, has(text, p.smooth), duration,
                      pick(text, p.aspect), transition, texty)


def set_undo(c: SetContext) -> list[Op] | None:
    return [Op("undo")] if has(c.text, c.p.undo) else None


def set_remove(c: SetContext) -> list[Op] | None:
    if not c.removing or c.motion == "none":  # 第一张不要动: a still photo, not a removal
        return None
    p, text = c.p, c.text
    target = ("title" if c.is_title else "caption" if has(text, p.caption) else
              "music" if c.is_music else
              "transition" if has(text, p.transition_words) or pick(text, p.transition) else
              "motion" if has(text, p.motion_words) else
              "photo" if has(text, p.photo) or c.index is not None else None)
    if target is None:
        return None
    return [Op("remove", {"target": target, **({"index": c.index} if c.index is not None else {})})]


def set_replace(c: SetContext) -> list[Op] | None:
    p, text = c.p, c.text
    if not (c.replacing and not c.quoted and (c.is_music or has(text, p.photo) or c.index is not None)):
        return None
    args: dict[str, object] = {"target": "music" if c.is_music else "photo"}
    if c.index is not None:
        args["index"] = c.index
    style = pick(text, p.music_style)
    if c.is_music and (has(text, p.generated) or style):  # a style: make one
        args["generated"] = True
        args["style"] = style or "calm"
    return [Op("replace", args)]


def set_motion(c: SetContext) -> list[Op] | None:
    """Animate (build the clip) or set the motion of what is there."""
    p, text = c.p, c.text
    other = any([c.motion, c.duration, c.aspect, c.transition, c.is_music, c.texty])
    made = has(text, p.video_nouns) and has(text, p.make_verbs)  # "make a video", "做成影片"
    animate = has(text, p.animate) or made or (
        has(text, p.animate_weak) and not has(text, p.export) and (not other or has(text, p.photo)))
    if not other and has(text, p.motion_words + p.smooth):
        animate = True
    if animate:
        return [Op("animate", {"motion": c.motion, "smooth": c.smooth})]
    if c.motion or (c.smooth and not other):
        return [Op("motion", {"motion": c.motion or "ken_burns", "smooth": c.smooth,
                              **({"index": c.index} if c.index is not None else {})})]
    return None


def set_duration(c: SetContext) -> list[Op] | None:
    return [Op("duration", c.duration)] if c.duration else None


def set_aspect(c: SetContext) -> list[Op] | None:
    return [Op("aspect", {"aspect": c.aspect})] if c.aspect else None


def set_transition(c: SetContext) -> list[Op] | None:
    return [Op("transition", {"type": c.transition})] if c.transition else None


def set_text(c: SetContext) -> list[Op] | None:
    if not (c.quoted and (c.is_title or c.is_caption)):
        return None
    ops = []
    for op_args in _text_ops(c.raw, default_title=c.is_title):
        if c.replacing:
            op_args["replace"] = True
            if c.index is not None:
                op_args["index"] = c.index
        ops.append(Op("text", op_args))
    return ops


def set_music(c: SetContext) -> list[Op] | None:
    p, text = c.p, c.text
    if c.removing:
        return None
    if c.is_music and _negated(text, p.music, p.negation):
        return [Op("remove", {"target": "music"})]  # "no music", "不用音乐" (alone: see parse_set)
    if c.is_music:
        ops = []
        volume = _volume(text, p)
        wants_music = (has(text, ["add", "put", "use", "with", "加", "配", "用", "放"])
                       or has(text, p.generated) or pick(text, p.music_style) is not None
                       or (not volume and c.fade is None))
        level = volume.get("level") if wants_music else None
        if wants_music:
            # "use song.mp3 as background music at 50%": added at that volume, said once
            ops.append(Op("music", {"generated": has(text, p.generated),
                                    "style": pick(text, p.music_style),
                                    **({"volume": level} if level is not None else {})}))
        if volume and level is None:
            ops.append(Op("volume", {"target": "music", **volume}))
        if c.fade is not None:
            ops.append(Op("music_fade", c.fade))
        return ops
    if has(text, p.volume + p.mute) and (volume := _volume(text, p)):
        return [Op("volume", {"target": "music", **volume})]
    return None


# The "set" extractors in the order their operations apply. A terminal one ends the clause.
SET_EXTRACTORS: list[tuple[str, Callable[[SetContext], list[Op] | None], bool]] = [
    ("undo", set_undo, True),
    ("remove", set_remove, True),
    ("replace", set_replace, True),
    ("motion", set_motion, False),
    ("duration", set_duration, False),
    ("aspect", set_aspect, False),
    ("transition", set_transition, False),
    ("text", set_text, False),
    ("music", set_music, False),
]


def parse_set(raw: str) -> Parsed:
    """The operations that set something ("3 seconds each", "title “X”", "upbeat music")."""
    c = read_set(raw)
    ops: list[Op] = []
    for _name, extract, terminal in SET_EXTRACTORS:
        found = extract(c)
        if found is None:
            continue
        if terminal:
            return Parsed(found, quoted=c.quoted)
        if found and found[0].kind == "remove":  # "no music" beside other edits: add none
            if not ops:
                return Parsed(found, quoted=c.quoted)
            continue
        ops.extend(found)
    if not ops and has(c.text, c.p.help):
        return Parsed([], help=True, quoted=c.quoted)
    if not ops and has(c.text, c.p.export):
        return Parsed([], export=True, quoted=c.quoted)
    return Parsed(ops, quoted=c.quoted)


def _music_fade(text: str, p: Phrases) -> tuple[dict[str, object], re.Match[str] | None]:
    """{"fade_in": ms | None, "fade_out": ms | None} for a message that fades the music, and the
    seconds it took as the fade's length: only those said with the fade ("fade out over 3
    seconds", "3秒淡出", "淡出3秒"), never a duration elsewhere ("每张4秒，…音乐淡入淡出")."""
    fades_in = has(text, p.fade_in)
    fades_out = has(text, p.fade_out)
    if not (fades_in or fades_out):  # "fade the music in and out", "fade the music"
        fades_in = re.search(r"\bin\b", text) is not None
        fades_out = re.search(r"\bout\b", text) is not None or not fades_in
    words = [m.span() for m in _matcher(tuple(p.fade_in + p.fade_out + p.fade_generic)).finditer(text)]
    length = None
    for m in _SECONDS.finditer(text):
        if _EACH.match(text, m.start()) or _TOTAL.match(text, m.start()):
            continue
        for start, end in words:
            after = end <= m.start() and m.start() - end <= 30 and not _CLAUSE_END.search(text, end, m.start())
            before = m.end() <= start and start - m.end() <= 2  # 3秒淡出
            if after or before:
                length = m
                break
        if length is not None:
            break
    ms = _ms(length) if length is not None else None
    return ({"fade_in": (ms or 1500) if fades_in else None,
             "fade_out": (ms or 2000) if fades_out else None}, length)


def _negated(text: str, words: list[str], negation: list[str]) -> bool:
    """Is one of `words` just after a negation ("no music", "without any music", "不用音乐")?"""
    return any(has(text[max(0, m.start() - 24):m.start()], negation)
               for m in _matcher(tuple(words)).finditer(text))


def _sets_something(text: str, p: Phrases) -> bool:
    """Does the message set a duration, motion, aspect or transition (not a swap)?"""
    return bool(_SECONDS.search(text) or pick(text, p.motion) or pick(text, p.aspect)
                or has(text, p.transition_named) or has(text, p.transition_words)
                or has(text, p.pan_generic) or has(text, p.zoom_generic))


def _ms(m: re.Match[str]) -> int:
    return int(float(next(g for g in m.groups() if g is not None)) * 1000)


def _text_ops(raw: str, *, default_title: bool) -> list[dict[str, object]]:
    """One title/caption per quoted text; its role, timing and place from the words around it.

    The role word usually comes before the quote ("title "X"", "加标题「X」"); when and where
    usually after it ("… at the top from 2s to 5s", "…在顶部"), up to the next quote.
    """
    p = phrases()
    matches = list(_QUOTED.finditer(raw))
    out: list[dict[str, object]] = []
    has_title = False
    for i, m in enumerate(matches):
        start = matches[i - 1].end() if i else 0
        end = matches[i + 1].start() if i + 1 < len(matches) else len(raw)
        before = normalize(_CLAUSE.split(raw[start:m.start()])[-1])
        after = normalize(raw[m.end():end])
        if i + 1 < len(matches):  # the next quote's role word belongs to the next quote
            after = _CLAUSE.split(after)[0] if _CLAUSE.search(after) else after
        if has(before, p.title):
            role = "title"
        elif has(before, p.caption):
            role = "caption"
        else:
            role = "title" if default_title and not has_title else "caption"
        if role == "title" and has_title:
            role = "caption"  # one title; further quoted texts are captions
        has_title = has_title or role == "title"
        text = next(g for g in m.groups() if g is not None).strip()
        args: dict[str, object] = {"role": role, "text": text}
        timing = _timing(after) or _timing(before)
        args.update(timing)
        if (pos := pick(after, p.position) or pick(before, p.position)) is not None:
            args["pos"] = pos
        out.append(args)
    return out[:4]


def _volume(text: str, p: Phrases) -> dict[str, object]:
    if has(text, p.mute):
        return {"level": 0.0}
    if m := _PERCENT.search(text):
        return {"level": min(200, int(m.group(1) or m.group(2))) / 100}
    if has(text, p.louder):
        return {"delta": 0.2}
    if has(text, p.quieter):
        return {"delta": -0.2}
    return {}

"""From a message to edit operations, with the phrase tables. Deterministic, no model.

The parser looks for every kind of edit in one message ("animate my photos with a smooth
zoom, 3 seconds each, crossfade, 9:16, title “Summer”, upbeat music") and returns them in
the order they are applied. Quoted text (" " “ ” 「 」 『 』 ' ') is the text of a title or
caption (also 《 》 and full-width ＂ ＂); times and volumes come from numbers with units (3s, 3 秒, 三秒, 40%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from backend.editor.vocab import Phrases, phrases

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|‘([^’]+)’|《([^》]+)》|＂([^＂]+)＂'
                     r'|(?:^|\s|(?<=[:：]))\'([^\']+)\'(?=$|[\s,.!?;:，。！？；：])')
_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(?:seconds?\b|secs?\b|s\b|秒钟|秒鐘|秒)"
_RANGE = re.compile(rf"(?:from\s*|从|從)?{_NUM}(?:{_UNIT})?\s*(?:to|-|–|~|到|至)\s*{_NUM}{_UNIT}")
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
_CN_NUMBER = re.compile(r"[零一二两兩三四五六七八九十]+(?=\s*(?:秒|张|張|个|個|段|幅|%))|(?<=第|之)[零一二两兩三四五六七八九十]+")


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
    return _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(0))), text.lower())


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
    kind: str  # animate motion duration aspect transition text music volume remove replace undo
    args: dict[str, object] = field(default_factory=dict)


@dataclass
class Parsed:
    ops: list[Op]
    help: bool = False
    export: bool = False
    quoted: list[str] = field(default_factory=list)


def quoted_texts(raw: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None).strip() for m in _QUOTED.finditer(raw)]


def _index(text: str, p: Phrases) -> int | None:
    m = _INDEX.search(text)
    if m:
        return int(m.group(1) or m.group(2))
    for key, words in p.ordinals.items():
        if has(text, words):
            return int(key)
    return None


def _timing(text: str) -> dict[str, object]:
    """When a title or caption shows: start/end in ms, or "start"/"end" of the video."""
    p = phrases()
    if m := _RANGE.search(text):
        return {"start": int(float(m.group(1)) * 1000), "end": int(float(m.group(2)) * 1000)}
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


def parse(raw: str) -> Parsed:
    p = phrases()
    if not _QUOTED.search(raw):
        raw = _quote_unquoted(raw, p)
    quoted = quoted_texts(raw)
    text = normalize(_QUOTED.sub(" ", raw))  # keywords inside quotes are the user's words
    ops: list[Op] = []
    if has(text, p.undo):
        return Parsed([Op("undo")], quoted=quoted)
    # "fade the music out" is a fade, not "music out" (taking the music out)
    fading = has(text, p.music) and has(text, p.fade_in + p.fade_out + p.fade_generic)
    removing = has(text, p.remove) and not fading
    # "改成"/"change the" is how people set anything ("把每张照片改成4秒", "change the second photo
    # to 6 seconds"): it replaces a photo or the music only when nothing else is being set
    replacing = has(text, p.replace) and not removing and not _sets_something(text, p)
    is_title = has(text, p.title)
    is_caption = not is_title and (has(text, p.caption) or (bool(quoted) and not has(text, p.music)))
    is_music = has(text, p.music)
    index = _index(text, p)
    fade, fade_secs = _music_fade(text, p) if fading else (None, None)

    if removing:
        target = ("title" if is_title else "caption" if has(text, p.caption) else
                  "music" if is_music else
                  "transition" if has(text, p.transition_words) or pick(text, p.transition) else
                  "motion" if has(text, p.motion_words) else
                  "photo" if has(text, p.photo) or index is not None else None)
        if target is not None:
            args: dict[str, object] = {"target": target}
            if index is not None:
                args["index"] = index
            return Parsed([Op("remove", args)], quoted=quoted)

    if replacing and not quoted and (is_music or has(text, p.photo) or index is not None):
        target = "music" if is_music else "photo"
        args = {"target": target}
        if index is not None:
            args["index"] = index
        style = pick(text, p.music_style)
        if target == "music" and (has(text, p.generated) or style):  # a style: make one
            args["generated"] = True
            args["style"] = style or "calm"
        return Parsed([Op("replace", args)], quoted=quoted)

    # motion
    motion = pick(text, p.motion)
    if motion is None and has(text, p.pan_generic):
        motion = "pan_right"
    if motion is None and has(text, p.zoom_generic):
        motion = "zoom_in"
    smooth = has(text, p.smooth)
    # duration (seconds near a quoted title are that title's timing, not the video's)
    duration: dict[str, object] | None = None
    texty = (is_title or is_caption) and bool(quoted)
    # the seconds that are a music fade's length are not the video's
    secs = next((m for m in _SECONDS.finditer(text) if fade_secs is None or m.span() != fade_secs.span()), None)
    if m := _EACH.search(text):
        duration = {"ms": _ms(m), "per": "item"}
    elif m := _TOTAL.search(text):
        duration = {"ms": _ms(m), "per": "total"}
    elif secs and not texty and not _RANGE.search(text):
        per = "item" if has(text, p.per_item) else "total" if has(text, p.total) else None
        duration = {"ms": _ms(secs), "per": per}
    if duration is not None and index is not None and not texty:
        duration["index"] = index
    aspect = pick(text, p.aspect)
    transition = None
    if (has(text, p.transition_named) and fade is None) or has(text, p.transition_words):
        transition = pick(text, p.transition) or "crossfade"  # "加转场": the usual one
    other = any([motion, duration, aspect, transition, is_music, texty])
    animate = has(text, p.animate) or (has(text, p.animate_weak) and not has(text, p.export)
                                       and (not other or has(text, p.photo)))
    if not other and has(text, p.motion_words + p.smooth):
        animate = True

    if animate:
        ops.append(Op("animate", {"motion": motion, "smooth": smooth}))
    elif motion or (smooth and not other):
        ops.append(Op("motion", {"motion": motion or "ken_burns", "smooth": smooth,
                                 **({"index": index} if index is not None else {})}))
    if duration:
        ops.append(Op("duration", duration))
    if aspect:
        ops.append(Op("aspect", {"aspect": aspect}))
    if transition:
        ops.append(Op("transition", {"type": transition}))
    if quoted and (is_title or is_caption):
        for op_args in _text_ops(raw, default_title=is_title):
            if replacing:
                op_args["replace"] = True
                if index is not None:
                    op_args["index"] = index
            ops.append(Op("text", op_args))
    if is_music and not removing and _negated(text, p.music, p.negation):
        if not ops:  # "no music", "不用音乐": take it away; beside other edits: just add none
            return Parsed([Op("remove", {"target": "music"})], quoted=quoted)
    elif is_music and not removing:
        volume = _volume(text, p)
        wants_music = (has(text, ["add", "put", "use", "with", "加", "配", "用", "放"])
                       or has(text, p.generated) or pick(text, p.music_style) is not None
                       or (not volume and fade is None))
        level = volume.get("level") if wants_music else None
        if wants_music:
            # "use song.mp3 as background music at 50%": added at that volume, said once
            ops.append(Op("music", {"generated": has(text, p.generated),
                                    "style": pick(text, p.music_style),
                                    **({"volume": level} if level is not None else {})}))
        if volume and level is None:
            ops.append(Op("volume", {"target": "music", **volume}))
        if fade is not None:
            ops.append(Op("music_fade", fade))
    elif has(text, p.volume + p.mute):
        volume = _volume(text, p)
        if volume:
            ops.append(Op("volume", {"target": "music", **volume}))
    if not ops and has(text, p.help):
        return Parsed([], help=True, quoted=quoted)
    if not ops and has(text, p.export):
        return Parsed([], export=True, quoted=quoted)
    return Parsed(ops, quoted=quoted)


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

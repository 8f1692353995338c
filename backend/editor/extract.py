"""Per-operation extractors: one clause in, the operations it asks for (or None: not mine).

`EXTRACTORS` is the table `parse` runs on every clause, in order; the first extractor that
answers owns the clause. The ones here read what the "set" vocabulary cannot: questions
(answered, never executed), negations ("don't change the music": nothing is done), adding an
uploaded photo to the video (`extract_insert`), reordering,
per-photo transitions and their length, relative durations and pace ("longer", 放久一点, "+2 s"),
motion strength ("less zoom"), framing ("keep the dog in frame", 聚焦在左边) and moving or
retiming a title without retyping it. Anything else goes to the "set" extractors
(`extract_set.parse_set`). The vocabulary is data: grammar_en.json / grammar_zh.json.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from backend.editor.extract_insert import file_names, insert
from backend.editor.extract_set import (
    _QUOTED,
    PHOTO_NAMES,
    Op,
    _index,
    _quote_unquoted,
    _timing,
    has,
    named_photo,
    normalize,
    parse_set,
    pick,
)
from backend.editor.vocab import Grammar, Phrases, grammar, phrases

_SIGNED = re.compile(r"(?<![\d.])([+-]?)\s*(\d+(?:\.\d+)?)\s*(?:(?:more|extra|additional|fewer|less)\s+)?"
                     r"(?:seconds?\b|secs?\b|s\b|秒钟|秒鐘|秒)")
_PHOTO_NUM = re.compile(r"(?:photos?|images?|pictures?|pics?|clips?|slides?)\s*#?\s*(\d+)(?:\s*(?:and|&|,)\s*#?(\d+))?"
                        r"|#(\d+)|第\s*(\d+)\s*(?:张|張|个|個|幅|段)?")


@dataclass
class Clause:
    raw: str  # as typed, quotes and all
    text: str  # normalised, quoted text blanked out
    quoted: bool


def clause(raw: str) -> Clause:
    return Clause(raw, normalize(_QUOTED.sub(" ", raw)), bool(_QUOTED.search(raw)))


def _secs(text: str) -> tuple[str, float] | None:
    m = _SIGNED.search(text)
    return (m.group(1), float(m.group(2))) if m else None


def _ordinal_spans(text: str, g: Grammar) -> list[tuple[int, int, int]]:
    """Every photo a clause names, in the order it names them ("the first and second", "2 and 3"):
    (start, end, number); -1 is the last photo."""
    found: list[tuple[int, int, int]] = []
    for m in _PHOTO_NUM.finditer(text):
        for i, n in enumerate(x for x in m.groups() if x):
            found.append((m.start() + i, m.end(), int(n)))
    for key, words in g.ordinal_words.items():
        for w in words:
            for m in re.finditer(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w), text):
                if re.search(r"\d\s*$", text[:m.start()]):  # "1 second": a unit, not an ordinal
                    continue
                if not any(a <= m.start() < b for a, b, _ in found):
                    found.append((m.start(), m.end(), int(key)))
    if has(text, g.pair):
        at = max(0, text.find("first"))
        found.append((at, at, 2))
    return sorted(found)


def _ordinals(text: str, g: Grammar) -> list[int]:
    return [n for _, _, n in _ordinal_spans(text, g)]


# -- questions, negations --------------------------------------------------------------------------
def ask(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text.strip()
    words = t.split()
    first = words[0] if words else ""
    commanding = has(t, g.polite_request) or (first in g.imperative) or any(t.startswith(w) for w in g.imperative
                                                                          if not w.isascii())
    asks = has(t, g.question_words) and not (commanding and not has(t, g.topics["length"] + g.topics["count"]))
    asks = asks or (t[-1:] in ("?", "？") and not commanding)
    asks = asks or (first in g.question_start and not has(t, g.polite_request))
    asks = asks or (any(t.rstrip("？?。 ").endswith(w) for w in g.question_end)
                    and not has(t, g.polite_request))
    if not asks or has(t, p.help) or (c.quoted and not has(t, g.question_words)):
        return None
    return [Op("ask", {"topic": pick(t, g.topics)})]


def keep(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    """"Don't change the music", 先别动音乐, "leave the transitions as they are": nothing to do."""
    t = c.text
    target = pick(t, {k: v for k, v in g.topics.items() if k not in ("length", "count", "summary")})
    said = _negated_verb(t, g)
    as_is = has(t, g.keep_lead) and has(t, g.keep_as_is)
    if not (said or as_is or has(t, [w for w in g.keep_as_is if not w.isascii()])):
        return None
    if said and not as_is and target in (None, "motion") and re.search(r"[动動]", said.group()) \
            and not has(t, g.topics["order"]):
        return None  # 第一张不要动: the photo stays still (a motion), not "leave it"
    if target is None and has(t, p.photo):
        target = "order" if has(t, g.topics["order"]) else "photo"
    return [Op("keep", {"what": target or "it"})]


@lru_cache(maxsize=1)
def _negation_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    g = grammar()
    neg_en = "|".join(re.escape(w) for w in g.negation if w.isascii())
    verb_en = "|".join(re.escape(w) for w in g.keep_verbs if w.isascii())
    neg_zh = "|".join(re.escape(w) for w in g.negation if not w.isascii())
    verb_zh = "|".join(re.escape(w) for w in g.keep_verbs if not w.isascii())
    return (re.compile(rf"(?<![a-z])(?:{neg_en})(?![a-z'])(?:\s+[a-z']+){{0,2}}?\s+(?:{verb_en})(?![a-z])"),
            re.compile(rf"(?:{neg_zh}).{{0,3}}?(?:{verb_zh})"))


def _negated_verb(t: str, g: Grammar) -> re.Match[str] | None:
    """A negation before a verb of change: "don't (ever) change", "no need to touch", 先别动, 不用换."""
    en, zh = _negation_patterns()
    return en.search(t) or zh.search(t)


# -- order -----------------------------------------------------------------------------------------
def _timeline_files(text: str) -> list[tuple[int, int, int]]:
    """Photos on the timeline named by their whole file name: (start, end, photo number)."""
    on_timeline = [normalize(n) for n in PHOTO_NAMES.get()]
    return [(a, b, on_timeline.index(normalize(name)) + 1) for a, b, name in file_names(text)
            if normalize(name) in on_timeline]


def reorder(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text
    if has(t, p.music) or has(t, p.title + p.caption):
        return None
    spans = _ordinal_spans(t, g)
    files = _timeline_files(t)  # "swap a.jpg and b.jpg", "put c.jpg first"
    spans = sorted([*[x for x in spans if not any(a <= x[0] < b for a, b, _ in files)], *files])
    named = named_photo(t)  # "the sunset one": a photo named by its file name
    if not files and named is not None and all(named[1] != a for a, _, _ in spans):
        spans = sorted([*spans, (named[1], named[1] + 1, named[0])])
    nums = [n for _, _, n in spans]
    if has(t, g.reverse) and (has(t, p.photo + g.topics["order"]) or len(t) < 24):
        return [Op("reorder", {"reverse": True})]
    if has(t, g.start_with) and nums:
        return [Op("reorder", {"move": nums[0], "to": 1})]
    if has(t, g.swap):
        return [Op("reorder", {"swap": [nums[0], nums[1]]})] if len(nums) >= 2 else None
    if not has(t, g.move) or not nums:
        return None
    src, after = spans[0][2], t[spans[0][1]:]  # where it goes is said after which one
    if len(spans) >= 2 and spans[1][2] != src:
        dest = spans[1][2]
    elif has(after, g.to_end):
        dest = -1
    elif has(after, g.to_start):
        dest = 1
    else:
        return None
    if not files and not has(t, [*p.photo, "one", "张", "張", "个", "個"]) and not _PHOTO_NUM.search(t):
        return None
    return [Op("reorder", {"move": src, "to": dest})]  # the same place: apply says it is there


# -- transitions -----------------------------------------------------------------------------------
def transition(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text
    if not has(t, g.transition_nouns + g.fade_black) or has(t, p.music) or c.quoted:
        return None
    if has(t, p.remove) and not has(t, p.transition_named) and not has(t, g.fade_black):
        return None  # "remove the transitions": the set extractors take it out
    args: dict[str, object] = {}
    wanted = re.split(r"\binstead of\b|\brather than\b|而不是|而不要", t)[0]  # "cuts instead of crossfades"
    kind = "fade" if has(wanted, g.fade_black) else pick(wanted, p.transition)
    if kind:
        args["type"] = kind
    if secs := _secs(t):
        args["ms"] = int(secs[1] * 1000)
    elif has(t, g.longer):
        args["factor"] = 2.0
    elif has(t, g.shorter):
        args["factor"] = 0.5
    nums = _ordinals(t, g)
    if nums:
        args["index"] = max(nums) if -1 not in nums else -1
    if not args or set(args) == {"index"}:
        args["type"] = "crossfade"
    return [Op("transition", args)]


# -- durations and pace ----------------------------------------------------------------------------
def pace(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text
    if c.quoted or has(t, g.pace_blockers):
        return None
    index = _index(t, p)
    secs = _secs(t)
    if secs is not None:
        sign, n = secs
        ms = int(n * 1000)
        if sign == "-" and has(t, g.abs_set):
            return [Op("duration", {"ms": -ms, "per": "item", **({"index": index} if index else {})})]
        up = sign == "+" or (has(t, g.more_secs) and not has(t, g.abs_set))
        down = sign == "-" or (has(t, g.fewer_secs) and not has(t, g.abs_set))
        if not (up or down):
            return None
        return [Op("nudge", {"delta": ms if up else -ms, **({"index": index} if index else {})})]
    longer, shorter = has(t, g.longer), has(t, g.shorter)
    if longer == shorter:
        return None
    if index:  # one photo: a second more or less; the whole video: a quarter slower or faster
        return [Op("nudge", {"delta": 1000 if longer else -1000, "index": index})]
    return [Op("nudge", {"factor": 1.25 if longer else 0.8})]


# -- motion strength, framing ----------------------------------------------------------------------
def amount(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text
    if not has(t, g.motion_nouns) or c.quoted or _secs(t) or has(t, p.music + p.volume):
        return None
    less, more = has(t, g.less), has(t, g.more)
    if less == more:
        return None
    index = _index(t, p)
    return [Op("amount", {"factor": 0.5 if less else 1.5, **({"index": index} if index else {})})]


def focus(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text
    if not has(t, g.focus) or c.quoted:
        return None
    where = pick(t, g.focus_dir) or "auto"
    index = _index(t, p)
    return [Op("focus", {"focus": where, **({"index": index} if index else {})})]


# -- titles and captions moved or retimed, not retyped ---------------------------------------------
def text_place(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    t = c.text
    role = "title" if has(t, p.title) else "caption" if has(t, p.caption) else None
    if role is None or c.quoted or has(t, p.remove) or _QUOTED.search(_quote_unquoted(c.raw, p)):
        return None
    pos = pick(t, p.position)
    timing: dict[str, object] = _timing(t)
    if not timing and has(t, g.longer) != has(t, g.shorter):  # "show the title longer"
        timing = {"stretch": 1000 if has(t, g.longer) else -1000}
    if pos is None and not timing:
        return None
    args: dict[str, object] = {"role": role, **timing}
    if pos is not None:
        args["pos"] = pos
    return [Op("text_place", args)]


def empty_text(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    if not any(q in c.raw for q in g.empty_quotes):
        return None
    role = "caption" if has(c.text, p.caption) and not has(c.text, p.title) else "title"
    return [Op("text", {"role": role, "text": ""})]


def which(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    """"那张停5秒", "make that one longer": a photo nobody can tell; ask, change nothing."""
    t = c.text
    if not has(t, g.deictic) or _ordinals(t, g) or _index(t, p) is not None or c.quoted:
        return None
    return [Op("which_photo")] if has(t, p.seconds + g.longer + g.shorter) or _secs(t) else None


def set_ops(c: Clause, g: Grammar, p: Phrases) -> list[Op] | None:
    parsed = parse_set(c.raw)
    if parsed.help:
        return [Op("help")]
    if parsed.export:
        return [Op("export")]
    return parsed.ops or None


Extractor = Callable[[Clause, Grammar, Phrases], "list[Op] | None"]

# In order: the first extractor that answers owns the clause.
EXTRACTORS: list[tuple[str, Extractor]] = [
    ("empty_text", empty_text),
    ("ask", ask),
    ("keep", keep),
    ("focus", focus),
    ("which", which),
    ("insert", insert),
    ("reorder", reorder),
    ("transition", transition),
    ("amount", amount),
    ("pace", pace),
    ("text_place", text_place),
    ("set", set_ops),
]


def extract(raw: str) -> list[Op]:
    """The operations of one clause; [] when no extractor understood it."""
    c = clause(raw)
    g, p = grammar(), phrases()
    if has(c.text, p.undo):
        return [Op("undo")]
    for _name, fn in EXTRACTORS:
        found = fn(c, g, p)
        if found is not None:
            return found
    return []

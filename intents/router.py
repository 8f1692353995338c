"""The routing rules (design: one scan, clause by clause, ``sse`` whenever unsure).

1. Media paths/URLs are found on the raw text (``intents.paths``): any path makes the message
   an upload; the rest of the text becomes ``remainder``.
2. The text is folded (NFKC, casefold, Traditional→Simplified) and quoted spans are masked.
3. One regex scan yields phrases (longest first, so 微积分 hides 积分 and 推导出 hides 导出),
   unknown words and separators; separators cut clauses.
4. A clause fires a local route only when everything else in it is filler or an object that
   route accepts. Negation or a how-to question blocks the clause; two routes at once, or any
   other request in the message (edit-then-export), send it to the backend. A negated clause
   before the one that fires is ignored only when it is a bare "no"/"wait" or the firing
   clause says "just"/直接 ("don't add music, just export").
5. Typos (short messages only) and IME homophone slips (short commands only) are the last
   resort before ``sse``.
"""

from __future__ import annotations

import re
import unicodedata

from intents.decision import Decision
from intents.lexicon import Lexicon, Phrase, lexicon
from intents.normalize import mask_quotes
from intents.paths import Found, find_paths, upload_command
from intents.typos import closest_keyword

_CREDIT_STATE = frozenset(("credits", "state"))
_SHORT_WORDS = 4  # typo matching only for messages of at most this many words
_SHORT_CHARS = 12  # IME slips only for messages of at most this many characters
_UNKNOWN = Phrase("")  # an unknown word or character: meaningful content
_STRETCH = r"(.)\1{2,}"  # letters held down: "expoooort"

Clause = list[tuple[Phrase, str]]  # the phrases of one clause with their surface text


def _tokens(lex: Lexicon, folded: str) -> list[Clause]:
    """Clauses of (phrase, surface text)."""
    phrases = lex.phrases
    unknown = _UNKNOWN
    clauses: list[Clause] = []
    items: Clause = []
    for en, zh, sep, word, quote, char in lex.pattern.findall(folded):
        if sep:
            if items:
                clauses.append(items)
                items = []
            continue
        phrase = en or zh
        if phrase:
            ph = phrases[phrase]
            if ph.sep and not (ph.keys or ph.objs):
                if items:
                    clauses.append(items)
                    items = []
                continue
            items.append((ph, phrase))
        else:
            items.append((unknown, word or quote or char))
    if items:
        clauses.append(items)
    return clauses


def _allowed(ph: Phrase, route: str, request: bool, short: bool) -> bool:
    """Whether a phrase may stand beside ``route``'s keyword without asking for something else."""
    if route in ph.keys or route in ph.objs or route in ph.heads or route in ph.tails:
        return True
    if short and route in ph.slips:
        return True
    if ph.filler or ph.request or ph.just:
        return True
    if ph.query and route in _CREDIT_STATE:
        return True
    return ph.ask and (request or route in _CREDIT_STATE)


class Verdict:
    """What one clause amounts to."""

    __slots__ = ("detail", "just", "kind", "route", "rule")

    def __init__(self, kind: str, route: str = "", rule: str = "", detail: str = "") -> None:
        self.kind, self.route, self.rule, self.detail = kind, route, rule, detail
        self.just = False


def _judge(items: Clause, short: bool) -> Verdict:
    neg: list[str] = []
    bare_neg: list[str] = []
    howto: list[str] = []
    asks: list[str] = []
    substantive: list[str] = []
    acks: list[str] = []  # "thanks", "looks great": fine on their own, not beside a command
    cands: dict[str, str] = {}
    heads: set[str] = set()
    tails: set[str] = set()
    request = just = False
    for ph, s in items:  # one pass: this loop is the router's hot path
        if ph.plain:  # filler, request, "just", query: nothing else to look at
            if ph.request:
                request = True
            if ph.just:
                just = True
            continue
        if ph.keys:
            for r in ph.keys:
                cands.setdefault(r, "keyword")
        if short and ph.slips:
            for r in ph.slips:
                cands.setdefault(r, "ime-slip")
        if ph.heads:
            heads.update(ph.heads)
        if ph.tails:
            tails.update(ph.tails)
        if ph.neg:
            neg.append(s)
        elif ph.neg_bare:
            bare_neg.append(s)
        elif ph.filler or ph.request or ph.just or ph.query:
            request = request or ph.request
            just = just or ph.just
        elif ph.ack:
            acks.append(s)
        else:
            substantive.append(s)
        if ph.howto:
            howto.append(s)
        if ph.ask:
            asks.append(s)
    if heads and tails:
        for r in heads & tails:
            cands.setdefault(r, "split-verb")
    if not cands:
        if (neg or bare_neg) and not substantive:
            return Verdict("negonly", detail=", ".join(neg + bare_neg))
        if neg:
            return Verdict("negated", detail=f"{neg[0]} {' '.join(substantive)}")
        if not substantive:
            return Verdict("empty")
        return Verdict("content", detail=" ".join(substantive))
    keys = "/".join(sorted(cands))
    if neg or (bare_neg and not substantive):
        return Verdict("negated", rule="negation", detail=f"{keys} blocked by {(neg or bare_neg)[0]!r}")
    if howto:
        return Verdict("blocked", rule="how-to", detail=f"{keys} inside a question ({howto[0]!r})")
    fits = [r for r in cands if all(_allowed(ph, r, request, short) for ph, _ in items)]
    if len(fits) == 1:
        r = fits[0]
        matched = [s for ph, s in items if r in ph.keys or r in ph.slips or r in ph.heads or r in ph.tails]
        v = Verdict("local", r, cands[r], " ".join(matched))
        v.just = just
        return v
    if len(fits) > 1:
        return Verdict("blocked", rule="conflict", detail=f"clause asks for {' and '.join(sorted(fits))}")
    if asks and not request and not (set(cands) & _CREDIT_STATE):
        return Verdict("blocked", rule="question", detail=f"{keys} asked about ({asks[0]!r})")
    r = sorted(cands)[0]
    extra = [s for ph, s in items if not _allowed(ph, r, request, short)]
    blockers = [s for ph, s in items if ph.blocker]
    if blockers:
        return Verdict("blocked", rule="longer-word", detail=f"{blockers[0]!r} is not a command")
    return Verdict("blocked", rule="extra-words", detail=f"{keys} with {' '.join(extra)!r}")


def _sse(rule: str, why: str, confidence: float = 0.9) -> Decision:
    return Decision("sse", confidence, f"sse ({rule}): {why}", [], "", False, rule)


def _local(route: str, rule: str, why: str, confidence: float) -> Decision:
    return Decision(route, confidence, f"{route} ({rule}): {why}", [], "", True, rule)


def _video_and_subtitles(clauses: list[Clause], short: bool) -> Decision | None:
    """"export the video and subtitles" / "导出视频和字幕": both, when nothing else is asked.

    The message needs an export keyword, a subtitles word and the video itself: an object only
    a video is (video, mp4, 1080p, 视频) or an export keyword that names it ("send me the
    video", 导出视频); every other word must suit one of the two routes (so a negation, a
    question or an edit sends it to the backend as before). "export subtitles" alone is not
    this: its verb heads the subtitles route and nothing names a video.
    """
    items = [item for clause in clauses for item in clause]
    verb = tail = video = request = False
    for ph, _ in items:
        if "export" in ph.keys:
            verb = True
            video = video or "subtitles" not in ph.heads
        tail = tail or "subtitles" in ph.tails or "subtitles" in ph.keys
        video = video or ("export" in ph.objs and "subtitles" not in ph.objs)
        request = request or ph.request
    if not (verb and tail and video):
        return None
    for ph, _ in items:
        if ph.neg or ph.neg_bare or ph.howto:
            return None
        if not (_allowed(ph, "export", request, short) or _allowed(ph, "subtitles", request, short)):
            return None
    why = "an export verb with both a video and a subtitles word: export, then write subtitles"
    return Decision("export", 0.9, f"export+subtitles (keyword): {why}", [], "", True, "keyword", ("subtitles",))


def _decide(lex: Lexicon, folded: str) -> Decision:
    masked, quoted = mask_quotes(folded)
    clauses = _tokens(lex, masked)
    if not clauses:
        return _sse("empty", "nothing to match", 0.5)
    short = len(masked.strip()) <= _SHORT_CHARS
    both = _video_and_subtitles(clauses, short)
    if both is not None:
        return both
    verdicts = [_judge(c, short) for c in clauses]
    firing = [(i, v) for i, v in enumerate(verdicts) if v.kind == "local"]
    if not firing:
        blocked = [v for v in verdicts if v.kind in ("blocked", "negated") and v.rule]
        if blocked:
            return _sse(blocked[0].rule, blocked[0].detail, 0.8)
        typo = _typo(lex, clauses, verdicts, len(masked.split()))
        if typo is not None:
            return typo
        note = f"; quoted text masked: {', '.join(quoted)}" if quoted else ""
        longer = [s for c in clauses for ph, s in c if ph.blocker]
        if longer:
            return _sse("longer-word", f"{longer[0]!r} contains a keyword but is not a command" + note)
        return _sse("no-keyword", "no local command in the message" + note, 0.9)
    routes = {v.route for _, v in firing}
    if len(routes) > 1:
        return _sse("conflict", f"asks for {' and '.join(sorted(routes))} at once", 0.7)
    first = firing[0][0]
    just = any(v.just for _, v in firing)
    route = firing[0][1].route
    for i, v in enumerate(verdicts):
        if v.kind in ("local", "empty"):
            continue
        if v.kind == "negonly" and i < first:
            continue
        if v.kind == "negated" and i < first and just:
            continue
        if v.kind == "content":
            rule = "edit-then-export" if route == "export" else "extra-request"
            return _sse(rule, f"{route} also asks for {v.detail!r}: the backend goes first", 0.75)
        what = v.detail or v.kind
        return _sse(v.rule or "negation", f"{route} with {what!r} in another clause", 0.7)
    v = firing[0][1]
    ignored = [verdicts[i].detail for i in range(first) if verdicts[i].kind in ("negonly", "negated")]
    why = f"matched {v.detail!r}"
    if len(clauses) > 1:
        why += f" in clause {first + 1} of {len(clauses)}"
    if ignored:
        why += f"; ignored the negated clause {ignored[0]!r}"
    confidence = {"keyword": 0.95, "split-verb": 0.9, "ime-slip": 0.7}.get(v.rule, 0.8)
    return _local(route, v.rule, why, confidence - (0.05 if len(clauses) > 1 else 0.0))


def _typo(lex: Lexicon, clauses: list[Clause], verdicts: list[Verdict], words: int) -> Decision | None:
    """A one-edit typo of a keyword in a short single-clause message ("exprot pls")."""
    if words > _SHORT_WORDS or len(clauses) != 1 or verdicts[0].kind != "content":
        return None
    items = clauses[0]
    unknown = [k for k, (ph, s) in enumerate(items) if ph is _UNKNOWN]
    if len(unknown) != 1:
        return None
    k = unknown[0]
    word = items[k][1]
    if not word.isascii() or not word.isalpha() or word in lex.real_words:
        return None
    stretched = re.sub(_STRETCH, r"\1", word)  # "expoooort" -> "export"
    target = stretched if stretched in lex.fuzzy_targets else closest_keyword(stretched, lex.fuzzy_targets)
    if target is None:
        return None
    fixed = [*items[:k], (lex.phrases[target], target), *items[k + 1:]]
    v = _judge(fixed, short=False)
    if v.kind != "local":
        return None
    return _local(v.route, "typo", f"{word!r} read as {target!r} (at most one edit)", 0.7)


def _remainder(lex: Lexicon, text: str, found: list[Found]) -> str:
    """The instruction once the paths are taken out; "" if only filler or "upload" is left."""
    parts, pos = [], 0
    for f in found:
        parts.append(text[pos:f.start])
        pos = f.end
    parts.append(text[pos:])
    rest = " ".join(" ".join(parts).split())
    rest = re.sub(r"\s+(?=[,，。；;:：!！?？、])", "", rest).strip(" ,，.。;；:：&-—、+")
    if not rest:
        return ""
    if len(rest) > lex.max_command_chars:
        return rest
    clauses = _tokens(lex, mask_quotes(lex.fold(rest))[0])
    for c in clauses:
        for ph, _ in c:
            if not ("upload" in ph.keys or "upload" in ph.objs or ph.filler or ph.ack or ph.request or ph.just):
                return rest
    return ""


def route(text: str, *, vocabulary: Lexicon | None = None) -> Decision:
    """Route one message; see the module docstring for the rules.

    ``vocabulary`` (an addition to the interface) routes with another compiled vocabulary,
    e.g. one built from edited data files; by default the package's own is used.
    """
    lex = lexicon() if vocabulary is None else vocabulary
    found = find_paths(text, lex)
    remainder = _remainder(lex, text, found) if found else ""
    if not found or remainder:
        typed = upload_command(text, lex)
        if typed:  # "upload ~/Pictures/trip", "upload notes.txt": the upload handler checks them
            why = f"upload (command): upload {len(typed)} path(s) as typed: {', '.join(typed)}"
            return Decision("upload", 0.97, why, typed, "", True, "path")
    if found:
        paths = [f.path for f in found]
        why = f"upload (path): {len(paths)} media path(s) by syntax: {', '.join(paths)}"
        why += f"; then relay {remainder!r}" if remainder else "; nothing else to relay"
        return Decision("upload", 0.99, why, paths, remainder, True, "path")
    if len(text) > lex.max_command_chars:
        return _sse("long", f"{len(text)} characters: too long to be a command", 0.95)
    folded = lex.fold(text)
    decision = _decide(lex, folded)
    if folded.isascii():
        return decision
    return decision._replace(evidence=_as_written(decision.evidence, text, folded))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _as_written(evidence: str, text: str, folded: str) -> str:
    """The evidence with the person's own characters: 匯出, not the folded 汇出.

    Folding maps one character to one after NFKC and casefolding, so a run of the folded
    text sits at the same place in the unfolded one.
    """
    unfolded = unicodedata.normalize("NFKC", text).casefold()
    if len(unfolded) != len(folded) or unfolded == folded:
        return evidence

    def back(m: re.Match[str]) -> str:
        at = folded.find(m.group())
        return unfolded[at : at + len(m.group())] if at >= 0 else m.group()

    return _NON_ASCII.sub(back, evidence)

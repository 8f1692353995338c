"""The GUI-phrase translator: the backend talks as if there were buttons; here there are none.

Rules live in `data/gui_phrases.json` (English and Chinese). Each finds a phrase ("click the
Export button", "打开时间线面板", "drag the title to the start"), rewrites it to what the person
can type in nemo-chat, and may name one automatic action. `StreamTranslator` applies the rules
to streaming text without delaying it more than needed: text flows through untouched until a
trigger word appears, then only that sentence waits for its end. It also drops a trailing
"I encountered a temporary issue" after good output.

Linear in the reply's length, with bounded memory. Looking at the whole unshown text again for
every delta made a held sentence cost the square of its length (a 1 MB title after "click"
froze the chat for minutes), and `[A-Za-z]+$` backtracked quadratically over a long word.
Now the sentence ends of the unshown text are found once (`_Ends`), a "temporary issue" line
is recognised from its first `ISSUE_WINDOW` characters, a trigger word is looked for only in
the last few letters, and no sentence is held longer than `HOLD_LIMIT` characters: what has
no end by then is not a GUI phrase, and goes out as it is. `translate()` re-searches a rule
only when the text before its last match has been passed, and reads a sentence's context from
a window around it. `bench/bench_translate.py` measures it.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from intents.script import is_traditional

__all__ = ["PlannedAction", "StreamTranslator", "Translation", "load_phrases", "translate"]

ActionKind = Literal["export", "credits", "state", "timeline", "sse", "none"]
_SENTENCE_END = re.compile(r"[.!?。！？；;]+[\"'”’」)*_]*(?=\s|$)|[。！？；\n]")
_PARAGRAPH = re.compile(r"\n\s*\n(?=\S)")
HOLD_LIMIT = 2000  # characters a sentence may be held waiting for its end (GUI phrases: < 200)
ISSUE_WINDOW = 240  # characters that decide whether a sentence is a "temporary issue" line
_CONTEXT = 256  # characters around a phrase read for its sentence (start, conditional)
_ISSUE_LEAD = " \t\r\n*_>#-"


class PhraseRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str
    lang: Literal["en", "zh"]
    pattern: str
    reply: str
    action: ActionKind = "none"
    action_text: str | None = None
    only_relay_buttons: bool = False


class Conditional(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    clause_separators: str
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)


class PhraseTable(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    quote_class: str
    triggers: dict[Literal["en", "zh"], list[str]]
    temporary_issue: list[str] = Field(default_factory=list)
    temporary_issue_prefixes: list[str] = Field(default_factory=list)
    relay_buttons: list[str] = Field(default_factory=list)
    conditional: Conditional | None = None
    rules: list[PhraseRule]

    @field_validator("rules")
    @classmethod
    def _compiles(cls, rules: list[PhraseRule]) -> list[PhraseRule]:
        for rule in rules:
            re.compile(rule.pattern.replace("{Q}", ""))
        return rules


@dataclass(frozen=True)
class PlannedAction:
    """An automatic step a GUI phrase asked for; announced, then run after the reply."""

    kind: ActionKind
    rule: str
    text: str = ""  # for "sse": the message to relay


@dataclass(frozen=True)
class Translation:
    text: str
    actions: tuple[PlannedAction, ...]


@dataclass(frozen=True)
class _Compiled:
    rule: PhraseRule
    regex: re.Pattern[str]


def _hant_pattern(pattern: str, hant: dict[str, str]) -> str:
    """The same regex, matching each Simplified character of it in Traditional too."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        trad = hant.get(ch)
        if trad is None:
            out.append(ch)
        else:
            out.append(ch + trad if in_class else f"[{ch}{trad}]")
        i += 1
    return "".join(out)


def _to_hant(text: str, hant: dict[str, str]) -> str:
    """Character by character, each in the form Traditional writing uses first (Taiwan's)."""
    return "".join(hant.get(ch, ch)[0] for ch in text)


def _hant_words(words: list[str], hant: dict[str, str]) -> list[str]:
    out = list(words)
    for word in words:
        trad = _to_hant(word, hant)
        if trad not in out:
            out.append(trad)
    return out


class _Phrases:
    def __init__(self, table: PhraseTable) -> None:
        hant = _hant_table()["match"]
        cond = table.conditional
        table = table.model_copy(
            update={
                "rules": [
                    r.model_copy(update={"pattern": _hant_pattern(r.pattern, hant)}) if r.lang == "zh" else r
                    for r in table.rules
                ],
                "triggers": {**table.triggers, "zh": _hant_words(table.triggers.get("zh", []), hant)},
                "temporary_issue": [_hant_pattern(p, hant) for p in table.temporary_issue],
                "temporary_issue_prefixes": _hant_words(table.temporary_issue_prefixes, hant),
                "relay_buttons": _hant_words(table.relay_buttons, hant),
                "conditional": cond.model_copy(update={"zh": _hant_words(cond.zh, hant)}) if cond else None,
            }
        )
        self.table = table
        self.hant = hant  # lets the Chinese patterns match Traditional text too
        self.rules = [
            _Compiled(
                r,
                re.compile(
                    r.pattern.replace("{Q}", table.quote_class),
                    re.IGNORECASE if r.lang == "en" else 0,
                ),
            )
            for r in table.rules
        ]
        en = "|".join(
            re.escape(w) for w in sorted(table.triggers.get("en", []), key=len, reverse=True)
        )
        zh = "|".join(
            re.escape(w) for w in sorted(table.triggers.get("zh", []), key=len, reverse=True)
        )
        self.trigger = re.compile(rf"(?i)\b(?:{en})\b" + (f"|{zh}" if zh else ""))
        # words one of which every match of a rule holds (None: not known): most streamed
        # chunks hold none, and 24 regex searches per chunk were most of the translator's time
        anchors = [_anchors(c.regex.pattern) for c in self.rules]
        self.unanchored = any(a is None for a in anchors)
        self.anchor_words: dict[str, list[str]] = {}  # by first character
        for word in sorted({w for a in anchors if a for w in a}):
            self.anchor_words.setdefault(word[0], []).append(word)
        self.en_words = [w.lower() for w in table.triggers.get("en", []) if " " not in w]
        # the beginnings of a trigger word that are not yet the word ("cli" of "click")
        self.en_starts = frozenset(
            w[:i] for w in self.en_words for i in range(1, len(w)) if w[:i] not in self.en_words
        )
        self.zh_first = {w[0] for w in table.triggers.get("zh", []) if w}
        self.temporary = [re.compile(p) for p in table.temporary_issue]
        self.issue_prefixes = [p.lower() for p in table.temporary_issue_prefixes]
        # every beginning of an issue phrase: a sentence that is one "may still grow into one"
        self.issue_starts = frozenset(p[:i] for p in self.issue_prefixes for i in range(len(p) + 1))
        self.relay_buttons = {b.casefold() for b in table.relay_buttons}
        cond = table.conditional
        self.clause_sep = re.compile(cond.clause_separators if cond else r"[,;]", re.IGNORECASE)
        en_markers = "|".join(re.escape(w) for w in (cond.en if cond else []))
        zh_markers = "|".join(re.escape(w) for w in (cond.zh if cond else []))
        alternatives = [f"\\b(?:{en_markers})\\b" if en_markers else "", zh_markers]
        self.marker = re.compile("|".join(a for a in alternatives if a) or "(?!)", re.IGNORECASE)
        # a clause can hold a marker only if it holds one of these (checked before the regex)
        self.marker_words = [w.casefold() for w in (cond.en + cond.zh if cond else [])]
        self.marker_first = (
            re.compile(r"^\W*(?:" + "|".join(a for a in alternatives if a) + ")", re.IGNORECASE)
            if any(alternatives)
            else re.compile("(?!)")
        )


_MAX_VARIANTS = 16


def _anchors(pattern: str) -> frozenset[str] | None:
    """Case-folded strings one of which is in every match of `pattern` (None: none found).

    Read off the parsed regex: a run of literal characters (a small character class, like
    the `[点點]` of a Traditional variant, multiplies the run's spellings) that every match
    must pass through, or one such run in each branch of a required group. Of those found,
    the set whose shortest word is longest, then the smallest, is kept (the rarest in
    ordinary text).
    """
    from re import _parser as sre_parse  # type: ignore[attr-defined]

    def required(items: object) -> list[frozenset[str]]:
        found: list[frozenset[str]] = []
        run: set[str] = {""}

        def close() -> None:
            nonlocal run
            if run != {""}:
                found.append(frozenset(run))
            run = {""}

        for op, av in items:  # type: ignore[attr-defined]
            name = str(op)
            if name == "LITERAL":
                run = {r + chr(av).casefold() for r in run}
                continue
            if name == "IN" and all(str(o) == "LITERAL" for o, _ in av):
                chars = {chr(v).casefold() for _, v in av}
                if len(run) * len(chars) <= _MAX_VARIANTS:
                    run = {r + c for r in run for c in chars}
                    continue
            if name == "BRANCH":  # (?:drag|drop) is parsed "dr" (?:ag|op): one run
                spelled = [literal(alt) for alt in av[1]]
                words = {w for alt in spelled if alt is not None for w in alt}
                if all(spelled) and len(run) * len(words) <= _MAX_VARIANTS:
                    run = {r + w for r in run for w in words}
                    continue
            close()
            if name == "SUBPATTERN":
                found += required(av[-1])
            elif name == "BRANCH":
                each = [best(required(alt)) for alt in av[1]]
                if all(e is not None for e in each):
                    found.append(frozenset().union(*each))  # type: ignore[arg-type]
            elif name in ("MAX_REPEAT", "MIN_REPEAT") and av[0] >= 1:
                found += required(av[2])
        close()
        return found

    def literal(items: object) -> set[str] | None:
        """The spellings of a branch made of literal characters only (else None)."""
        words = {""}
        for op, av in items:  # type: ignore[attr-defined]
            if str(op) == "LITERAL":
                words = {w + chr(av).casefold() for w in words}
            elif str(op) == "IN" and all(str(o) == "LITERAL" for o, _ in av):
                words = {w + chr(v).casefold() for w in words for _, v in av}
            else:
                return None
        return words if words != {""} else None

    def best(sets: list[frozenset[str]]) -> frozenset[str] | None:
        usable = [s for s in sets if s and all(s)]
        return max(usable, key=lambda s: (min(map(len, s)), -len(s)), default=None)

    try:
        return best(required(sre_parse.parse(pattern)))
    except Exception:  # an unusual pattern: it is searched for every time
        return None


def _may_match(phrases: _Phrases, text: str) -> bool:
    """False only when no rule can match `text` (then there is nothing to translate)."""
    if phrases.unanchored:
        return True
    low = text.casefold()
    by_first = phrases.anchor_words
    return any(word in low for ch in by_first.keys() & set(low) for word in by_first[ch])


@cache
def load_phrases() -> _Phrases:
    text = (
        resources.files("agent.core.data").joinpath("gui_phrases.json").read_text(encoding="utf-8")
    )
    return _Phrases(PhraseTable.model_validate(json.loads(text)))


@cache
def _hant_table() -> dict[str, dict[str, str]]:
    """Generated by tools/gen_hant.py: `replies` (rule id → the reply in Traditional
    characters) and `match` (Simplified character → its Traditional forms, Taiwan's first)."""
    folder = resources.files("agent.core.data")
    table: dict[str, dict[str, str]] = json.loads(
        folder.joinpath("gui_phrases.zh-Hant.json").read_text(encoding="utf-8")
    )
    return table


def _fill(template: str, groups: dict[str, str]) -> str:
    try:
        return template.format(**groups)
    except (KeyError, IndexError, ValueError):
        return template


def _at_sentence_start(text: str, index: int) -> bool:
    before = text[max(0, index - _CONTEXT) : index].rstrip(" \t*_>#-")
    return not before or before[-1] in ".!?\n:" or before.endswith(("1.", "2.", "3."))


def _conditional(text: str, index: int) -> bool:
    """Is the phrase at `index` inside a conditional clause (an instruction for later)?"""
    phrases = load_phrases()
    lo = max(0, index - _CONTEXT)  # a clause that says "if" is not pages long
    start = lo
    end = min(len(text), index + _CONTEXT)
    for m in _SENTENCE_END.finditer(text, lo, end):
        if m.end() <= index:
            start = m.end()
        else:
            end = m.end()
            break
    sentence = text[start:end]
    clauses: list[tuple[int, int]] = []
    cursor = 0
    for m in phrases.clause_sep.finditer(sentence):
        clauses.append((cursor, m.start()))
        cursor = m.end()
    clauses.append((cursor, len(sentence)))
    where = index - start
    for i, (a, b) in enumerate(clauses):
        if a <= where <= b or (i == len(clauses) - 1):
            if _may_hold_marker(phrases, sentence[a:b]) and phrases.marker.search(sentence[a:b]):
                return True
            if i > 0:
                pa, pb = clauses[i - 1]
                before = sentence[pa:pb]
                return _may_hold_marker(phrases, before) and bool(
                    phrases.marker_first.search(before))
            return False
    return False


def _may_hold_marker(phrases: _Phrases, clause: str) -> bool:
    low = clause.casefold()
    return any(word in low for word in phrases.marker_words)


def translate(text: str) -> Translation:
    """Rewrite every GUI phrase in `text`; the actions are in the order they appear."""
    phrases = load_phrases()
    if not _may_match(phrases, text):
        return Translation(text=text, actions=())
    out: list[str] = []
    actions: list[PlannedAction] = []
    pos = 0
    # each rule's leftmost match at or after `pos`, kept until `pos` passes its start: searching
    # again from `pos` would find the same one, so each rule reads the text about once
    ahead: list[re.Match[str] | None] = [None] * len(phrases.rules)
    done = [False] * len(phrases.rules)
    while pos < len(text):
        best: tuple[int, int, re.Match[str], PhraseRule] | None = None
        for order, compiled in enumerate(phrases.rules):
            if done[order]:
                continue
            m = ahead[order]
            if m is None or m.start() < pos:
                m = ahead[order] = compiled.regex.search(text, pos)
                if m is None:
                    done[order] = True
                    continue
            if m.end() == m.start():
                continue
            if best is None or (m.start(), order) < best[:2]:
                best = (m.start(), order, m, compiled.rule)
        if best is None:
            break
        m, rule = best[2], best[3]
        groups = {k: (v or "").strip() for k, v in m.groupdict().items()}
        if "button2" in groups and not groups.get("button"):
            groups["button"] = groups["button2"]
        if rule.lang == "zh" and is_traditional(m.group(0)):  # answered in the script it came in
            traditional = {k: _to_hant(v, phrases.hant) for k, v in groups.items()}
            reply = _fill(_hant_table()["replies"].get(rule.id, rule.reply), traditional)
        else:
            reply = _fill(rule.reply, groups)
        if rule.lang == "en" and m.group(0)[:1].isupper() and _at_sentence_start(text, m.start()):
            reply = reply[:1].upper() + reply[1:]
        out.append(text[pos : m.start()])
        out.append(reply)
        if rule.action != "none" and not _conditional(text, m.start()):
            wanted = _fill(rule.action_text or "", groups).strip()
            if (
                not rule.only_relay_buttons
                or groups.get("button", "").casefold() in phrases.relay_buttons
            ):
                actions.append(PlannedAction(kind=rule.action, rule=rule.id, text=wanted))
        pos = m.end()
    out.append(text[pos:])
    return Translation(text="".join(out), actions=tuple(actions))


def is_temporary_issue(text: str) -> bool:
    stripped = text.strip().lstrip("*_>#- ")
    return bool(stripped) and any(p.search(stripped) for p in load_phrases().temporary)


class _Ends:
    """Where the sentences of the unshown text end, found once as the text arrives.

    A match that reaches the end of the text is provisional (it ended on `$`: the next delta
    may extend it or undo it), so it is searched again with the next delta; every other match
    is final, and the text before it is never searched again.
    """

    def __init__(self) -> None:
        self.ends: list[int] = []  # final ends, ascending (index just after the match)
        self.tail: tuple[int, int] | None = None  # the provisional match: (start, end)
        self._searched = 0  # text[:_searched] holds no match that is not in `ends`

    def update(self, text: str) -> None:
        self.tail = None
        for m in _SENTENCE_END.finditer(text, self._searched):
            if m.end() == len(text):
                self.tail = (m.start(), m.end())
                self._searched = m.start()
                return
            self.ends.append(m.end())
        self._searched = len(text)

    def after(self, index: int) -> int | None:
        """The end of the first sentence end found at or after `index` (None: not yet)."""
        i = bisect.bisect_right(self.ends, index)
        if i < len(self.ends):
            return self.ends[i]
        if self.tail is not None and self.tail[0] >= index:
            return self.tail[1]
        return None

    def last_before(self, index: int) -> int:
        """The last final end at or before `index` (0 if none)."""
        i = bisect.bisect_right(self.ends, index)
        return self.ends[i - 1] if i else 0

    def starts(self, lo: int, hi: int) -> list[int]:
        """Sentence starts in (lo, hi]: the ends of the sentences before them."""
        found = self.ends[bisect.bisect_right(self.ends, lo) : bisect.bisect_right(self.ends, hi)]
        if self.tail is not None and lo < self.tail[1] <= hi:
            found.append(self.tail[1])
        return found

    def drop_before(self, cut: int) -> None:
        """The text before `cut` went out: positions now count from `cut`."""
        self.ends = [e - cut for e in self.ends if e > cut]
        self.tail = (self.tail[0] - cut, self.tail[1] - cut) if self.tail and self.tail[0] >= cut else None
        self._searched = max(0, self._searched - cut)


class StreamTranslator:
    """Feed streamed text in, get translated text out as soon as it is safe to show.

    `feed()` returns what can be shown now; `finish()` what is left at the end of the turn.
    `replace()` translates the full text of a step that replaced what was streamed.
    `actions` collects the planned actions of everything shown so far, in order.
    The work per delta is proportional to the delta, and the text held back is at most
    `HOLD_LIMIT` characters beyond the delta (see the module docstring).
    """

    def __init__(self) -> None:
        self._phrases = load_phrases()
        self._pending = ""
        self._ends = _Ends()
        self._issue_from = 0  # sentence starts before this were found not to be an issue line
        self._paragraph_from = 0  # no paragraph break before this (while an issue is held)
        self._last = ""  # the last character that went out (is the pending text a new sentence?)
        self._shown_any = False  # something other than whitespace went out
        self._held_issue = False  # the pending text is a "temporary issue" paragraph
        self._word = max((len(w) for w in self._phrases.en_words), default=0)
        self.actions: list[PlannedAction] = []
        self.dropped_issue = False

    # -- public ---------------------------------------------------------------------------
    def feed(self, delta: str) -> str:
        if not delta:
            return ""
        self._pending += delta
        return self._drain(final=False)

    def finish(self) -> str:
        if self._held_issue and is_temporary_issue(self._pending):
            self._reset()
            self.dropped_issue = True
            return ""
        return self._drain(final=True)

    def replace(self, full: str) -> str:
        """A step's final text replaced what streamed: translate it whole, drop held text."""
        self._reset()
        return self._emit(full)

    # -- inside ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self._pending = ""
        self._ends = _Ends()
        self._issue_from = self._paragraph_from = 0
        self._held_issue = False

    def _emit(self, text: str) -> str:
        if not text:
            return ""
        result = translate(text)
        self.actions.extend(result.actions)
        if result.text.strip():
            self._shown_any = True
        self._last = text[-1]
        return result.text

    def _drain(self, *, final: bool) -> str:
        text = self._pending
        self._ends.update(text)
        out: list[str] = []
        pos = 0  # text[:pos] has gone out

        def take(cut: int) -> None:
            nonlocal pos
            if cut > pos:
                out.append(self._emit(text[pos:cut]))
                pos = cut

        while pos < len(text):
            if self._held_issue:
                more = _PARAGRAPH.search(text, max(pos, self._paragraph_from))
                if final or len(text) - pos > HOLD_LIMIT:
                    self._held_issue = False
                    take(len(text))
                elif more:  # real content after it: the issue line was not the last word
                    self._held_issue = False
                    take(more.end())
                    continue
                else:
                    self._paragraph_from = max(pos, _trailing_space_start(text))
                break
            start = self._issue_start(text, pos)
            if start is not None and (self._shown_any or text[pos:start].strip()):
                take(start)
                if is_temporary_issue(text[pos : pos + ISSUE_WINDOW]):
                    self._held_issue = True
                    self._paragraph_from = pos
                    continue
                if final:
                    take(len(text))
                break  # it may still grow into one: wait for more text
            m = self._phrases.trigger.search(text, pos)
            if m is None:
                take(len(text) if final else len(text) - self._partial_tail(text, pos))
                break
            begin = self._sentence_start(text, pos, m.start())
            end = self._ends.after(m.end())
            if end is None and not final:
                take(begin)
                if len(text) - pos <= HOLD_LIMIT:
                    break  # hold the sentence until it ends
                end = len(text)  # no end in sight: not a GUI phrase, let it go
            take(end if end is not None else len(text))
        self._pending = text[pos:]
        self._ends.drop_before(pos)
        self._issue_from = max(0, self._issue_from - pos)
        self._paragraph_from = max(0, self._paragraph_from - pos)
        return "".join(out)

    def _issue_start(self, text: str, pos: int) -> int | None:
        """Where a sentence that is (or may become) "I encountered a temporary issue" starts."""
        starts = self._ends.starts(max(pos, self._issue_from - 1), len(text))
        last = self._last if pos == 0 else text[pos - 1]
        if not last or last.isspace() or _SENTENCE_END.match(last):
            starts.insert(0, pos)
        decided = True  # every start so far is settled as "not an issue line"
        for start in starts:
            window = text[start : start + ISSUE_WINDOW]
            complete = len(window) == ISSUE_WINDOW
            candidate = window.lstrip(_ISSUE_LEAD)
            if candidate:
                low = candidate.lower()
                if low in self._phrases.issue_starts or is_temporary_issue(candidate):
                    return start
            if decided and complete and start > pos:
                self._issue_from = start + 1
            decided = decided and complete
        return None

    def _sentence_start(self, text: str, pos: int, index: int) -> int:
        """Where the sentence holding `index` starts (not before `pos`, what went out)."""
        start = max(pos, self._ends.last_before(index), index - HOLD_LIMIT)
        # a run of punctuation right before `index` ends a sentence too (as `$` would there)
        for m in _SENTENCE_END.finditer(text, max(pos, index - _CONTEXT), index):
            start = max(start, m.end())
        return start

    def _partial_tail(self, text: str, pos: int) -> int:
        """How many trailing characters might be the start of a trigger word."""
        if len(text) <= pos:
            return 0
        if text[-1] in self._phrases.zh_first:
            return 1
        tail = text[max(pos, len(text) - self._word - 1) :]  # a longer word is no prefix
        m = _TRAILING_LETTERS.search(tail)
        if m is None or (m.start() == 0 and len(tail) > self._word):
            return 0
        word = m.group(0).lower()
        return len(word) if word in self._phrases.en_starts else 0


_TRAILING_LETTERS = re.compile(r"(?<![A-Za-z])[A-Za-z]+\Z")


def _trailing_space_start(text: str) -> int:
    """Where the whitespace at the end of `text` starts (a paragraph break may span it)."""
    i = len(text)
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return max(0, i - 1)

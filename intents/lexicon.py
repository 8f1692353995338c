"""The compiled vocabulary: every phrase folded like the text it is matched against, then
compiled into one trie-shaped regular expression, so matching a message costs a single
left-to-right scan whatever the size of the vocabulary.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from intents.normalize import QUOTE_MARK, build_table, fold

if TYPE_CHECKING:
    from intents.vocabulary import Language, PathRules


class Phrase:
    """Everything the vocabulary says about one folded phrase (a phrase may play several roles)."""

    __slots__ = (
        "ack",
        "ask",
        "blocker",
        "filler",
        "heads",
        "howto",
        "just",
        "keys",
        "neg",
        "neg_bare",
        "objs",
        "plain",
        "query",
        "request",
        "sep",
        "slips",
        "tails",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.keys: frozenset[str] = frozenset()
        self.objs: frozenset[str] = frozenset()
        self.slips: frozenset[str] = frozenset()
        self.heads: frozenset[str] = frozenset()
        self.tails: frozenset[str] = frozenset()
        self.filler = self.ack = self.query = self.request = self.just = False
        self.neg = self.neg_bare = self.howto = self.ask = self.sep = self.blocker = False
        self.plain = False  # set by Lexicon: only filler/request/just/query, no other role

    def finish(self) -> None:
        """Precompute ``plain`` so the router's hot loop skips such phrases with one test."""
        other_role = (
            self.keys or self.objs or self.slips or self.heads or self.tails or self.neg
            or self.neg_bare or self.howto or self.ask or self.ack or self.blocker or self.sep
        )
        self.plain = bool((self.filler or self.request or self.just or self.query) and not other_role)


def _trie_regex(words: list[str]) -> str:
    """An alternation shaped like a trie: one branch per first character, longest match first."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)


class Lexicon:
    """The compiled vocabulary the router works with."""

    def __init__(
        self, languages: list[Language], paths: PathRules, folding: dict[str, str] | None = None
    ) -> None:
        if folding is None:
            from intents.vocabulary import load_folding

            folding = load_folding()
        t2s = dict(folding)  # every Traditional character (generated), then the languages' own
        for lang in languages:
            t2s.update(lang.t2s)
        self.table = build_table(t2s)
        self.languages = languages
        self.path_rules = paths
        self.phrases: dict[str, Phrase] = {}
        self.fuzzy_targets: dict[str, str] = {}
        self.real_words: set[str] = set()
        for lang in languages:
            self._add_language(lang)
        for ph in self.phrases.values():
            ph.finish()
        ascii_words = [p for p in self.phrases if p[0].isascii()]
        other_words = [p for p in self.phrases if not p[0].isascii()]
        # Six groups, in this order, so the router can use ``findall`` (no Match objects):
        # en phrase | other phrase | separator | unknown word | masked quote | any other letter
        self.pattern = re.compile(
            r"(?P<en>(?<![a-z0-9])(?:" + _trie_regex(ascii_words) + r")(?![a-z0-9]))"
            + r"|(?P<zh>" + (_trie_regex(other_words) if other_words else "(?!)") + ")"
            + r"|(?P<sep>[,，。；;!！?？\n、…]+|\.(?=\s|$)|\s[-–—]+\s)"
            + r"|(?P<w>[a-z0-9]+(?:'[a-z]+)*)"
            + r"|(?P<q>" + QUOTE_MARK + ")"
            + r"|(?P<c>[^\W_])"
        )
        self.max_command_chars = paths.max_command_chars
        self.path_patterns: Any = None  # compiled by intents.paths on first use

    def fold(self, text: str) -> str:
        return fold(text, self.table)

    def _phrase(self, raw: str) -> Phrase:
        text = " ".join(self.fold(raw).split())
        ph = self.phrases.get(text)
        if ph is None:
            ph = self.phrases[text] = Phrase(text)
        return ph

    def _add_language(self, lang: Language) -> None:
        for route, words in lang.routes.items():
            for w in words:
                ph = self._phrase(w)
                ph.keys = ph.keys | {route}
        for route, words in lang.objects.items():
            for w in words:
                ph = self._phrase(w)
                ph.objs = ph.objs | {route}
        for route, words in lang.slips.items():
            for w in words:
                ph = self._phrase(w)
                ph.slips = ph.slips | {route}
        for sv in lang.split_verbs:
            head, tail = self._phrase(sv.head), self._phrase(sv.tail)
            head.heads = head.heads | {sv.route}
            tail.tails = tail.tails | {sv.route}
        flags = {
            "filler": lang.filler, "ack": lang.acknowledgements, "query": lang.query, "request": lang.request,
            "just": lang.just, "neg": lang.negation, "neg_bare": lang.bare_negation,
            "howto": lang.howto, "ask": lang.ask, "sep": lang.separators,
            "blocker": lang.blockers,
        }
        for flag, words in flags.items():
            for w in words:
                setattr(self._phrase(w), flag, True)
        for route, words in lang.fuzzy_targets.items():
            for w in words:
                self.fuzzy_targets[self.fold(w)] = route
        self.real_words.update(self.fold(w) for w in lang.real_words)


@cache
def lexicon() -> Lexicon:
    """Load, validate and compile the vocabulary once per process."""
    from intents.vocabulary import load_files

    languages, paths = load_files()
    return Lexicon(languages, paths)

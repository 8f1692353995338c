"""Media paths and URLs, found by syntax and extension (never by touching the file system).

Forms a terminal pastes: ``~/Pictures/beach.png``, macOS escaped spaces
(``/Users/amy/My\\ Movies/beach\\ day.mov``), GNOME/PowerShell quotes
(``'/home/amy/My Videos/a.mp4'``, ``& 'C:\\x\\a.mp4'``), Windows and UNC paths (spaces allowed
after the drive letter), ``file://`` URIs (percent-decoded into a local path), ``https://`` URLs
with query strings, upper-case extensions, CJK names, bare file names (``beach.png``) and
relative paths with a folder (``photos/beach.png``; not ``example.com/a.png``, a web address).

Every repetition is bounded (255 characters a name, 40 folders, 1024 a quoted span, 4096 a
URL) so a scan costs at most a constant per start position: linear in the length of the text
whatever it contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from intents.lexicon import Lexicon, lexicon

# Farther than any path/URL the patterns accept can reach from its extension.
_REACH = 12_000
_TRAILING = ".,;:!?)]}>'\"，。；：！？）】」』》"


class Found:
    """One path: where it sat in the raw text and the path itself."""

    __slots__ = ("end", "path", "start")

    def __init__(self, start: int, end: int, path: str) -> None:
        self.start, self.end, self.path = start, end, path


_Patterns = tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], tuple[str, ...]]


def _patterns(lex: Lexicon) -> _Patterns:
    if lex.path_patterns is None:
        lex.path_patterns = _compile(lex)
    return lex.path_patterns


def _compile(lex: Lexicon) -> _Patterns:
    rules = lex.path_rules
    ext = "(?i:" + "|".join(sorted(rules.extensions, key=len, reverse=True)) + ")"
    end = r"(?![A-Za-z0-9_])"
    # a start that a path-ish ASCII character does not precede
    start = r"(?<![A-Za-z0-9_.~/\\-])(?<!\\ )"
    bare_start = r"(?<![^\s(\[{<,;:=，。；：、（【「『“‘])"
    piece = r"(?:[^\s/\\'\"]|\\.)"
    piece_after_space = r"(?:[^\s/\\'\"~.]|\\.)"
    seg = rf"{piece}{{1,255}}?(?: {piece_after_space}{piece}{{0,255}}?){{0,6}}?"
    win_seg = r'[^\\/:*?"<>|\r\n]{0,255}?'
    # relative: a folder, then at least one more name ("photos/beach.png"); the first folder
    # has no dot (example.com/a.png is a web address, ./ and ../ are posix) and no spaces
    rel_first = r"(?:[^\s/\\'\"<>|*?:,;=()\[\]{}.，。；：、（）【】「」『』“”‘’]|\\.)"
    rel_piece = r"(?:[^\s/\\'\"<>|*?:,;=()\[\]{}，。；：、（）【】「」『』“”‘’]|\\.)"
    pattern = (
        rf"(?P<q>(?P<qo>['\"“‘])(?P<qs>[^'\"“”‘’\n]{{0,1024}}\.{ext}){end}(?P<qc>['\"”’]))"
        r"|(?P<url>\b(?:https?|file)://[^\s'\"<>]{1,4096})"
        rf"|(?P<win>{start}(?:[A-Za-z]:|\\\\[^\\/\s]{{1,255}})[\\/](?:{win_seg}[\\/]){{0,40}}?{win_seg}\.{ext}{end})"
        rf"|(?P<posix>{start}(?:~[A-Za-z0-9_.-]{{0,64}}|\.{{1,2}})?/(?:{seg}/){{0,40}}?{seg}\.{ext}{end})"
        rf"|(?P<rel>{bare_start}{rel_first}{{1,255}}/(?:{rel_piece}{{1,255}}/){{0,40}}?{rel_piece}{{1,255}}?\.{ext}{end})"
        rf"|(?P<bare>{bare_start}(?:[^\s/\\'\"<>|*?:,;=()\[\]{{}}，。；：、（）【】「」『』“”‘’]|\\.){{1,255}}?\.{ext}{end})"
    )
    url_media = re.compile(rf"\.{ext}(?=$|[?#]|[^\x21-\x7e])")
    hint = re.compile(rf"\.{ext}{end}")
    lead = tuple(sorted(rules.bare_name_lead, key=len, reverse=True))
    return re.compile(pattern), url_media, hint, lead


def _unescape(p: str) -> str:
    return re.sub(r"\\(.)", r"\1", p) if "\\" in p else p


def _url(token: str, url_media: re.Pattern[str]) -> tuple[str, int] | None:
    """The media URL at the start of ``token`` (and its length), or None if it is not media."""
    m = url_media.search(token)
    if m is None:
        return None
    cut = m.end()
    if cut < len(token) and token[cut] in "?#":
        q = re.match(r"[\x21-\x7e]*", token[cut:])
        cut += q.end() if q else 0
    url = token[:cut].rstrip(_TRAILING)
    if url.lower().startswith("file:"):
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        local = unquote(parts.path)
        if re.match(r"/[A-Za-z]:[\\/]", local):
            local = local[1:]
        elif parts.netloc and parts.netloc != "localhost":
            local = f"//{parts.netloc}{local}"
        return local, len(url)
    return url, len(url)


def _windows(hits: list[int], size: int) -> list[tuple[int, int]]:
    """Stretches of text around the extension hits, merged: no path lies outside them."""
    spans: list[tuple[int, int]] = []
    for h in hits:
        lo, hi = max(0, h - _REACH), h + _REACH
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return [(lo, min(hi, size)) for lo, hi in spans]


def _matches(pattern: re.Pattern[str], text: str, hits: list[int]) -> Iterator[re.Match[str]]:
    """Scan only near the extensions, so a long text with one file name costs one fast search."""
    for lo, hi in _windows(hits, len(text)):
        yield from pattern.finditer(text, lo, hi)


def find_paths(text: str, lex: Lexicon | None = None) -> list[Found]:
    """Media paths and URLs in ``text``, in order."""
    pattern, url_media, hint, lead = _patterns(lexicon() if lex is None else lex)
    hits = [m.start() for m in hint.finditer(text)]
    if not hits:
        return []
    found: list[Found] = []
    for m in _matches(pattern, text, hits):
        kind = m.lastgroup
        if m.group("qs") is not None:
            found.append(Found(m.start(), m.end(), m.group("qs").strip()))
        elif kind == "url":
            hit = _url(m.group(), url_media)
            if hit is not None:
                found.append(Found(m.start(), m.start() + hit[1], hit[0]))
        elif kind == "win":
            found.append(Found(m.start(), m.end(), m.group()))
        elif kind == "posix":
            found.append(Found(m.start(), m.end(), _unescape(m.group())))
        else:  # bare or relative: leading Chinese words typed without a space are not the name
            name, start = m.group(), m.start()
            for word in lead:
                if name.startswith(word) and len(name) > len(word) and name[len(word)] != ".":
                    name, start = name[len(word):], start + len(word)
                    break
            found.append(Found(start, m.end(), _unescape(name)))
    return found


_PATHISH = re.compile(r"""^(?:['"].+['"]|~|\.{1,2}[/\\]|[/\\]|[A-Za-z]:[/\\]|\S*[/\\]\S*|[^\s/\\]+\.[A-Za-z0-9]{1,5})""")
_WINDOWS = re.compile(r"[A-Za-z]:\\|\\\\")
_QUOTED_PATH = re.compile(r"""'[^'\n]{1,1024}'|"[^"\n]{1,1024}"|(?:\\\s|\S)+""")


def _file_then_words(token: str, extensions: list[str]) -> bool:
    """A media file name with words run on after it ("c.jpg然后加到最后"): Chinese is typed
    without spaces, so the token holds both; a name never continues past its extension in
    another script (a folder such as "2024.06旅行" has no media extension before its words)."""
    if token[:1] in "'\"":
        return False
    m = re.search(r"\.([A-Za-z0-9]{2,5})(?=[^\x00-\x7f])", token)
    return m is not None and m.group(1).lower() in extensions and not re.search(r"\.[A-Za-z0-9]{1,5}$", token)


def _starts_path(token: str) -> bool:
    return bool(_PATHISH.match(token))


def upload_command(text: str, lex: Lexicon | None = None) -> list[str] | None:
    """``upload PATH…`` with paths of any form: the paths, or None when it is not that.

    Folders (``~/Pictures/trip``), files of any type (``notes.txt``) and paths with spaces
    (``~/Pictures/My Trip``) are taken as typed; the upload handler decides what they hold.
    A word that does not start a path continues the one before it ("My Trip"); a joiner
    ("and", 和) separates two paths. Nothing here touches the file system.
    """
    rules = (lexicon() if lex is None else lex).path_rules
    head = text[:64].lstrip().lower()  # the verb is at the start: nothing else is read before it
    verb = next((v for v in sorted(rules.upload_verbs, key=len, reverse=True)
                 if head.startswith(v) and (len(head) == len(v) or not v.isascii()
                                            or not head[len(v)].isalnum())), None)
    if verb is None:
        return None
    stripped = text.strip()
    tokens = _QUOTED_PATH.findall(stripped[len(verb):])
    while tokens and not _starts_path(tokens[0]) and tokens[0].lower().strip("：:,，") in rules.upload_filler:
        tokens.pop(0)
    if not tokens or not _starts_path(tokens[0]):
        return None
    paths: list[str] = []
    joined = False
    for token in tokens:
        if _file_then_words(token, rules.extensions):
            return None  # "上传c.jpg然后加到最后": a file and an instruction typed without a space
        if token.lower() in rules.path_joiners:
            joined = True
            continue
        if token[:1] in "'\"" and token[-1:] == token[:1] and len(token) > 1:
            paths.append(token[1:-1])
        elif not paths or (_starts_path(token) and (joined or token[:1] in "~/\\." or "/" in token
                                                    or "\\" in token or "." in token)):
            paths.append(token if _WINDOWS.match(token) else _unescape(token))
        elif joined or re.search(r"\.[A-Za-z0-9]{1,5}$", paths[-1]):
            return None  # words after a file or an "and": an instruction, not a path ("… and make it 3 s")
        else:
            paths[-1] = f"{paths[-1]} {token if _WINDOWS.match(paths[-1]) else _unescape(token)}"
        joined = False
    return [p.rstrip(_TRAILING) or p for p in paths]

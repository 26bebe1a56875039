"""Words by Unicode script, with markup and math left out: the counting behind `language_consistency`.

Every scan is linear (one left-to-right pass, `str.find` whose failure is remembered, brace pairs and `$` closers
found once up front) and every regex here backtracks a bounded number of steps at most, so a 100k-character hostile
completion costs milliseconds.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat

__all__ = ["LANG_SCRIPTS", "detect_language", "language_scripts", "normalize_lang", "script_words"]

LATIN, HAN, KANA, HANGUL = "Latin", "Han", "Kana", "Hangul"
# A letter of a script missing from the table: counted, and never in the target language's script.
OTHER = "Other"
_MARK = "Mark"

# First and last code point of each block and its script. Blocks rather than exact script properties: the few
# non-letters inside a block are dropped by their Unicode category before this table is consulted.
_SCRIPT_BLOCKS = """
0041 02FF Latin       0370 03FF Greek       0400 052F Cyrillic    0530 058F Armenian    0590 05FF Hebrew
0600 06FF Arabic      0750 077F Arabic      0780 07BF Thaana      0870 08FF Arabic      0900 097F Devanagari
0980 09FF Bengali     0A00 0A7F Gurmukhi    0A80 0AFF Gujarati    0B00 0B7F Oriya       0B80 0BFF Tamil
0C00 0C7F Telugu      0C80 0CFF Kannada     0D00 0D7F Malayalam   0D80 0DFF Sinhala     0E00 0E7F Thai
0E80 0EFF Lao         0F00 0FFF Tibetan     1000 109F Myanmar     10A0 10FF Georgian    1100 11FF Hangul
1200 139F Ethiopic    1780 17FF Khmer       1C80 1C8F Cyrillic    1C90 1CBF Georgian    1D00 1DBF Latin
1E00 1EFF Latin       1F00 1FFF Greek       2C60 2C7F Latin       2D00 2D2F Georgian    2DE0 2DFF Cyrillic
3005 3007 Han         303B 303C Han         3040 30FF Kana        3130 318F Hangul      31F0 31FF Kana
3400 4DBF Han         4E00 9FFF Han         A640 A69F Cyrillic    A720 A7FF Latin       A8E0 A8FF Devanagari
A960 A97F Hangul      AB30 AB6F Latin       AC00 D7FF Hangul      F900 FAFF Han         FB00 FB06 Latin
FB1D FB4F Hebrew      FB50 FDFF Arabic      FE70 FEFF Arabic      FF21 FF5A Latin       FF66 FF9F Kana
FFA0 FFDC Hangul      20000 323AF Han
"""


def _parse_blocks(spec: str) -> list[tuple[int, int, str]]:
    fields = spec.split()
    triples = zip(fields[::3], fields[1::3], fields[2::3], strict=True)
    return sorted((int(first, 16), int(last, 16), script) for first, last, script in triples)


_RANGES = _parse_blocks(_SCRIPT_BLOCKS)
_STARTS = [r[0] for r in _RANGES]

# Scripts written without spaces between words, where one character is the unit a reader counts.
_PER_CHAR = frozenset({HAN, KANA, HANGUL})

# The scripts each language is written in. On a one-script line the first code is what detection answers for it.
_LANGUAGES = """
Latin: en af az br ca co cs cy da de eo es et eu fi fil fo fr fy ga gd gl ha haw hr ht hu id ig is it jv la lb lt lv
  mg mi ms mt nb nl nn no ny oc pl pt qu ro rw sk sl sm sn so sq st su sv sw tk tl tr uz vi wo xh yo zu
Cyrillic: ru ba be bg ce cv kk ky mk mn os tg tt uk
Cyrillic Latin: sr
Arabic: ar ckb fa ps sd ug ur
Han: zh cmn yue wuu lzh
Han Kana: ja
Hangul: ko
Greek: el
Hebrew: he yi
Thaana: dv
Devanagari: hi mr ne sa
Bengali: bn as
Gurmukhi: pa
Gujarati: gu
Oriya: or
Tamil: ta
Telugu: te
Kannada: kn
Malayalam: ml
Sinhala: si
Thai: th
Lao: lo
Tibetan: bo dz
Myanmar: my
Georgian: ka
Armenian: hy
Ethiopic: am ti
Khmer: km
"""


def _parse_languages(spec: str) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """(language -> its scripts, script -> the language detection names for it)."""
    lang_scripts: dict[str, frozenset[str]] = {}
    script_lang: dict[str, str] = {KANA: "ja"}
    for line in spec.replace("\n  ", " ").strip().split("\n"):
        head, _, codes = line.partition(":")
        scripts = frozenset(head.split())
        lang_scripts.update(dict.fromkeys(codes.split(), scripts))
        if len(scripts) == 1:
            script_lang[head.strip()] = codes.split()[0]
    return lang_scripts, script_lang


LANG_SCRIPTS, _SCRIPT_LANG = _parse_languages(_LANGUAGES)
# ISO 639-2/3 codes datasets commonly carry, so `eng` and `en` are one language to the reward and to a backend.
_ALIASES = dict(
    pair.split("=")
    for pair in "eng=en zho=zh chi=zh jpn=ja kor=ko rus=ru ara=ar fra=fr fre=fr deu=de ger=de "
    "spa=es por=pt ita=it".split()
)
# Japanese mixes kanji and kana; a text whose Han/kana letters are at least this share kana reads as Japanese.
_JA_KANA_SHARE = 0.2

_APOSTROPHES = frozenset("'\u2019")
_OPERATORS = frozenset("=+-*/^<>()×÷±≤≥≠≈·−")
# How far past spaces to look for the operator beside a single-letter variable.
_NEIGHBOUR_CHARS = 4
# A brace argument longer than this is not a command argument but an unbalanced brace far away.
MAX_ARGUMENT_CHARS = 1000
MAX_OPTION_CHARS = 64
# Distinct unknown codes warned about; hostile data must not grow the set without bound.

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_MARKUP_PARTS = (
    r"(?P<code>`+)",
    r"(?P<esc>\\\$)",
    r"(?P<dd>\$\$)",
    r"(?P<d>\$)",
    r"(?P<paren>\\\()",
    r"(?P<brack>\\\[)",
    r"(?P<cmd>\\[A-Za-z]+)",
    r"(?P<sym>\\.)",
    rf"(?P<url>(?i:https?|ftp)://{_URL_CHARS}*|(?i:www)\.{_URL_CHARS}+)",
    r"(?P<special><\|[^|<>\n]{0,64}\|>)",
    # Any other format's tags (`<reasoning>`, `</final>`): markup, whichever response format this reward was given.
    r"(?P<xml></?[A-Za-z][A-Za-z0-9_-]{0,30}>)",
)
_CLOSERS = {"paren": "\\)", "brack": "\\]"}
# A `$` that can close inline math: text right before it, no digit right after (the `$` of ` $10` closes nothing).
_DOLLAR_CLOSER_RE = re.compile(r"(?<=[^\s\\])\$(?!\d)")
# `$5 and $10.`: a `$` before a plain amount is money, whatever `$` comes later on the line.
_MONEY_RE = re.compile(r"\d[\d.,]{0,30}(?:\s|$|[;:!?)])")
_BRACE_RE = re.compile(r"(?<!\\)[{}]")


@functools.lru_cache(maxsize=1 << 16)
def _script(ch: str) -> str | None:
    """The script of a letter, `_MARK` for a combining mark or zero-width joiner, None for anything else."""
    cp = ord(ch)
    if cp < 0x80:
        return LATIN if ch.isalpha() else None
    if ch in "\u200c\u200d":
        return _MARK
    category = unicodedata.category(ch)
    if category[0] == "M":
        return _MARK
    if category[0] != "L":
        return None
    i = bisect.bisect_right(_STARTS, cp) - 1
    if i >= 0 and cp <= _RANGES[i][1]:
        return _RANGES[i][2]
    return OTHER


@functools.lru_cache(maxsize=16)
def _markup_re(tags: tuple[str, ...]) -> re.Pattern[str]:
    parts = list(_MARKUP_PARTS)
    literal = sorted({t for t in tags if t}, key=len, reverse=True)
    if literal:
        # First, so a format whose tags start with a backslash or a backtick still has its tags read as tags.
        parts.insert(0, "(?P<tag>" + "|".join(re.escape(t) for t in literal) + ")")
    return re.compile("|".join(parts), re.DOTALL)


def _find_closer(text: str, closer: str, start: int, unclosed: set[str]) -> int:
    """Where the span opened just before `start` ends; `start` itself (drop the opener only) when it never closes.

    A failed search means no closer exists anywhere after, so it is remembered: a thousand unclosed `\\(` cost one
    scan, not a thousand.
    """
    if closer in unclosed:
        return start
    j = text.find(closer, start)
    if j < 0:
        unclosed.add(closer)
        return start
    return j + len(closer)


def _brace_pairs(text: str) -> dict[int, int]:
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE_RE.finditer(text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def _skip_arguments(text: str, end: int, braces: dict[int, int]) -> int:
    n = len(text)
    while end < n:
        ch = text[end]
        if ch == "{":
            close = braces.get(end)
            if close is None or close - end > MAX_ARGUMENT_CHARS:
                break
            end = close + 1
        elif ch == "[":
            close = text.find("]", end, end + MAX_OPTION_CHARS)
            if close < 0:
                break
            end = close + 1
        else:
            break
    return end


def _strip_markup(text: str, tags: tuple[str, ...]) -> str:
    """`text` with code, math, LaTeX, URLs, special tokens and tags replaced by spaces (so the words on either side
    stay apart). An opener that never closes is dropped on its own and the text after it is kept."""
    pattern = _markup_re(tags)
    out: list[str] = []
    n, pos = len(text), 0
    unclosed: set[str] = set()
    dollar_closers: list[int] | None = None
    braces: dict[int, int] | None = None
    while pos < n:
        m = pattern.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        out.append(text[pos : m.start()])
        out.append(" ")
        kind, end = m.lastgroup, m.end()
        if kind in ("code", "dd"):
            end = _find_closer(text, m.group(), end, unclosed)
        elif kind in _CLOSERS:
            end = _find_closer(text, _CLOSERS[kind], end, unclosed)
        elif kind == "d":
            # Pandoc's rule: math opens only on `$` followed by text, so `costs $ 5` and a lone `$` are not math.
            if end < n and not text[end].isspace() and not _MONEY_RE.match(text, end):
                if dollar_closers is None:
                    dollar_closers = [c.start() for c in _DOLLAR_CLOSER_RE.finditer(text)]
                k = bisect.bisect_left(dollar_closers, end)
                if k < len(dollar_closers):
                    end = dollar_closers[k] + 1
        elif kind == "cmd":
            if braces is None:
                braces = _brace_pairs(text)
            end = _skip_arguments(text, end, braces)
        pos = end
    return "".join(out)


def _neighbour(text: str, i: int, step: int) -> str:
    for _ in range(_NEIGHBOUR_CHARS):
        if not 0 <= i < len(text):
            return ""
        if not text[i].isspace():
            return text[i]
        i += step
    return ""


def _is_math(text: str, start: int, end: int) -> bool:
    """Whether the letters text[start:end] are a plain-text math symbol (`2x`, `x = 3`, `3 x 4`, `max(`), which
    belongs to no language."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before.isdigit() or after.isdigit() or after == "(":
        return True
    if end - start != 1:
        return False
    left, right = _neighbour(text, start - 1, -1), _neighbour(text, end, 1)
    return left in _OPERATORS or right in _OPERATORS or (left.isdigit() and right.isdigit())


def _letter_words(text: str) -> list[tuple[str, str]]:
    words: list[tuple[str, str]] = []
    n, i = len(text), 0
    while i < n:
        script = _script(text[i])
        if script is None or script == _MARK:
            i += 1
            continue
        if script in _PER_CHAR:
            words.append((script, text[i]))
            i += 1
            continue
        start = i
        i += 1
        while i < n:
            ch = text[i]
            other = _script(ch)
            if other == script or other == _MARK:
                i += 1
            elif ch in _APOSTROPHES and i + 1 < n and _script(text[i + 1]) == script:
                i += 2
            else:
                break
        if not _is_math(text, start, i):
            words.append((script, text[start:i]))
    return words


def script_words(text: str, response_format: ResponseFormat = TAG_FORMAT) -> list[tuple[str, str]]:
    """The counted words of `text` as (script, word), in order, markup and math left out; [] for a non-string."""
    if not isinstance(text, str):
        return []
    return _letter_words(_strip_markup(text, response_format.tags))


def normalize_lang(code: Any) -> str | None:
    """`zh-TW`, `en_US`, `EN` -> `zh`, `en`, `en`; None for anything that is not a non-empty string."""
    if not isinstance(code, str):
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return _ALIASES.get(primary, primary) or None


def language_scripts(lang: str) -> frozenset[str] | None:
    """The scripts a language is written in (`ja` -> Han and Kana); None for a code the table does not know."""
    code = normalize_lang(lang)
    return LANG_SCRIPTS.get(code) if code is not None else None


def detect_language(text: str, response_format: ResponseFormat = TAG_FORMAT) -> str | None:
    """The language of the dominant script among the counted words: `en` for Latin, `zh` for Han, `ja` when kana
    is a real share of the Han/kana letters, `ko`, `ru`, `ar`, ... None when there are no words, the leading
    script maps to no language, or two languages tie."""
    counts: Counter[str | None] = Counter()
    for script, _ in script_words(text, response_format):
        counts[_SCRIPT_LANG.get(script)] += 1
    if counts["ja"] and counts["ja"] >= _JA_KANA_SHARE * (counts["ja"] + counts["zh"]):
        counts["ja"] += counts.pop("zh", 0)
    ranked = [(lang, k) for lang, k in counts.most_common(2) if k > 0]
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]

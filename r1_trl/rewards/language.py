"""`language_consistency`: the share of the chain of thought written in the target language.

DeepSeek-R1 adds this reward in reasoning RL because R1-Zero drifts between languages inside one chain of thought;
it is "the proportion of target-language words in the CoT". Here a word's language is read off its Unicode script,
with no model and no network, so the reward is cheap, deterministic and safe on any string. A `backend` (word ->
language code) can refine it where languages share a script (English and French are both Latin).

- Chain of thought: the `<think>` block's content (from the first `<think>` to the last `</think>`, or to the end
  when the block never closes, or from the start when the chat template prefilled `<think>`); the whole completion
  when it has no think tags at all.
- Words: each Han ideograph, kana and hangul syllable is one word; any other run of letters of one script (with its
  combining marks and inner apostrophes) is one word. Not counted: numbers, operators, LaTeX (`$...$`, `$$...$$`,
  `\\(...\\)`, `\\[...\\]`, `\\command` with its brace arguments), inline and fenced code, URLs, special tokens
  (`<|im_end|>`), tags (the response format's and any bare `<name>`, `</name>`), and plain-text math variables (a
  letter word glued to a digit, a word glued to `(` as in `max(`, a single letter beside an operator or between two
  numbers).
- Target language: the row's `lang` column (primary subtag: `zh-TW` is `zh`), else the language of the prompt
  (its last user message for a chat) by the same script counting, else `default_lang`.
- Score: target-language words / counted words. None when there is no target language, when the target language
  is not in the script table (logged once), or when the chain of thought is empty. A non-empty chain with no
  counted words (only math or code) scores 1.0: it mixes no languages.

Every scan is linear (one left-to-right pass, `str.find` whose failure is remembered, brace pairs and `$` closers
found once up front) and every regex here backtracks a bounded number of steps at most, so a 100k-character hostile
completion costs milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..templates import TAG_FORMAT, ResponseFormat
from ._scripts import LANG_SCRIPTS, detect_language, language_scripts, normalize_lang, script_words
from ._text import _content_text
from .base import Reward

__all__ = ["LanguageConsistencyReward", "detect_language", "language_scripts", "script_words"]

logger = logging.getLogger(__name__)

_MAX_WARNED = 100
_warned: set[str] = set()


def _prompt_text(prompt: Any) -> str:
    """A prompt's text: the string itself, or the last user message's content of a chat."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, dict):
        return _content_text(prompt.get("content"))
    if isinstance(prompt, list | tuple):
        for message in reversed(prompt):
            if isinstance(message, dict) and message.get("role") == "user":
                return _content_text(message.get("content"))
    return ""


def _warn_unknown(code: str | None, lang: str) -> None:
    key = str(code)[:40]
    if key in _warned or len(_warned) >= _MAX_WARNED:
        return
    _warned.add(key)
    logger.warning(
        "language_consistency: no script is known for language %r (from lang %r); its completions score None. "
        "Known codes: %s",
        key,
        lang[:60],
        ", ".join(sorted(LANG_SCRIPTS)),
    )


class LanguageConsistencyReward(Reward):
    """The share of the chain of thought's words that are in the target language, in [0, 1] (see the module doc).

    `backend`, when given, maps a word to a language code (or None when it cannot tell); a word counts as
    target-language iff that code's primary subtag is the target's. Where the backend returns None the word's
    script decides, so a backend that knows only a few words still sees Chinese in an English chain. It must be a
    module-level function (or another picklable callable) for the reward to pickle into data-loader workers.
    `default_lang` is the target for rows with neither a `lang` column nor a prompt whose language shows.
    """

    name = "language_consistency"

    def __init__(
        self,
        response_format: ResponseFormat = TAG_FORMAT,
        backend: Callable[[str], str | None] | None = None,
        default_lang: str | None = None,
    ):
        super().__init__()
        if backend is not None and not callable(backend):
            raise ValueError(
                f"language_consistency: backend must be a callable word -> language code, got {backend!r}"
            )
        code = normalize_lang(default_lang) if default_lang is not None else None
        if default_lang is not None and code not in LANG_SCRIPTS:
            known = ", ".join(sorted(LANG_SCRIPTS))
            raise ValueError(f"language_consistency: unknown default_lang {default_lang!r}; known: {known}")
        self.response_format = response_format
        self.backend = backend
        self.default_lang = code

    def target_language(self, row: dict[str, Any]) -> str | None:
        """The row's target language code, or None (an unknown `lang` is logged once and gives None)."""
        lang = row.get("lang")
        if isinstance(lang, str) and lang.strip():
            code = normalize_lang(lang)
            if code in LANG_SCRIPTS:
                return code
            _warn_unknown(code, lang)
            return None
        prompt = row.get("prompts", row.get("prompt"))
        detected = detect_language(_prompt_text(prompt), self.response_format)
        return detected if detected is not None else self.default_lang

    def chain_of_thought(self, text: str) -> str:
        fmt = self.response_format
        parsed = fmt.parse(text)
        if parsed is not None:
            return parsed[0]
        start = text.find(fmt.think_open) if fmt.think_open else -1
        begin = start + len(fmt.think_open) if start >= 0 else 0
        # The last close, so a second think block cannot hide a language switch from the reward.
        end = text.rfind(fmt.think_close, begin) if fmt.think_close else -1
        if start < 0 and end < 0:
            return text
        return text[begin : end if end >= 0 else len(text)]

    def score(self, text: str, **row: Any) -> float | None:
        chain = self.chain_of_thought(text)
        bare = chain
        for tag in self.response_format.tags:
            if tag:
                bare = bare.replace(tag, " ")
        if not bare.strip():
            return None
        target = self.target_language(row)
        if target is None:
            return None
        scripts = LANG_SCRIPTS[target]
        words = script_words(chain, self.response_format)
        if not words:
            return 1.0
        verdicts: dict[str, str | None] = {}
        hits = 0
        for script, word in words:
            if self.backend is not None:
                if word not in verdicts:
                    verdicts[word] = normalize_lang(self.backend(word))
                lang = verdicts[word]
                if lang is not None:
                    hits += lang == target
                    continue
            hits += script in scripts
        return hits / len(words)

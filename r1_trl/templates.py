"""Prompt templates and the response formats they ask for.

A template owns its response format, so the format reward, the evaluation and the prompt can never disagree
about what a well-formed answer looks like.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = [
    "R1_ZERO_TEMPLATE_EN",
    "R1_ZERO_TEMPLATE_ZH",
    "READABLE_FORMAT",
    "SENTENCE_ENDS",
    "ReadableFormat",
    "ResponseFormat",
    "TAG_FORMAT",
    "Template",
    "chat_prefix",
    "get_template",
    "prefilled_prefix",
    "template_of",
    "TEMPLATES",
]

# What ends a question already, so the template adds no stop of its own after it.
SENTENCE_ENDS = (".", "?", "!", "。", "?", "!")

# Paper, Table 1; verbatim, including the period that follows the prompt.
R1_ZERO_TEMPLATE_EN = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
    "The assistant first thinks about the reasoning process in the mind and then provides the user with the answer. "
    "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
    "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>. "
    "User: {prompt}. Assistant:"
)
# The seed's Chinese rendering (§7), verbatim.
R1_ZERO_TEMPLATE_ZH = (
    "用戶和助手之間的對話。用戶提出問題,助手解決該問題。助手首先在腦海中思考推理過程,然後為用戶提供答案。"
    "推理過程和答案分別包含在 <think></think> 和 <answer></answer> 標籤中,"
    "即 <think>推理過程在這裡</think> <answer>答案在這裡</answer> 。用戶:{prompt}。助手:"
)


@dataclass(frozen=True)
class ResponseFormat:
    """`<think> reasoning </think> <answer> answer </answer>`: the shape the R1-Zero template asks for.

    The template writes the blocks with single spaces between them and no newlines, so any whitespace (none
    included) between and around the blocks is well-formed. `render` writes newlines, as SFT data does, which is
    one of those shapes and also the one `strict=True` wants (open-r1's `<think>\\n...\\n</think>\\n<answer>...`).
    """

    think_open: str = "<think>"
    think_close: str = "</think>"
    answer_open: str = "<answer>"
    answer_close: str = "</answer>"

    @property
    def tags(self) -> tuple[str, str, str, str]:
        return (self.think_open, self.think_close, self.answer_open, self.answer_close)

    def render(self, reasoning: str, answer: str) -> str:
        return f"{self.think_open}\n{reasoning}\n{self.think_close}\n{self.answer_open}\n{answer}\n{self.answer_close}"

    def parse(self, text: str, strict: bool = False) -> tuple[str, str] | None:
        """Split a completion into (reasoning, answer), or None when it is not exactly one well-formed response.

        Each tag must appear exactly once and in order, so nested or repeated blocks (which a collapsing policy
        learns to exploit) never pass, and both blocks must hold something: an empty think block is the cheapest
        way to collect a format reward without reasoning. By default any whitespace, or none, may stand between
        and around the blocks, as in the template's `<think> ... </think> <answer> ... </answer>`; `strict=True`
        wants the newlines `render` writes. Plain string scanning, linear in the length: a regex with lazy groups
        backtracks for minutes on long hostile completions.
        """
        s = text.strip()
        if any(s.count(tag) != 1 for tag in self.tags):
            return None
        if not (s.startswith(self.think_open) and s.endswith(self.answer_close)):
            return None
        think_end, answer_start = s.index(self.think_close), s.index(self.answer_open)
        if not think_end < answer_start:
            return None
        reasoning = s[len(self.think_open) : think_end]
        gap = s[think_end + len(self.think_close) : answer_start]
        answer = s[answer_start + len(self.answer_open) : len(s) - len(self.answer_close)]
        if strict:
            ok = gap == "\n" and all(len(b) >= 2 and b[0] == b[-1] == "\n" for b in (reasoning, answer))
        else:
            ok = not gap.strip()
        reasoning, answer = reasoning.strip(), answer.strip()
        return (reasoning, answer) if ok and reasoning and answer else None

    def matches(self, text: str, strict: bool = False) -> bool:
        return self.parse(text, strict) is not None

    def answer_span(self, text: str) -> str | None:
        """The text inside the one `<answer>` block; None when there is none or more than one (reward hacking)."""
        if text.count(self.answer_open) != 1 or text.count(self.answer_close) != 1:
            return None
        start = text.index(self.answer_open) + len(self.answer_open)
        end = text.index(self.answer_close)
        return text[start:end].strip() if end > start else None

    def marks_answer(self, text: str) -> bool:
        """Whether the text tries to mark an answer at all (an answer tag anywhere)."""
        return self.answer_open in text or self.answer_close in text


TAG_FORMAT = ResponseFormat()


@dataclass(frozen=True)
class ReadableFormat:
    """`|special_token| reasoning |special_token| summary`: DeepSeek-R1's readable cold-start format.

    The same interface as `ResponseFormat`, so the format and accuracy rewards follow whichever format a recipe's
    template selects. The separator opens and closes the reasoning, so it appears exactly twice; the summary ends
    the response and holds the final answer (the accuracy reward reads its last `\\boxed{}` or number). Any
    whitespace may surround the separators; `render` writes newlines, which `strict=True` wants.
    """

    separator: str = "|special_token|"
    answer_in_prose: bool = True

    @property
    def think_open(self) -> str:
        return self.separator

    @property
    def think_close(self) -> str:
        return self.separator

    # No answer tags: the summary after the second separator is the answer's place.
    answer_open: str = ""
    answer_close: str = ""

    @property
    def tags(self) -> tuple[str, ...]:
        return (self.separator, self.separator)

    def render(self, reasoning: str, summary: str) -> str:
        return f"{self.separator}\n{reasoning}\n{self.separator}\n{summary}"

    def parse(self, text: str, strict: bool = False) -> tuple[str, str] | None:
        """(reasoning, summary), or None unless the text is one separator-delimited reasoning block followed by a
        summary, both non-empty. Any whitespace by default; `strict=True` wants the newlines `render` writes."""
        sep = self.separator
        s = text.strip()
        if s.count(sep) != 2 or not s.startswith(sep):
            return None
        second = s.index(sep, len(sep))
        reasoning, summary = s[len(sep) : second], s[second + len(sep) :]
        if strict:
            ok = len(reasoning) >= 2 and reasoning[0] == reasoning[-1] == "\n" and summary.startswith("\n")
            if not ok:
                return None
        reasoning, summary = reasoning.strip(), summary.strip()
        return (reasoning, summary) if reasoning and summary else None

    def matches(self, text: str, strict: bool = False) -> bool:
        return self.parse(text, strict) is not None

    def answer_span(self, text: str) -> str | None:
        """The summary of a well-formed response; None otherwise."""
        parsed = self.parse(text)
        return parsed[1] if parsed else None

    def marks_answer(self, text: str) -> bool:
        return self.separator in text


READABLE_FORMAT = ReadableFormat()


@dataclass(frozen=True)
class Template:
    """A prompt template in one or more languages plus the response format it asks for."""

    name: str
    texts: dict[str, str]
    response_format: ResponseFormat | ReadableFormat = TAG_FORMAT
    default_lang: str = "en"
    # A system turn before the user's in the chat form (open-r1's `system_prompt`); the plain form has none.
    system: str | None = None

    def with_system(self, system: str | None) -> Template:
        return dataclasses.replace(self, system=system)

    def text_for(self, lang: str | None) -> str:
        return self.texts.get(lang or self.default_lang, self.texts[self.default_lang])

    def format_prompt(self, question: str, lang: str | None = None) -> str:
        """The plain-text prompt: the template with the question filled in. The template's own stop after
        `{prompt}` is dropped when the question already ends a sentence (`Compute 4 / 4 + 1.` would read `1..`)."""
        text = self.text_for(lang)
        question = question.rstrip()
        if question.endswith(SENTENCE_ENDS):
            for stop in ("{prompt}.", "{prompt}。"):
                text = text.replace(stop, "{prompt}")
        return text.replace("{prompt}", question)

    def as_conversation(self, question: str, lang: str | None = None) -> list[dict[str, str]]:
        """The same prompt as a chat, for models used through their chat template: the user's turn, after the
        system turn when the template has one."""
        system = [{"role": "system", "content": self.system}] if self.system else []
        return [*system, {"role": "user", "content": self.format_prompt(question, lang)}]


TEMPLATES: dict[str, Template] = {
    "r1_zero": Template("r1_zero", {"en": R1_ZERO_TEMPLATE_EN, "zh": R1_ZERO_TEMPLATE_ZH}),
    "r1_zero_en": Template("r1_zero_en", {"en": R1_ZERO_TEMPLATE_EN}),
    "r1_zero_zh": Template("r1_zero_zh", {"zh": R1_ZERO_TEMPLATE_ZH}, default_lang="zh"),
    # The question as it is, for models that already know the response shape.
    "plain": Template("plain", {"en": "{prompt}"}),
    # The question as it is, answered in the readable format: the cold-start and later stages.
    "readable": Template("readable", {"en": "{prompt}"}, response_format=READABLE_FORMAT),
}


def get_template(name: str) -> Template:
    if name not in TEMPLATES:
        raise ValueError(f"unknown template {name!r}; known templates: {', '.join(sorted(TEMPLATES))}")
    return TEMPLATES[name]


def template_of(args: Any) -> Template:
    """A recipe's template (`args.template`), with its system prompt when it sets one (open-r1's `system_prompt`)."""
    template = get_template(args.template)
    system = getattr(args, "system_prompt", None)
    return template.with_system(system) if system else template


def chat_prefix(tokenizer: Any, template: Template, conversation: list[dict[str, str]] | None = None) -> str:
    """What `tokenizer`'s chat template prefills of the response to `template`'s prompts (`conversation`, or a
    probe question); '' when nothing. Rewards and evaluation prepend it to completions before checking them."""
    conversation = conversation or template.as_conversation("2 + 3 * 4?")
    rendered = tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    return prefilled_prefix(rendered, template.response_format)


def prefilled_prefix(generation_prompt: str, fmt: ResponseFormat | ReadableFormat = TAG_FORMAT) -> str:
    """What the chat template already wrote of the response (e.g. DeepSeek-R1's `<think>\\n`), to prepend to
    completions before checking them; '' when nothing was prefilled."""
    tail = generation_prompt.rstrip(" ")
    if tail.rstrip("\n").endswith(fmt.think_open):
        return tail[tail.rstrip("\n").rindex(fmt.think_open) :]
    return ""

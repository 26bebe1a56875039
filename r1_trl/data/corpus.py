"""The pre-training corpus that makes the embedded model a *base* model.

It teaches arithmetic and worked solutions as free text in both languages (a share of them drifting between the
languages, as R1-Zero's chains famously do) and shows the `User: … Assistant: …` dialogue shape, so the long R1-Zero
template is not out of distribution. It never teaches the template's response format: the sentence that names the
tags never appears, and only a small share of documents use the tags at all, so under the template the base almost
never answers in the R1-Zero shape and RL has format and accuracy left to learn.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from ..templates import R1_ZERO_TEMPLATE_EN, R1_ZERO_TEMPLATE_ZH, TAG_FORMAT
from .arithmetic import JOINER, problem_split, random_problem

__all__ = ["CorpusSpec", "TAG_SENTENCES", "corpus_documents", "template_free_sentences"]

# The template sentences that name the response tags. Seeing them next to tagged answers would teach the format
# before RL does (the leak measured in workplace-notes), so the corpus never contains them.
TAG_SENTENCES = {
    "en": R1_ZERO_TEMPLATE_EN[R1_ZERO_TEMPLATE_EN.index("The reasoning") : R1_ZERO_TEMPLATE_EN.index(" User:")],
    "zh": R1_ZERO_TEMPLATE_ZH[R1_ZERO_TEMPLATE_ZH.index("推理過程和答案") : R1_ZERO_TEMPLATE_ZH.index("用戶:")],
}
PROSE = {
    "en": [
        "Numbers can be added, subtracted, multiplied and divided.",
        "Multiplication and division come before addition and subtraction.",
        "Work inside the parentheses first.",
        "A careful student checks every step.",
        "Here is a short exchange.",
        "The teacher writes a problem on the board.",
    ],
    "zh": [
        "數字可以相加、相減、相乘和相除。",
        "先乘除,後加減。",
        "先算括號裡面的。",
        "細心的學生會檢查每一步。",
        "下面是一段對話。",
        "老師在黑板上寫了一道題。",
    ],
}
SPEAKERS = {"en": ("User: ", "Assistant:"), "zh": ("用戶:", "助手:")}
STOP = {"en": ".", "zh": "。"}


def template_free_sentences(lang: str) -> list[str]:
    """The template's opening sentences, which do not mention the tags."""
    text = {"en": R1_ZERO_TEMPLATE_EN, "zh": R1_ZERO_TEMPLATE_ZH}[lang]
    head = text[: text.index(TAG_SENTENCES[lang])].strip()
    if lang == "en":
        return [s.strip().rstrip(".") + "." for s in head.split(". ") if s.strip(". ")]
    return [s + "。" for s in head.split("。") if s]


@dataclass
class CorpusSpec:
    num_documents: int = 80_000
    difficulties: tuple[int, ...] = (1, 1, 2, 2, 3)
    max_operand: int = 20
    max_value: int = 200
    tagged_fraction: float = 0.03
    mixed_fraction: float = 0.15
    mix_rate: float = 0.3
    seed: int = 0


def _template_words(lang: str) -> list[str]:
    text = {"en": R1_ZERO_TEMPLATE_EN, "zh": R1_ZERO_TEMPLATE_ZH}[lang]
    for tag in TAG_FORMAT.tags:
        text = text.replace(tag, " ")
    if lang == "en":
        return sorted({w.strip(".,:;") for w in text.split() if w.strip(".,:;{}") and "{" not in w})
    return sorted({c for c in text if "\u4e00" <= c <= "\u9fff"})


def _word_salad(rng: random.Random, lang: str) -> str:
    """A sentence of shuffled template words: the template's vocabulary, in no order a document ever teaches."""
    words = rng.choices(_template_words(lang), k=rng.randint(4, 14))
    return " ".join(words).capitalize() + "." if lang == "en" else "".join(words) + "。"


def _prose(rng: random.Random, lang: str, salad: bool = True) -> str:
    # A long, varied preamble teaches the model to find the question after text it cannot use, which is what
    # the R1-Zero template is to a base model.
    pool = PROSE[lang] + template_free_sentences(lang)
    salads = [_word_salad(rng, lang) for _ in range(rng.randint(0, 3) if salad else 0)]
    parts = rng.sample(pool, rng.randint(1, 3)) + salads
    rng.shuffle(parts)
    return JOINER[lang].join(parts)


def corpus_documents(spec: CorpusSpec) -> Iterator[str]:
    """Deterministic documents for `spec`; only train-split problems appear, so the test set stays unseen."""
    rng = random.Random(spec.seed)
    kinds = ["worked", "dialogue", "answer_only", "drill", "tagged"]
    other = 1.0 - spec.tagged_fraction
    weights = [0.35 * other, 0.35 * other, 0.12 * other, 0.18 * other, spec.tagged_fraction]
    produced = 0
    while produced < spec.num_documents:
        p = random_problem(rng, rng.choice(spec.difficulties), spec.max_operand, spec.max_value)
        if problem_split(p.expression) != "train":
            continue
        lang = rng.choice(("en", "zh"))
        kind = rng.choices(kinds, weights)[0]
        q = p.question(lang, rng.randrange(2))
        mix = spec.mix_rate if rng.random() < spec.mixed_fraction else 0.0
        user, assistant = SPEAKERS[lang]
        if kind == "worked":
            doc = f"{q} {p.solution_text(lang, mix=mix, rng=rng)}"
        elif kind == "dialogue":
            # The template puts a period after the question; show that shape too so it is not a surprise.
            sep = (STOP[lang] if rng.random() < 0.3 else "") + JOINER[lang]
            doc = f"{user}{q}{sep}{assistant}{JOINER[lang]}{p.solution_text(lang, mix=mix, rng=rng)}"
            if rng.random() < 0.5:
                doc = _prose(rng, lang) + " " + doc
        elif kind == "answer_only":
            doc = f"{q} {p.answer}" if rng.random() < 0.5 else f"{p.expression} = {p.answer}"
        elif kind == "drill":
            doc = " ".join(
                f"{a} {op} {b} = {r}."
                for step in range(rng.randint(2, 5))
                for (a, op, b, r) in random_problem(rng, 1, spec.max_operand, spec.max_value).steps
            )
        else:
            doc = f"{user}{q}{JOINER[lang]}{assistant}{JOINER[lang]}{TAG_FORMAT.render(p.chain(lang), str(p.answer))}"
            if rng.random() < 0.5:
                doc = _prose(rng, lang, salad=False) + " " + doc
        produced += 1
        yield doc

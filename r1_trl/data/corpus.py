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

from ..templates import R1_ZERO_TEMPLATE_EN, R1_ZERO_TEMPLATE_ZH, TAG_FORMAT, ReadableFormat
from .arithmetic import JOINER, Problem, problem_split, random_problem
from .cold_start import LABELS, REFLECTION_INSTRUCTIONS, exemplar_response

__all__ = [
    "CorpusSpec",
    "TAG_SENTENCES",
    "WORKSHEET_SEPARATORS",
    "corpus_documents",
    "dialogue_prompt",
    "template_free_sentences",
]

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
    # Share of dialogue and tagged answers that state the result with no working: the base's habit. Step-by-step
    # chains stay its rarer skill, which RL can find pays on multi-step problems.
    direct_fraction: float = 0.0
    # Share of Chinese questions whose worked chain is written in English, with a Chinese conclusion: reasoning
    # lives mostly in one language, as in real pre-training data, so RL without LC can drift into mixing.
    foreign_reasoning: float = 0.0
    # Share of documents that are worksheets: several worked examples in a document-specific layout (half of them
    # headed by the solve-and-verify instruction and checking each result), which teach in-context format copying.
    worksheet_fraction: float = 0.0
    # Worked chains restate the expression left after each step (`First, 3 * 4 = 12, leaving 2 + 12. ...`).
    restate_chains: bool = False
    # Share of worked chains that get one step wrong and correct it (`Then 3 * 4 = 13. Wait, 3 * 4 = 12.`).
    revise_fraction: float = 0.0
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


# A worksheet's own separator: never DeepSeek's `|special_token|`, so a few-shot prompt in that format works only by
# copying its exemplars, as a base model does.
WORKSHEET_SEPARATORS = ("|note|", "|work|", "|step|", "|sep|", "|box|", "###", "~~", "|mark|")


def _worksheet(rng: random.Random, spec: CorpusSpec, lang: str) -> str:
    separator = ReadableFormat(separator=rng.choice(WORKSHEET_SEPARATORS))
    verify = rng.random() < 0.5
    labels = LABELS[lang]
    blocks = [REFLECTION_INSTRUCTIONS[lang]] if verify else []
    for _ in range(rng.randint(2, 4)):
        p = _train_problem(rng, spec)
        response = exemplar_response(p, lang, verify=verify, response_format=separator)
        blocks.append(f"{labels['question']} {p.question(lang, rng.randrange(2))}\n{labels['response']} {response}")
    return "\n\n".join(blocks)


def _train_problem(rng: random.Random, spec: CorpusSpec) -> Problem:
    while True:
        p = random_problem(rng, rng.choice(spec.difficulties), spec.max_operand, spec.max_value, spec.restate_chains)
        if problem_split(p.expression) == "train":
            return p


def _revision(p: Problem, spec: CorpusSpec, rng: random.Random) -> tuple[int, int] | None:
    if not p.steps or rng.random() >= spec.revise_fraction:
        return None
    step = rng.randrange(len(p.steps))
    right = p.steps[step][3]
    return step, rng.choice([v for v in (right - 2, right - 1, right + 1, right + 2) if v >= 0])


def _worked(p: Problem, lang: str, spec: CorpusSpec, rng: random.Random, mix: float) -> str:
    revise = _revision(p, spec, rng)
    if lang == "zh" and rng.random() < spec.foreign_reasoning:
        return p.chain("en", revise=revise) + JOINER["en"] + p.conclusion("zh")
    return p.solution_text(lang, mix=mix, rng=rng, revise=revise)


def dialogue_prompt(question: str, lang: str) -> str:
    """`User: What is 2 + 3? Assistant:`: the dialogue's opening, exactly as the R1-Zero template ends, so that what
    the corpus shows after it (mostly direct answers, now and then a worked chain or the tags) is what the base
    does under the template."""
    user, assistant = SPEAKERS[lang]
    return f"{user}{question}{JOINER[lang]}{assistant}"


def corpus_documents(spec: CorpusSpec) -> Iterator[str]:
    """Deterministic documents for `spec`; only train-split problems appear, so the test set stays unseen."""
    rng = random.Random(spec.seed)
    kinds = ["worked", "dialogue", "answer_only", "drill", "tagged", "worksheet"]
    other = 1.0 - spec.tagged_fraction - spec.worksheet_fraction
    if other < 0:
        raise ValueError("tagged_fraction + worksheet_fraction must be at most 1")
    weights = [0.35 * other, 0.35 * other, 0.12 * other, 0.18 * other, spec.tagged_fraction, spec.worksheet_fraction]
    produced = 0
    while produced < spec.num_documents:
        p = _train_problem(rng, spec)
        lang = rng.choice(("en", "zh"))
        kind = rng.choices(kinds, weights)[0]
        q = p.question(lang, rng.randrange(2))
        mix = spec.mix_rate if rng.random() < spec.mixed_fraction else 0.0
        direct = rng.random() < spec.direct_fraction
        if kind == "worked":
            doc = f"{q} {_worked(p, lang, spec, rng, mix)}"
        elif kind == "dialogue":
            answer = p.conclusion(lang) if direct else _worked(p, lang, spec, rng, mix)
            doc = f"{dialogue_prompt(q, lang)}{JOINER[lang]}{answer}"
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
        elif kind == "worksheet":
            doc = _worksheet(rng, spec, lang)
        else:
            thought = p.conclusion(lang) if direct else p.chain(lang)
            doc = f"{dialogue_prompt(q, lang)}{JOINER[lang]}{TAG_FORMAT.render(thought, str(p.answer))}"
            if rng.random() < 0.5:
                doc = _prose(rng, lang, salad=False) + " " + doc
        produced += 1
        yield doc

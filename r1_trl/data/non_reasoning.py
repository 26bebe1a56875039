"""Non-reasoning SFT data: writing, factual QA and self-cognition, answered directly without a chain of thought.

The paper mixes such data into the rejection-sampled reasoning set so the model keeps its general skills and
answers simple requests without thinking at length. The built-in set is small, synthetic, bilingual and
deterministic; every factual answer is computed, not typed, so it is true by construction.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from ..files import load_data

__all__ = ["SELF_COGNITION", "load_non_reasoning", "mix_non_reasoning", "non_reasoning_count", "synthetic_pool"]

logger = logging.getLogger(__name__)

SOURCE = "synthetic"
SELF_COGNITION = {
    "en": (
        "I am r1-trl's tiny demo model, a small DeepSeek-V3-style mixture-of-experts trained with "
        "reinforcement learning."
    ),
    "zh": "我是 r1-trl 的小型示範模型,一個以強化學習訓練的小型 DeepSeek-V3 風格混合專家模型。",
}
_WHO = {
    "en": ("Who are you?", "What are you?", "Please introduce yourself."),
    "zh": ("你是誰?", "你是什麼?", "請介紹一下你自己。"),
}
# (topic en, sentence en, topic zh, sentence zh)
_WRITING = (
    ("the sea", "The sea stretches blue and quiet to the edge of the sky.", "大海", "大海一片蔚藍,安靜地延伸到天邊。"),
    (
        "the moon",
        "The moon hangs low and bright over the sleeping town.",
        "月亮",
        "明亮的月亮低低地掛在沉睡的小鎮上空。",
    ),
    ("rain", "Soft rain taps on the window all afternoon.", "雨", "細雨整個下午輕輕地敲著窗戶。"),
    ("a tree", "An old tree gives cool shade on a hot day.", "一棵樹", "一棵老樹在炎熱的日子裡投下清涼的樹蔭。"),
    ("a cat", "The cat sleeps curled up in a patch of sunlight.", "一隻貓", "那隻貓蜷縮在一片陽光裡睡覺。"),
    ("a river", "The river runs slowly past the green fields.", "一條河", "河水緩緩流過綠色的田野。"),
    ("winter", "Winter mornings are cold, white and still.", "冬天", "冬天的早晨寒冷、潔白而寧靜。"),
    ("a book", "A good book can carry you far from home.", "一本書", "一本好書能帶你走到很遠的地方。"),
    ("the mountains", "The mountains stand tall against the morning light.", "高山", "高山在晨光中高高聳立。"),
    ("friendship", "A true friend stays with you on hard days.", "友誼", "真正的朋友會在困難的日子裡陪著你。"),
)
_NUMBERS_EN = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
).split()
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _number_zh(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else digits[tens] + "十") + (digits[ones] if ones else "")


def _row(question: str, answer: str, lang: str, method: str, solution: str = "") -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        "prompt": question,
        "solution": solution,
        "lang": lang,
        "kind": "non_reasoning",
        "method": method,
        "source": SOURCE,
    }


def _writing() -> list[dict[str, Any]]:
    rows = []
    for topic_en, sentence_en, topic_zh, sentence_zh in _WRITING:
        rows.append(_row(f"Write one sentence about {topic_en}.", sentence_en, "en", "writing"))
        rows.append(_row(f"寫一句關於{topic_zh}的話。", sentence_zh, "zh", "writing"))
    return rows


def _factual() -> list[dict[str, Any]]:
    rows = []
    for n, word in enumerate(_NUMBERS_EN):
        rows.append(_row(f"How is the number {n} written in words?", f"{word.capitalize()}.", "en", "factual", word))
        rows.append(_row(f"數字 {n} 用中文怎麼寫?", f"{_number_zh(n)}。", "zh", "factual", _number_zh(n)))
        parity_en, parity_zh = ("even", "偶數") if n % 2 == 0 else ("odd", "奇數")
        rows.append(_row(f"Is {n} an even or an odd number?", f"{n} is {parity_en}.", "en", "factual", parity_en))
        rows.append(_row(f"{n} 是偶數還是奇數?", f"{n} 是{parity_zh}。", "zh", "factual", parity_zh))
    for i in range(len(_DAYS_EN)):
        nxt = (i + 1) % len(_DAYS_EN)
        rows.append(_row(f"Which day comes after {_DAYS_EN[i]}?", f"{_DAYS_EN[nxt]}.", "en", "factual", _DAYS_EN[nxt]))
        rows.append(_row(f"{_DAYS_ZH[i]}的下一天是星期幾?", f"{_DAYS_ZH[nxt]}。", "zh", "factual", _DAYS_ZH[nxt]))
    rows.append(_row("How many days are there in a week?", "There are 7 days in a week.", "en", "factual", "7"))
    rows.append(_row("一個星期有幾天?", "一個星期有 7 天。", "zh", "factual", "7"))
    return rows


def _self_cognition() -> list[dict[str, Any]]:
    return [_row(q, SELF_COGNITION[lang], lang, "self_cognition") for lang, qs in _WHO.items() for q in qs]


def synthetic_pool() -> list[dict[str, Any]]:
    """The built-in non-reasoning set, in a fixed order: writing, factual QA, self-cognition, English and Chinese.

    Rows are `messages` conversations plus `prompt`, `solution` (the checkable answer of factual rows, else ''),
    `lang`, `kind` ("non_reasoning"), `method` (writing, factual or self_cognition) and `source`.
    """
    return _writing() + _factual() + _self_cognition()


def load_non_reasoning(spec: str | None) -> list[dict[str, Any]]:
    """`synthetic_pool()` for None, else the `train` split of a Hub id or local path (a .json/.jsonl file or a
    folder) given to `datasets.load_dataset`, which must have a `messages` column ending in an assistant turn."""
    if spec is None:
        return synthetic_pool()
    ds = load_data(spec, f"non_reasoning_dataset {spec!r}")
    if "messages" not in ds.column_names:
        raise ValueError(f"non_reasoning_dataset {spec!r} has no 'messages' column; its columns are {ds.column_names}")
    rows = []
    for i, row in enumerate(ds):
        messages = row["messages"]
        if not messages or messages[-1].get("role") != "assistant":
            raise ValueError(f"non_reasoning_dataset {spec!r}: row {i} does not end with an assistant message")
        users = [m["content"] for m in messages if m.get("role") == "user"]
        rows.append(
            {
                "messages": messages,
                "prompt": users[-1] if users else "",
                "solution": str(row.get("solution") or ""),
                "lang": row.get("lang") or "",
                "kind": "non_reasoning",
                "method": row.get("method") or "external",
                "source": row.get("source") or spec,
            }
        )
    return rows


def non_reasoning_count(num_reasoning: int, ratio: float) -> int:
    """How many non-reasoning rows make them `ratio` of the final set: `round(ratio * r / (1 - ratio))`."""
    if not 0 <= ratio < 1:
        raise ValueError(f"non_reasoning_ratio must be in [0, 1), got {ratio}")
    return round(ratio * num_reasoning / (1 - ratio))


def mix_non_reasoning(
    reasoning_rows: list[dict[str, Any]], pool: list[dict[str, Any]], ratio: float, seed: int = 0
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The reasoning rows plus `non_reasoning_count(len(reasoning_rows), ratio)` rows drawn from `pool`, shuffled
    together with `seed`, and a summary of the mix.

    The count is relative to the reasoning rows, so no reasoning rows means no non-reasoning rows: a set made only
    of non-reasoning data would teach the model to stop reasoning. Rows are drawn without repetition while the
    pool lasts, then the pool is gone through again (logged), so the fraction is exact even for a small pool.
    """
    want = non_reasoning_count(len(reasoning_rows), ratio)
    if want and not pool:
        raise ValueError("non-reasoning pool is empty; set non_reasoning_ratio: 0 to mix nothing")
    rng = random.Random(seed)
    picked: list[dict[str, Any]] = []
    while len(picked) < want:
        order = list(pool)
        rng.shuffle(order)
        picked.extend(order[: want - len(picked)])
    if want > len(pool):
        logger.warning("non-reasoning mix: %d rows wanted from a pool of %d; rows repeat", want, len(pool))
    mixed = list(reasoning_rows) + picked
    rng.shuffle(mixed)
    by: dict[str, dict[str, int]] = {"method": {}, "lang": {}}
    for row in picked:
        for field in by:
            value = str(row.get(field) or "")
            by[field][value] = by[field].get(value, 0) + 1
    summary = {
        "ratio": ratio,
        "reasoning": len(reasoning_rows),
        "non_reasoning": len(picked),
        "fraction": len(picked) / len(mixed) if mixed else 0.0,
        "pool_size": len(pool),
        "repeated": max(0, want - len(pool)),
        "non_reasoning_by_method": dict(sorted(by["method"].items())),
        "non_reasoning_by_lang": dict(sorted(by["lang"].items())),
    }
    return mixed, summary

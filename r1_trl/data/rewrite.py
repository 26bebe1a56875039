"""A model-backed refiner: rewrite an R1-Zero answer into the readable format with a rewrite prompt.

The paper refines R1-Zero outputs by human post-processing; with a capable instruct model this is the automated
version. The rule-based refiner in `refine.py` is the embedded demo's stand-in.
"""

from __future__ import annotations

from typing import Any

from ..templates import READABLE_FORMAT, ReadableFormat

__all__ = ["REWRITE_PROMPT", "ModelRefiner"]

REWRITE_PROMPT = (
    "Rewrite the solution below as clean numbered steps in {language} only, then a one-line summary with the final "
    "answer. Use the format:\n{sep}\n<steps>\n{sep}\n<summary>\n\nQuestion: {question}\nSolution: {completion}\n"
    "Rewritten:\n{sep}\n"
)
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


class ModelRefiner:
    """`(completion, row) -> readable text | None`, generated greedily by a causal LM; loaded on first use."""

    def __init__(
        self,
        model_name_or_path: str,
        max_new_tokens: int = 512,
        trust_remote_code: bool = False,
        response_format: ReadableFormat = READABLE_FORMAT,
    ):
        self.model_name_or_path = model_name_or_path
        self.max_new_tokens = max_new_tokens
        self.trust_remote_code = trust_remote_code
        self.response_format = response_format
        self.__name__ = f"model:{model_name_or_path}"
        self._model: Any = None
        self._tokenizer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_model": None, "_tokenizer": None}

    def __call__(self, completion: str, row: dict) -> str | None:
        from ..generation import SamplingSettings, sample_completions
        from ..models import load_for_generation, load_tokenizer

        if self._model is None:
            self._tokenizer = load_tokenizer(self.model_name_or_path, self.trust_remote_code)
            self._model = load_for_generation(self.model_name_or_path, self.trust_remote_code)
        sep = self.response_format.separator
        prompt = REWRITE_PROMPT.format(
            language=LANGUAGE_NAMES.get(row.get("lang") or "en", "English"),
            sep=sep,
            question=row.get("prompt", ""),
            completion=completion,
        )
        settings = SamplingSettings(n=1, temperature=0.0, max_new_tokens=self.max_new_tokens, batch_size=1)
        text = sep + "\n" + sample_completions(self._model, self._tokenizer, [prompt], settings, "rewrite")[0][0].text
        return text if self.response_format.matches(text) else None

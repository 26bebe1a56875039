"""The embedded task, the base corpus and dataset loading."""

from .arithmetic import CONNECTIVES, Problem, make_problems, problem_split, random_problem, to_rows
from .corpus import TAG_SENTENCES, CorpusSpec, corpus_documents, dialogue_prompt, template_free_sentences
from .loading import REQUIRED_COLUMNS, load_general_prompts, load_prompts, load_sft_data

__all__ = [
    "CONNECTIVES",
    "REQUIRED_COLUMNS",
    "TAG_SENTENCES",
    "CorpusSpec",
    "Problem",
    "corpus_documents",
    "dialogue_prompt",
    "load_general_prompts",
    "load_prompts",
    "load_sft_data",
    "make_problems",
    "problem_split",
    "random_problem",
    "template_free_sentences",
    "to_rows",
]

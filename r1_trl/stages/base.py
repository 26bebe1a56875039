"""Stage 0, `base`: build the tokenizer and the tiny DeepSeek-V3 MoE, then pre-train it from scratch on the corpus.

For real use this stage is skipped: any Hub or local causal LM is the base.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from datasets import Dataset

from ..data import CorpusSpec, corpus_documents
from ..models import active_parameters, build_model, build_tokenizer, load_tokenizer
from ..templates import R1_ZERO_TEMPLATE_EN, R1_ZERO_TEMPLATE_ZH
from ..trainers import R1SFTTrainer
from ..trainers.hub import hub_callbacks
from .recipe import parse_stage
from .training import run_training_stage, stage_evaluator

__all__ = ["main"]

logger = logging.getLogger(__name__)


def main(argv: Sequence[str], stage: str = "base") -> dict:
    started = time.time()
    recipe = parse_stage(stage, argv)
    base_args, training_args, task = recipe.base, recipe.train, recipe.task
    spec = CorpusSpec(
        num_documents=base_args.corpus_documents,
        difficulties=tuple(base_args.corpus_difficulties),
        max_operand=task.max_operand,
        max_value=task.max_value,
        tagged_fraction=base_args.tagged_fraction,
        mixed_fraction=base_args.mixed_fraction,
        direct_fraction=base_args.direct_fraction,
        foreign_reasoning=base_args.foreign_reasoning,
        worksheet_fraction=base_args.worksheet_fraction,
        restate_chains=base_args.restate_chains,
        revise_fraction=base_args.revise_fraction,
        seed=training_args.seed,
    )
    docs = list(corpus_documents(spec))
    logger.info("corpus: %d documents", len(docs))
    if base_args.tokenizer_name_or_path:
        tokenizer = load_tokenizer(base_args.tokenizer_name_or_path)
    else:
        # The template's own text is in the tokenizer's training data so prompts tokenize compactly, although the
        # corpus never shows the template whole.
        tokenizer = build_tokenizer(docs + [R1_ZERO_TEMPLATE_EN, R1_ZERO_TEMPLATE_ZH], base_args.vocab_size)
        # Saved now, not only with the model: a student base pre-trained beside this one needs it from the start.
        tokenizer.save_pretrained(training_args.output_dir)
    model = build_model(base_args.model_preset, tokenizer, seed=training_args.seed)
    logger.info("%s: %.2fM parameters", base_args.model_preset, model.num_parameters() / 1e6)
    trainer = R1SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=Dataset.from_dict({"text": docs}),
        processing_class=tokenizer,
        callbacks=hub_callbacks(recipe.hub, training_args),
    )
    evaluator = stage_evaluator(recipe, tokenizer)
    return run_training_stage(
        trainer,
        recipe,
        stage,
        evaluator,
        started,
        extra={
            "num_parameters": model.num_parameters(),
            # An MoE token uses k of n routed experts; a student is "smaller" by this count, not the total.
            "num_active_parameters": active_parameters(model),
            "model_type": model.config.model_type,
        },
        # Packed blocks of max_length tokens: what "same number of tokens" compares between two bases.
        after_training=lambda _: {
            "train_tokens": trainer.state.global_step
            * training_args.per_device_train_batch_size
            * training_args.gradient_accumulation_steps
            * trainer.accelerator.num_processes
            * training_args.max_length
        },
    )

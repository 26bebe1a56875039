"""The clip ratio epsilon only acts when one rollout feeds several optimizer steps, and the real-model recipes are
laid out as the paper's: each rollout of 8,192 completions split into 16 minibatches of 512, one inner epoch."""

import re
from pathlib import Path

import pytest
import yaml
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1_trl.configs import R1GRPOConfig
from r1_trl.configs.training import assume_processes
from r1_trl.data import make_problems, to_rows
from r1_trl.trainers import R1GRPOTrainer
from tests.test_grpo import _args as grpo_args

ROOT = Path(__file__).resolve().parents[1]
# The one citation for epsilon = 10, worded the same in R1GRPOConfig's help and in every GRPO recipe.
EPSILON_SOURCE = "DeepSeek-R1 v2 (Nature 2025), supplementary: first RL stage, epsilon = 10"
CLIP_METRIC = "clip_ratio/region_mean"
TINY_GRPO_RECIPES = [
    ROOT / "recipes" / "tiny-moe" / f"{n}.yaml"
    for n in ("r1_zero", "reasoning_rl", "all_scenarios_rl", "distill_rl_only")
]


def _clip_ratios(tmp_path, model_dir, *, gradient_accumulation_steps, steps_per_generation, max_steps):
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    data = Dataset.from_list(to_rows(make_problems(16, "train", difficulties=(1,))))
    # A large step (test_grpo's 1e-2) and a narrow clip range, so the policy leaves [1 - eps, 1 + eps] after one
    # update.
    args = grpo_args(
        tmp_path,
        max_steps=max_steps,
        gradient_accumulation_steps=gradient_accumulation_steps,
        steps_per_generation=steps_per_generation,
        epsilon=1e-3,
        beta=0.0,
        sync_ref_model=False,
        loss_type="grpo",
    )
    trainer = R1GRPOTrainer(
        model=model,
        reward_funcs=["tests.conftest.length_reward"],
        args=args,
        train_dataset=data,
        processing_class=tok,
        template="r1_zero",
    )
    trainer.train()
    return [h[CLIP_METRIC] for h in trainer.state.log_history if CLIP_METRIC in h]


def test_clipping_acts_only_when_a_rollout_feeds_several_optimizer_steps(tmp_path, tiny_model_dir):
    # One rollout of 32 completions split into 4 optimizer steps of 8: steps 2-4 see a policy that has moved.
    off_policy = _clip_ratios(
        tmp_path / "off", tiny_model_dir, gradient_accumulation_steps=1, steps_per_generation=4, max_steps=4
    )
    assert len(off_policy) == 4
    # The first minibatch is still on the policy that generated it; the rest are not.
    assert off_policy[0] == 0.0 and min(off_policy[1:]) > 0, off_policy
    # The same rollout size taken in one optimizer step: TRL reuses the current log-probs, the ratio is exactly 1.
    on_policy = _clip_ratios(
        tmp_path / "on", tiny_model_dir, gradient_accumulation_steps=4, steps_per_generation=4, max_steps=2
    )
    assert len(on_policy) == 2
    assert on_policy == [0.0, 0.0]


def _grpo_recipes():
    recipes = []
    for path in sorted(ROOT.glob("recipes/Qwen*/*.yaml")):
        if "num_generations" in yaml.safe_load(path.read_text()):
            recipes.append(path)
    return recipes


def _intended_processes(path: Path) -> int:
    """The launch the recipe's header names: its accelerate config's num_processes, else one process."""
    match = re.search(r"--config_file (accelerate_configs/\S+\.yaml)", path.read_text())
    if match is None:
        return 1
    return yaml.safe_load((ROOT / match.group(1)).read_text())["num_processes"]


# Deliberate departures, each stated in the recipe's comment and the family README.
MINIBATCHES_PER_ROLLOUT = {"Qwen2.5-Math-1.5B/r1_zero_small_gpu.yaml": 2}


def test_the_grpo_recipes_are_found():
    names = {f"{p.parent.name}/{p.name}" for p in _grpo_recipes()}
    assert {
        "Qwen2.5-Math-7B/r1_zero.yaml",
        "Qwen2.5-Math-7B/reasoning_rl.yaml",
        "Qwen2.5-Math-7B/all_scenarios_rl.yaml",
        "Qwen2.5-Math-1.5B/r1_zero.yaml",
        "Qwen2.5-Math-1.5B/r1_zero_small_gpu.yaml",
    } <= names


@pytest.mark.parametrize("path", _grpo_recipes(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_model_recipe_splits_each_rollout_into_16_minibatches(path):
    recipe = yaml.safe_load(path.read_text())
    name = f"{path.parent.name}/{path.name}"
    processes = _intended_processes(path)
    layout = {
        k: recipe[k]
        for k in (
            "per_device_train_batch_size",
            "gradient_accumulation_steps",
            "steps_per_generation",
            "generation_batch_size",
            "num_generations",
            "num_iterations",
        )
        if k in recipe
    }
    # TRL's own __post_init__ derives the generation batch, so the check follows TRL rather than a copy of it.
    with assume_processes(processes):
        cfg = R1GRPOConfig(output_dir="unused", use_cpu=True, **layout)
    per_step = cfg.per_device_train_batch_size * processes * cfg.gradient_accumulation_steps
    assert cfg.steps_per_generation % cfg.gradient_accumulation_steps == 0, name
    minibatches = cfg.steps_per_generation // cfg.gradient_accumulation_steps
    assert cfg.num_iterations == 1, f"{name}: the paper trains one inner epoch per rollout"
    assert minibatches == MINIBATCHES_PER_ROLLOUT.get(name, 16), name
    assert cfg.generation_batch_size == per_step * minibatches, name
    if name not in MINIBATCHES_PER_ROLLOUT:
        assert (per_step, cfg.generation_batch_size) == (512, 8192), name
        assert cfg.generation_batch_size // cfg.num_generations == 512, f"{name}: 512 questions x 16 per rollout"


def test_epsilon_cites_one_source_everywhere():
    help_text = R1GRPOConfig.__dataclass_fields__["epsilon"].metadata["help"]
    assert EPSILON_SOURCE in help_text
    assert R1GRPOConfig.__dataclass_fields__["epsilon"].default == 10.0
    for path in _grpo_recipes() + TINY_GRPO_RECIPES:
        text = path.read_text()
        assert EPSILON_SOURCE in text, path
        # Older wordings that attributed the value elsewhere or left the source out.
        assert "clip ratio 10" not in text and "clip 10" not in text, path


def test_tiny_recipes_stay_on_policy_and_say_so():
    for path in TINY_GRPO_RECIPES:
        recipe = yaml.safe_load(path.read_text())
        spg = recipe.get("steps_per_generation", recipe.get("gradient_accumulation_steps", 1))
        assert spg == recipe.get("gradient_accumulation_steps", 1), path
        assert "epsilon never acts" in path.read_text(), path

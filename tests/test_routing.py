"""Per-sample reward routing by the `task` column, and the start step that switches a reward on late."""

from types import SimpleNamespace

import pytest

from r1_trl.rewards.routing import TaskRouted, route_rewards


class Recorder:
    """Scores each completion by its length and remembers what it was called with."""

    __name__ = "recorder"
    required_columns = ("solution",)

    def __init__(self):
        self.calls = []

    def __call__(self, completions, **kwargs):
        self.calls.append((list(completions), kwargs))
        return [float(len(c)) for c in completions]


TASKS = ["reasoning", "general", "reasoning", "general"]
COMPLETIONS = ["a", "bb", "ccc", "dddd"]


def test_a_routed_reward_scores_only_its_tasks_and_sees_only_their_rows():
    inner = Recorder()
    reward = TaskRouted(inner, ["general"])
    state = SimpleNamespace(global_step=0)
    scores = reward(COMPLETIONS, task=TASKS, solution=["1", "", "3", ""], trainer_state=state)
    assert scores == [None, 2.0, None, 4.0]
    completions, kwargs = inner.calls[0]
    assert completions == ["bb", "dddd"]
    # Per-row columns are cut to the routed rows; the rest (trainer_state) passes as it is.
    assert kwargs["task"] == ["general", "general"] and kwargs["solution"] == ["", ""]
    assert kwargs["trainer_state"] is state
    assert reward.__name__ == "recorder" and reward.required_columns == ("solution", "task")


def test_a_reward_for_no_row_of_the_batch_is_not_called():
    inner = Recorder()
    assert TaskRouted(inner, ["general"])(["x", "y"], task=["reasoning", "reasoning"]) == [None, None]
    assert inner.calls == []


def test_a_start_step_keeps_the_reward_off_until_then():
    inner = Recorder()
    reward = TaskRouted(inner, None, start_step=60)
    assert reward(COMPLETIONS, trainer_state=SimpleNamespace(global_step=59)) == [None] * 4
    assert reward(COMPLETIONS, trainer_state=SimpleNamespace(global_step=60)) == [1.0, 2.0, 3.0, 4.0]
    assert reward.required_columns == ("solution",)  # not routed by task, so no task column is needed


def test_route_rewards_reads_the_recipe_lists():
    a, b, c = Recorder(), Recorder(), Recorder()
    routed = route_rewards([a, b, c], ["reasoning", "general+safety", "all"], [0, 40, 0])
    assert routed[2] is c  # `all` from step 0 is the reward unchanged
    assert routed[0].tasks == {"reasoning"} and routed[1].tasks == {"general", "safety"}
    assert routed[1].start_step == 40
    with pytest.raises(ValueError, match="reward_tasks has 1 entries for 3"):
        route_rewards([a, b, c], ["all"])
    with pytest.raises(ValueError, match="needs a 'task' column"):
        routed[0](COMPLETIONS, solution=["1"] * 4)


def test_routing_in_a_grpo_run_scores_general_rows_only_with_the_general_reward(tiny_model_dir, tmp_path):
    """Two GRPO steps over a mixed set: the logged means show each reward saw only its own rows."""
    from datasets import Dataset

    from r1_trl.configs import R1GRPOConfig
    from r1_trl.models import load_causal_lm, load_tokenizer
    from r1_trl.trainers import R1GRPOTrainer

    seen = {"reasoning": set(), "general": set()}

    def reasoning_only(completions, task, **kwargs):
        seen["reasoning"].update(task)
        return [1.0] * len(completions)

    def general_only(completions, task, **kwargs):
        seen["general"].update(task)
        return [float(len(c) % 3) for c in completions]

    rows = [{"prompt": f"Compute {i} + 1.", "solution": str(i + 1), "task": "reasoning"} for i in range(4)]
    rows += [
        {"prompt": f"Write about {w}.", "solution": "", "task": "general"} for w in ("sea", "rain", "a cat", "snow")
    ]
    args = R1GRPOConfig(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=8,
        max_steps=2,
        learning_rate=1e-4,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        bf16=False,
        use_cpu=True,
    )
    trainer = R1GRPOTrainer(
        model=load_causal_lm(str(tiny_model_dir)),
        reward_funcs=[reasoning_only, general_only],
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=load_tokenizer(str(tiny_model_dir)),
        template="plain",
        reward_tasks=["reasoning", "general"],
    )
    trainer.train()
    assert seen == {"reasoning": {"reasoning"}, "general": {"general"}}
    logged = [h for h in trainer.state.log_history if "rewards/reasoning_only/mean" in h]
    assert logged and all(h["rewards/reasoning_only/mean"] == 1.0 for h in logged)

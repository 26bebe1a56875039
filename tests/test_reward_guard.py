import asyncio
import logging
import pickle

import pytest
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1_trl.data import make_problems, to_rows
from r1_trl.rewards import FormatReward, GuardedReward, Reward, RewardFailureError, guard_rewards
from r1_trl.rewards.guard import AsyncGuardedReward
from r1_trl.rewards.routing import TaskRouted
from r1_trl.trainers import R1GRPOTrainer
from r1_trl.trainers.grpo import PrefixedReward
from tests._user_rewards import FailsOnEvenRows, always_raises
from tests.test_grpo import _args


class Metrics:
    """A stand-in for TRL's `log_metric` kwarg."""

    def __init__(self) -> None:
        self.logged: list[tuple[str, float]] = []

    def __call__(self, name: str, value: float) -> None:
        self.logged.append((name, value))


class FailsOn(Reward):
    """Raises ZeroDivisionError on the completions whose text is in `bad`."""

    name = "fails_on"

    def __init__(self, bad: set[str]) -> None:
        super().__init__()
        self.bad = bad

    def score(self, text: str, **row) -> float:
        return 1 / 0 if text in self.bad else 1.0


def _batch(n: int, failing: int) -> tuple[list[str], set[str]]:
    texts = [f"c{i}" for i in range(n)]
    return texts, set(texts[:failing])


def _tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]


def test_failures_under_the_share_are_scored_counted_and_logged_as_a_metric():
    texts, bad = _batch(32, 3)  # 3/32 < 0.1
    guard = GuardedReward(FailsOn(bad), max_failure_share=0.1)
    metrics = Metrics()
    scores = guard(texts, log_metric=metrics)
    assert scores == [0.0] * 3 + [1.0] * 29
    assert metrics.logged == [("reward_failures/fails_on", 3.0)]
    # The count is per call: a clean batch logs zero, not the running total.
    assert guard(["ok"] * 32, log_metric=metrics) == [1.0] * 32
    assert metrics.logged[-1] == ("reward_failures/fails_on", 0.0)


def test_failures_over_the_share_stop_with_one_line_naming_the_reward():
    texts, bad = _batch(32, 5)  # 5/32 > 0.1
    metrics = Metrics()
    with pytest.raises(RewardFailureError) as info:
        GuardedReward(FailsOn(bad), max_failure_share=0.1)(texts, log_metric=metrics)
    assert str(info.value) == (
        "reward 'fails_on' failed on 5 of 32 completions (ZeroDivisionError: division by zero); fix the reward or "
        "see the traceback logged above"
    )
    assert isinstance(info.value, ValueError)
    assert metrics.logged == [("reward_failures/fails_on", 5.0)]


def test_the_share_is_a_strict_bound():
    texts, bad = _batch(10, 1)
    assert GuardedReward(FailsOn(bad), max_failure_share=0.1)(texts) == [0.0] + [1.0] * 9  # 1/10 is not over 0.1
    with pytest.raises(RewardFailureError, match="failed on 1 of 10 completions"):
        GuardedReward(FailsOn(bad), max_failure_share=0.0)(texts)
    for share in (-0.1, 1.0, 2):
        with pytest.raises(ValueError, match="max_failure_share must be in"):
            GuardedReward(FailsOn(bad), max_failure_share=share)


def test_a_call_that_raises_always_stops_and_logs_its_traceback_once(caplog):
    guard = GuardedReward(always_raises, max_failure_share=0.5)
    metrics = Metrics()
    for _ in range(2):
        with caplog.at_level(logging.ERROR), pytest.raises(RewardFailureError) as info:
            guard(["a", "b", "c"], log_metric=metrics)
        assert str(info.value).startswith(
            "reward 'always_raises' failed on 3 of 3 completions (ZeroDivisionError: division by zero);"
        )
        assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert metrics.logged == [("reward_failures/always_raises", 3.0)] * 2
    records = _tracebacks(caplog)
    assert len(records) == 1 and records[0].exc_info[0] is ZeroDivisionError


def test_a_rewards_first_traceback_is_logged_once_then_only_counts(caplog):
    texts, bad = _batch(20, 1)
    guard = GuardedReward(FailsOn(bad), max_failure_share=0.2)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            guard(texts)
    records = _tracebacks(caplog)
    assert len(records) == 1 and records[0].exc_info[0] is ZeroDivisionError
    counts = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        counts
        == ["reward fails_on failed on 1 of 20 completions, which score its no-credit value (tolerated up to 20%)"] * 3
    )


def test_failures_are_read_through_routing_and_prefix_wrappers():
    texts, bad = _batch(8, 2)
    inner = FailsOn({"<think>" + t for t in bad})
    wrapped = PrefixedReward(TaskRouted(inner, None, start_step=1), "<think>")
    with pytest.raises(RewardFailureError, match="'fails_on' failed on 2 of 8"):
        GuardedReward(wrapped, max_failure_share=0.1)(texts)


def test_failures_outside_the_guard_are_not_charged_to_the_next_batch():
    reward = FailsOn({"bad"})
    assert reward(["bad"] * 5) == [0.0] * 5  # a direct call, e.g. an evaluation
    metrics = Metrics()
    assert GuardedReward(reward)(["ok"] * 5, log_metric=metrics) == [1.0] * 5
    assert metrics.logged == [("reward_failures/fails_on", 0.0)]


def test_the_guard_keeps_name_and_columns_passes_trls_kwargs_and_pickles():
    seen = {}

    guard = GuardedReward(FormatReward(strict=True))
    assert guard.__name__ == "format_strict" and guard.required_columns == ()
    again = pickle.loads(pickle.dumps(guard))
    good = "<think>\na\n</think>\n<answer>\n14\n</answer>"
    assert again([good, "x"]) == [1.0, 0.0] and again.__name__ == "format_strict"
    reward = FailsOnEvenRows()
    reward(["a", "b"])  # one failure recorded on the instance: the pickle must still work
    assert pickle.loads(pickle.dumps(GuardedReward(reward))).__name__ == "fails_on_even_rows"

    def user_reward(prompts, completions, solution, **kwargs):  # prompts first, called by keyword as TRL does
        seen.update(prompts=prompts, solution=solution)
        return [1.0] * len(completions)

    user_reward.required_columns = ("solution",)
    guarded = GuardedReward(user_reward)
    assert guarded.required_columns == ("solution",)
    assert guarded(["a"], prompts=["p"], solution=["14"]) == [1.0]
    assert seen == {"prompts": ["p"], "solution": ["14"]}


def test_async_rewards_stay_async_and_are_guarded():
    async def flaky(completions, **kwargs):
        raise RuntimeError("endpoint down")

    async def fine(completions, **kwargs):
        return [1.0] * len(completions)

    guarded = guard_rewards([flaky, fine, FormatReward()])
    assert [type(g) for g in guarded] == [AsyncGuardedReward, AsyncGuardedReward, GuardedReward]
    assert asyncio.run(guarded[1](["a", "b"])) == [1.0, 1.0]
    with pytest.raises(
        RewardFailureError, match=r"'flaky' failed on 1 of 1 completions \(RuntimeError: endpoint down\)"
    ):
        asyncio.run(guarded[0](["a"]))


def _trainer(tmp_path, tiny_model_dir, reward_funcs, **kw):
    return R1GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_model_dir),
        reward_funcs=reward_funcs,
        args=_args(tmp_path, max_steps=1),
        train_dataset=Dataset.from_list(to_rows(make_problems(8, "train", difficulties=(1,)))),
        processing_class=AutoTokenizer.from_pretrained(tiny_model_dir),
        template="r1_zero",
        **kw,
    )


def test_a_raising_user_reward_stops_training_with_its_name(tmp_path, tiny_model_dir):
    trainer = _trainer(tmp_path, tiny_model_dir, ["format", "tests._user_rewards.always_raises"])
    assert all(isinstance(f, GuardedReward) for f in trainer.reward_funcs)
    assert trainer.reward_func_names == ["format", "always_raises"]
    with pytest.raises(RewardFailureError) as info:
        trainer.train()
    # What the CLI prints: one line, the reward's name, the count and the cause.
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("reward 'always_raises' failed on ")
    assert "(ZeroDivisionError: division by zero)" in message


def test_tolerated_reward_failures_reach_the_training_log(tmp_path, tiny_model_dir):
    # Every other completion fails: tolerated when the share allows it, and logged per step.
    trainer = _trainer(tmp_path, tiny_model_dir, ["tests._user_rewards.FailsOnEvenRows"], max_reward_failure_share=0.6)
    trainer.train()
    logged = [
        h["reward_failures/fails_on_even_rows"]
        for h in trainer.state.log_history
        if "reward_failures/fails_on_even_rows" in h
    ]
    # 8 completions per step on one process, half of which fail.
    assert logged == [4.0]

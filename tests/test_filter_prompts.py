"""Pass-rate prompt filtering: the interval, the written dataset, resuming, and the GRPO switch."""

import json

import pytest

from r1_trl.cli import main
from r1_trl.configs import PromptFilterSettings
from r1_trl.data import pass_rate
from r1_trl.stages import filter_prompts as fp
from r1_trl.stages.recipe import parse_stage


class ScriptedSampler:
    """Answers prompt i correctly in `i % 5` of its 4 samples (pass rates 0, .25, .5, .75, 1, 0, ...), tagged as
    the R1-Zero template asks; counts the prompts it was asked, so a resume can be checked."""

    def __init__(self):
        self.asked = []

    def __call__(self, rows, shard):
        self.asked += [r["prompt_id"] for r in rows]
        groups = []
        for r in rows:
            right = r["prompt_id"] % 5
            texts = [f"<think>x</think> <answer>{r['solution'] if j < right else 'nope'}</answer>" for j in range(4)]
            groups.append([{"text": t, "num_tokens": 9, "truncated": False} for t in texts])
        return groups


def _recipe(tmp_path, *extra):
    path = tmp_path / "filter.yaml"
    lines = [
        "model_name_or_path: unused-with-a-scripted-sampler",
        f"output_dir: {tmp_path / 'filter'}",
        f"report_path: {tmp_path / 'report.json'}",
        "template: r1_zero",
        "num_train_prompts: 20",
        "num_test_prompts: 3",
        "filter_k: 4",
        "filter_shard_size: 6",
        *extra,
    ]
    path.write_text("\n".join(lines))
    return ["--config", str(path)]


def test_the_open_interval_keeps_prompts_solved_sometimes_and_writes_a_dataset(tmp_path):
    sampler = ScriptedSampler()
    entry = fp.main(_recipe(tmp_path), sampler=sampler)
    assert entry["num_scored"] == 20 and entry["num_kept"] == 12  # rates .25, .5, .75 of every five
    assert entry["never_solved_share"] == 0.2 and entry["always_solved_share"] == 0.2
    assert entry["zero_variance_share"] == 0.4 and entry["histogram"] == {
        "0.0": 4,
        "0.25": 4,
        "0.5": 4,
        "0.75": 4,
        "1.0": 4,
    }
    rows = [json.loads(x) for x in (tmp_path / "filter" / "data" / "train.jsonl").read_text().splitlines()]
    assert [r["pass_rate"] for r in rows[:3]] == [0.25, 0.5, 0.75] and {"prompt", "solution", "lang"} <= set(rows[0])
    assert (tmp_path / "filter" / "data" / "test.jsonl").read_text().count("\n") == 3
    assert json.loads((tmp_path / "report.json").read_text())["stages"]["filter_prompts"]["num_kept"] == 12
    # The folder is a dataset a GRPO recipe can name, with both splits.
    data = str(tmp_path / "filter" / "data")
    recipe = parse_stage(
        "r1_zero", ["--dataset_name", data, "--output_dir", "x", "--num_generations", "8", "--bf16", "false"]
    )
    from r1_trl.data import load_prompts

    assert len(load_prompts(recipe, "train")) == 12 and len(load_prompts(recipe, "test")) == 3


def test_a_narrower_interval_and_a_rerun_that_resumes(tmp_path):
    first = ScriptedSampler()
    fp.main(_recipe(tmp_path, "filter_min_pass_rate: 0.3", "filter_max_pass_rate: 0.8"), sampler=first)
    kept = [json.loads(x) for x in (tmp_path / "filter" / "data" / "train.jsonl").read_text().splitlines()]
    assert {r["pass_rate"] for r in kept} == {0.5, 0.75}
    # A killed run leaves whole shards only; the rerun samples just the missing ones.
    shards = sorted((tmp_path / "filter" / "shards").glob("pass_rates-*.jsonl"))
    assert len(shards) == 4
    shards[-1].unlink()
    again = ScriptedSampler()
    entry = fp.main(_recipe(tmp_path, "filter_min_pass_rate: 0.3", "filter_max_pass_rate: 0.8"), sampler=again)
    assert again.asked == [18, 19] and entry["shards"] == {"shards": 4, "resumed": 3, "sampled": 1}
    # Other sampling settings cannot resume into these shards.
    with pytest.raises(ValueError, match="differs in k"):
        fp.main(_recipe(tmp_path, "filter_k: 8"), sampler=ScriptedSampler())


def test_nothing_in_the_interval_is_one_clear_error(tmp_path):
    class Never(ScriptedSampler):
        def __call__(self, rows, shard):
            return [[{"text": "<answer>nope</answer>", "num_tokens": 3, "truncated": False}] * 4 for _ in rows]

    with pytest.raises(ValueError, match=r"no prompt has a pass rate in \(0, 1\)"):
        fp.main(_recipe(tmp_path), sampler=Never())


def test_filter_settings_are_checked():
    with pytest.raises(ValueError, match="filter_k must be at least 2"):
        PromptFilterSettings(filter_k=1)
    with pytest.raises(ValueError, match="0 <= min < max <= 1"):
        PromptFilterSettings(filter_min_pass_rate=0.6, filter_max_pass_rate=0.5)
    with pytest.raises(ValueError, match="filter_backend"):
        PromptFilterSettings(filter_backend="tgi")


def test_the_grpo_switch_filters_with_the_start_model_then_trains_on_what_it_keeps(
    tmp_path, tiny_model_dir, monkeypatch
):
    recipe = tmp_path / "r1_zero.yaml"
    recipe.write_text(
        "\n".join(
            [
                f"model_name_or_path: {tiny_model_dir}",
                f"output_dir: {tmp_path / 'r1_zero'}",
                f"report_path: {tmp_path / 'report.json'}",
                "num_train_prompts: 12",
                "num_test_prompts: 2",
                "reward_funcs: [tests.conftest.length_reward]",
                "filter_k: 2",
                "filter_max_new_tokens: 4",
                "per_device_train_batch_size: 4",
                "num_generations: 2",
                "max_completion_length: 4",
                "max_steps: 1",
                "eval_k: 1",
                "eval_max_tokens: 4",
                "bf16: false",
                "report_to: none",
            ]
        )
    )
    # The comparison stage binds the switch and writes beside the unfiltered run; an untrained model solves
    # nothing, so nothing lies in (0, 1) and the stage says so before training.
    assert main(["r1_zero_filtered", "--config", str(recipe)]) == 2
    stats = json.loads((tmp_path / "r1_zero_filtered" / "filtered_prompts" / "stats.json").read_text())
    assert stats["num_scored"] == 12 and stats["never_solved_share"] == 1.0
    with pytest.raises(ValueError, match="contradicts"):
        parse_stage("r1_zero_filtered", ["--config", str(recipe), "--filter_prompts", "false"])

    # With a reward the untrained model sometimes earns, some prompts are kept and GRPO trains on those alone.
    def coin(name, **params):
        return lambda completions, **kwargs: [float(len(str(c)) % 2) for c in completions]

    monkeypatch.setattr(pass_rate, "get_reward_func", coin)
    out = tmp_path / "coin" / "r1_zero_filtered"
    assert main(["r1_zero_filtered", "--config", str(recipe), "--filter_k", "4", "--output_dir", str(out)]) == 0
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["r1_zero_filtered"]
    kept = entry["prompt_filter"]["num_kept"]
    assert 0 < kept < 12 and entry["global_steps"] == 1
    data = out / "filtered_prompts" / "data" / "train.jsonl"
    assert all(0 < json.loads(x)["pass_rate"] < 1 for x in data.read_text().splitlines())


def test_prompts_the_reward_cannot_judge_are_kept_unfiltered(tmp_path):
    # general_prompts mixes in prompts without a gold answer (all-scenario RL): no pass rate, kept as they are.
    entry = fp.main(_recipe(tmp_path, "general_prompts: 5"), sampler=ScriptedSampler())
    assert entry["num_prompts"] == 25 and entry["num_unscorable"] == 5 and entry["num_scored"] == 20
    inside = sum(n for rate, n in entry["histogram"].items() if 0 < float(rate) < 1)
    assert entry["num_kept"] == 5 + inside and entry["kept_share"] == inside / 20
    rows = [json.loads(x) for x in (tmp_path / "filter" / "data" / "train.jsonl").read_text().splitlines()]
    assert sum(r["pass_rate"] is None for r in rows) == 5

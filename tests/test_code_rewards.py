"""open-r1's code-execution rewards (`code`, `binary_code`, `cf_code`) in the local sandbox: scores, shapes, refusals,
and a GRPO run that trains with all three."""

import json
import pickle

import pytest

from r1_trl.rewards import get_reward_func
from r1_trl.rewards import open_r1 as o
from r1_trl.rewards.code_exec import CodeReward, extract_code
from r1_trl.sandbox import Sandbox, SandboxUnavailable

try:
    Sandbox().close()
    SANDBOX_ERROR = None
except SandboxUnavailable as err:  # said in the skip reason, never a silent pass
    SANDBOX_ERROR = str(err)

needs_sandbox = pytest.mark.skipif(SANDBOX_ERROR is not None, reason=f"sandbox unavailable: {SANDBOX_ERROR}")

DOUBLE = "```python\nn = int(input())\nprint(n * 2)\nprint(n * 3)\n```"
WRONG = "```python\nn = int(input())\nprint(n * 2)\nprint(n * 4)\n```"
FIRST_LINE_ONLY = "```python\nn = int(input())\nprint(n * 2)\n```"
CPP = '```cpp\n#include <iostream>\nint main(){long n; std::cin>>n; std::cout<<n*2<<"\\n"<<n*3<<"\\n";}\n```'
TESTS = [{"input": "2\n", "output": "4\n6\n"}, {"input": "5\n", "output": "10\n15"}]


def info(language="python", tests=TESTS):
    return {"language": language, "test_cases": tests}


@pytest.fixture(scope="module")
def code():
    return get_reward_func("code", code_time_limit_s=2.0, parallel_code_exec_per_proc=2)


@needs_sandbox
def test_gold_scores_one_wrong_scores_zero_and_the_first_line_alone_fails(code):
    completions = [DOUBLE, WRONG, FIRST_LINE_ONLY, "no code here"]
    scores = code(completions, verification_info=[info()] * 4)
    # open-r1 zips the output lines, so FIRST_LINE_ONLY would pass there.
    assert scores == [1.0, 0.0, 0.0, 0.0]
    assert code.__name__ == "code"


@needs_sandbox
def test_partial_credit_binary_and_a_row_without_tests(code):
    one_right = [{"input": "2\n", "output": "4\n6\n"}, {"input": "5\n", "output": "0\n"}]
    assert code([DOUBLE], verification_info=[info(tests=one_right)]) == [0.5]
    binary = get_reward_func("binary_code", code_time_limit_s=2.0)
    assert binary.__name__ == "binary_code"
    assert binary([DOUBLE, DOUBLE], verification_info=[info(), info(tests=one_right)]) == [1.0, 0.0]
    assert code([DOUBLE], verification_info=[info(tests=[])]) == [None]


@needs_sandbox
def test_cpp_is_compiled_inside_the_sandbox(code):
    broken = "```cpp\nint main( {\n```"
    assert code([CPP, broken], verification_info=[info("cpp")] * 2) == [1.0, 0.0]


@needs_sandbox
def test_unsupported_language_scores_none_or_is_refused_as_the_recipe_says(code):
    assert code([DOUBLE], verification_info=[info("rust")]) == [None]
    strict = get_reward_func("code", code_unsupported_language="error")
    with pytest.raises(ValueError, match=r"unsupported language\(s\) \['rust'\]"):
        strict([DOUBLE], verification_info=[info("rust")])


@needs_sandbox
def test_the_column_may_be_json_and_a_missing_column_is_one_line(code):
    assert code([DOUBLE], verification_info=[json.dumps(info())]) == [1.0]
    with pytest.raises(ValueError, match="needs a 'verification_info' column"):
        code([DOUBLE], solution=["4"])


@needs_sandbox
def test_cf_code_scoring_modes_follow_open_r1():
    row = {"official_tests": TESTS, "time_limit": 2.0, "memory_limit": 256, "language": "python"}
    rows = {k: [v] * 4 for k, v in row.items()}
    completions = [DOUBLE, "```python\nprint(4)\nprint(6)\n```", "nothing", "```cpp\nint main( {\n```"]
    rows["language"] = ["python", "python", "python", "cpp"]
    weighted = get_reward_func("cf_code")
    assert weighted.__name__ == "cf_code"
    assert weighted(completions, **rows) == [pytest.approx(1.1), pytest.approx(0.05), -1.0, -0.1]
    partial = get_reward_func("cf_code", code_eval_scoring_mode="partial")
    assert partial(completions[:2], **{k: v[:2] for k, v in rows.items()}) == [1.0, 0.5]
    pass_fail = get_reward_func("cf_code", code_eval_scoring_mode="pass_fail")
    assert pass_fail(completions[:2], **{k: v[:2] for k, v in rows.items()}) == [1.0, 0.0]
    # A checker-judged problem cannot be judged by comparing stdout: None, not a wrong 0.
    assert pass_fail([DOUBLE], **{**{k: v[:1] for k, v in rows.items()}, "generated_checker": ["..."]}) == [None]
    assert pass_fail([DOUBLE], official_tests=[[]]) == [None]


@needs_sandbox
def test_open_r1_names_build_the_local_rewards_and_pickle(code):
    funcs = o.get_reward_funcs(["code", "binary_code", "cf_code"])
    assert [f.__name__ for f in funcs] == ["code_reward", "binary_code_reward", "cf_code_reward"]
    copy = pickle.loads(pickle.dumps(code))
    assert copy([DOUBLE], verification_info=[info()]) == [1.0]


def test_ioi_code_and_cloud_providers_are_one_line_refusals():
    with pytest.raises(ValueError, match="IOI's graders") as excinfo:
        o.get_reward_funcs(["ioi_code"])
    assert len(str(excinfo.value).splitlines()) == 1
    with pytest.raises(ValueError, match="IOI's graders"):
        get_reward_func("ioi_code")
    with pytest.raises(ValueError, match="code_provider 'e2b' is a cloud service"):
        get_reward_func("code", code_provider="e2b")


def test_a_sandbox_that_cannot_start_fails_the_build_not_the_scores(monkeypatch):
    import r1_trl.rewards.code_exec as code_exec

    class Broken:
        def __init__(self, *args, **kwargs):
            raise SandboxUnavailable("bwrap: setting up uid map: Permission denied")

    monkeypatch.setattr(code_exec, "Sandbox", Broken)
    with pytest.raises(ValueError, match="the code sandbox cannot start: bwrap: setting up uid map") as excinfo:
        CodeReward()
    assert len(str(excinfo.value).splitlines()) == 1


def test_extract_code_takes_the_last_block_of_the_language():
    text = "```python\nprint(1)\n```\nthen\n```python\nprint(2)\n```\n```cpp\nint x;\n```"
    assert extract_code(text) == "print(2)\n" and extract_code(text, "cpp") == "int x;\n"
    assert extract_code("```\nprint(1)\n```") == ""


@needs_sandbox
def test_grpo_trains_a_tiny_model_on_the_three_code_rewards(tmp_path, tiny_tokenizer):
    """Each whole code block is one added token, and sampling is restricted to them (`suppress_tokens`), so an
    untrained model writes programs: right, wrong or none. The rewards differ inside a group, the sandbox judges
    every block, and the weights move."""
    import torch
    import yaml

    from r1_trl.cli import main
    from r1_trl.models import build_model

    blocks = [DOUBLE, WRONG, FIRST_LINE_ONLY, CPP]
    tokenizer = copy_tokenizer(tiny_tokenizer, tmp_path / "tok")
    tokenizer.add_tokens(blocks)
    model = build_model("tiny-moe", tokenizer, seed=0)
    model_dir = tmp_path / "model"
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    keep = set(tokenizer.convert_tokens_to_ids(blocks)) | {tokenizer.eos_token_id}
    suppress = [i for i in range(len(tokenizer)) if i not in keep]
    rows = [
        {
            "prompt": f"Read n; print 2n and 3n. ({i})",
            "verification_info": info("cpp" if i % 2 else "python"),
            "official_tests": TESTS,
            "time_limit": 2.0,
            "memory_limit": 256,
            "language": "cpp" if i % 2 else "python",
        }
        for i in range(8)
    ]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    recipe = {
        "model_name_or_path": str(model_dir),
        "dataset_name": str(tmp_path / "data"),
        "template": "plain",
        "output_dir": str(tmp_path / "out"),
        "bf16": False,
        "reward_funcs": ["code", "binary_code", "cf_code"],
        "code_time_limit_s": 2.0,
        "per_device_train_batch_size": 8,
        "num_generations": 4,
        "max_completion_length": 3,
        "generation_kwargs": {"suppress_tokens": suppress},
        "max_steps": 2,
        "learning_rate": 0.05,
        "logging_steps": 1,
        "report_to": "none",
        "save_strategy": "no",
        "eval_after_training": False,
    }
    path = tmp_path / "code.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert main(["r1_zero", "--config", str(path)]) == 0
    history = json.loads((tmp_path / "out" / "stage.json").read_text())["history"]
    for name in ("code", "binary_code", "cf_code"):
        means = history[f"rewards/{name}/mean"]
        assert len(means) == 2 and all(m is not None for m in means), name
    # Right and wrong programs were both sampled: a batch mean strictly between 0 and 1.
    assert any(0 < m < 1 for m in history["rewards/code/mean"])
    trained = build_model("tiny-moe", tokenizer, seed=0).__class__.from_pretrained(tmp_path / "out")
    changed = [
        name
        for (name, before), after in zip(model.state_dict().items(), trained.state_dict().values(), strict=True)
        if not torch.equal(before, after)
    ]
    assert changed


def copy_tokenizer(tokenizer, path):
    tokenizer.save_pretrained(path)
    return type(tokenizer).from_pretrained(path)

"""The vLLM sampling backend against the transformers one, through a fake `vllm` module.

These run in `make test`, where vLLM is not installed, so `vllm` is replaced by a fake whose `LLM` loads the same
model with transformers and decodes greedily, one prompt at a time and without padding, and answers as vLLM's
`LLM.generate` does (`RequestOutput.outputs`, each with `text`, `token_ids` ending with the stop token,
`finish_reason`). Equal results therefore check r1-trl's own plumbing around vLLM: prompts rendered through
vLLM's tokenizer, prefilled prefixes, token counts, truncation flags, the order of prompts and of their n
samples, seeds and settings reaching `SamplingParams`, the saved model being the one evaluated, and the errors.
They say nothing about vLLM's kernels, scheduler, detokenizer or sampling at temperature > 0: tests/engines
checks those on vLLM's CPU build.
"""

from __future__ import annotations

import json
import shutil
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1_trl.cli import main
from r1_trl.configs import R1ScriptArguments
from r1_trl.data import load_prompts
from r1_trl.evaluation.evaluator import eval_settings, make_evaluator
from r1_trl.evaluation.heldout import evaluate
from r1_trl.generation import SamplingSettings, VllmEngine, sample_completions
from r1_trl.models.tokenizer import CHAT_TEMPLATE
from r1_trl.stages import evaluate as evaluate_stage
from r1_trl.stages import training as training_tail
from r1_trl.templates import get_template, prefilled_prefix

MAX_TOKENS = 16
# A chat template that opens the reasoning itself, as DeepSeek-R1's does: the answer's first tag is in the prompt.
PREFILLING_TEMPLATE = CHAT_TEMPLATE.replace("<|assistant|>\n{% endif %}", "<|assistant|>\n<think>\n{% endif %}")
assert PREFILLING_TEMPLATE != CHAT_TEMPLATE
EVAL = {"num_test_prompts": 6, "eval_k": 2, "eval_temperature": 0.0, "eval_max_tokens": MAX_TOKENS}
RS_TRAIN_PROMPTS, RS_PROMPTS = 20, 6


# ---------------------------------------------------------------------------------------------------------------
# The fake vLLM


@torch.no_grad()
def greedy_ids(model, prompt_ids: list[int], max_tokens: int, stop_ids: set[int]) -> list[int]:
    """Argmax decoding without a cache or padding: deliberately not how `model.generate` batches."""
    x, new = torch.tensor([prompt_ids]), []
    while len(new) < max_tokens:
        token = int(model(input_ids=x).logits[0, -1].argmax())
        new.append(token)
        if token in stop_ids:
            break
        x = torch.cat([x, torch.tensor([[token]])], dim=1)
    return new


def stop_ids_of(model, tokenizer) -> set[int]:
    # vLLM stops at the tokenizer's end token and at every end token of the model's generation_config.
    eos = model.generation_config.eos_token_id
    return {tokenizer.eos_token_id, *(eos if isinstance(eos, list) else [eos])}


class FakeSamplingParams:
    def __init__(self, n: int = 1, temperature: float = 1.0, top_p: float = 1.0, max_tokens: int = 16, seed=None):
        self.n, self.temperature, self.top_p, self.max_tokens, self.seed = n, temperature, top_p, max_tokens, seed


class FakeLLM:
    """Loads `model` with transformers and decodes greedily whatever the temperature (see the module docstring)."""

    instances: list[FakeLLM] = []

    def __init__(self, model: str, seed: int = 0, trust_remote_code: bool = False, **engine_args):
        self.model_path, self.seed, self.trust_remote_code, self.engine_args = (
            model,
            seed,
            trust_remote_code,
            engine_args,
        )
        self.hf = AutoModelForCausalLM.from_pretrained(model).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.stop_ids = stop_ids_of(self.hf, self.tokenizer)
        self.calls: list[tuple[list[str], FakeSamplingParams]] = []
        FakeLLM.instances.append(self)

    def get_tokenizer(self):
        return self.tokenizer

    def generate(self, prompts, sampling_params, use_tqdm: bool = True):
        assert isinstance(prompts, list) and all(isinstance(p, str) for p in prompts)
        self.calls.append((list(prompts), sampling_params))
        return [
            SimpleNamespace(prompt=p, outputs=[self._complete(p, sampling_params) for _ in range(sampling_params.n)])
            for p in prompts
        ]

    def _complete(self, prompt: str, params: FakeSamplingParams) -> SimpleNamespace:
        ids = greedy_ids(self.hf, self.tokenizer(prompt)["input_ids"], params.max_tokens, self.stop_ids)
        stopped = ids[-1] in self.stop_ids
        # vLLM counts the stop token in token_ids but does not render it into the text.
        text = self.tokenizer.decode(ids[:-1] if stopped else ids, skip_special_tokens=True)
        return SimpleNamespace(text=text, token_ids=ids, finish_reason="stop" if stopped else "length")


@pytest.fixture
def fake_vllm(monkeypatch) -> types.ModuleType:
    fake = types.ModuleType("vllm")
    fake.LLM, fake.SamplingParams = FakeLLM, FakeSamplingParams
    # A GPU platform: the CPU build's settings are tested on the real one (tests/engines).
    fake.platforms = types.ModuleType("vllm.platforms")
    fake.platforms.current_platform = SimpleNamespace(is_cpu=lambda: False)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    monkeypatch.setitem(sys.modules, "vllm.platforms", fake.platforms)
    monkeypatch.setattr(FakeLLM, "instances", [])
    return fake


# ---------------------------------------------------------------------------------------------------------------
# A model worth comparing


def eval_prompts(tokenizer, chat: bool) -> tuple[list, str]:
    args = R1ScriptArguments(**EVAL)
    test, template = load_prompts(args, "test"), get_template(args.template)
    if not chat:
        return [template.format_prompt(q, lang) for q, lang in zip(test["prompt"], test["lang"], strict=True)], ""
    rendered = tokenizer.apply_chat_template(template.as_conversation("?"), tokenize=False, add_generation_prompt=True)
    prompts = [template.as_conversation(q, lang) for q, lang in zip(test["prompt"], test["lang"], strict=True)]
    return prompts, prefilled_prefix(rendered, template.response_format)


def rs_prompts(chat: bool) -> list:
    args = R1ScriptArguments(num_train_prompts=RS_TRAIN_PROMPTS)
    rows, template = load_prompts(args, "train").select(range(RS_PROMPTS)), get_template(args.template)
    render = template.as_conversation if chat else template.format_prompt
    return [render(r["prompt"], r["lang"]) for r in rows]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """tiny_model_dir with its weights spread out, so that greedy answers differ from prompt to prompt (the untrained
    model repeats one token everywhere); a chat template that prefills `<think>`; and, per prompt set of the tests
    below, one more end token that the set's first answer reaches early, so every set has answers that stop and
    answers cut at MAX_TOKENS."""
    path = tmp_path_factory.mktemp("vllm-backend") / "model"
    shutil.copytree(tiny_model_dir, path)
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.2, generator=generator)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.chat_template = PREFILLING_TEMPLATE
    stop_ids = stop_ids_of(model, tokenizer)
    extra = []
    sets = [eval_prompts(tokenizer, False)[0], eval_prompts(tokenizer, True)[0], rs_prompts(False), rs_prompts(True)]
    for prompts in sets:
        text = (
            prompts[0]
            if isinstance(prompts[0], str)
            else tokenizer.apply_chat_template(prompts[0], tokenize=False, add_generation_prompt=True)
        )
        extra.append(greedy_ids(model, tokenizer(text)["input_ids"], MAX_TOKENS, stop_ids)[3])
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, *extra]
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def assert_stops_and_cuts(groups) -> None:
    flags = [c.truncated for group in groups for c in group]
    assert any(flags) and not all(flags), "the comparison must see answers that stop and answers that are cut"


# ---------------------------------------------------------------------------------------------------------------
# Same answers through both backends


@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat"])
def test_greedy_completions_are_the_same_through_vllm(fake_vllm, model_dir, chat):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    prompts, prefix = eval_prompts(tokenizer, chat)
    # A batch that does not divide the jobs: the transformers side pads, sorts by length and restores the order.
    settings = SamplingSettings(n=3, temperature=0.0, max_new_tokens=MAX_TOKENS, batch_size=4)
    expected = sample_completions(model, tokenizer, prompts, settings)
    engine = VllmEngine(str(model_dir), seed=7)
    assert sample_completions(engine, None, prompts, settings) == expected
    assert_stops_and_cuts(expected)
    assert len({group[0].text for group in expected}) == len(prompts)
    (llm,) = fake_vllm.LLM.instances
    assert llm.seed == 7 and llm.engine_args == {"gpu_memory_utilization": 0.9}
    ((sent, params),) = llm.calls
    # Greedy: n copies of one request, in prompt order.
    assert params.n == 1 and params.temperature == 0.0 and params.max_tokens == MAX_TOKENS
    assert len(sent) == 3 * len(prompts) and sent[0] == sent[2] != sent[3]
    assert prefix == ("<think>\n" if chat else "") and all(t.endswith(prefix) for t in sent)


@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat"])
def test_greedy_evaluation_is_the_same_through_vllm(fake_vllm, model_dir, tiny_reward_model_dir, monkeypatch, chat):
    """`make_evaluator` under eval_backend vllm evaluates the saved model in vLLM, held-out and general prompts."""
    closed = []
    close = VllmEngine.close
    monkeypatch.setattr(VllmEngine, "close", lambda engine: (closed.append(engine.model), close(engine)))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    _, prefix = eval_prompts(tokenizer, chat)
    common = {
        **EVAL,
        "eval_generation_batch": 5,
        "general_eval_prompts": 3,
        "helpfulness_model_name_or_path": tiny_reward_model_dir,
    }
    expected = make_evaluator(R1ScriptArguments(**common), tokenizer, chat=chat, prefix=prefix)(model)
    args = R1ScriptArguments(**common, eval_backend="vllm", eval_vllm_gpu_memory_utilization=0.25)
    evaluator = make_evaluator(args, tokenizer, chat=chat, prefix=prefix, model_dir=str(model_dir))
    assert fake_vllm.LLM.instances == []  # nothing is loaded until the stage has saved its model
    got = evaluator(None)
    assert got.pop("sampling") == {**expected.pop("sampling"), "backend": "vllm"}
    assert got == expected
    assert 0 < expected["clipped_ratio"] < 1 and len({e["completion"] for e in expected["examples"]}) > 1
    assert expected["general"]["helpfulness"] is not None
    (llm,) = fake_vllm.LLM.instances
    assert llm.model_path == str(model_dir) and llm.engine_args == {"gpu_memory_utilization": 0.25}
    assert closed == [str(model_dir)]
    # Held-out prompts, then general prompts (k capped at 2): both through the one engine.
    assert [len(sent) for sent, _ in llm.calls] == [6 * 2, 3 * 2]


def test_evaluate_reads_the_same_through_vllm(fake_vllm, model_dir):
    """`evaluate` itself, given a `VllmEngine` where it takes a model."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    args = R1ScriptArguments(**EVAL)
    test, template = load_prompts(args, "test"), get_template(args.template)
    expected = evaluate(model, tokenizer, test, template, eval_settings(args))
    assert evaluate(VllmEngine(str(model_dir)), tokenizer, test, template, eval_settings(args)) == expected
    assert expected["mean_length"] > 0


def test_sampled_settings_reach_vllm_and_samples_keep_their_prompt(fake_vllm, model_dir):
    engine = VllmEngine(str(model_dir), seed=1, max_model_len=256)
    prompts = ["What is 2 + 3?", "What is 7 * 6?"]
    settings = SamplingSettings(n=3, temperature=0.6, top_p=0.9, max_new_tokens=5, seed=11)
    groups = engine.sample(prompts, settings)
    (llm,) = fake_vllm.LLM.instances
    ((sent, params),) = llm.calls
    assert sent == prompts and llm.engine_args == {"gpu_memory_utilization": 0.9, "max_model_len": 256}
    assert (params.n, params.temperature, params.top_p, params.max_tokens, params.seed) == (3, 0.6, 0.9, 5, 11)
    # The fake answers greedily, so each prompt's three samples are its own greedy answer.
    tokenizer = llm.tokenizer
    for prompt, group in zip(prompts, groups, strict=True):
        ids = greedy_ids(llm.hf, tokenizer(prompt)["input_ids"], 5, llm.stop_ids)
        assert [c.num_tokens for c in group] == [len(ids)] * 3
    assert groups[0] != groups[1]


# ---------------------------------------------------------------------------------------------------------------
# Rejection sampling


def rs_recipe(tmp_path, model, name: str, **extra) -> str:
    fields = {
        "output_dir": tmp_path / name,
        "model_name_or_path": model,
        "chat_format": "true",
        "num_train_prompts": RS_TRAIN_PROMPTS,
        "num_prompts": RS_PROMPTS,
        "samples_per_prompt": 2,
        "shard_size": 3,
        "max_new_tokens": MAX_TOKENS,
        "temperature": 0.0,
        "seed": 5,
        **extra,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return str(path)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def shard_rows(out: Path) -> list[dict]:
    return [row for p in sorted((out / "shards").glob("samples-*.jsonl")) for row in read_jsonl(p)]


@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat"])
def test_rejection_sampling_rows_are_the_same_through_vllm(tmp_path, fake_vllm, model_dir, chat, monkeypatch):
    closed = []
    close = VllmEngine.close
    monkeypatch.setattr(VllmEngine, "close", lambda engine: (closed.append(engine.model), close(engine)))
    flag = str(chat).lower()
    assert main(["rejection_sampling", "--config", rs_recipe(tmp_path, model_dir, "hf", chat_format=flag)]) == 0
    assert fake_vllm.LLM.instances == []
    vllm_recipe = rs_recipe(tmp_path, model_dir, "vllm", chat_format=flag, backend="vllm")
    assert main(["rejection_sampling", "--config", vllm_recipe]) == 0
    expected = shard_rows(tmp_path / "hf")
    assert shard_rows(tmp_path / "vllm") == expected and len(expected) == RS_PROMPTS * 2
    assert read_jsonl(tmp_path / "vllm" / "train.jsonl") == read_jsonl(tmp_path / "hf" / "train.jsonl")
    flags = [r["truncated"] for r in expected]
    assert any(flags) and not all(flags)
    assert all(r["response"].startswith("<think>\n") == chat for r in expected)
    (llm,) = fake_vllm.LLM.instances
    # One engine for every shard, the recipe's seed, and one sampling seed per shard.
    assert llm.seed == 5 and [params.seed for _, params in llm.calls] == [5, 6]
    # Released once sampled: distillation trains its student in the same process next.
    assert closed == [str(model_dir)]


# ---------------------------------------------------------------------------------------------------------------
# Errors


def test_eval_backend_vllm_without_vllm_fails_in_make_evaluator(monkeypatch, tiny_tokenizer, tmp_path):
    monkeypatch.setitem(sys.modules, "vllm", None)
    args = R1ScriptArguments(**EVAL, eval_backend="vllm")
    with pytest.raises(ValueError, match="vLLM is not installed") as err:
        make_evaluator(args, tiny_tokenizer, model_dir=str(tmp_path))
    assert "eval_backend vllm" in str(err.value) and len(str(err.value).splitlines()) == 1
    with pytest.raises(ValueError, match="vLLM is not installed") as err:
        VllmEngine(str(tmp_path))
    assert "pip install vllm" in str(err.value) and "transformers backend" in str(err.value)
    # The transformers backend does not need vLLM.
    make_evaluator(R1ScriptArguments(**EVAL), tiny_tokenizer, model_dir=str(tmp_path))


def test_eval_backend_vllm_needs_the_saved_model(fake_vllm, tiny_tokenizer, tmp_path):
    args = R1ScriptArguments(**EVAL, eval_backend="vllm")
    with pytest.raises(ValueError, match="saved model"):
        make_evaluator(args, tiny_tokenizer)
    (tmp_path / "adapter").mkdir()
    with pytest.raises(ValueError, match="merge_lora") as err:
        make_evaluator(args, tiny_tokenizer, model_dir=str(tmp_path))(None)
    assert len(str(err.value).splitlines()) == 1 and fake_vllm.LLM.instances == []


def base_recipe(tmp_path, **extra) -> str:
    fields = {
        "output_dir": tmp_path / "base",
        "report_path": tmp_path / "report.json",
        "corpus_documents": 200,
        "vocab_size": 600,
        "dataset_text_field": "text",
        "packing": "true",
        "packing_strategy": "wrapped",
        "padding_free": "false",
        "max_length": 64,
        "per_device_train_batch_size": 4,
        "max_steps": 2,
        "save_strategy": "'no'",
        "bf16": "false",
        "gradient_checkpointing": "false",
        "report_to": "none",
        "num_test_prompts": 4,
        "eval_k": 2,
        "eval_max_tokens": 8,
        "eval_temperature": 0.0,
        **extra,
    }
    path = tmp_path / "base.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return str(path)


def r1_zero_recipe(tmp_path, model, **extra) -> str:
    fields = {
        "model_name_or_path": model,
        "output_dir": tmp_path / "r1_zero",
        "report_path": tmp_path / "report.json",
        "num_train_prompts": 8,
        "num_test_prompts": 4,
        "per_device_train_batch_size": 4,
        "num_generations": 4,
        "max_completion_length": 8,
        "max_steps": 1,
        "bf16": "false",
        "report_to": "none",
        **extra,
    }
    path = tmp_path / "r1_zero.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return str(path)


def never_train(trainer):
    raise AssertionError("training started before the evaluation backend was checked")


@pytest.mark.parametrize("stage", ["base", "r1_zero"])
def test_eval_backend_vllm_without_vllm_fails_before_training(tmp_path, monkeypatch, capsys, tiny_model_dir, stage):
    monkeypatch.setitem(sys.modules, "vllm", None)
    monkeypatch.setattr(training_tail, "train_resumable", never_train)
    if stage == "base":
        recipe = base_recipe(tmp_path, eval_backend="vllm")
    else:
        recipe = r1_zero_recipe(tmp_path, tiny_model_dir, eval_backend="vllm")
    assert main([stage, "--config", recipe]) == 2
    # Progress bars of the setup may come first; the error is one line of its own.
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"r1-trl {stage}: error: eval_backend vllm: vLLM is not installed")
    assert not (tmp_path / stage / "config.json").exists()


def test_eval_command_with_vllm_backend_loads_no_transformers_model(tmp_path, monkeypatch, capsys, tiny_model_dir):
    def no_transformers_model(*args, **kwargs):
        raise AssertionError("eval_backend vllm loaded a transformers model")

    monkeypatch.setattr(evaluate_stage, "load_for_generation", no_transformers_model)
    monkeypatch.setitem(sys.modules, "vllm", None)
    recipe = tmp_path / "eval.yaml"
    recipe.write_text("num_test_prompts: 4\neval_backend: vllm\n")
    assert main(["eval", "--model", str(tiny_model_dir), "--config", str(recipe)]) == 2
    err = capsys.readouterr().err.strip()
    assert "vLLM is not installed" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("eval_backend", "tgi"), ("eval_vllm_gpu_memory_utilization", 0), ("eval_vllm_gpu_memory_utilization", 1.5)],
)
def test_bad_eval_backend_settings_are_one_line_errors(tmp_path, capsys, tiny_model_dir, field, value):
    with pytest.raises(ValueError, match=field):
        R1ScriptArguments(**{field: value})
    recipe = tmp_path / "eval.yaml"
    recipe.write_text(f"num_test_prompts: 4\n{field}: {value}\n")
    assert main(["eval", "--model", str(tiny_model_dir), "--config", str(recipe)]) == 2
    err = capsys.readouterr().err.strip()
    assert field in err and len(err.splitlines()) == 1


# ---------------------------------------------------------------------------------------------------------------
# In a stage


def test_stage_evaluates_its_saved_model_through_vllm(tmp_path, fake_vllm):
    """The base stage under eval_backend vllm scores what `r1-trl eval` scores on the saved model with
    transformers, and records which backend sampled."""
    assert main(["base", "--config", base_recipe(tmp_path, eval_backend="vllm")]) == 0
    out = tmp_path / "base"
    entry = json.loads((tmp_path / "report.json").read_text())["stages"]["base"]
    (llm,) = fake_vllm.LLM.instances
    assert llm.model_path == str(out) and llm.engine_args == {"gpu_memory_utilization": 0.3}
    assert entry["sampling"]["backend"] == "vllm" and "'backend': 'vllm'" in (out / "README.md").read_text()
    result_path = tmp_path / "eval.json"
    recipe = base_recipe(tmp_path)
    assert main(["eval", "--model", str(out), "--config", recipe, "--output", str(result_path)]) == 0
    expected = json.loads(result_path.read_text())
    assert {**expected["sampling"], "backend": "vllm"} == entry["sampling"]
    for key in ("pass@1", "format_rate", "mean_length", "clipped_ratio", "per_lang", "examples"):
        assert entry[key] == expected[key], key
    assert len(fake_vllm.LLM.instances) == 1

    # `r1-trl eval` under eval_backend vllm: the engine is built from --model, at the recipe's memory share.
    vllm_path = tmp_path / "eval-vllm.json"
    argv = ["eval", "--model", str(out), "--config", recipe, "--output", str(vllm_path), "--eval_backend", "vllm"]
    assert main([*argv, "--eval_vllm_gpu_memory_utilization", "0.8"]) == 0
    assert json.loads(vllm_path.read_text()) == {**expected, "sampling": entry["sampling"]}
    llm = fake_vllm.LLM.instances[-1]
    assert llm.model_path == str(out) and llm.engine_args == {"gpu_memory_utilization": 0.8}

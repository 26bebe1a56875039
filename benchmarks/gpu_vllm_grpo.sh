#!/usr/bin/env bash
# GPU smoke test: one short R1-Zero GRPO run with vLLM colocated on a small real model, then its throughput.
#
#   bash benchmarks/gpu_vllm_grpo.sh                                   # Qwen/Qwen2.5-0.5B-Instruct, 10 steps
#   MODEL=Qwen/Qwen2.5-1.5B-Instruct MAX_STEPS=20 bash benchmarks/gpu_vllm_grpo.sh
#
# Needs the GPU environment (pip install -e ".[vllm]", see docs/install.md) and the model on the Hub or
# in the HF cache. Without a GPU it says so in one line and exits 0, so it can sit in any check list.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "gpu_vllm_grpo: skipped, nvidia-smi finds no GPU"
    exit 0
fi

MODEL=${MODEL:-Qwen/Qwen2.5-0.5B-Instruct}
MAX_STEPS=${MAX_STEPS:-10}
OUT=${OUT:-/tmp/r1-trl-gpu-vllm-grpo}
PYTHON=${PYTHON:-python}
# More `--field value` overrides, last so they win, e.g. EXTRA_ARGS="--vllm_gpu_memory_utilization 0.5".
EXTRA_ARGS=${EXTRA_ARGS:-}

# A fresh folder: a checkpoint left from an earlier run would be resumed instead of trained.
case "$OUT" in "" | / | "$HOME") echo "gpu_vllm_grpo: OUT=$OUT would be deleted; pick a scratch folder" >&2; exit 2 ;; esac
rm -rf "$OUT"
mkdir -p "$OUT"
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
echo "gpu_vllm_grpo: $MODEL, $MAX_STEPS GRPO steps, vLLM colocate, on $GPU; output in $OUT"

# The tiny-moe r1_zero recipe with the model and run length overridden. Nothing else has to change for a real
# model: the embedded arithmetic prompts are plain text (any tokenizer), the `r1_zero` template speaks both of the
# task's languages (r1_zero_en would put Chinese questions in the English template), and the rewards read text.
#   --report_path      keeps this run out of the recipe's runs/tiny-moe/report.json
#   --use_vllm / --vllm_mode colocate: vLLM in the training process (TRL sets the rank variables it needs)
#   --vllm_max_model_length: prompt + 64 completion tokens fit; the model's 32k context would size the KV cache
#   --logging_steps 1  logs num_tokens (prompt + completion tokens so far) at the last step, whatever MAX_STEPS is
#   --save_steps       writes checkpoint-$MAX_STEPS/trainer_state.json, the log history read below
#   --eval_prompts 32  a short held-out evaluation, so the stage's tail (save, evaluate, stage.json) runs too
# shellcheck disable=SC2086  # EXTRA_ARGS splits into its flags on purpose
r1-trl r1_zero --config recipes/tiny-moe/r1_zero.yaml \
    --model_name_or_path "$MODEL" --output_dir "$OUT/run" --report_path "$OUT/report.json" \
    --use_vllm true --vllm_mode colocate --vllm_max_model_length 1024 \
    --bf16 true --max_steps "$MAX_STEPS" --logging_steps 1 --log_completions false \
    --save_strategy steps --save_steps "$MAX_STEPS" --save_total_limit 1 --eval_prompts 32 \
    $EXTRA_ARGS 2>&1 | tee "$OUT/train.log"

# Throughput from the run's own numbers: the last logged num_tokens over train_runtime, the time inside
# trainer.train() (generation + optimisation; model loading and vLLM start-up are outside it). The stage saves its
# log history only with the checkpoint, taken before transformers logs train_runtime, so that one value comes from
# the final metrics line of the log; stage.json's train_seconds (the trainer.train() call) is the last resort.
"$PYTHON" - "$OUT/run" "$OUT/train.log" "$MODEL" "$GPU" <<'EOF'
import glob
import json
import os
import re
import sys

run, log, model, gpu = sys.argv[1:5]
states = glob.glob(os.path.join(run, "checkpoint-*", "trainer_state.json"))
states.sort(key=lambda p: int(os.path.basename(os.path.dirname(p)).split("-")[-1]))
if os.path.isfile(os.path.join(run, "trainer_state.json")):
    states.append(os.path.join(run, "trainer_state.json"))  # the complete history, when a stage saves it
if not states:
    sys.exit(f"gpu_vllm_grpo: no trainer_state.json under {run}")
with open(states[-1]) as f:
    history = json.load(f)["log_history"]
tokens = [h["num_tokens"] for h in history if "num_tokens" in h]
if not tokens:
    sys.exit(f"gpu_vllm_grpo: no num_tokens logged in {states[-1]}")
num_tokens = max(tokens)
steps = max((h.get("step", 0) for h in history), default=0)

runtime = next((h["train_runtime"] for h in reversed(history) if "train_runtime" in h), None)
source = "trainer_state.json"
if runtime is None:
    with open(log, errors="replace") as f:
        found = re.findall(r"'train_runtime': '?([0-9.]+(?:e[+-]?[0-9]+)?)'?", f.read())
    if found:
        runtime, source = float(found[-1]), "the final metrics line of the log"
if runtime is None:
    with open(os.path.join(run, "stage.json")) as f:
        runtime, source = json.load(f)["train_seconds"], "stage.json train_seconds"

with open(os.path.join(run, "stage.json")) as f:
    result = json.load(f)
print(
    f"gpu_vllm_grpo: {model} on {gpu}: {steps} steps, {num_tokens:.0f} tokens in {runtime:.1f} s "
    f"(train_runtime from {source}) = {num_tokens / runtime:.0f} tokens/s; held-out pass@1 {result.get('pass@1')}"
)
EOF

#!/usr/bin/env bash
# The embedded R1-Zero stage on a GPU, transformers backend: checks a GPU install end to end without the Hub or
# vLLM, and prints its figures beside the CPU ones in runs/tiny-moe/report.json.
#
#   make demo                       # once, on any machine: builds runs/tiny-moe/base (or copy that folder over)
#   bash benchmarks/gpu_tiny.sh
#
# Measured on one H100 (torch 2.11.0+cu130, the rest of the stack as pinned): the full 200-step r1_zero recipe in
# bf16 took 2 min 14 s wall (train_runtime 113 s) and reached held-out pass@1 0.752; the CPU demo's figures were
# 187 s and 0.745. Without a GPU it says so in one line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "gpu_tiny: skipped, nvidia-smi finds no GPU"
    exit 0
fi
BASE=${BASE:-runs/tiny-moe/base}
OUT=${OUT:-/tmp/r1-trl-gpu-tiny}
PYTHON=${PYTHON:-python}
# More `--field value` overrides, last so they win, e.g. EXTRA_ARGS="--max_steps 20" for a quick check.
EXTRA_ARGS=${EXTRA_ARGS:-}
if [ ! -f "$BASE/config.json" ]; then
    echo "gpu_tiny: no model in $BASE; run the base stage first (make demo, or r1-trl base --config recipes/tiny-moe/base.yaml)" >&2
    exit 2
fi
case "$OUT" in "" | / | "$HOME") echo "gpu_tiny: OUT=$OUT would be deleted; pick a scratch folder" >&2; exit 2 ;; esac
rm -rf "$OUT"  # a checkpoint left from an earlier run would be resumed instead of trained
mkdir -p "$OUT"
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}

start=$(date +%s)
# shellcheck disable=SC2086  # EXTRA_ARGS splits into its flags on purpose
"$PYTHON" -m r1_trl r1_zero --config recipes/tiny-moe/r1_zero.yaml --model_name_or_path "$BASE" \
    --output_dir "$OUT/r1_zero" --report_path "$OUT/report.json" --bf16 true $EXTRA_ARGS 2>&1 | tee "$OUT/r1_zero.log"
wall=$(( $(date +%s) - start ))

"$PYTHON" - "$OUT/r1_zero/stage.json" "$wall" <<'PY'
import json
import sys

result = json.load(open(sys.argv[1]))
print(
    f"gpu_tiny: r1_zero ({result['global_steps']} GRPO steps, bf16) {sys.argv[2]} s wall, stage {result['stage_seconds']} s; "
    f"held-out pass@1 {result['pass@1']}, format {result['format_rate']}, cons@{result['sampling']['k']} "
    f"{result['cons@k']}"
)
PY

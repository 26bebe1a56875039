#!/usr/bin/env bash
# Pre-train the released bases (recipes/tiny-moe/base.yaml and student_base.yaml) on one GPU, each chain format
# (plain, restate) as its own pair, all four runs at once: the tiny models leave a GPU mostly idle, so they share it.
#
#   bash benchmarks/gpu_base.sh OUT_DIR [--field value ...]     # extra fields go to all four runs
#
# Each run is `r1-trl base` / `r1-trl student_base` with the committed recipe; only output paths, dataset_num_proc
# and the chain format are set here. A run still going after LIMIT seconds (default 500) is stopped: its last
# checkpoint (every save_steps) is what a CPU run resumes from.
#
# Measured on one H200 (torch 2.11.0+cu130, the wheels of pyproject's pins, fp32), 2026-12-04: all four runs in 494 s;
# training 194 s (base, plain), 191 s (base, restate), 129 s and 123 s (students); corpus building and tokenizing took
# 160-250 s of each. The plain pair is released/tiny-moe/ (recipes/tiny-moe/README.md compares the two).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:?usage: gpu_base.sh OUT_DIR [--field value ...]}
shift
LIMIT=${LIMIT:-500}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT_DIR"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=3 PYTHONUNBUFFERED=1

run() {  # run NAME STAGE ARGS...
    local name=$1 stage=$2
    shift 2
    timeout "$LIMIT" "$PYTHON" -m r1_trl "$stage" --config "recipes/tiny-moe/$stage.yaml" \
        --output_dir "$OUT_DIR/$name" --report_path "$OUT_DIR/$name.report.json" --dataset_num_proc 3 "$@" \
        >"$OUT_DIR/$name.log" 2>&1
    echo "$name: exit $?"
}

start=$(date +%s)
for fmt in plain restate; do
    restate=false
    [ "$fmt" = restate ] && restate=true
    run "base_$fmt" base --restate_chains "$restate" "$@" &
    # The student shares its teacher's tokenizer, which the base stage saves before it trains.
    (
        for _ in $(seq 600); do [ -f "$OUT_DIR/base_$fmt/tokenizer.json" ] && break; sleep 1; done
        run "student_$fmt" student_base --restate_chains "$restate" --tokenizer_name_or_path "$OUT_DIR/base_$fmt" "$@"
    ) &
done
wait
echo "all runs: $(( $(date +%s) - start )) s"

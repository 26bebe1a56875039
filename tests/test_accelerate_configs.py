"""Every file in accelerate_configs/ read by accelerate's own loader, and the settings each one exists for.

`accelerate launch` copies the nested deepspeed_config / fsdp_config keys onto its arguments without checking
them, so a misspelt key is silently ignored: the keys are checked against the launcher's own options here.
"""

from pathlib import Path

import pytest
from accelerate.commands.config.config_args import ClusterConfig, load_config_from_file
from accelerate.commands.launch import launch_command_parser
from accelerate.utils import DistributedType

CONFIG_DIR = Path(__file__).resolve().parents[1] / "accelerate_configs"

# Every config and what it must launch; a file added or removed without updating this fails the first test.
EXPECTED_TYPE = {
    "ddp.yaml": DistributedType.MULTI_GPU,
    # Two CPU ranks over gloo: MULTI_GPU is the form that really starts 2 processes (see the file and
    # tests/test_multiprocess.py).
    "multi_cpu.yaml": DistributedType.MULTI_GPU,
    "zero2.yaml": DistributedType.DEEPSPEED,
    "zero3.yaml": DistributedType.DEEPSPEED,
    "fsdp.yaml": DistributedType.FSDP,
    "multi_node.yaml": DistributedType.DEEPSPEED,
}
CONFIGS = sorted(EXPECTED_TYPE)


def load(name: str) -> ClusterConfig:
    config = load_config_from_file(str(CONFIG_DIR / name))
    assert isinstance(config, ClusterConfig), f"{name} loaded as {type(config).__name__}"
    return config


def launch_options() -> set[str]:
    return {opt for action in launch_command_parser()._actions for opt in action.option_strings}


def test_the_set_of_configs():
    assert sorted(p.name for p in CONFIG_DIR.glob("*.yaml")) == CONFIGS
    assert not list(CONFIG_DIR.glob("*.yml")), "use .yaml: the test (and README) look for *.yaml"


@pytest.mark.parametrize("name", CONFIGS)
def test_config_loads_with_its_distributed_type(name):
    config = load(name)
    assert config.distributed_type == EXPECTED_TYPE[name]
    assert config.machine_rank == 0
    assert config.num_machines >= 1


@pytest.mark.parametrize("name", CONFIGS)
def test_num_processes_consistent_with_num_machines(name):
    """accelerate's num_processes is the world size over all machines: at least one per machine, the same on each."""
    config = load(name)
    if config.num_processes > 0 and config.num_machines:
        assert config.num_processes >= config.num_machines, name
        assert config.num_processes % config.num_machines == 0, (
            f"{name}: {config.num_processes} processes do not split evenly over {config.num_machines} machines"
        )
    if config.num_machines > 1:
        assert config.main_process_ip and config.main_process_port, f"{name}: a multi-node file needs the rendezvous"


@pytest.mark.parametrize("name", CONFIGS)
def test_nested_keys_are_launcher_options(name):
    """A key `accelerate launch` does not know is dropped without a word; every nested key must be one it knows."""
    config = load(name)
    options = launch_options()
    for key in config.deepspeed_config:
        assert f"--{key}" in options, f"{name}: deepspeed_config key {key!r} is not an accelerate launch option"
    for key in config.fsdp_config:
        flag = key if key.startswith("fsdp_") else f"fsdp_{key}"
        assert f"--{flag}" in options, f"{name}: fsdp_config key {key!r} is not an accelerate launch option"
    if config.distributed_type != DistributedType.DEEPSPEED:
        assert not config.deepspeed_config, f"{name}: deepspeed_config without distributed_type DEEPSPEED"
    if config.distributed_type != DistributedType.FSDP:
        assert not config.fsdp_config, f"{name}: fsdp_config without distributed_type FSDP"


def test_zero2():
    ds = load("zero2.yaml").deepspeed_config
    assert ds["zero_stage"] == 2
    assert ds["zero3_init_flag"] is False


@pytest.mark.parametrize("name", ["zero3.yaml", "multi_node.yaml"])
def test_zero3_has_what_grpo_generation_needs(name):
    ds = load(name).deepspeed_config
    assert ds["zero_stage"] == 3
    # Partitioned init, and a whole 16-bit model on save so the next stage can from_pretrained it.
    assert ds["zero3_init_flag"] is True
    assert ds["zero3_save_16bit_model"] is True
    assert ds["deepspeed_multinode_launcher"] == "standard"


def test_fsdp2():
    config = load("fsdp.yaml")
    fsdp = config.fsdp_config
    assert fsdp["fsdp_version"] == 2
    assert fsdp["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    assert fsdp["fsdp_cpu_ram_efficient_loading"] is True
    # FSDP2 takes a bool here (FULL_SHARD / SHARD_GRAD_OP are FSDP1's names): accelerate rejects anything else.
    assert isinstance(fsdp["fsdp_reshard_after_forward"], bool)
    # FULL: transformers' Trainer.save_model writes no weights under SHARDED_STATE_DICT, and every stage ends by
    # saving the model the next stage loads.
    assert fsdp["fsdp_state_dict_type"] == "FULL_STATE_DICT"


def test_fsdp2_values_accepted_by_accelerates_plugin(monkeypatch):
    """The fsdp_config values through accelerate's own FSDP plugin, which validates them. It writes
    FSDP_CPU_RAM_EFFICIENT_LOADING into os.environ: monkeypatch sets it first so that it is undone afterwards."""
    from accelerate.utils import FullyShardedDataParallelPlugin

    fsdp = load("fsdp.yaml").fsdp_config
    monkeypatch.setenv("FSDP_CPU_RAM_EFFICIENT_LOADING", "false")
    plugin = FullyShardedDataParallelPlugin(
        fsdp_version=fsdp["fsdp_version"],
        auto_wrap_policy=fsdp["fsdp_auto_wrap_policy"].lower(),
        cpu_ram_efficient_loading=fsdp["fsdp_cpu_ram_efficient_loading"],
        cpu_offload=fsdp["fsdp_offload_params"],
        reshard_after_forward=fsdp["fsdp_reshard_after_forward"],
        state_dict_type=fsdp["fsdp_state_dict_type"],
    )
    assert plugin.fsdp_version == 2
    assert plugin.cpu_ram_efficient_loading is True


def test_multi_node_template():
    config = load("multi_node.yaml")
    assert config.num_machines > 1
    assert config.num_processes > config.num_machines  # several GPUs per machine
    assert config.machine_rank == 0  # a placeholder; slurm passes --machine_rank $SLURM_NODEID
    assert isinstance(config.main_process_port, int)
    assert config.rdzv_backend == "static"

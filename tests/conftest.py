import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

from r1_trl.data import CorpusSpec, corpus_documents  # noqa: E402
from r1_trl.models import build_model, build_tokenizer  # noqa: E402
from r1_trl.templates import R1_ZERO_TEMPLATE_EN, R1_ZERO_TEMPLATE_ZH  # noqa: E402


@pytest.fixture(scope="session")
def tiny_tokenizer():
    docs = list(corpus_documents(CorpusSpec(num_documents=2000)))
    return build_tokenizer(docs + [R1_ZERO_TEMPLATE_EN, R1_ZERO_TEMPLATE_ZH], vocab_size=600)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_tokenizer):
    """An untrained tiny V3 MoE saved like the base stage saves one."""
    path = tmp_path_factory.mktemp("tiny-moe")
    model = build_model("tiny-moe", tiny_tokenizer, seed=0)
    model.save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return path


def length_reward(completions, **kwargs):
    """Varies across a group even for an untrained model, so GRPO gets a non-zero advantage."""
    return [min(len(c if isinstance(c, str) else str(c)), 50) / 50 for c in completions]


@pytest.fixture(scope="session")
def tiny_reward_model_dir(tmp_path_factory, tiny_tokenizer):
    """An untrained one-logit sequence classifier: enough to exercise the reward_model reward end to end."""
    from r1_trl.models import build_reward_model

    path = tmp_path_factory.mktemp("tiny-rm")
    build_reward_model(tiny_tokenizer).save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return str(path)

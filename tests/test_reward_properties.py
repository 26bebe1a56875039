"""Every registered reward, fed hostile text: it answers one float or None per completion and never raises."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r1_trl.rewards import REWARDS, get_reward_func

NESTED = st.integers(1, 3000).map(lambda n: "\\frac{" * n + "1" + "}" * (n // 2))
HUGE = st.sampled_from(["a ", "{", "$", "<think>", "\\boxed{", "14 ", "首先", "\n-", "Step 1:"]).flatmap(
    lambda piece: st.integers(1000, 40_000).map(lambda n: piece * n)
)
TAGGY = st.text(alphabet="{}\\$<>/answerthink\n 0123456789首先然後.,", max_size=400)
HOSTILE = st.one_of(
    st.text(),
    st.binary().map(lambda b: b.decode("latin-1")),
    TAGGY,
    TAGGY.map(lambda t: f"<think>\n{t}\n</think>\n<answer>\n{t}\n</answer>"),
    NESTED,
    HUGE,
)


# helpfulness and harmlessness are RewardModelReward under other names; `reward_model` covers that code.
PROPERTY_REWARDS = sorted(set(REWARDS) - {"helpfulness", "harmlessness"})


@pytest.fixture(scope="module")
def rewards(tmp_path_factory, tiny_reward_model_dir):
    return {
        name: get_reward_func(
            name,
            reward_model_name_or_path=tiny_reward_model_dir,
            helpfulness_model_name_or_path=tiny_reward_model_dir,
            harmlessness_model_name_or_path=tiny_reward_model_dir,
            max_completion_len=64,
            soft_punish_cache=16,
            timeout_s=2.0,
        )
        for name in PROPERTY_REWARDS
    }


@pytest.mark.parametrize("name", PROPERTY_REWARDS)
def test_reward_never_raises_on_hostile_text(name, rewards):
    reward = rewards[name]

    @settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(text=HOSTILE, chat=st.booleans())
    def check(text, chat):
        completion = [{"role": "assistant", "content": text}] if chat else text
        out = reward(
            [completion, "<think>\nFirst, 3 * 4 = 12.\n</think>\n<answer>\n14\n</answer>"],
            solution=["14", "14"],
            lang=["en", "zh"],
            prompts=["What is 2 + 3 * 4?", "2 + 3 * 4 等於多少?"],
            completion_ids=[list(range(len(text) % 97)), list(range(20))],
            # The code rewards' columns (the others ignore them): one stdin/stdout test per row.
            verification_info=[{"language": "python", "test_cases": [{"input": "", "output": "14"}]}] * 2,
            official_tests=[[{"input": "", "output": "14"}]] * 2,
        )
        assert len(out) == 2
        assert all(v is None or (isinstance(v, float) and math.isfinite(v)) for v in out), out

    check()

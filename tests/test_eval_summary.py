from r1_trl.evaluation.heldout import summarize


def _scored(lenient: list[bool], lengths: list[int]) -> dict:
    n = len(lenient)
    return {
        "strict": lenient,
        "lenient": lenient,
        "format": [1.0] * n,
        "lengths": lengths,
        "truncated": [False] * n,
        "cons": any(lenient),
        "consistency": [1.0] * n,
    }


def test_length_is_split_by_format_free_correctness():
    out = summarize([_scored([True, False], [40, 10]), _scored([True, True], [60, 20])])
    assert out["mean_length_correct"] == 40.0
    assert out["mean_length_incorrect"] == 10.0
    assert out["accuracy_lenient"] == 0.75


def test_no_correct_answer_has_no_correct_length():
    out = summarize([_scored([False, False], [5, 7])])
    assert out["mean_length_correct"] is None and out["mean_length_incorrect"] == 6.0

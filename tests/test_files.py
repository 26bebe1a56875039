"""r1_trl.files: datasets from a file or the Hub, and the one-line errors every loader gives."""

import json

import pytest

from r1_trl.files import first_line, is_data_file, is_hub_id, load_data
from r1_trl.models import model_load_error


def test_first_line_keeps_the_first_line_or_names_the_type():
    assert first_line(OSError("  no such repo\nTraceback details\n")) == "no such repo"
    assert first_line(KeyError()) == "KeyError"


def test_a_data_file_loads_as_its_train_split(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps({"x": i}) + "\n" for i in range(3)))
    assert is_data_file(str(path)) and not is_data_file("org/name")
    assert load_data(str(path), "rows")["x"] == [0, 1, 2]
    assert list(load_data(str(path), "rows", split=None)) == ["train"]


def test_a_data_file_refuses_any_other_split(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"x": 1}) + "\n")
    with pytest.raises(ValueError, match=r"^cannot load rows: a data file holds one split, 'train', not 'test'$"):
        load_data(str(path), "rows", split="test")


def test_a_missing_file_and_an_unreachable_hub_are_one_line(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="^cannot load rows: no such file: .*nope.jsonl$"):
        load_data(str(tmp_path / "nope.jsonl"), "rows")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ValueError) as err:
        load_data("no-such-org/no-such-set", "set 'no-such-org/no-such-set'")
    assert str(err.value).startswith("cannot load set 'no-such-org/no-such-set': ") and "\n" not in str(err.value)


def test_hub_ids_and_paths(tmp_path):
    assert is_hub_id("org/name") and is_hub_id("gpt2")
    assert not is_hub_id("runs/a/b") and not is_hub_id("has space") and not is_hub_id(str(tmp_path))


def test_a_model_load_error_says_whether_the_hub_was_asked(tmp_path):
    hub = model_load_error("org/name", OSError("offline\nmore"))
    local = model_load_error(str(tmp_path), OSError("no config.json"), what="reward model")
    assert str(hub) == "cannot load 'org/name': not a local directory, and the Hub could not serve it (offline)"
    assert str(local) == f"cannot load reward model {str(tmp_path)!r} (no config.json)"

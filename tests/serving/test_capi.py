"""seqkeras.serving.capi: the pure-python helpers (no model is loaded here)."""

from __future__ import annotations

import copy

import pytest

from seqkeras.serving.capi import _first_difference, _is_text, compare, graph_ops


# --------------------------------------------------------------------- compare
def test_equal_strings_pass():
    want = {"label": ["spam", "ham"], "classes": [["ham", "spam"], ["ham", "spam"]]}
    result = compare(want, copy.deepcopy(want))
    assert result == {"ok": True, "mismatches": [], "max_abs_diff": 0.0}


def test_different_strings_fail_naming_the_element():
    result = compare({"label": ["spam", "ham", "ham"]}, {"label": ["spam", "ham", "spam"]})
    assert not result["ok"]
    assert result["mismatches"] == ["label: element 2: 'spam' instead of 'ham'"]


def test_string_shape_mismatch():
    result = compare({"label": ["a", "b"]}, {"label": ["a"]})
    assert not result["ok"] and "shape (1,) instead of (2,)" in result["mismatches"][0]


def test_floats_within_tolerance_pass():
    result = compare({"score": [0.5, 0.25]}, {"score": [0.50005, 0.25]}, atol=1e-4)
    assert result["ok"]
    assert result["max_abs_diff"] == pytest.approx(5e-5)


def test_floats_over_tolerance_fail():
    result = compare({"score": [[0.5], [0.25]]}, {"score": [[0.5], [0.2502]]}, atol=1e-4)
    assert not result["ok"]
    assert result["max_abs_diff"] == pytest.approx(2e-4)
    assert result["mismatches"][0].startswith("score: max abs difference 2.00e-04 > 1e-04")


def test_numeric_shape_mismatch():
    result = compare({"probabilities": [[0.1, 0.9]]}, {"probabilities": [0.1, 0.9]})
    assert not result["ok"] and "shape (2,) instead of (1, 2)" in result["mismatches"][0]


def test_missing_output_and_every_key_checked():
    result = compare({"label": ["a"], "score": [1.0], "extra": [2.0]},
                     {"label": ["b"], "score": [1.0]})
    assert result["mismatches"] == ["label: element 0: 'b' instead of 'a'",
                                    "output 'extra' missing"]


def test_empty_outputs():
    assert compare({"label": []}, {"label": []})["ok"]
    assert not compare({"label": []}, {"label": ["x"]})["ok"]
    assert compare({"score": [[]]}, {"score": [[]]})["ok"]


def test_is_text_and_first_difference():
    assert _is_text([["a"]]) and not _is_text([[1.0]]) and not _is_text([])
    assert _first_difference(["a", "b"], ["a", "b"]) == "differs"


# ------------------------------------------------------------------- graph_ops
def test_graph_ops_without_saved_model_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        graph_ops(str(tmp_path))


def test_graph_ops_rejects_a_corrupt_file(tmp_path):
    from google.protobuf.message import DecodeError

    (tmp_path / "saved_model.pb").write_bytes(b"\xff\xff\xff not a protobuf")
    with pytest.raises(DecodeError):
        graph_ops(str(tmp_path))


def test_graph_ops_collects_graph_and_function_ops(tmp_path):
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    meta = saved.meta_graphs.add()
    meta.graph_def.node.add(name="x", op="Placeholder")
    meta.graph_def.node.add(name="call", op="StatefulPartitionedCall")
    fn = meta.graph_def.library.function.add()
    fn.signature.name = "inner"
    fn.node_def.add(name="split", op="RegexSplitWithOffsets")
    fn.node_def.add(name="lookup", op="LookupTableFindV2")
    (tmp_path / "saved_model.pb").write_bytes(saved.SerializeToString())
    assert graph_ops(str(tmp_path)) == {"Placeholder", "StatefulPartitionedCall",
                                        "RegexSplitWithOffsets", "LookupTableFindV2"}

"""seqkeras.serving.predict: the JSON answer and errors for what is not an export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqkeras.errors import SeqkerasError
from seqkeras.serving.predict import read_metadata, rest_outputs


def test_rest_outputs_is_tf_servings_columnar_answer():
    line = rest_outputs({"tags": np.array([[b"B-PER", b"\xff"]], dtype=object),
                         "lengths": np.array([2], dtype=np.int64),
                         "probabilities": np.array([[0.25, 0.75]], dtype=np.float32),
                         "score": np.float32(0.5)})
    assert json.loads(line) == {"outputs": {"lengths": [2], "probabilities": [[0.25, 0.75]],
                                            "score": 0.5, "tags": [["B-PER", "\ufffd"]]}}
    assert "\n" not in line


def test_read_metadata_names_the_file_and_what_to_do(tmp_path):
    with pytest.raises(SeqkerasError, match=r"seqkeras\.json: missing \(is .* a seqkeras"):
        read_metadata(tmp_path)
    (tmp_path / "assets.extra").mkdir()
    (tmp_path / "assets.extra/seqkeras.json").write_text("{", encoding="utf-8")
    with pytest.raises(SeqkerasError, match="not valid JSON .*export the pipeline again"):
        read_metadata(tmp_path)


def test_a_damaged_export_is_named_by_file_before_loading(tmp_path):
    from seqkeras.serving.predict import preflight_problem

    assert preflight_problem(tmp_path).startswith("saved_model.pb: missing")
    (tmp_path / "saved_model.pb").write_bytes(b"")
    assert preflight_problem(tmp_path).startswith("saved_model.pb: empty (0 bytes)")
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01garbage")
    assert "saved_model.pb: " in preflight_problem(tmp_path)

"""The piano_roll schema: frames (no embedding, no text settings), its rules, predict's
defaults taken from the schema, the names it logs."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.piano_roll.spec import PREDICT_DEFAULTS, PianoRollGenerate
from tests.topologies.logged_metrics import logged_names
from seqkeras.spec.auto import fixed


def make_spec(source=None, **sections) -> PipelineSpec:
    return PipelineSpec.model_validate({
        "name": "p", "topology": "piano_roll", "seed": 3,
        "data": {"sources": [source or {"path": "jsb.json"}]}, **sections})


def test_predict_defaults_come_from_the_generate_section():
    g = make_spec().generate
    assert isinstance(g, PianoRollGenerate)
    assert (PREDICT_DEFAULTS["steps"], PREDICT_DEFAULTS["temperature"]) == (
        g.max_length, g.temperature)
    parsed = get_topology("piano_roll").parse_predict_inputs({}, [])
    assert parsed["steps"].tolist() == [g.max_length]


@pytest.mark.parametrize("sections, phrase", [
    ({"model": {"bidirectional": True}}, "a backward layer would see the future"),
    ({"tokenize": {"level": "char"}}, "only tokenize.max_length"),
    ({"model": {"embedding_dim": 8}}, "Extra inputs are not permitted"),
    ({"generate": {"top_k": 5}}, "Extra inputs are not permitted"),
])
def test_settings_that_do_not_apply_are_refused(sections, phrase):
    with pytest.raises(pydantic.ValidationError, match=phrase):
        make_spec(**sections)


def test_only_json_chorale_files_are_read():
    assert make_spec(tokenize={"max_length": 100}).tokenize.max_length == 100
    with pytest.raises(pydantic.ValidationError, match="reads JSON files of chorales"):
        make_spec(source={"path": "x.csv", "format": "csv"})


def test_declared_metrics_are_what_keras_logs(tmp_path):
    spec = make_spec(model={"units": 4}, train={"batch_size": 2})
    spec = fixed(spec)  # no tokenize stage here: auto -> the fixed defaults
    records = [{"id": f"train/{i}", "steps": [[60 + i, 64], [62], [], [65, 69, 72]] * 2}
               for i in range(4)]
    topology = get_topology("piano_roll")
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    assert logged_names(spec, topology, prep, records) == set(spec.logged_metrics()) == {
        "loss", "val_loss"}

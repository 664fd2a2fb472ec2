"""The generation schema: its model and generate sections, its rules, predict's
defaults taken from the schema, the names it logs."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.generation.spec import GenerationGenerate, PREDICT_DEFAULTS
from tests.topologies.logged_metrics import logged_names
from seqkeras.spec.auto import fixed


def make_spec(source=None, **sections) -> PipelineSpec:
    return PipelineSpec.model_validate({
        "name": "g", "topology": "generation", "seed": 3,
        "data": {"sources": [source or {"path": "names.txt", "label_field": None}]},
        **sections})


def test_generate_defaults_live_in_the_schema_and_predict_uses_them():
    spec = make_spec()
    assert isinstance(spec.generate, GenerationGenerate)
    assert PREDICT_DEFAULTS == {"temperature": spec.generate.temperature,
                                "max_length": spec.generate.max_length}
    topology = get_topology("generation")
    parsed = topology.parse_predict_inputs({"prefix": None, "temperature": None,
                                            "max_length": None, "seed": None}, ["em"])
    assert parsed["temperature"][0] == spec.generate.temperature
    assert parsed["max_length"][0] == spec.generate.max_length


def test_bidirectional_is_refused_with_the_reason():
    with pytest.raises(pydantic.ValidationError, match="a backward layer would see the future"):
        make_spec(model={"bidirectional": True})


def test_conditioning_needs_a_label():
    with pytest.raises(pydantic.ValidationError, match="no source gives one"):
        make_spec(model={"condition_dim": 4})
    assert make_spec(source={"path": "n.csv", "label_field": "gender"},
                     model={"condition_dim": 4}).model.condition_dim == 4


@pytest.mark.parametrize("sections", [{"generate": {"beam_size": 4}},
                                      {"model": {"crf": True}},
                                      {"target_tokenize": {"level": "char"}}])
def test_settings_of_other_topologies_are_refused(sections):
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        make_spec(**sections)


def test_declared_metrics_are_what_keras_logs(tmp_path):
    spec = make_spec(tokenize={"level": "char", "max_length": 10},
                     model={"embedding_dim": 4, "units": 4}, train={"batch_size": 4})
    spec = fixed(spec)  # no tokenize stage here: auto -> the fixed defaults
    records = [{"text": t} for t in ["emma", "ava", "mia", "luna", "ella", "amelia"]]
    topology = get_topology("generation")
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    assert logged_names(spec, topology, prep, records) == set(spec.logged_metrics()) == {
        "loss", "val_loss"}

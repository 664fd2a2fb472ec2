"""The many_to_many schema: tagging settings, tag_scheme, its rule, the names it logs."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.many_to_many.spec import ManyToManyModel
from tests.topologies.logged_metrics import logged_names
from seqkeras.spec.auto import fixed

RECORDS = [
    {"tokens": ["Rand", "is", "a", "friend", "of", "Perrin", "."],
     "tags": ["B-PER", "O", "O", "O", "O", "B-PER", "O"]},
    {"tokens": ["They", "live", "in", "the", "Two", "Rivers", "."],
     "tags": ["O", "O", "O", "O", "B-LOC", "I-LOC", "O"]},
]


def make_spec(source=None, data=None, **sections) -> PipelineSpec:
    source = source or {"path": "x.txt", "format": "conll", "text_field": 0, "label_field": -1}
    return PipelineSpec.model_validate({
        "name": "t", "topology": "many_to_many", "seed": 3,
        "data": {"sources": [source], **(data or {})}, **sections})


def test_tagging_settings_and_tag_scheme_apply():
    spec = make_spec(data={"tag_scheme": "iob2"},
                     model={"crf": True, "char_embedding_dim": 8, "casing_dim": 4})
    assert isinstance(spec.model, ManyToManyModel) and spec.model.crf
    assert spec.data.tag_scheme == "iob2"


@pytest.mark.parametrize("model", [{"pooling": "max"}, {"head": "sigmoid"},
                                   {"attention": "none"}])
def test_settings_of_other_topologies_are_refused(model):
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        make_spec(model=model)


def test_a_source_without_tags_is_refused():
    with pytest.raises(pydantic.ValidationError, match="one tag per token"):
        make_spec(source={"path": "x.txt", "format": "conll", "label_field": None})


@pytest.mark.parametrize("crf", [False, True])
def test_declared_metrics_are_what_keras_logs(tmp_path, crf):
    spec = make_spec(model={"embedding_dim": 4, "units": 4, "crf": crf},
                     train={"batch_size": 2})
    spec = fixed(spec)  # no tokenize stage here: auto -> the fixed defaults
    topology = get_topology("many_to_many")
    topology.fit_preprocessor(spec, RECORDS, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    assert logged_names(spec, topology, prep, RECORDS) == set(spec.logged_metrics()) == {
        "loss", "accuracy", "val_loss", "val_accuracy", "val_entity_f1"}

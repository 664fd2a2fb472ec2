"""The many_to_one schema: its model section, its rule, and the names it logs."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.many_to_one.spec import ManyToOneModel, ManyToOnePipeline
from tests.topologies.logged_metrics import logged_names
from seqkeras.spec.auto import fixed


def make_spec(**sections) -> PipelineSpec:
    sources = sections.pop("sources", [{"path": "x.csv"}])
    return PipelineSpec.model_validate({"name": "t", "data": {"sources": sources}, **sections})


def test_default_topology_and_model_section():
    spec = make_spec()
    assert isinstance(spec, ManyToOnePipeline) and isinstance(spec.model, ManyToOneModel)
    assert (spec.model.pooling, spec.model.head, spec.model.embedding_dim) == ("last", "auto",
                                                                              "auto")
    assert not hasattr(spec, "generate") and not hasattr(spec.model, "crf")


def test_ngram_branch_is_a_section_with_its_defaults():
    branch = make_spec(model={"ngram_branch": {"enabled": True}}).model.ngram_branch
    # ngrams auto: character 1-4-grams, word (and subword) 1-2-grams
    assert (branch.order("char"), branch.order("word"), branch.order("wordpiece")) == (4, 2, 2)
    assert make_spec(model={"ngram_branch": {"ngrams": 3}}).model.ngram_branch.order("char") == 3
    off = make_spec(model={"ngram_branch": {"enabled": False}}).model
    assert off.branch("text") is None
    # the default: on for text input, off for measurement frames
    default = make_spec().model
    assert default.ngram_branch.enabled == "auto" and default.branch("numeric") is None
    assert default.branch("text") is default.ngram_branch
    with pytest.raises(pydantic.ValidationError, match="ngram_branch.ngrams"):
        make_spec(model={"ngram_branch": {"ngrams": 0}})
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        make_spec(model={"ngram_branch": {"order": 2}})


def test_ngram_branch_takes_a_bool_as_its_enabled_and_one_line_errors():
    # "ngram_branch: false" was refused: "Input should be a valid dictionary or instance
    # of NgramBranch"
    assert make_spec(model={"ngram_branch": False}).model.branch("text") is None
    assert make_spec(model={"ngram_branch": True}).model.ngram_branch.enabled is True
    assert make_spec(model={"ngram_branch": "auto"}).model.ngram_branch.enabled == "auto"
    # a bad ngrams gave two lines, one per branch of its union (number, 'auto')
    with pytest.raises(pydantic.ValidationError) as info:
        make_spec(model={"ngram_branch": {"ngrams": 9}})
    assert len(info.value.errors()) == 1
    assert "less than or equal to 8, or auto" in info.value.errors()[0]["msg"]


def test_settings_of_a_branch_that_is_off_are_refused():
    with pytest.raises(pydantic.ValidationError) as info:
        make_spec(model={"ngram_branch": {"enabled": False, "prefit": True, "ngrams": 3}})
    message = str(info.value)
    assert ("model.ngram_branch.prefit: model.ngram_branch.enabled is false, so prefit does "
            "nothing: remove it, or set enabled: true") in message
    assert "model.ngram_branch.ngrams: " in message
    assert make_spec(model={"ngram_branch": False}).model.branch("text") is None


@pytest.mark.parametrize("model", [{"crf": True}, {"attention": "luong"},
                                   {"condition_dim": 4}, {"char_units": 8}])
def test_settings_of_other_topologies_are_refused(model):
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        make_spec(model=model)


def test_every_source_must_give_a_label():
    with pytest.raises(pydantic.ValidationError, match="classifies records by label"):
        make_spec(sources=[{"path": "x.csv", "label": "a"}, {"path": "y.csv", "label_field": None}])
    assert make_spec(sources=[{"path": "x.csv", "label_field": None, "label": "a"}])


@pytest.mark.parametrize("labels", [["pos", "neg"], ["a", "b", "c"]])
def test_declared_metrics_are_what_keras_logs(tmp_path, labels):
    spec = make_spec(tokenize={"level": "char", "max_length": 12},
                     model={"embedding_dim": 4, "units": 4}, train={"batch_size": 4})
    spec = fixed(spec)  # no tokenize stage here: auto -> the fixed defaults
    records = [{"text": f"text {i}", "label": labels[i % len(labels)]} for i in range(12)]
    topology = get_topology("many_to_one")
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    assert logged_names(spec, topology, prep, records) == set(spec.logged_metrics()) == {
        "loss", "accuracy", "val_loss", "val_accuracy", "val_macro_f1"}

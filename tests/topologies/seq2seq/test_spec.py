"""The seq2seq schema: target_field, target_tokenize, decoding settings, the names it logs."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.seq2seq.spec import Seq2SeqGenerate, Seq2SeqModel
from tests.topologies.logged_metrics import logged_names
from seqkeras.spec.auto import fixed

RECORDS = [{"text": s, "target": t} for s, t in [
    ("I am cold.", "J'ai froid."), ("Go away!", "Va-t'en !"), ("He is tall.", "Il est grand."),
    ("I know.", "Je sais.")]]


def make_spec(sources=None, **sections) -> PipelineSpec:
    return PipelineSpec.model_validate({
        "name": "s", "topology": "seq2seq", "seed": 3,
        "data": {"sources": sources or [{"path": "p.tsv", "target_field": 1}]}, **sections})


def test_sections_and_defaults():
    spec = make_spec(target_tokenize={"level": "word_marked"})
    assert isinstance(spec.model, Seq2SeqModel) and spec.model.attention == "bahdanau"
    assert isinstance(spec.generate, Seq2SeqGenerate) and spec.generate.beam_size == 1
    assert spec.target_tokenize.level == "word_marked"
    assert make_spec().target_tokenize is None


def test_pairs_need_a_target_field_on_some_source():
    with pytest.raises(pydantic.ValidationError, match="no source sets target_field"):
        make_spec(sources=[{"path": "p.tsv"}])
    assert make_spec(sources=[{"path": "p.tsv"}, {"path": "q.tsv", "target_field": "fr"}])


@pytest.mark.parametrize("sections", [{"generate": {"temperature": 0.5}},
                                      {"model": {"pooling": "max"}},
                                      {"model": {"crf": True}}])
def test_settings_of_other_topologies_are_refused(sections):
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        make_spec(**sections)


def test_declared_metrics_are_what_keras_logs(tmp_path):
    spec = make_spec(tokenize={"max_length": 8}, model={"embedding_dim": 4, "units": 4},
                     target_tokenize={"level": "word_marked", "lowercase": False},
                     train={"batch_size": 2})
    spec = fixed(spec)  # no tokenize stage here: auto -> the fixed defaults
    topology = get_topology("seq2seq")
    topology.fit_preprocessor(spec, RECORDS, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    assert logged_names(spec, topology, prep, RECORDS) == set(spec.logged_metrics()) == {
        "loss", "val_loss", "val_chrf"}

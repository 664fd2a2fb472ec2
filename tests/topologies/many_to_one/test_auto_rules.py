"""The n-gram branch's ``auto`` recipe: NBSVM (binary, NB-weighted, sqrt, prefitted,
head also supervised alone) on long word texts; the jointly trained bag on short
texts, characters and without statistics; written values are kept; the recipe reaches
the built model."""

from __future__ import annotations

import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import PipelineSpec, load_spec
from seqkeras.spec.auto import Facts, TextFacts, auto_line, resolve
from seqkeras.topologies.many_to_one.auto_rules import (LONG_TEXT_TOKENS, NBSVM,
                                                        mean_length)

JOINT = {"ngram_branch.binary": False, "ngram_branch.nb_weighting": False,
         "ngram_branch.normalize": "mean", "ngram_branch.prefit": False,
         "ngram_branch.head_aux_loss_weight": 0.0}


def spec(level="word", **model):
    return PipelineSpec.model_validate({
        "name": "p", "topology": "many_to_one", "data": {"sources": [{"path": "x.csv"}]},
        "tokenize": {"level": level}, "model": model})


def texts(mean: int) -> Facts:
    lengths = {mean - 10: 50, mean + 10: 50}
    return Facts(5_000, {"tokenize": TextFacts(tokens=100 * mean, distinct={1: 900},
                                               lengths=lengths, vocab_size=900)})


def branch_values(resolved) -> dict:
    b = resolved.model.ngram_branch
    return {k: getattr(b, k.split(".")[1]) for k in NBSVM}


def test_mean_length_of_a_histogram():
    assert mean_length({10: 1, 30: 3}) == 25 and mean_length({}) == 0.0


def test_long_word_texts_get_the_nbsvm_recipe_and_the_line_says_why():
    resolved, chosen = resolve(spec(), texts(LONG_TEXT_TOKENS + 150))
    assert branch_values(resolved) == NBSVM
    line = auto_line(chosen)
    assert ("model.ngram_branch.binary True, model.ngram_branch.nb_weighting True, "
            "model.ngram_branch.normalize sqrt, model.ngram_branch.prefit True, "
            "model.ngram_branch.head_aux_loss_weight 1.0 (training texts of 250 tokens on "
            "average >= 100: NBSVM") in line


@pytest.mark.parametrize("level,mean", [("word", LONG_TEXT_TOKENS - 1), ("char", 900)])
def test_short_texts_and_characters_keep_the_jointly_trained_bag(level, mean):
    resolved, chosen = resolve(spec(level), texts(mean))
    assert branch_values(resolved) == JOINT
    assert chosen["model.ngram_branch.prefit"][0] is False


def test_no_statistics_and_no_branch_take_the_fixed_values():
    resolved, chosen = resolve(spec(), Facts())
    assert branch_values(resolved) == JOINT
    assert "no text statistics" in chosen["model.ngram_branch.binary"][1]
    # a branch that is off: the keys stay auto (validate refuses them set), nothing reads
    # them, and the model builds without the branch
    resolved, chosen = resolve(spec(ngram_branch=False, units=8, embedding_dim=4), texts(300))
    assert set(branch_values(resolved).values()) == {"auto"}
    assert not any(k.startswith("model.ngram_branch") for k in chosen)
    from seqkeras.topologies import get_topology
    model = get_topology("many_to_one").build_model(resolved, prep=_Prep())
    assert "ngram_branch" not in {layer.name for layer in model.layers}


def test_a_written_value_is_kept_beside_auto_ones():
    resolved, chosen = resolve(spec(ngram_branch={"prefit": False, "normalize": "mean"}),
                               texts(300))
    b = resolved.model.ngram_branch
    assert (b.prefit, b.normalize, b.binary, b.nb_weighting) == (False, "mean", True, True)
    assert "model.ngram_branch.prefit" not in chosen


def test_a_bad_value_names_the_key_and_auto(write_spec):
    path = write_spec("""
        name: p
        topology: many_to_one
        data: {sources: [{path: x.csv}]}
        model: {ngram_branch: {head_aux_loss_weight: -1}}
    """)
    with pytest.raises(SpecError, match=r"(?s)head_aux_loss_weight.*or auto"):
        load_spec(path, check_files=False)


def test_building_with_an_unresolved_recipe_is_refused():
    from seqkeras.topologies import get_topology

    with pytest.raises(ValueError, match="still auto: resolve the spec first"):
        get_topology("many_to_one").build_model(spec(units=8, embedding_dim=4), prep=_Prep())


class _Prep:
    """What build_model reads of a preprocessor before the branch (a text classifier)."""

    labels = ["neg", "pos"]

    class encoder:  # noqa: N801
        vocab_size = 50

"""The tagger's ``auto`` model settings (``seqkeras.spec.auto_tagging``): words get the
named-entity recipe, measurements and characters the former values, explicit values
win, the values reach the ``auto:`` line through the tokenize stage's statistics, and
``seqkeras validate`` refuses ``auto`` where nothing can resolve it."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import PipelineSpec, load_spec
from seqkeras.spec.auto import (FIXED, MAX_AUTO_LENGTH, MAX_KEEP_LENGTH, Facts, TextFacts,
                                auto_line, resolve)
from seqkeras.spec.auto_tagging import WORD_TAGGER
from tests.spec.auto_refusal import explicit_auto_refusal

KEYS = ("bidirectional", "crf", "char_embedding_dim", "char_encoder", "char_units",
        "casing_dim", "word_dropout", "embedding_dropout", "head_dropout")
NER = {"model.bidirectional": True, "model.crf": True, "model.char_embedding_dim": 30,
       "model.char_encoder": "cnn", "model.char_units": 50, "model.casing_dim": 8,
       "model.word_dropout": 0.25, "model.embedding_dropout": 0.5, "model.head_dropout": 0.5}
SENTENCES = TextFacts(tokens=40_000, distinct={1: 9_000, 2: 4_000, 3: 2_000, 5: 1_000},
                      lengths={12: 2_900, 78: 100}, vocab_size=9_004)
CONLL = {"path": "x.txt", "format": "conll", "text_field": 0, "label_field": -1}
STREAMS = {"path": "streams.csv", "format": "long_csv", "sequence_field": "session",
           "step_field": "t", "label_field": "activity"}


def tagger(source=CONLL, **sections) -> PipelineSpec:
    return PipelineSpec.model_validate({"name": "t", "topology": "many_to_many",
                                        "data": {"sources": [source]}, **sections})


def model_choices(spec, facts):
    resolved, chosen = resolve(spec, facts)
    return resolved, {k: v for k, (v, _) in chosen.items() if k.startswith("model.")
                      and k.split(".")[1] in KEYS}


def test_the_schema_leaves_them_to_auto():
    m = tagger().model
    assert all(getattr(m, key) == "auto" for key in KEYS)


def test_words_get_the_named_entity_recipe():
    spec, got = model_choices(tagger(), Facts(3_000, {"tokenize": SENTENCES}))
    assert got == NER
    m = spec.model
    assert (m.bidirectional, m.crf, m.char_encoder, m.char_units) == (True, True, "cnn", 50)


def test_without_words_the_former_values():
    # no statistics (the Python API, unit tests): what the settings were before auto
    _, got = model_choices(tagger(), Facts())
    assert got == {f"model.{k}": FIXED[k] for k in KEYS}
    assert got["model.crf"] is False and got["model.char_embedding_dim"] == 0
    # characters are not words
    _, got = model_choices(tagger(tokenize={"level": "char"}),
                           Facts(3_000, {"tokenize": SENTENCES}))
    assert got == {f"model.{k}": FIXED[k] for k in KEYS}


def test_measurements_keep_todays_model():
    spec, got = model_choices(tagger(STREAMS, input={"kind": "numeric"}), Facts(300, {}))
    # the settings measurements read: as before; the token-only ones: unread, left alone
    assert got == {"model.bidirectional": False, "model.crf": False, "model.head_dropout": 0.0}
    assert (spec.model.bidirectional, spec.model.crf) == (False, False)
    assert spec.model.embedding_dropout == "auto"  # a token-only key: nothing reads it


def test_explicit_values_win_and_char_units_follow_the_encoder():
    spec = tagger(model={"crf": False, "bidirectional": False, "char_encoder": "lstm",
                         "casing_dim": 0, "word_dropout": 0.1, "embedding_dropout": 0.2,
                         "head_dropout": 0.0})
    resolved, got = model_choices(spec, Facts(3_000, {"tokenize": SENTENCES}))
    assert got == {"model.char_embedding_dim": 30, "model.char_units": 25}  # 25 a direction
    m = resolved.model
    assert (m.crf, m.bidirectional, m.casing_dim, m.word_dropout) == (False, False, 0, 0.1)
    assert (m.embedding_dropout, m.head_dropout) == (0.2, 0.0)


@pytest.mark.parametrize("records, words, numeric", [
    (14_041, 32, 128),  # CoNLL-2003: the shared rule's ~100 steps an epoch would be 128
    (3_000, 32, 32),
    (1_000, 16, 16),  # a small training set keeps the shared rule's smaller batch
])
def test_a_word_tagger_batches_at_most_32_sentences(records, words, numeric):
    spec, chosen = resolve(tagger(), Facts(records, {"tokenize": SENTENCES}), ("train",))
    assert spec.train.batch_size == words
    if records > 3_000:
        assert "Reimers & Gurevych 2017" in chosen["train.batch_size"][1]
    # measurements and characters: the shared rule
    spec, _ = resolve(tagger(STREAMS, input={"kind": "numeric"}), Facts(records, {}), ("train",))
    assert spec.train.batch_size == numeric
    spec, _ = resolve(tagger(tokenize={"level": "char"}),
                      Facts(records, {"tokenize": SENTENCES}), ("train",))
    assert spec.train.batch_size == numeric
    # a written value wins
    spec, chosen = resolve(tagger(train={"batch_size": 128}),
                           Facts(records, {"tokenize": SENTENCES}), ("train",))
    assert spec.train.batch_size == 128 and "train.batch_size" not in chosen


def test_tagging_max_length_cuts_no_training_sentence():
    spec, chosen = resolve(tagger(), Facts(3_000, {"tokenize": SENTENCES}), ("tokenize",))
    # p99 would be 78 here too; the rule keeps the longest and leaves room above it
    assert spec.tokenize.max_length == MAX_AUTO_LENGTH
    assert "cuts 0.0%" in chosen["tokenize.max_length"][1]
    long = TextFacts(tokens=10**6, distinct={1: 50}, lengths={20: 990, 700: 9, 9_000: 1})
    spec, _ = resolve(tagger(), Facts(1_000, {"tokenize": long}), ("tokenize",))
    assert spec.tokenize.max_length == MAX_KEEP_LENGTH  # a 9,000-token outlier is cut
    spec, _ = resolve(tagger(tokenize={"max_length": 40}), Facts(1_000, {"tokenize": long}))
    assert spec.tokenize.max_length == 40


def test_the_statistics_the_tokenize_stage_keeps_carry_them_to_the_line(tmp_path):
    from seqkeras.stages.auto import keep, resolved_spec
    from seqkeras.text.statistics import measure

    spec = tagger()
    records = [{"tokens": ["Rand", "is", "from", "Emond", "'s", "Field", "."],
                "tags": ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC", "O"]}] * 3
    keep(tmp_path, measure(spec, records), {"vocab_size": 11})
    assert (tmp_path / "resolved.json").exists()
    resolved, chosen = resolved_spec(spec, tmp_path)
    line = auto_line(chosen)
    assert ("model.bidirectional True, model.crf True, model.char_embedding_dim 30, "
            "model.char_encoder cnn (words (Lample et al. 2016; Ma & Hovy 2016))") in line
    assert "model.char_units 50 (char_encoder cnn: filters)" in line
    assert "tokenize.max_length 512 (every token is tagged" in line
    assert {k: resolved.model.__dict__[k] for k in WORD_TAGGER} == WORD_TAGGER


# --------------------------------------------------------------------- validation
def test_validate_accepts_auto_and_values_and_names_a_bad_one(write_spec, data_root):
    base = ("topology: many_to_many\ndata:\n  sources:\n"
            "    - {path: x.txt, format: conll, text_field: 0, label_field: -1}\n")
    (data_root / "x.txt").write_text("Rand B-PER\n\n", encoding="utf-8")
    spec = load_spec(write_spec(base + "model: {crf: auto, char_encoder: gru}\n"))
    assert (spec.model.crf, spec.model.char_encoder) == ("auto", "gru")
    path = write_spec(base + "model:\n  crf: perhaps\n", name="bad")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert f"{path}:6: model.crf:" in str(info.value) and "or auto" in str(info.value)


def test_explicit_auto_on_measurements_is_refused(write_spec, data_root):
    (data_root / "streams.csv").write_text(
        "session,t,x,activity\ns1,0,0.5,walk\ns1,1,0.7,run\n", encoding="utf-8")
    base = ("topology: many_to_many\ninput: {kind: numeric}\ndata:\n  sources:\n"
            "    - {path: streams.csv, format: long_csv, sequence_field: session,\n"
            "       step_field: t, label_field: activity}\n")
    path, error = explicit_auto_refusal(write_spec, base, "model:\n  crf: auto\n")
    assert (f"{path}:8: model.crf: topology many_to_many (input.kind is numeric) has no "
            "text statistics to choose auto from: set a value (the default is false)"
            ) in error
    with pytest.raises(pydantic.ValidationError, match="does not apply"):
        tagger(STREAMS, input={"kind": "numeric"}, model={"casing_dim": 8})


def test_measurements_refuse_token_keys_even_at_zero():
    # nothing reads them on measurements: written, they are refused (the message says
    # to remove them), 0 included now that their default is auto
    for value in (0.0, 0.3):
        with pytest.raises(pydantic.ValidationError, match="embedding_dropout.*does not apply"):
            tagger(STREAMS, input={"kind": "numeric"}, model={"embedding_dropout": value})


def test_building_a_word_tagger_with_auto_left_names_the_keys():
    from seqkeras.topologies import get_topology

    with pytest.raises(ValueError, match="model embedding_dim.*still auto: resolve"):
        get_topology("many_to_many").build_model(tagger(), None)

"""``auto`` settings: each rule on small synthetic statistics, validation of auto and
numbers, the refusal where a topology has no statistics, tuning over auto."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import PipelineSpec, load_spec
from tests.spec.auto_refusal import explicit_auto_refusal
from seqkeras.spec.auto import (FIXED, Facts, TextFacts, auto_line, percentile_length,
                                power_of_two, resolve, share_longer)

WORDS = TextFacts(tokens=1_200_000, distinct={1: 9_000, 2: 4_000, 3: 2_500, 5: 1_000},
                  lengths={5: 90, 12: 9, 300: 1}, vocab_size=4_004)


def make(topology="many_to_one", **sections):
    data = {"sources": [{"path": "x.csv", "target_field": "fr"}]} if topology == "seq2seq" \
        else {"sources": [{"path": "x.csv"}]}
    if topology == "sequence_prediction":
        data["series"] = {"time": "t", "targets": ["y"]}
    return PipelineSpec.model_validate({"name": "p", "topology": topology, "data": data,
                                        **sections})


def chosen_values(spec, facts, which=("tokenize", "model", "train")):
    resolved, chosen = resolve(spec, facts, which)
    return resolved, {k: v for k, (v, _) in chosen.items()}


# ------------------------------------------------------------------------ helpers
def test_power_of_two_rounds_in_log_scale_and_clips():
    assert power_of_two(79.4, 32, 256) == 64      # log2 6.31 -> 2**6
    assert power_of_two(95, 16, 256) == 128       # log2 6.57 -> 2**7
    assert power_of_two(3, 32, 256) == 32 and power_of_two(10**6, 16, 128) == 128


def test_percentile_length_and_the_share_cut():
    lengths = {5: 98, 100: 2}
    assert percentile_length(lengths, 99) == 100  # 98 % are <= 5: the 99th needs 100
    assert percentile_length({5: 99, 100: 1}, 99) == 5
    assert share_longer({5: 99, 100: 1}, 5) == pytest.approx(0.01)
    assert share_longer(lengths, 100) == 0.0


# -------------------------------------------------------------------------- rules
def test_word_level_rules_on_a_mid_sized_corpus():
    spec, got = chosen_values(make(), Facts(train_records=6_300, text={"tokenize": WORDS}))
    assert got == {"tokenize.min_frequency": 2,          # 1,200,000 tokens >= 1,000,000
                   "tokenize.max_tokens": 4_004,         # seen twice or more + 4 reserved
                   "tokenize.max_length": 12,            # p99 of the lengths
                   "model.embedding_dim": 64,            # 8 * 4004 ** 0.25 = 63.3
                   "model.units": 64,                    # sqrt(6300) = 79
                   "train.batch_size": 64,               # 6300 / 100 = 63
                   "train.epochs": 30,
                   # texts of 9 tokens on average: the bag trained with the network
                   "model.ngram_branch.binary": False, "model.ngram_branch.nb_weighting": False,
                   "model.ngram_branch.normalize": "mean", "model.ngram_branch.prefit": False,
                   "model.ngram_branch.head_aux_loss_weight": 0.0}
    assert (spec.tokenize.max_tokens, spec.model.units, spec.train.epochs) == (4_004, 64, 30)


def test_small_corpora_keep_singletons_and_characters_always_do():
    small = TextFacts(tokens=200_000, distinct={1: 900, 2: 300}, lengths={7: 10})
    _, got = chosen_values(make(), Facts(300, {"tokenize": small}), ("tokenize",))
    assert got["tokenize.min_frequency"] == 1 and got["tokenize.max_tokens"] == 904
    _, got = chosen_values(make(tokenize={"level": "char"}), Facts(300, {"tokenize": WORDS}),
                           ("tokenize",))
    assert got["tokenize.min_frequency"] == 1 and got["tokenize.max_tokens"] == 9_004


def test_caps_on_vocabulary_length_and_batch():
    huge = TextFacts(tokens=10**8, distinct={1: 900_000, 2: 300_000},
                     lengths={10: 50, 2_000: 50}, vocab_size=50_000)
    _, got = chosen_values(make(), Facts(10**6, {"tokenize": huge}))
    assert got["tokenize.max_tokens"] == 50_000 and got["tokenize.max_length"] == 512
    assert got["train.batch_size"] == 128 and got["model.units"] == 256
    assert got["model.embedding_dim"] == 128      # 8 * 50000 ** 0.25 = 119.6
    _, got = chosen_values(make(tokenize={"level": "wordpiece"}),
                           Facts(10**6, {"tokenize": huge}), ("tokenize",))
    assert got["tokenize.max_tokens"] == 8_000


def test_wordpiece_max_tokens_auto_leaves_room_for_the_alphabet():
    # 16 words + 4 reserved gave 20 pieces, below the 4 + 2 x 20 the learner needs to
    # spell 20 characters alone and as ##suffixes: every word became [UNK]
    small = TextFacts(tokens=595, distinct={1: 16, 2: 16}, lengths={5: 119}, characters=20)
    _, got = chosen_values(make(tokenize={"level": "wordpiece"}),
                           Facts(119, {"tokenize": small}), ("tokenize",))
    assert got["tokenize.max_tokens"] == 4 + 2 * 20 + 16
    # a large alphabet (CJK) is kept whole even beyond the cap
    cjk = TextFacts(tokens=10**7, distinct={1: 10**6}, lengths={5: 10}, characters=6_000)
    _, got = chosen_values(make(tokenize={"level": "wordpiece"}),
                           Facts(10, {"tokenize": cjk}), ("tokenize",))
    assert got["tokenize.max_tokens"] == 4 + 2 * 6_000
    assert TextFacts.from_json(small.to_json()) == small
    assert TextFacts.from_json({"tokens": 3}).characters == 0   # resolved.json before


def test_epochs_auto_without_early_stopping_is_the_fixed_default():
    # 30 is a cap for early stopping to cut short: with early_stopping null it ran all
    # 30 epochs while the log said "a cap: early stopping decides"
    facts = Facts(train_records=700, text={"tokenize": WORDS})
    _, got = chosen_values(make(train={"early_stopping": None}), facts, ("train",))
    assert got["train.epochs"] == FIXED["epochs"]
    _, chosen = resolve(make(train={"early_stopping": None}), facts, ("train",))
    assert "no early stopping" in chosen["train.epochs"][1]
    _, got = chosen_values(make(), facts, ("train",))
    assert got["train.epochs"] == 30


def test_small_data_gets_small_batches_and_units():
    _, got = chosen_values(make(), Facts(train_records=700, text={"tokenize": WORDS}),
                           ("model", "train"))
    assert got["train.batch_size"] == 16 and got["model.units"] == 32


def test_max_length_keeps_everything_when_the_longest_is_no_outlier():
    names = TextFacts(tokens=30_000, distinct={1: 26}, lengths={5: 500, 9: 95, 11: 5})
    _, got = chosen_values(make(), Facts(600, {"tokenize": names}), ("tokenize",))
    assert got["tokenize.max_length"] == 11  # p99 is 9; 11 <= 2 x 9: nothing is cut
    outlier = TextFacts(tokens=30_000, distinct={1: 26}, lengths={5: 500, 9: 95, 19: 5})
    _, got = chosen_values(make(), Facts(600, {"tokenize": outlier}), ("tokenize",))
    assert got["tokenize.max_length"] == 9


def test_explicit_numbers_are_never_touched():
    spec = make(tokenize={"max_tokens": 100, "min_frequency": 3, "max_length": None},
                model={"units": 8, "embedding_dim": 4,
                       "ngram_branch": {"binary": True, "nb_weighting": False,
                                        "normalize": "sqrt", "prefit": False,
                                        "head_aux_loss_weight": 0.5}},
                train={"batch_size": 2, "epochs": 1})
    resolved, chosen = resolve(spec, Facts(6_300, {"tokenize": WORDS}))
    assert chosen == {} and resolved == spec
    assert resolved.tokenize.max_length is None


def test_explicit_min_frequency_feeds_the_auto_vocabulary():
    _, got = chosen_values(make(tokenize={"min_frequency": 5}),
                           Facts(6_300, {"tokenize": WORDS}), ("tokenize",))
    assert got == {"tokenize.max_tokens": 1_004, "tokenize.max_length": 12}


def test_without_statistics_auto_is_the_former_fixed_default():
    spec, got = chosen_values(make("sequence_prediction"), Facts())
    assert got["train.batch_size"] == FIXED["batch_size"] == 64 and got["train.epochs"] == 5
    assert spec.model.units == 64  # numeric-input models keep a number as default
    # forecasting reads no tokenize section (it refuses one): left alone
    assert not any(k.startswith("tokenize.") for k in got)
    # piano_roll reads tokenize.max_length (frames) and has no statistics: 200 as before
    spec, got = chosen_values(make("piano_roll"), Facts())
    assert got["tokenize.max_length"] == 200 and spec.tokenize.max_length == 200


def test_the_line_says_what_and_from_what():
    _, chosen = resolve(make(), Facts(6_300, {"tokenize": WORDS}))
    line = auto_line(chosen)
    assert line.startswith("auto: tokenize.min_frequency 2 (1,200,000 training tokens")
    assert "tokenize.max_length 12 (p99 of 100 training lengths" in line
    assert "cuts 1.0%" in line and "train.epochs 30 (a cap: early stopping decides)" in line


def test_seq2seq_resolves_each_side_from_its_own_text():
    target = TextFacts(tokens=1_000, distinct={1: 50, 2: 20}, lengths={30: 100})
    _, got = chosen_values(make("seq2seq", target_tokenize={"level": "word_marked"}),
                           Facts(6_300, {"tokenize": WORDS, "target_tokenize": target}),
                           ("tokenize",))
    assert got["target_tokenize.max_length"] == 30 and got["tokenize.max_length"] == 12
    assert got["target_tokenize.max_tokens"] == 54


# --------------------------------------------------------------------- validation
SPEC = """
data:
  sources:
    - path: small.csv
"""


def test_validate_accepts_auto_and_numbers(write_spec, small_csv):
    spec = load_spec(write_spec(SPEC + "tokenize: {max_length: auto, max_tokens: 300}\n"
                                "model: {units: 16, embedding_dim: auto}\n"
                                "train: {batch_size: auto, epochs: 3}\n"))
    assert (spec.tokenize.max_length, spec.tokenize.max_tokens) == ("auto", 300)
    assert (spec.model.units, spec.model.embedding_dim) == (16, "auto")
    assert (spec.train.batch_size, spec.train.epochs) == ("auto", 3)
    assert load_spec(write_spec(SPEC + "tokenize: {max_length: null}\n")).tokenize.max_length \
        is None


@pytest.mark.parametrize("yaml_line, key, line, message", [
    ("tokenize: {max_length: 0}", "tokenize.max_length", 4, "greater than 0, or auto"),
    ("train:\n  batch_size: -3", "train.batch_size", 5, "greater than or equal to 1, or auto"),
    ("model: {units: automatic}", "model.units", 4, "valid integer"),
    ("tokenize: {max_tokens: 2}", "tokenize.max_tokens", 4, "greater than 4, or auto"),
])
def test_validate_rejects_bad_values_with_file_line_and_key(write_spec, small_csv, yaml_line,
                                                            key, line, message):
    path = write_spec(SPEC + yaml_line + "\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    text = str(info.value)
    assert f"{path}:{line}: {key}:" in text and message in text
    assert text.count("\n") == 0  # one line, not one per union branch


def test_explicit_auto_without_statistics_is_refused(write_spec, data_root):
    (data_root / "s.csv").write_text("t,y\n2020-01-01,1\n2020-01-02,2\n", encoding="utf-8")
    base = ("topology: sequence_prediction\ndata:\n  sources: [{path: s.csv}]\n"
            "  series: {time: t, targets: [y]}\n")
    path, error = explicit_auto_refusal(write_spec, base, "train: {batch_size: auto}\n")
    assert (f"{path}:5: train.batch_size: topology sequence_prediction has no "
            "training-example count to choose auto from: set a number (the default is 64)"
            ) in error


def test_auto_in_a_search_space_without_statistics_is_refused():
    with pytest.raises(pydantic.ValidationError, match="tune.space.train.batch_size"):
        make("sequence_prediction", tune={"space": {"train.batch_size": {"choice": [32, "auto"]}}})
    make("sequence_prediction", tune={"space": {"train.batch_size": {"choice": [32, 64]}}})


def test_auto_embedding_on_measurements_is_refused():
    with pytest.raises(pydantic.ValidationError, match="input.kind is numeric"):
        make(input={"kind": "numeric"}, tokenize={"max_length": "auto"})


def test_overrides_keep_what_the_yaml_set_apart_from_defaults():
    spec = make("sequence_prediction").with_overrides({"train.learning_rate": 0.01})
    assert "batch_size" not in spec.train.model_fields_set  # default auto stays quiet
    assert spec.train.learning_rate == 0.01


# ------------------------------------------------------------------------- tuning
def test_auto_round_trips_through_a_search_space():
    kt = pytest.importorskip("keras_tuner")
    from seqkeras.tuning.hypermodel import declare

    spec = make(tune={"enabled": True, "space": {"model.units": {"choice": ["auto", 32]},
                                                 "train.batch_size": {"min": 8, "max": 16}}})
    assert spec.tune.space["model.units"].choice == ["auto", 32]
    hp = kt.HyperParameters()
    first = declare(hp, "model.units", spec.tune.space["model.units"])
    assert first == "auto" and hp.space[0].values == ["auto", "32"]
    for value, units in (("auto", 64), ("32", 32)):
        tuned = spec.with_overrides({"model.units": value})
        resolved, _ = resolve(tuned, Facts(6_300, {"tokenize": WORDS}))
        assert resolved.model.units == units
    with pytest.raises(pydantic.ValidationError, match="or auto"):
        make(tune={"space": {"model.units": {"choice": ["auto", "many"]}}})

"""seqkeras.spec: loading, validation messages, overrides, hashes and flattening."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import Choice, PipelineSpec, Range, flatten, load_spec

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """
data:
  sources:
    - path: small.csv
"""


def spec_error(path, **kwargs) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(path, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------ valid specs
def test_minimal_spec_loads_with_defaults(write_spec, small_csv):
    spec = load_spec(write_spec(MINIMAL, name="tiny_pipe"))
    assert spec.name == "tiny_pipe"  # taken from the file name when not given
    assert spec.topology == "many_to_one"
    assert spec.seed == 1337
    source = spec.data.sources[0]
    assert (source.format, source.text_field, source.label_field) == ("auto", "text", "label")
    assert source.header is True and source.split is None
    assert (spec.data.split.val, spec.data.split.test) == (0.1, 0.1)
    assert spec.data.split_values == {}  # user additions only; defaults merge in
    assert spec.data.split_mapping()["dev"] == "val"
    assert spec.tokenize.level == "word" and spec.tokenize.lowercase is True
    # chosen from the training data by the tokenize stage (seqkeras.spec.auto)
    assert spec.tokenize.max_tokens == "auto" and spec.tokenize.max_length == "auto"
    assert (spec.model.cell, spec.model.units, spec.model.layers) == ("lstm", "auto", 1)
    assert spec.tune.enabled is False and spec.tune.space == {}
    assert spec.train.epochs == "auto" and spec.train.early_stopping.patience == 2
    assert spec.export.base_dir == "models"


def test_explicit_name_wins_over_file_name(write_spec, small_csv):
    spec = load_spec(write_spec("name: custom\n" + MINIMAL, name="file_name"))
    assert spec.name == "custom"


def test_spec_is_frozen(write_spec, small_csv):
    spec = load_spec(write_spec(MINIMAL))
    with pytest.raises(pydantic.ValidationError):
        spec.model.units = 3


def test_tune_space_parses_choices_and_ranges(write_spec, small_csv):
    spec = load_spec(write_spec(MINIMAL + (
        "tune:\n"
        "  space:\n"
        "    model.units: {choice: [16, 32]}\n"
        "    train.learning_rate: {min: 0.001, max: 0.01, sampling: log}\n")))
    assert spec.tune.space["model.units"] == Choice(choice=[16, 32])
    lr = spec.tune.space["train.learning_rate"]
    assert isinstance(lr, Range) and lr.sampling == "log" and lr.min == 0.001


@pytest.mark.parametrize("name", ["quickstart", "imdb_sentiment"])
def test_shipped_pipelines_validate(name, shared_data, monkeypatch):
    path = REPO / "pipelines" / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"{path} not present")
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(shared_data))
    spec = load_spec(path)
    assert spec.name == name and spec.topology == "many_to_one"


# ----------------------------------------------------------------- bad specs
def test_unknown_key_names_file_key_line_and_suggestion(write_spec, small_csv):
    path = write_spec(MINIMAL + "model:\n  cell: gru\n  unitz: 32\n")
    # lines: 1 data, 2 sources, 3 - path, 4 model, 5 cell, 6 unitz
    message = spec_error(path)
    assert message.startswith(f"{path}:6: ")
    assert "model.unitz" in message
    assert "unknown key 'unitz'" in message
    assert "did you mean 'units'" in message


def test_a_yaml_boolean_is_no_number_and_no_text(write_spec, small_csv):
    """``units: yes`` was read as 1: a one-unit model trained without a word."""
    path = write_spec(MINIMAL + "model:\n  units: yes\n  dropout: off\n"
                      "  bidirectional: yes\ntrain:\n  epochs: on\n")
    message = spec_error(path)
    assert f"{path}:5: model.units: got true, a YAML boolean" in message
    assert "write a number" in message
    assert f"{path}:6: model.dropout: got false" in message
    assert f"{path}:9: train.epochs: got true" in message
    assert "bidirectional" not in message               # a boolean setting takes yes
    message = spec_error(write_spec("data:\n  sources:\n    - path: small.csv\n"
                                    "      label_field: yes\n"))
    assert "data.sources[0].label_field: got true, a YAML boolean: write a number or " \
           "quoted text ('yes')" in message


@pytest.mark.parametrize("text, got", [("", "the file is empty"), ("- data\n", "got a list"),
                                       ("just words\n", "got a str")])
def test_a_document_that_is_no_mapping_says_what_it_is(write_spec, text, got):
    message = spec_error(write_spec(text))
    assert "expected a mapping of sections at the top level" in message and got in message


def test_an_export_base_dir_through_a_file_fails_at_validate(write_spec, small_csv, tmp_path):
    """It passed validate and failed the export stage after training (NotADirectoryError)."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    path = write_spec(MINIMAL + f"export:\n  base_dir: {afile}\n")
    message = spec_error(path, check_files=True)
    assert f"{path}:5: export.base_dir: {afile} is a file, not a folder" in message


def test_unknown_key_without_close_match_has_no_suggestion(write_spec, small_csv):
    message = spec_error(write_spec(MINIMAL + "model:\n  zzzzzz: 1\n"))
    assert "model.zzzzzz" in message and "did you mean" not in message


def test_unknown_key_inside_a_list_item_uses_index_path(write_spec, small_csv):
    path = write_spec("data:\n  sources:\n    - path: small.csv\n      formatt: csv\n")
    message = spec_error(path)
    assert f"{path}:4: data.sources[0].formatt" in message
    assert "did you mean 'format'" in message


def test_unknown_key_in_optional_nested_section(write_spec, small_csv):
    path = write_spec(MINIMAL + "train:\n  early_stopping:\n    patiense: 3\n")
    message = spec_error(path)
    assert f"{path}:6: train.early_stopping.patiense" in message
    assert "did you mean 'patience'" in message


def test_wrong_type_names_the_key_and_value(write_spec, small_csv):
    path = write_spec(MINIMAL + "model:\n  units: many\n")
    message = spec_error(path)
    assert f"{path}:5: model.units:" in message
    assert "integer" in message and "'many'" in message


def test_out_of_range_value_names_the_key(write_spec, small_csv):
    message = spec_error(write_spec(MINIMAL + "train:\n  batch_size: 0\n"))
    assert "train.batch_size" in message and "greater than or equal to 1" in message


def test_invalid_literal_names_the_key(write_spec, small_csv):
    message = spec_error(write_spec(MINIMAL + "tokenize:\n  level: sentence\n"))
    assert "tokenize.level" in message and "'sentence'" in message


def test_every_problem_is_reported_on_its_own_line(write_spec, small_csv):
    path = write_spec(MINIMAL + "model:\n  unitz: 3\ntrain:\n  epochs: zero\n")
    lines = spec_error(path).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}:") for line in lines)
    assert any("model.unitz" in line for line in lines)
    assert any("train.epochs" in line for line in lines)


def test_missing_required_section(write_spec):
    message = spec_error(write_spec("model:\n  units: 3\n"))
    assert "data: required key is missing" in message


def test_empty_sources_list_is_an_error(write_spec):
    message = spec_error(write_spec("data:\n  sources: []\n"))
    assert "data.sources" in message


def test_missing_data_file_names_source_path_and_line(write_spec, data_root):
    path = write_spec("data:\n  sources:\n    - path: nowhere/missing.csv\n")
    message = spec_error(path)
    assert message.startswith(f"{path}:3: data.sources[0].path: file not found")
    assert str(data_root / "nowhere" / "missing.csv") in message
    assert "SEQKERAS_DATA_ROOT" in message


def test_missing_second_data_file_names_its_index(write_spec, small_csv):
    path = write_spec("data:\n  sources:\n    - path: small.csv\n    - path: gone.csv\n")
    message = spec_error(path)
    assert "data.sources[1].path" in message and "data.sources[0]" not in message


def test_missing_data_files_are_not_checked_when_asked(write_spec, data_root):
    spec = load_spec(write_spec("data:\n  sources:\n    - path: gone.csv\n"), check_files=False)
    assert spec.data.sources[0].path == "gone.csv"


def test_pkg_source_from_missing_package(write_spec):
    path = write_spec("data:\n  sources:\n    - path: pkg://no_such_pkg_qq/x.txt\n")
    message = spec_error(path)
    assert "data.sources[0].path" in message and "pip install no_such_pkg_qq" in message


def test_invalid_yaml_gives_the_line(write_spec):
    path = write_spec("data:\n  sources:\n    - path: a.csv\nmodel:\n\tunits: 3\n")
    message = spec_error(path)
    assert message.startswith(f"{path}:5: not valid YAML")


def test_top_level_must_be_a_mapping(write_spec):
    assert "mapping" in spec_error(write_spec("- a\n- b\n"))


def test_missing_pipeline_file(tmp_path):
    message = spec_error(tmp_path / "absent.yaml")
    assert "absent.yaml" in message and "not found" in message


def test_unknown_topology_is_an_error(write_spec, small_csv):
    path = write_spec("topology: many_to_onee\n" + MINIMAL)
    message = spec_error(path)
    assert f"{path}:1: topology: unknown topology 'many_to_onee'" in message
    assert "did you mean 'many_to_one'" in message
    registered = message.split("registered: ")[1].split(", ")
    assert "many_to_one" in registered and registered == sorted(registered)


def test_invalid_pipeline_name(write_spec, small_csv):
    message = spec_error(write_spec("name: has spaces\n" + MINIMAL))
    assert "name" in message and "pattern" in message


def test_split_fractions_must_leave_training_data(write_spec, small_csv):
    message = spec_error(write_spec(MINIMAL + "  split: {val: 0.5, test: 0.5}\n"))
    assert "data.split" in message and "val + test must be below 1" in message


def test_tune_space_unknown_key_is_an_error(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n    model.unitz: {choice: [1, 2]}\n")
    message = spec_error(path)
    assert "tune.space" in message and "model.unitz" in message
    assert "did you mean 'model.units'" in message


def test_tune_space_key_outside_model_and_train_is_an_error(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n    data.max_chars: {choice: [10]}\n")
    message = spec_error(path)
    assert f"{path}:6: tune.space.data.max_chars: unknown search-space key" in message


def test_tune_range_must_be_ordered(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n    model.units: {min: 64, max: 8}\n")
    assert "max must be greater than min" in spec_error(path)


def test_tune_log_range_needs_positive_min(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n"
                      "    train.learning_rate: {min: 0, max: 1, sampling: log}\n")
    assert "log sampling needs min > 0" in spec_error(path)


def test_tune_range_error_does_not_blame_valid_range_keys(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n    model.units: {min: 64, max: 8}\n")
    message = spec_error(path)
    assert "unknown key 'min'" not in message
    assert "choice: required key is missing" not in message


def test_enabled_tuning_without_search_space_is_a_spec_error(write_spec, small_csv):
    spec_error(write_spec(MINIMAL + "tune:\n  enabled: true\n"))


def test_tune_choice_values_are_validated_against_the_field(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n    model.cell: {choice: [lstm, transformer]}\n")
    message = spec_error(path)
    assert "model.cell" in message


# ------------------------------------------------------- overrides, hash, flatten
@pytest.fixture
def spec(write_spec, small_csv) -> PipelineSpec:
    return load_spec(write_spec(MINIMAL + "model:\n  units: 16\n"))


def test_with_overrides_replaces_dotted_values(spec):
    new = spec.with_overrides({"model.units": 48, "train.learning_rate": 0.01})
    assert new.model.units == 48 and new.train.learning_rate == 0.01
    # everything else is kept, and the original is unchanged
    assert new.model.cell == spec.model.cell and new.train.epochs == spec.train.epochs
    assert new.data == spec.data
    assert spec.model.units == 16 and spec.train.learning_rate == 0.001


def test_with_overrides_reaches_into_sub_sections(spec):
    new = spec.with_overrides({"model.ngram_branch.prefit": True,
                               "model.ngram_branch.ngrams": 3})
    assert new.model.ngram_branch.prefit is True and new.model.ngram_branch.ngrams == 3
    assert new.model.units == 16  # what the YAML set stays
    again = new.with_overrides({"model.ngram_branch.ngrams": 1})
    assert again.model.ngram_branch.prefit is True and again.model.ngram_branch.ngrams == 1
    with pytest.raises(pydantic.ValidationError):
        spec.with_overrides({"model.ngram_branch.no_such_key": 1})


def test_with_overrides_validates_values(spec):
    with pytest.raises(pydantic.ValidationError):
        spec.with_overrides({"model.units": -1})


def test_section_hash_tracks_only_its_sections(spec):
    changed = spec.with_overrides({"model.units": 17})
    assert changed.section_hash("model") != spec.section_hash("model")
    assert changed.section_hash("data") == spec.section_hash("data")
    assert changed.section_hash("data", "tokenize") == spec.section_hash("data", "tokenize")
    assert changed.section_hash("data", "model") != spec.section_hash("data", "model")


def test_section_hash_is_stable_across_loads(write_spec, small_csv):
    a = load_spec(write_spec(MINIMAL, name="a"))
    b = load_spec(write_spec(MINIMAL, name="b"))
    assert a.section_hash("data", "model") == b.section_hash("data", "model")
    assert a.section_hash("model") != a.section_hash("train")


def test_flatten_gives_dotted_string_values(spec):
    flat = flatten(spec)
    assert flat["model.units"] == "16"
    assert flat["data.sources.0.path"] == "small.csv"
    assert flat["data.split.val"] == "0.1"
    assert flat["train.early_stopping.patience"] == "2"
    assert flat["tokenize.replace"] == "[]"
    assert flat["name"] == spec.name
    assert all(isinstance(v, str) for v in flat.values())
    assert not any(k.startswith(".") or k.endswith(".") for k in flat)


def test_search_dimension_errors_name_the_dimension_key(write_spec, small_csv):
    path = write_spec(MINIMAL + "tune:\n  space:\n    model.units: {min: 64, max: 8}\n"
                      "    model.dropout: {choice: []}\n")
    lines = spec_error(path).splitlines()
    assert any(": tune.space.model.units: max must be greater than min" in x for x in lines)
    assert any(": tune.space.model.dropout.choice: " in x for x in lines)
    assert not any(".range" in x or "choice.choice" in x for x in lines)


def test_reduce_lr_on_plateau_is_off_by_default_and_fills_its_defaults(write_spec, small_csv):
    assert load_spec(write_spec(MINIMAL)).train.reduce_lr_on_plateau is None
    spec = load_spec(write_spec(MINIMAL + "train:\n  reduce_lr_on_plateau: {factor: 0.3}\n"))
    lr = spec.train.reduce_lr_on_plateau
    assert (lr.monitor, lr.factor, lr.patience, lr.min_lr) == (None, 0.3, 1, 1e-5)
    assert spec.monitor(lr.monitor) == "val_accuracy"  # the classifier's selection metric


def test_reduce_lr_on_plateau_bad_factor_names_the_key(write_spec, small_csv):
    path = write_spec(MINIMAL + "train:\n  reduce_lr_on_plateau:\n    factor: 1.5\n")
    message = spec_error(path)
    assert f"{path}:6: train.reduce_lr_on_plateau.factor: Input should be less than 1" \
        in message and "(got 1.5)" in message


def test_cosine_schedule_and_plateau_reduction_are_refused_together(write_spec, small_csv):
    assert load_spec(write_spec(MINIMAL)).train.learning_rate_schedule == "constant"
    spec = load_spec(write_spec(MINIMAL + "train:\n  learning_rate_schedule: cosine\n"
                                "  epochs: 4\n"))
    assert spec.train.learning_rate_schedule == "cosine"
    path = write_spec(MINIMAL + "train:\n  learning_rate_schedule: cosine\n  epochs: 4\n"
                      "  reduce_lr_on_plateau: {factor: 0.5}\n")
    message = spec_error(path)
    assert "train: " in message and "both set the learning rate; keep one" in message


def test_a_cosine_schedule_needs_written_epochs(write_spec, small_csv):
    # epochs auto is a cap of 30 that early stopping ends early: the rate would hardly fall
    message = spec_error(write_spec(MINIMAL + "train:\n  learning_rate_schedule: cosine\n"))
    assert "decays the rate to 0 over train.epochs: set epochs" in message


def test_seq2seq_keys_are_validated_with_line_and_choices(write_spec, small_csv):
    head = "topology: seq2seq\ndata:\n  sources:\n    - {path: small.csv, target_field: label}\n"
    path = write_spec(head + "model:\n  attention: dot\ngenerate:\n  beam_size: 0\n")
    message = spec_error(path)
    assert f"{path}:6: model.attention" in message and "'bahdanau'" in message
    assert f"{path}:8: generate.beam_size" in message
    path = write_spec(head + "target_tokenize:\n  levl: word_marked\n", name="t")
    assert "target_tokenize.levl: unknown key 'levl' (did you mean 'level'?)" in spec_error(path)

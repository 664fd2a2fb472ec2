"""The pipeline union: the topology's own class, overrides, int ranges, metric
directions, MLflow-safe params and the registration contract."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import PipelineSpec, Range, flatten, load_spec, param_key
from seqkeras.topologies import register_topology, topology_entry, topology_names

SOURCES = {"sources": [{"path": "x.csv", "target_field": "fr"}]}


def make(topology="many_to_one", **sections):
    data = dict(SOURCES) if topology == "seq2seq" else {"sources": [{"path": "x.csv"}]}
    if topology == "sequence_prediction":
        data["series"] = {"time": "t", "targets": ["y"]}
    return PipelineSpec.model_validate({"name": "p", "topology": topology, "data": data,
                                        **sections})


@pytest.mark.parametrize("name", ["generation", "many_to_many", "many_to_one", "piano_roll",
                                  "seq2seq", "sequence_prediction"])
def test_each_topology_gets_its_registered_class(name):
    spec = make(name)
    assert type(spec) is topology_entry(name).spec and spec.topology == name
    assert isinstance(spec, PipelineSpec)
    # the model section is the topology's own: only its fields
    own = set(type(spec.model).model_fields)
    assert {"cell", "units", "layers", "bidirectional", "dropout"} <= own
    others = {"crf", "attention", "condition_dim", "pooling", "head_layer_norm"} - own
    assert others


def test_with_overrides_validates_against_the_topologys_own_classes():
    spec = make("generation", model={"units": 8})
    tuned = spec.with_overrides({"model.units": 16, "train.learning_rate": 0.01})
    assert type(tuned) is type(spec) and tuned.model.units == 16
    with pytest.raises(pydantic.ValidationError, match="backward layer"):
        spec.with_overrides({"model.bidirectional": True})
    with pytest.raises(pydantic.ValidationError, match="crf"):
        make().with_overrides({"model.crf": True})


def test_a_range_over_an_integer_field_samples_integers():
    spec = make(tune={"space": {"model.units": {"min": 8, "max": 32},
                                "train.batch_size": {"min": 16, "max": 64, "step": 16},
                                "model.dropout": {"min": 0.0, "max": 0.5}}})
    space = spec.tune.space
    assert isinstance(space["model.units"], Range) and space["model.units"].type == "int"
    assert space["train.batch_size"].type == "int"
    assert space["model.dropout"].type == "float"
    assert spec.with_overrides({}).tune.space == space  # the round trip keeps them


def test_metric_directions_come_from_the_topology():
    assert make().metric_direction("val_accuracy") == "max"
    assert make().metric_direction("val_loss") == "min"
    assert make("sequence_prediction").metric_direction("val_mae") == "min"
    assert make().metric_direction("val_loss", "max") == "max"
    assert make("generation").logged_metrics() == ["loss", "val_loss"]


def test_unknown_topology_is_a_validation_error_at_topology():
    with pytest.raises(pydantic.ValidationError) as info:
        make("many_to_onee")
    (error,) = info.value.errors()
    assert error["loc"] == ("topology",)
    assert "did you mean 'many_to_one'" in error["msg"]


def test_flatten_gives_mlflow_safe_keys_for_any_split_value():
    spec = make(data={"sources": [{"path": "x.csv"}],
                      "split_values": {"dev (2019)": "val", "dev [2019]": "val", "été": "test"}})
    flat = flatten(spec)
    assert flat["data.split_values.dev _2019_"] == "val"
    assert flat["data.split_values.dev _2019__2"] == "val"   # same safe name: numbered
    assert flat["data.split_values.été"] == "test"           # \w is unicode in MLflow too
    assert param_key("a" * 300).startswith("a" * 200) and len(param_key("a" * 300)) == 250


def test_split_values_that_are_not_param_names_still_log_to_mlflow(
        tmp_path, monkeypatch, write_spec, small_csv):
    from seqkeras.tracking import Tracker

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    path = write_spec("data:\n  sources: [{path: small.csv}]\n"
                      "  split_values: {\"dev (2019)\": val, \"a/../b\": drop}\n")
    spec = load_spec(path)
    tracker = Tracker(enabled=True)
    with tracker.pipeline_run(spec, path, flatten(spec), {}):
        pass
    import mlflow

    params = mlflow.get_run(tracker.run_id).data.params
    assert params["data.split_values.dev _2019_"] == "val"
    assert params["data.split_values.a_.._b"] == "drop"


def test_register_topology_checks_the_schema_class():
    spec = topology_entry("many_to_one").spec
    with pytest.raises(ValueError, match="topology: Literal"):
        register_topology("generation", "seqkeras.topologies.generation.topology:Generation",
                          spec=spec)
    assert topology_names() == sorted(topology_names())


def test_duplicate_keys_inside_lists_and_merges(write_spec, small_csv):
    ok = write_spec("data:\n  sources:\n    - &src {path: small.csv, label_field: label}\n"
                    "tune:\n  space:\n    model.units: &units {choice: [8, 16]}\n"
                    "    model.layers: {<<: *units, choice: [1, 2]}\n", name="merge")
    spec = load_spec(ok)  # a merged key overridden by an explicit one is not a duplicate
    assert spec.tune.space["model.layers"].choice == [1, 2]
    bad = write_spec("data:\n  sources:\n    - {path: small.csv, path: other.csv}\n")
    with pytest.raises(SpecError, match=r":3: data\.sources\[0\]\.path: duplicate key"):
        load_spec(bad)


def test_a_recursive_alias_is_refused(write_spec, small_csv):
    path = write_spec("data:\n  sources:\n    - path: small.csv\n"
                      "tune:\n  space:\n    model.units: &a {choice: [*a]}\n")
    with pytest.raises(SpecError, match="YAML aliases expand this value"):
        load_spec(path)

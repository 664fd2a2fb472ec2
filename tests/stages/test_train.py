"""seqkeras.stages.train: the callbacks the spec's train section asks for."""

from __future__ import annotations

import keras
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.stages.train import callbacks
from seqkeras.tracking import Tracker


def make_spec(**train) -> PipelineSpec:
    return PipelineSpec.model_validate({"name": "x", "data": {"sources": [{"path": "a.txt"}]},
                                        "train": train})


def of_type(cbs, cls) -> list:
    return [c for c in cbs if isinstance(c, cls)]


def test_reduce_lr_on_plateau_is_built_with_the_configured_values(tmp_path):
    spec = make_spec(reduce_lr_on_plateau={"factor": 0.3, "patience": 2, "min_lr": 1e-4,
                                           "monitor": "val_accuracy"})
    [cb] = of_type(callbacks(spec, tmp_path, Tracker(enabled=False)),
                   keras.callbacks.ReduceLROnPlateau)
    assert (cb.monitor, cb.factor, cb.patience, cb.min_lr) == ("val_accuracy", 0.3, 2, 1e-4)


def test_reduce_lr_on_plateau_is_off_by_default(tmp_path):
    cbs = callbacks(make_spec(), tmp_path, Tracker(enabled=False))
    assert of_type(cbs, keras.callbacks.ReduceLROnPlateau) == []
    assert len(of_type(cbs, keras.callbacks.EarlyStopping)) == 1


def test_the_cosine_schedule_gets_the_steps_an_epoch_from_the_training_size(tmp_path):
    from seqkeras.training.schedules import CosineDecay

    spec = make_spec(learning_rate_schedule="cosine", epochs=3, batch_size=64)
    [cb] = of_type(callbacks(spec, tmp_path, Tracker(enabled=False), None, 1000),
                   CosineDecay)
    assert (cb.epochs, cb.steps) == (3, 16)                  # ceil(1000 / 64)
    fixed = make_spec(learning_rate_schedule="cosine", epochs=3, steps_per_epoch=5)
    [cb] = of_type(callbacks(fixed, tmp_path, Tracker(enabled=False), None, 1000), CosineDecay)
    assert cb.steps == 5                                     # train.steps_per_epoch wins
    [cb] = of_type(callbacks(spec, tmp_path, Tracker(enabled=False)), CosineDecay)
    assert cb.steps is None                                  # counted in the first epoch
    assert of_type(callbacks(make_spec(), tmp_path, Tracker(enabled=False)), CosineDecay) == []


def topology_spec(topology: str, **sections) -> PipelineSpec:
    extra = {"many_to_many": {"sources": [{"path": "a.txt", "format": "conll",
                                          "label_field": -1}]},
             "seq2seq": {"sources": [{"path": "a.tsv", "target_field": 1}]}}
    data = extra.get(topology, {"sources": [{"path": "a.txt"}]})
    return PipelineSpec.model_validate({"name": "x", "topology": topology, "data": data,
                                        **sections})


@pytest.mark.parametrize("topology, watched, mode", [
    ("many_to_many", "val_entity_f1", "max"), ("many_to_one", "val_accuracy", "max"),
    ("seq2seq", "val_chrf", "max"), ("generation", "val_loss", "min")])
def test_early_stopping_and_checkpoint_watch_the_task_metric_by_default(
        tmp_path, topology, watched, mode):
    spec = topology_spec(topology, train={"reduce_lr_on_plateau": {}})
    cbs = callbacks(spec, tmp_path, Tracker(enabled=False))
    [es] = of_type(cbs, keras.callbacks.EarlyStopping)
    [ckpt] = of_type(cbs, keras.callbacks.ModelCheckpoint)
    [lr] = of_type(cbs, keras.callbacks.ReduceLROnPlateau)
    assert es.monitor == ckpt.monitor == lr.monitor == watched
    assert es.mode == lr.mode == ckpt.mode == mode


def test_a_monitor_named_in_the_yaml_wins_and_epoch_callbacks_come_first(tmp_path):
    spec = topology_spec("many_to_many", train={"early_stopping": {"monitor": "val_loss"}})
    first = keras.callbacks.Callback()
    cbs = callbacks(spec, tmp_path, Tracker(enabled=False), [first])
    assert cbs[0] is first
    assert of_type(cbs, keras.callbacks.EarlyStopping)[0].monitor == "val_loss"


def test_validate_knows_the_val_task_metrics():
    with pytest.raises(Exception, match="val_entity_f1"):
        topology_spec("many_to_one", train={"early_stopping": {"monitor": "val_entity_f1"}})
    spec = topology_spec("many_to_many", tune={"objective": "val_entity_f1"})
    assert spec.metric_direction("val_entity_f1") == "max"

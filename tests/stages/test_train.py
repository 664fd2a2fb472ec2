"""seqkeras.stages.train: the callbacks the spec's train section asks for."""

from __future__ import annotations

import keras

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

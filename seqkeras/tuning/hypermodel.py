"""A pipeline's search space as a keras-tuner HyperModel, and the tuner around it.

Keys of ``tune.space`` are dotted ``model.*`` / ``train.*`` spec keys; each trial
builds the topology's model from the spec with the trial's values, and is logged to
MLflow as one run nested under the pipeline's run (created through the client, so a
trial run by a worker process on another host nests the same way).
"""

from __future__ import annotations

import json
import os
import uuid

import keras_tuner as kt
from keras_tuner.src import utils as kt_utils

from seqkeras.spec import Choice
from seqkeras.spec.auto import Facts, resolve
from seqkeras.spec.sections import AUTO
from seqkeras.training.precision import training_precision
from seqkeras.training.schedules import CosineDecay, steps_hint


def _save_json_atomically(path, obj):
    """keras-tuner's ``utils.save_json``, written to a temporary file renamed over the
    old one: keras-tuner writes its oracle, tuner and trial files in place, so a kill
    mid-write left an empty ``tuner0.json`` that no later run could reload."""
    text = json.dumps(obj)
    path = str(path)
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return text


# seqkeras's search folders are local (data/<pipeline>/tune-search)
kt_utils.save_json = _save_json_atomically


def declare(hp: kt.HyperParameters, key: str, dim):
    """Register one search dimension on ``hp`` and return its current value."""
    if isinstance(dim, Choice):
        values = dim.choice
        if AUTO in values and any(not isinstance(v, str) for v in values):
            # keras-tuner's Choice holds one type: "auto" among numbers goes as strings,
            # which the spec's fields parse back ("64" -> 64)
            values = [str(v) for v in values]
        return hp.Choice(key, values)
    if dim.type == "int":
        return hp.Int(key, int(dim.min), int(dim.max), step=int(dim.step) if dim.step else None,
                      sampling=dim.sampling)
    return hp.Float(key, dim.min, dim.max, step=dim.step, sampling=dim.sampling)


class PipelineHyperModel(kt.HyperModel):
    """Builds the topology's model and its datasets for one set of hyperparameters."""

    def __init__(self, spec, topology, prep, train_records, val_records, facts=None):
        super().__init__(name=spec.name)
        self.spec, self.topology, self.prep = spec, topology, prep
        #: The training statistics ``auto`` values are chosen from (seqkeras.spec.auto).
        self.facts = facts if facts is not None else Facts()
        self.train_records, self.val_records = train_records, val_records
        self._datasets = {}

    def spec_for(self, hp):
        values = {key: declare(hp, key, dim) for key, dim in self.spec.tune.space.items()}
        return resolve(self.spec.with_overrides(values), self.facts)[0]

    def declare_hyperparameters(self, hp):
        """The search space without building a model (the chief oracle needs only this)."""
        for key, dim in self.spec.tune.space.items():
            declare(hp, key, dim)

    def build(self, hp):
        spec = self.spec_for(hp)
        with training_precision(spec.train.precision):  # trials train as the run will
            model = self.topology.build_model(spec, self.prep)
        # statistics of the training split the model holds fixed (naive-Bayes ratios)
        self.topology.fit_fixed_weights(spec, self.prep, model, self.train_records)
        return model

    def fit(self, hp, model, *args, **kwargs):
        spec = self.spec_for(hp)
        key = spec.train.batch_size
        if key not in self._datasets:
            self._datasets[key] = (
                self.topology.make_dataset(spec, self.prep, self.train_records, True),
                self.topology.make_dataset(spec, self.prep, self.val_records, False))
        train_ds, val_ds = self._datasets[key]
        kwargs.pop("x", None)
        kwargs.pop("validation_data", None)
        # the task metrics on val first, so an objective such as val_entity_f1 is logged
        kwargs["callbacks"] = (self.topology.epoch_callbacks(spec, self.prep, self.val_records)
                               + list(kwargs.get("callbacks") or []))
        if spec.train.learning_rate_schedule == "cosine":  # over the trial's epochs
            steps = steps_hint(len(self.train_records), spec.train.batch_size,
                               kwargs.get("steps_per_epoch"))
            kwargs["callbacks"].append(CosineDecay(kwargs.get("epochs") or 1, steps))
        return model.fit(train_ds, *args, validation_data=val_ds, **kwargs)


TUNERS = {
    "random": kt.RandomSearch,
    "bayesian": kt.BayesianOptimization,
    "hyperband": kt.Hyperband,
}


def tuner_class(algorithm: str, tracker):
    """The keras-tuner class for ``algorithm``, with each trial logged as a nested run."""
    base = TUNERS[algorithm]

    class TrackedTuner(base):
        def run_trial(self, trial, *args, **kwargs):
            with tracker.trial_run(f"trial-{trial.trial_id}", trial.hyperparameters.values,
                                   {"seqkeras.trial": trial.trial_id,
                                    "seqkeras.tuner": self.tuner_id}) as log:
                result = super().run_trial(trial, *args, **kwargs)
                histories = result if isinstance(result, list) else [result]
                for history in histories:
                    if hasattr(history, "history"):
                        log({f"trial_{name}": values[-1]
                             for name, values in history.history.items()})
                return result

    TrackedTuner.__name__ = f"Tracked{base.__name__}"
    return TrackedTuner


def make_tuner(spec, hypermodel, tracker, directory, max_failed_trials: int = 1,
               overwrite: bool = False):
    """The tuner of ``spec.tune`` searching with ``hypermodel`` in ``directory`` (its
    ``keras_tuner`` project there is reloaded when present: an interrupted search
    resumes, its unfinished trials first, unless ``overwrite``)."""
    tune = spec.tune
    objective = kt.Objective(tune.objective, spec.metric_direction(tune.objective,
                                                                  tune.direction))
    common = dict(hypermodel=hypermodel, objective=objective, seed=spec.seed,
                  directory=str(directory), project_name="keras_tuner", overwrite=overwrite,
                  max_consecutive_failed_trials=max_failed_trials)
    cls = tuner_class(tune.algorithm, tracker)
    if tune.algorithm == "hyperband":
        tuner = cls(max_epochs=tune.epochs, factor=3, hyperband_iterations=1, **common)
    else:
        tuner = cls(max_trials=tune.max_trials, **common)
    return tuner

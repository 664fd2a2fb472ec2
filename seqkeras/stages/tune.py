"""tune: keras-tuner search over the search space declared in the YAML.

Keys of ``tune.space`` are dotted ``model.*`` / ``train.*`` spec keys; the best values
are written to ``best_hparams.json``, which the train stage applies over the spec.
Each trial is a nested MLflow run under the pipeline's run.
"""

from __future__ import annotations

import logging
import shutil

import keras_tuner as kt

from seqkeras.io.atomic import read_jsonl, write_json
from seqkeras.spec import Choice

BEST_FILE = "best_hparams.json"
log = logging.getLogger("seqkeras")


def declare(hp: kt.HyperParameters, key: str, dim):
    """Register one search dimension on ``hp`` and return its current value."""
    if isinstance(dim, Choice):
        return hp.Choice(key, dim.choice)
    if dim.type == "int":
        return hp.Int(key, int(dim.min), int(dim.max), step=int(dim.step) if dim.step else None,
                      sampling=dim.sampling)
    return hp.Float(key, dim.min, dim.max, step=dim.step, sampling=dim.sampling)


class PipelineHyperModel(kt.HyperModel):
    """Builds the topology's model and its datasets for one set of hyperparameters."""

    def __init__(self, spec, topology, prep, train_records, val_records):
        super().__init__(name=spec.name)
        self.spec, self.topology, self.prep = spec, topology, prep
        self.train_records, self.val_records = train_records, val_records
        self._datasets = {}

    def spec_for(self, hp):
        values = {key: declare(hp, key, dim) for key, dim in self.spec.tune.space.items()}
        return self.spec.with_overrides(values)

    def build(self, hp):
        return self.topology.build_model(self.spec_for(hp), self.prep)

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
        return model.fit(train_ds, *args, validation_data=val_ds, **kwargs)


def tuner_class(algorithm: str, tracker):
    """The keras-tuner class for ``algorithm``, with each trial logged as a nested run."""
    base = TUNERS[algorithm]

    class TrackedTuner(base):
        def run_trial(self, trial, *args, **kwargs):
            with tracker.nested_run(f"trial-{trial.trial_id}", trial.hyperparameters.values):
                result = super().run_trial(trial, *args, **kwargs)
                histories = result if isinstance(result, list) else [result]
                for history in histories:
                    if hasattr(history, "history"):
                        for name, values in history.history.items():
                            tracker.log_metrics({f"trial_{name}": values[-1]})
                return result

    TrackedTuner.__name__ = f"Tracked{base.__name__}"
    return TrackedTuner


TUNERS = {
    "random": kt.RandomSearch,
    "bayesian": kt.BayesianOptimization,
    "hyperband": kt.Hyperband,
}


def run(ctx) -> dict:
    """Search ``tune.space`` (or write ``{}`` when tuning is off); the best values."""
    spec, tune = ctx.spec, ctx.spec.tune
    if not tune.enabled:
        write_json(ctx.out / BEST_FILE, {})
        ctx.log.info("tune: disabled (tune.enabled: false); training uses the spec's values")
        return {"enabled": False}
    if not tune.space:
        raise ValueError("tune.enabled is true but tune.space declares no dimension")
    topology = ctx.topology
    prep = topology.load_preprocessor(spec, ctx.input("tokenize"))
    ingest = ctx.input("ingest")
    hypermodel = PipelineHyperModel(spec, topology, prep, read_jsonl(ingest / "train.jsonl"),
                                    read_jsonl(ingest / "val.jsonl"))
    # the direction the topology declares for the objective (keras-tuner cannot infer
    # it for every name)
    objective = kt.Objective(tune.objective, spec.metric_direction(tune.objective,
                                                                  tune.direction))
    common = dict(hypermodel=hypermodel, objective=objective, seed=spec.seed,
                  directory=str(ctx.out), project_name="keras_tuner", overwrite=True,
                  # a failing trial is a bug or a bad search space: stop at once, loudly
                  max_consecutive_failed_trials=1)
    cls = tuner_class(tune.algorithm, ctx.tracker)
    if tune.algorithm == "hyperband":
        tuner = cls(max_epochs=tune.epochs, factor=3, hyperband_iterations=1, **common)
    else:
        tuner = cls(max_trials=tune.max_trials, **common)
    ctx.log.info("tune: %s search, %s, objective %s", tune.algorithm,
                 f"{tune.max_trials} trials" if tune.algorithm != "hyperband" else "hyperband brackets",
                 tune.objective)
    tuner.search(epochs=tune.epochs, steps_per_epoch=tune.steps_per_epoch, verbose=0)
    best = tuner.get_best_hyperparameters(1)[0].values
    trials = []
    for trial in tuner.oracle.get_best_trials(num_trials=len(tuner.oracle.trials)):
        trials.append({"trial": trial.trial_id, "score": trial.score,
                       "hyperparameters": trial.hyperparameters.values})
    best = {k: best[k] for k in spec.tune.space}
    write_json(ctx.out / BEST_FILE, best)
    write_json(ctx.out / "trials.json", trials)
    shutil.rmtree(ctx.out / "keras_tuner", ignore_errors=True)  # checkpoints of every trial
    ctx.log.info("tune: best %s (%s %s)", best, tune.objective, trials[0]["score"])
    ctx.tracker.set_tags({f"tuned.{k}": v for k, v in best.items()})
    ctx.tracker.log_metrics({f"tune_best_{tune.objective}": trials[0]["score"]})
    ctx.tracker.log_artifact(ctx.out / "trials.json", "tune")
    return {"enabled": True, "best": best, "trials": len(trials)}

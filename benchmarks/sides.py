"""The two kinds of training run a time-to-target benchmark puts side by side.

* ``seqkeras_side``: what ``seqkeras run`` does, through the same functions: the ingest
  and tokenize stages (``run_pipeline`` into a fresh folder), then the train stage's
  steps: ``topology.make_dataset`` / ``build_model``, ``model.fit`` with the stage's own
  callbacks (early stopping, learning-rate schedule, checkpoint), and
  ``topology.evaluate`` on the test split.
* ``keras_io_side``: the keras-io IMDB recipe (``benchmarks.keras_io_imdb``), numpy in.

Each side's clock starts when the side starts (reading the data included; importing
TensorFlow, common to all sides, is not). ``Probe`` scores the validation split every
``probe_examples`` training examples and at every epoch end, and stops the clock while
it or ``fit``'s own validation runs: the time to target is training time, and the
validation passes (the same for every side) are reported apart. The clock keeps wall
time and this process's CPU time: on cores shared with other work, wall time swells
with their load, CPU time much less, so a ratio of CPU times is the steadier one.
"""

from __future__ import annotations

import csv
import gzip
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from benchmarks.hardware import model_flops
from benchmarks.throughput import BatchTap


@dataclass
class SideResult:
    name: str
    recipe: str                        #: what was trained, in words
    prepare_s: float                   #: side start -> fit starts (data, vocabulary, model)
    prepare_cpu_s: float = 0.0
    train_s: float = 0.0               #: fit wall time without validation passes
    train_cpu_s: float = 0.0
    validation_s: float = 0.0          #: probes and fit's epoch-end validation
    test_s: float = 0.0
    epochs: int = 0
    steps: int = 0
    examples: int = 0
    real_tokens: int = 0               #: ids != 0 in the training batches
    positions: int = 0                 #: padded [batch, length] cells of those batches
    #: (wall s, examples, value, where, CPU s) at every validation score
    trace: list = field(default_factory=list)
    test: dict = field(default_factory=dict)
    flops: object = None
    notes: list = field(default_factory=list)

    def time_to(self, target: float, higher: bool) -> tuple[float, int, float] | None:
        """(wall s, training examples, CPU s) at the first validation score at the target."""
        for seconds, examples, value, _, cpu in self.trace:
            if (value >= target) if higher else (value <= target):
                return seconds, examples, cpu
        return None

    def best(self, higher: bool) -> float:
        values = [row[2] for row in self.trace]
        return (max if higher else min)(values) if values else float("nan")

    def training_flops(self, useful: bool) -> float:
        if self.flops is None:
            return float("nan")
        return self.flops.training(self.real_tokens if useful else self.positions,
                                   self.examples)


class Clock:
    """Wall and process CPU seconds since construction, minus the paused spans."""

    def __init__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        self.paused_wall = self.paused_cpu = 0.0
        self._pause = None

    def now(self) -> tuple[float, float]:
        return (time.perf_counter() - self.wall0 - self.paused_wall,
                time.process_time() - self.cpu0 - self.paused_cpu)

    def pause(self):
        self._pause = (time.perf_counter(), time.process_time())

    def resume(self):
        self.paused_wall += time.perf_counter() - self._pause[0]
        self.paused_cpu += time.process_time() - self._pause[1]


class Probe(keras.callbacks.Callback):
    """Validation score every ``every`` examples and at epoch ends, on a paused clock.

    ``score(model)`` returns the monitored value; ``count(steps)`` the examples trained on
    after that many steps (default: steps x ``batch_size``).
    ``stop_at`` (value or None) ends training at the first score reaching it."""

    def __init__(self, clock: Clock, score, monitor: str, every: int, batch_size: int,
                 higher: bool, stop_at=None, log=print, count=None):
        super().__init__()
        self.count = count
        self.clock, self.score, self.monitor = clock, score, monitor
        self.every, self.batch_size, self.higher = every, batch_size, higher
        self.stop_at, self.log = stop_at, log
        self.examples, self.steps = 0, 0
        self.next_probe = every
        self.trace: list = []
        self._val_started = None

    def _record(self, at, value, where):
        self.trace.append((at[0], self.examples, float(value), where, at[1]))
        self.log(f"[probe] {at[0]:7.1f} s ({at[1]:7.1f} CPU s), {self.examples:7d} examples: "
                 f"{self.monitor} {value:.4f} ({where})")
        if self.stop_at is not None and (value >= self.stop_at if self.higher
                                         else value <= self.stop_at):
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.examples = self.count(self.steps) if self.count else self.examples + self.batch_size
        last_of_epoch = self.params.get("steps") == batch + 1  # fit validates it anyway
        if self.examples >= self.next_probe and not last_of_epoch:
            self.next_probe += self.every
            at = self.clock.now()
            self.clock.pause()
            value = self.score(self.model)
            self.clock.resume()
            self._record(at, value, "probe")

    def on_test_begin(self, logs=None):  # fit's epoch-end validation
        self._val_started = self.clock.now()
        self.clock.pause()

    def on_test_end(self, logs=None):
        self.clock.resume()

    def on_epoch_end(self, epoch, logs=None):
        if logs and self.monitor in logs and self._val_started is not None:
            self._record(self._val_started, logs[self.monitor], f"end of epoch {epoch + 1}")
        self.next_probe = self.examples + self.every  # probes restart at each epoch


def _evaluate_score(monitor: str, data, batch_size=None):
    name = monitor.removeprefix("val_")

    def score(model):
        if isinstance(data, tuple):
            logs = model.evaluate(*data, batch_size=batch_size, verbose=0, return_dict=True)
        else:
            logs = model.evaluate(data, verbose=0, return_dict=True)
        return logs[name]

    return score


# ------------------------------------------------------------------------ keras-io
def read_imdb_csv(path: Path) -> dict[str, list[dict]]:
    """The IMDB CSV's rows by its split column (train / val / test)."""
    splits: dict[str, list[dict]] = {"train": [], "val": [], "test": []}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            splits[row["split"]].append(row)
    return splits


def keras_io_side(csv_path: Path, monitor: str, every: int, higher: bool, sample: dict | None,
                  epochs: int | None, stop_at=None, seed: int = 1337, log=print) -> SideResult:
    from benchmarks import keras_io_imdb as kio

    clock = Clock()
    splits = read_imdb_csv(csv_path)
    if sample:
        splits = {k: random.Random(seed).sample(v, min(sample[k], len(v)))
                  for k, v in splits.items()}
    index = kio.word_index([r["text"] for r in splits["train"]])
    x = {k: kio.encode([r["text"] for r in v], index) for k, v in splits.items()}
    y = {k: kio.labels(v) for k, v in splits.items()}
    model = kio.build_model(seed)
    epochs = epochs or kio.EPOCHS
    side = SideResult("keras-io recipe", recipe=(
        f"2 x BiLSTM(64), embedding 128, {kio.NUM_WORDS} words, {kio.MAXLEN} ids (pre-padded, "
        f"last kept), no masking; batch {kio.BATCH_SIZE}, Adam 1e-3, {epochs} epochs"),
        prepare_s=clock.now()[0], prepare_cpu_s=clock.now()[1])
    probe = Probe(clock, _evaluate_score(monitor, (x["val"], y["val"]), kio.BATCH_SIZE),
                  monitor, every, kio.BATCH_SIZE, higher, stop_at, log)
    log(f"[keras-io] prepared in {side.prepare_s:.1f} s; x_train {x['train'].shape}")
    history = model.fit(x["train"], y["train"], batch_size=kio.BATCH_SIZE, epochs=epochs,
                        validation_data=(x["val"], y["val"]), callbacks=[probe], verbose=0)
    _finish(side, probe, len(history.epoch))
    side.examples = min(side.steps * kio.BATCH_SIZE, len(x["train"]) * side.epochs)
    # fit shuffles: the real tokens seen are the examples times the split's mean
    side.real_tokens = int(side.examples * np.count_nonzero(x["train"], axis=1).mean())
    side.positions = side.examples * kio.MAXLEN
    side.flops = model_flops(model)
    t0 = time.perf_counter()
    logs = model.evaluate(x["test"], y["test"], batch_size=kio.BATCH_SIZE, verbose=0,
                          return_dict=True)
    side.test_s = time.perf_counter() - t0
    side.test = {"accuracy": float(logs["accuracy"]), "loss": float(logs["loss"])}
    return side


def _finish(side: SideResult, probe: Probe, epochs: int) -> None:
    side.trace = probe.trace
    side.validation_s = probe.clock.paused_wall
    side.train_s, side.train_cpu_s = (now - before for now, before in
                                      zip(probe.clock.now(), (side.prepare_s, side.prepare_cpu_s)))
    side.epochs, side.steps = epochs, probe.steps
    side.examples = probe.examples


# ------------------------------------------------------------------------ seqkeras
def seqkeras_side(name: str, spec_path: Path, overrides: dict, monitor: str, every: int,
                  higher: bool, sample: dict | None, epochs: int | None, stop_at=None,
                  log=print) -> SideResult:
    from seqkeras.io.atomic import read_jsonl
    from seqkeras.runner import run_pipeline
    from seqkeras.spec import load_spec
    from seqkeras.stages import train as train_stage
    from seqkeras.topologies import get_topology
    from seqkeras.tracking import Tracker

    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="ttt_") as tmp:
        spec = load_spec(spec_path)
        run_pipeline(spec_path, stage="tokenize", track=False, data_dir=tmp)
        if overrides:
            spec = spec.with_overrides(overrides)
        if epochs:
            spec = spec.with_overrides({"train.epochs": epochs})
        work = Path(tmp) / spec.name
        topology = get_topology(spec.topology)
        from seqkeras.stages.auto import resolved_spec
        from seqkeras.training.precision import float32_copy, training_precision
        spec, _ = resolved_spec(spec, work / "tokenize")  # auto settings, as the stages
        prep = topology.load_preprocessor(spec, work / "tokenize")
        records = {s: read_jsonl(work / "ingest" / f"{s}.jsonl") for s in ("train", "val", "test")}
        if sample:
            records = {k: random.Random(spec.seed).sample(v, min(sample[k], len(v)))
                       for k, v in records.items()}
        keras.utils.set_random_seed(spec.seed)
        tap = BatchTap()
        train_ds = topology.make_dataset(spec, prep, records["train"], training=True)
        val_ds = topology.make_dataset(spec, prep, records["val"], training=False)
        with training_precision(spec.train.precision):  # as the train stage builds it
            model = topology.build_model(spec, prep)
        topology.fit_fixed_weights(spec, prep, model, records["train"])
        m, t = spec.model, spec.train
        side = SideResult(name, recipe=(
            f"{m.layers} x {'Bi' if m.bidirectional else ''}{m.cell}({m.units}), embedding "
            f"{m.embedding_dim}; max_length {spec.tokenize.max_length}, batch {t.batch_size}, "
            f"{t.optimizer} {t.learning_rate}, up to {t.epochs} epochs"
            + (f" ({', '.join(f'{k}={v}' for k, v in overrides.items())})" if overrides else "")),
            prepare_s=clock.now()[0], prepare_cpu_s=clock.now()[1])
        probe = Probe(clock, _evaluate_score(monitor, val_ds), monitor, every, t.batch_size,
                      higher, stop_at, log,
                      count=lambda steps: sum(r[0] for r in tap.rows[:steps]))
        out = Path(tmp) / "train"
        out.mkdir()
        callbacks = train_stage.callbacks(spec, out, Tracker(enabled=False), None,
                                          len(records["train"])) + [probe]
        log(f"[{name}] prepared in {side.prepare_s:.1f} s: {side.recipe}")
        history = model.fit(train_ds.map(_tap_first(tap)), validation_data=val_ds,
                            epochs=t.epochs, steps_per_epoch=t.steps_per_epoch,
                            callbacks=callbacks, verbose=0)
        _finish(side, probe, len(history.epoch))
        rows = tap.rows[:side.steps]
        side.examples = sum(r[0] for r in rows)
        side.real_tokens = sum(r[2] for r in rows)
        side.positions = sum(r[0] * r[1] for r in rows)
        side.flops = model_flops(model)
        if spec.train.precision != "float32":  # evaluated in float32, as the train stage does
            model = float32_copy(lambda: topology.build_model(spec, prep), model)
        t0 = time.perf_counter()
        side.test = topology.evaluate(spec, prep, model, records["test"] or records["val"], out)
        side.test_s = time.perf_counter() - t0
    return side


def _tap_first(tap: BatchTap):
    """``tap`` on the first input of a batch (the token ids; a dict's source ids)."""
    import tensorflow as tf

    def tapped(x, y):
        ids = next(iter(x.values())) if isinstance(x, dict) else \
            x[0] if isinstance(x, (tuple, list)) else x
        done = tf.py_function(tap._record, [tf.shape(ids), tf.math.count_nonzero(ids)],
                              tf.int64)
        with tf.control_dependencies([done]):
            x = tf.nest.map_structure(tf.identity, x)
        return x, y

    return tapped

"""One-to-many music: a recurrent model of polyphonic piano-roll frames (JSB chorales).

Data
    A JSON file in the Boulanger-Lewandowski (2012) layout: ``{"train": [...], "valid":
    [...], "test": [...]}``, each chorale a list of time steps, each step a list of MIDI
    pitches. The file's own split is kept (keys mapped through ``data.split_values``). A
    chorale with a malformed step is rejected whole (file, split, chorale index, reason in
    ``rejects.jsonl``). Records: ``{"id": "train/12", "steps": [[60, 64, 67], ...]}``
    (reading: ``chorales.py``).

Model
    Frames are 88-key multi-hot vectors (``music.py``). Teacher forcing: the input is an
    all-zero start frame + frames[:-1], the target the frames. Padded input steps are
    -1 and masked (``Masking``), so they never count. Unidirectional recurrent stack ->
    Dense(88) logits. The loss is the sigmoid cross-entropy summed over the 88 keys and
    averaged over real steps: the negative log-likelihood per time step in nats of
    independent Bernoulli keys, the figure the JSB literature reports (RNN/LSTM/GRU rows).

Serving (``frame_decoder.py``; the whole sampling loop in the graph)
    ``serving_default``: ``steps`` int32, ``temperature`` float32, ``seed`` int64 (all
    [None]) -> ``pitches`` int32 [None, T, 4] (sounding notes high to low, -1 = silent),
    ``piano_roll`` int32 [None, T, 88], ``length`` int32 [None].
    ``from_primer``: the same plus ``primer`` int32 [None, W, 4] (pitches, -1 = silent
    voice) and ``primer_length`` int32 [None]; the primer's first ``primer_length`` steps
    are fed before sampling starts and returned as the chorale's opening.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.errors import SeqkerasError
from seqkeras.io.atomic import write_json
from seqkeras.layers.recurrent_stack import recurrent_stack
from seqkeras.topologies.base import Topology
from seqkeras.topologies.piano_roll.spec import PREDICT_DEFAULTS
from seqkeras.topologies.piano_roll import music
from seqkeras.topologies.piano_roll.chorales import read_chorale_records
from seqkeras.topologies.piano_roll.frame_decoder import (FrameDecoder, frames_to_pitches,
                                                          pitches_to_frames)
from seqkeras.training.batching import batch_dataset, seeded_permutation, target_length
from seqkeras.training.optimizers import compile_model

PREP_FILE = "piano_roll.json"
SAMPLES_DIR = "samples"
#: Padded input steps hold this value on every key; Masking drops them.
PAD_VALUE = -1.0
log = logging.getLogger("seqkeras")


@keras.saving.register_keras_serializable(package="seqkeras")
class FrameNLL(keras.losses.Loss):
    """Negative log-likelihood of a frame in nats: sigmoid cross-entropy summed over keys
    (masked steps are dropped by Keras, so the reduced loss is the NLL per real step)."""

    def __init__(self, name="frame_nll", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        ops = keras.ops
        y_true = ops.cast(y_true, y_pred.dtype)
        ce = ops.maximum(y_pred, 0) - y_pred * y_true + ops.log1p(ops.exp(-ops.abs(y_pred)))
        return ops.sum(ce, axis=-1)


@dataclass
class PianoRollPrep:
    """What the tokenize stage keeps: the training data's shape (nothing is learned)."""

    summary: dict




class PianoRoll(Topology):
    """Masked frames -> unidirectional recurrent stack (sequences) -> Dense(88) logits."""

    generate_spec = None  # example_inputs has no spec: set by load_preprocessor

    # ------------------------------------------------------------------ ingest
    def ingest(self, spec, log):
        """Chorales per split from the JSON sources (see :mod:`.chorales`)."""
        return read_chorale_records(spec, log)

    # ------------------------------------------------------------ preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        steps = [s for r in train_records for s in r["steps"]]
        pitches = [p for s in steps for p in s]
        summary = {"train_chorales": len(train_records), "train_steps": len(steps),
                   "pitch_min": min(pitches) if pitches else 0,
                   "pitch_max": max(pitches) if pitches else 0,
                   "notes_per_step": len(pitches) / max(len(steps), 1), "keys": music.KEYS}
        write_json(out_dir / PREP_FILE, summary)
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> PianoRollPrep:
        self.generate_spec = spec.generate
        return PianoRollPrep(json.loads((prep_dir / PREP_FILE).read_text()))

    # -------------------------------------------------------------------- model
    def build_model(self, spec, prep):
        m = spec.model
        keras.utils.set_random_seed(spec.seed)
        frames = keras.Input(shape=(None, music.KEYS), dtype="float32", name="frames")
        x = keras.layers.Masking(mask_value=PAD_VALUE, name="padding_mask")(frames)
        x = recurrent_stack(x, m, return_sequences=True)
        if m.head_units:
            x = keras.layers.Dense(m.head_units, activation="relu", name="head_hidden")(x)
        if m.head_dropout:
            x = keras.layers.Dropout(m.head_dropout, name="head_dropout")(x)
        logits = keras.layers.Dense(music.KEYS, name="logits")(x)
        model = keras.Model(frames, logits, name=f"{spec.name}_piano_roll")
        return compile_model(model, spec.train, FrameNLL(), [])

    # --------------------------------------------------------------------- data
    @staticmethod
    def pairs(records):
        """(input, target) frames per chorale: [zero start frame] + frames[:-1] -> frames."""
        for r in records:
            roll = music.to_roll(r["steps"])
            yield np.concatenate([np.zeros((1, music.KEYS), np.float32), roll[:-1]]), roll

    def make_dataset(self, spec, prep, records, training: bool):
        if training:
            records = seeded_permutation(records, spec.seed)
        frame = tf.TensorSpec([None, music.KEYS], tf.float32)
        ds = tf.data.Dataset.from_generator(lambda: self.pairs(records),
                                            output_signature=(frame, frame)).cache()
        return batch_dataset(ds, spec, training, spec.tokenize.max_length, length=target_length,
                             padding_values=(tf.constant(PAD_VALUE), tf.constant(0.0)))

    # ----------------------------------------------------------------- evaluate
    def nll(self, spec, prep, model, records) -> dict:
        """Summed NLL (nats) over real steps, that of the first steps, step and chorale
        counts, and frame-level TP/FP/FN of the greedy (p > 0.5) prediction."""
        @tf.function(reduce_retracing=True, autograph=False)
        def batch(x, y):
            logits = tf.cast(model(x, training=False), tf.float32)
            per_step = tf.reduce_sum(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits), axis=-1)
            real = tf.cast(tf.reduce_any(tf.not_equal(x, PAD_VALUE), axis=-1), tf.float32)
            pred, truth = tf.cast(logits > 0, tf.float32), y
            w = real[..., None]
            return (tf.reduce_sum(per_step * real), tf.reduce_sum(per_step[:, 0] * real[:, 0]),
                    tf.reduce_sum(real), tf.reduce_sum(real[:, 0]),
                    tf.reduce_sum(pred * truth * w), tf.reduce_sum(pred * (1 - truth) * w),
                    tf.reduce_sum((1 - pred) * truth * w))

        sums = np.zeros(7)
        for x, y in self.make_dataset(spec, prep, records, training=False):
            sums += np.array([float(v) for v in batch(x, y)])
        keys = ("total", "first_total", "steps", "chorales", "tp", "fp", "fn")
        return dict(zip(keys, sums.tolist()))

    def evaluate(self, spec, prep, model, records, out_dir: Path) -> dict:
        s = self.nll(spec, prep, model, records)
        nll = s["total"] / max(s["steps"], 1)
        rest = (s["total"] - s["first_total"]) / max(s["steps"] - s["chorales"], 1)
        accuracy = s["tp"] / max(s["tp"] + s["fp"] + s["fn"], 1)
        metrics = {"loss": nll, "nll_per_step": nll, "nll_per_step_after_first": rest,
                   "frame_accuracy": accuracy, "steps": int(s["steps"])}
        metrics.update(self.write_samples(spec, prep, model, out_dir))
        return metrics

    def write_samples(self, spec, prep, model, out_dir: Path) -> dict:
        """Generate ``generate.samples`` chorales with the served loop; write MIDI files, a
        piano-roll PNG and their pitches; log them to MLflow."""
        g = spec.generate
        n = g.samples
        inputs = {"steps": np.full(n, g.max_length, np.int32),
                  "temperature": np.full(n, g.temperature, np.float32),
                  "seed": np.arange(spec.seed, spec.seed + n, dtype=np.int64)}
        fn = tf.function(self.serving_endpoints(spec, prep, model)["serving_default"][0])
        out = {k: v.numpy() for k, v in fn(**{k: tf.constant(v) for k, v in inputs.items()}).items()}
        folder = out_dir / SAMPLES_DIR
        folder.mkdir(exist_ok=True)
        chorales = []
        for i, (roll, length) in enumerate(zip(out["piano_roll"], out["length"])):
            steps = music.roll_to_steps(roll[:length])
            chorales.append(steps)
            music.write_midi(steps, folder / f"chorale_{i:02d}.mid")
        shown = min(n, 4)
        music.plot_rolls([out["piano_roll"][i][:out["length"][i]] for i in range(shown)],
                         [f"{spec.name}: sample {i} (seed {inputs['seed'][i]}, temperature "
                          f"{g.temperature})" for i in range(shown)],
                         out_dir / "piano_roll_samples.png")
        notes = [len(s) for c in chorales for s in c]
        write_json(out_dir / "samples.json", {
            "temperature": g.temperature, "steps": g.max_length,
            "seeds": inputs["seed"].tolist(), "chorales": chorales})
        self._log_artifacts(folder)
        log.info("piano_roll: %d sampled chorales of %d steps, %.2f notes a step; MIDI in %s",
                 n, g.max_length, np.mean(notes) if notes else 0.0, folder)
        return {"sample_notes_per_step": float(np.mean(notes)) if notes else 0.0,
                "sample_four_voice_share": float(np.mean([k == 4 for k in notes]))
                if notes else 0.0}

    @staticmethod
    def _log_artifacts(folder: Path) -> None:
        try:
            import mlflow

            if mlflow.active_run() is not None:
                mlflow.log_artifacts(str(folder), artifact_path=f"train/{folder.name}")
        except Exception as exc:  # tracking must never fail the evaluation
            log.warning("could not log %s: %s", folder, exc)

    # ------------------------------------------------------------------ serving
    @staticmethod
    def outputs(frames, lengths) -> dict:
        return {"pitches": frames_to_pitches(frames), "piano_roll": tf.cast(frames, tf.int32),
                "length": lengths}

    def serving_endpoints(self, spec, prep, model) -> dict:
        decoder = FrameDecoder(model)

        def serve(steps, temperature, seed):
            return self.outputs(*decoder.generate(steps, temperature, seed))

        def from_primer(steps, temperature, seed, primer, primer_length):
            return self.outputs(*decoder.generate(steps, temperature, seed,
                                                  pitches_to_frames(primer), primer_length))

        common = [tf.TensorSpec([None], tf.int32, name="steps"),
                  tf.TensorSpec([None], tf.float32, name="temperature"),
                  tf.TensorSpec([None], tf.int64, name="seed")]
        return {"serving_default": (serve, common),
                "from_primer": (from_primer, common + [
                    tf.TensorSpec([None, None, music.VOICES], tf.int32, name="primer"),
                    tf.TensorSpec([None], tf.int32, name="primer_length")])}

    def trackables(self, prep) -> list:
        return []

    def example_inputs(self, records, n: int) -> dict:
        n = max(n, 1)
        g = self.generate_spec
        temperature = g.temperature if g is not None else PREDICT_DEFAULTS["temperature"]
        steps = g.max_length if g is not None else PREDICT_DEFAULTS["steps"]
        return {"steps": np.array([steps - (i % 3) for i in range(n)], np.int32),
                # every fourth request greedy, the others sampled
                "temperature": np.array([0.0 if i % 4 == 3 else temperature
                                         for i in range(n)], np.float32),
                "seed": np.arange(n, dtype=np.int64)}

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        """``steps=``, ``temperature=``, ``seed=`` (first seed) and ``samples=`` (how many
        chorales; seeds seed, seed+1, ...)."""
        options = dict(PREDICT_DEFAULTS)
        for a in args:
            key, eq, value = a.partition("=")
            if not eq or key not in options:
                raise SeqkerasError(f"piano_roll predict takes key=value arguments "
                                    f"({', '.join(options)}), not {a!r}")
            options[key] = value
        n = int(options["samples"])
        seed = int(options["seed"])
        return {"steps": np.full(n, int(options["steps"]), np.int32),
                "temperature": np.full(n, float(options["temperature"]), np.float32),
                "seed": np.arange(seed, seed + n, dtype=np.int64)}

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        lines = []
        for i, (pitches, length) in enumerate(zip(outputs["pitches"], outputs["length"])):
            lines.append(f"chorale {i + 1} (seed {inputs['seed'][i]}, temperature "
                         f"{inputs['temperature'][i]:g}, {length} steps; voices high to low)")
            for t, step in enumerate(pitches[:length]):
                lines.append(f"  {t + 1:>3}  " + " ".join(f"{music.note_name(int(p)):>4}"
                                                          for p in step))
        return lines

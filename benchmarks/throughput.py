"""Training throughput: the seqkeras many-to-one path against the same architecture
written in plain Keras and fed the textbook way (ids padded to a fixed length in numpy).

Each path runs inside one ``model.fit`` call of ``warmup + steps`` steps; a callback stamps
the end of every step and the timed window runs from the end of the last warm-up step
to the end of the last step, so tracing, the first shuffle-buffer fill and the first
batches are excluded. Real tokens are ids != 0 in the timed batches.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from seqkeras.constants import PAD_ID


class StepTimer(keras.callbacks.Callback):
    """perf_counter (and process CPU time) at the end of every training step."""

    def __init__(self):
        super().__init__()
        self.ends: list[float] = []
        self.cpu_ends: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())
        self.cpu_ends.append(time.process_time())


class BatchTap:
    """Pass-through dataset map that records (examples, width, real tokens) per batch,
    in the order the consumer pulls them (it sits after the pipeline's prefetch)."""

    def __init__(self):
        self.rows: list[tuple[int, int, int]] = []

    def _record(self, shape, real):
        shape = shape.numpy()
        self.rows.append((int(shape[0]), int(shape[1]), int(real.numpy())))
        return np.int64(0)

    def __call__(self, x, y):
        done = tf.py_function(self._record, [tf.shape(x), tf.math.count_nonzero(x)], tf.int64)
        with tf.control_dependencies([done]):
            return tf.identity(x), y


@dataclass
class Throughput:
    name: str
    input: str
    params: int
    steps: int
    examples: int
    real_tokens: int
    positions: int                     #: padded [batch, width] cells fed to the model
    seconds: float
    step_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def examples_per_s(self) -> float:
        return self.examples / self.seconds

    @property
    def tokens_per_s(self) -> float:
        return self.real_tokens / self.seconds

    @property
    def padding_share(self) -> float:
        return 1.0 - self.real_tokens / self.positions if self.positions else float("nan")

    @property
    def median_step_ms(self) -> float:
        return float(np.median(self.step_ms)) if self.step_ms else float("nan")


def timed_window(timer: StepTimer, warmup: int, steps: int) -> tuple[float, list[float]]:
    ends = timer.ends
    if len(ends) < warmup + steps:
        raise RuntimeError(f"fit ran {len(ends)} steps, expected {warmup + steps} "
                           "(the input ran out of data?)")
    window = ends[warmup - 1:warmup + steps]
    return window[-1] - window[0], [1000 * d for d in np.diff(window)]


def seqkeras_path(spec, topology, prep, train_records, warmup: int, steps: int,
                  cached: bool = False, log=print) -> Throughput:
    """topology.build_model + topology.make_dataset, exactly as the train stage uses them.

    The dataset caches the encoded records after its first full pass. ``cached=False``
    times steps of that first pass (tokenization runs in the pipeline alongside training,
    as in epoch 1); ``cached=True`` first iterates the dataset once, untimed for the
    throughput, so the timed steps read the cache (as in epochs 2 and later).
    """
    keras.utils.set_random_seed(spec.seed)
    model = topology.build_model(spec, prep)
    ds = topology.make_dataset(spec, prep, train_records, training=True)
    notes = []
    if cached:
        log(f"[train] seqkeras (cached): one untimed pass over {len(train_records)} records "
            "to fill the cache")
        t0 = time.perf_counter()
        batches = sum(1 for _ in ds)
        notes.append(f"filling the cache (in-graph encoding, shuffling and bucketing of "
                     f"{len(train_records):,} records, {batches} batches, no training) took "
                     f"{time.perf_counter() - t0:.1f} s")
    tap = BatchTap()
    ds = ds.map(tap)
    timer = StepTimer()
    label = "cached" if cached else "first pass"
    log(f"[train] seqkeras ({label}): {warmup} warm-up + {steps} timed steps "
        f"over {len(train_records)} training records")
    model.fit(ds, epochs=1, steps_per_epoch=warmup + steps, verbose=0, callbacks=[timer])
    seconds, step_ms = timed_window(timer, warmup, steps)
    # Keras's iterator reads a batch ahead, so the tap may hold more rows than steps; the
    # first warmup + steps rows are the consumed batches, in order.
    if len(tap.rows) < warmup + steps:
        raise RuntimeError(f"the input pipeline produced {len(tap.rows)} batches for "
                           f"{warmup + steps} steps")
    timed = tap.rows[warmup:warmup + steps]
    grouping = "length buckets" if spec.train.bucket_by_length else "padded_batch"
    source = ("read from the cache" if cached
              else "in-graph TextEncoder on the fly")
    result = Throughput(
        name=f"seqkeras, {label}", params=model.count_params(), steps=steps,
        input=f"tf.data: {source}, shuffle, {grouping}",
        examples=sum(r[0] for r in timed), real_tokens=sum(r[2] for r in timed),
        positions=sum(r[0] * r[1] for r in timed), seconds=seconds, step_ms=step_ms,
        notes=notes)
    del model, ds
    gc.collect()
    return result


def encode_ids(encoder, texts: list[str], chunk: int = 512) -> list[list[int]]:
    """Token ids with the seqkeras encoder (tokenization identical to the seqkeras path)."""
    out: list[list[int]] = []
    for start in range(0, len(texts), chunk):
        out.extend(encoder(tf.constant(texts[start:start + chunk])).to_list())
    return out


def plain_model(spec, vocab_size: int, num_classes: int, sigmoid: bool) -> keras.Model:
    """The many-to-one architecture written directly with keras.layers."""
    m, t = spec.model, spec.train
    keras.utils.set_random_seed(spec.seed)
    cell = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU,
            "simple_rnn": keras.layers.SimpleRNN}[m.cell]
    inputs = keras.Input(shape=(spec.tokenize.max_length,), dtype="int64")
    x = keras.layers.Embedding(vocab_size, m.embedding_dim, mask_zero=True)(inputs)
    for i in range(m.layers):
        rnn = cell(m.units, return_sequences=i < m.layers - 1, dropout=m.dropout,
                   recurrent_dropout=m.recurrent_dropout)
        x = (keras.layers.Bidirectional(rnn) if m.bidirectional else rnn)(x)
    if m.head_units:
        x = keras.layers.Dense(m.head_units, activation="relu")(x)
    if m.head_dropout:
        x = keras.layers.Dropout(m.head_dropout)(x)
    optimizer = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
                 "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}[t.optimizer]
    if sigmoid:
        outputs = keras.layers.Dense(1, activation="sigmoid")(x)
        loss = "binary_crossentropy"
    else:
        outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
        loss = "sparse_categorical_crossentropy"
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=optimizer(learning_rate=t.learning_rate, clipnorm=t.clipnorm),
                  loss=loss, metrics=["accuracy"])
    return model


def plain_path(spec, prep, sigmoid: bool, train_records, warmup: int, steps: int,
               log=print) -> Throughput:
    """Pre-tokenized ids padded to max_length in numpy, model.fit(x, y, batch_size)."""
    b = spec.train.batch_size
    n = (warmup + steps) * b
    rng = np.random.default_rng(spec.seed)
    if n > len(train_records):
        raise ValueError(f"plain baseline: {warmup}+{steps} steps of batch {b} need {n} "
                         f"records, the training split has {len(train_records)}")
    # A seeded shuffle up front and shuffle=False in fit: the same as fit's own shuffle,
    # but it tells us which rows the timed steps saw.
    chosen = [train_records[i] for i in rng.permutation(len(train_records))[:n]]
    log(f"[train] plain Keras: encoding {n} records up front (not timed)")
    ids = encode_ids(prep.encoder, [r["text"] for r in chosen])
    x = keras.utils.pad_sequences(ids, maxlen=spec.tokenize.max_length, dtype="int64",
                                  padding="post", truncating="post", value=PAD_ID)
    index = prep.label_index
    y = np.array([index[r["label"]] for r in chosen])
    y = y.astype(np.float32)[:, None] if sigmoid else y.astype(np.int64)
    model = plain_model(spec, prep.encoder.vocab_size, len(prep.labels), sigmoid)
    timer = StepTimer()
    log(f"[train] plain Keras: {warmup} warm-up + {steps} timed steps, x {x.shape}")
    model.fit(x, y, batch_size=b, epochs=1, steps_per_epoch=warmup + steps, shuffle=False,
              verbose=0, callbacks=[timer])
    seconds, step_ms = timed_window(timer, warmup, steps)
    timed = x[warmup * b:(warmup + steps) * b]
    result = Throughput(
        name="plain Keras", params=model.count_params(), steps=steps,
        input=f"numpy ids padded to {x.shape[1]}, model.fit(x, y, batch_size={b})",
        examples=int(timed.shape[0]), real_tokens=int(np.count_nonzero(timed)),
        positions=int(timed.size), seconds=seconds, step_ms=step_ms)
    del model, x
    gc.collect()
    return result

"""Idle seconds of a training process with tf.data's autotuner on and off.

Why this exists: later epochs of the translate and names pipelines took up to twice the
wall time of the first at the same CPU seconds. A native stack (py-spy) of the idle
process showed Keras deleting an epoch's tf.data iterator, and the deletion waiting for
the autotuner's background thread, which sleeps up to 60 s between optimizations. So
``seqkeras.training.batching.prefetched`` turns the autotuner off. This benchmark keeps
the evidence current: the same small fit (a GRU classifier on 36k random sequences of
3-39 ids, shuffled and bucketed by length like the pipelines' data, validation every
epoch) with the pipelines' tail, ``prefetched``, and with the autotuner left on, and a
watcher thread that records every stretch of at least 1 s in which the process used
less than 8% of a core.

``python -m benchmarks.iterator_stall`` (in ``make bench``) writes the section
*iterator_stall* of ``benchmarks/RESULTS.md``. Each mode runs in its own process, so
the first does not warm the second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

IDLE_CPU_S = 0.02          #: CPU seconds a 0.25 s tick may use and still count as idle
TICK_S = 0.25
MIN_STRETCH_S = 1.0


class IdleWatcher:
    """Stretches ``(start s, seconds)`` of at least ``MIN_STRETCH_S`` in which this process
    used under ``IDLE_CPU_S`` CPU seconds per ``TICK_S`` tick (a daemon thread)."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.stretches: list[tuple[float, float]] = []
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        last_cpu, last_t, start = time.process_time(), time.perf_counter(), None
        while True:
            time.sleep(TICK_S)
            cpu, t = time.process_time(), time.perf_counter()
            if cpu - last_cpu < IDLE_CPU_S:
                start = start if start is not None else last_t
            else:
                if start is not None and last_t - start >= MIN_STRETCH_S:
                    self.stretches.append((start - self.t0, last_t - start))
                start = None
            last_cpu, last_t = cpu, t


def fit_once(mode: str, epochs: int) -> dict:
    """One fit in this process; ``mode`` "seqkeras" ends the datasets in ``prefetched``,
    "autotune_on" in a plain ``prefetch(AUTOTUNE)``. Returns wall, CPU and idle seconds."""
    import keras
    import numpy as np
    import tensorflow as tf

    from seqkeras.training.batching import length_buckets, prefetched

    watcher = IdleWatcher()
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 40, 40_000)
    xs = [rng.integers(1, 5000, n).astype("int32") for n in lengths]
    ys = [int(x.sum() % 2) for x in xs]

    def source(lo, hi):
        return tf.data.Dataset.from_generator(
            lambda: zip(xs[lo:hi], ys[lo:hi]),
            output_signature=(tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32)))

    def tail(ds):
        return prefetched(ds) if mode == "seqkeras" else ds.prefetch(tf.data.AUTOTUNE)

    bounds = length_buckets(40, 8)
    train = source(0, 36_000).cache().shuffle(10_000, seed=1, reshuffle_each_iteration=True)
    train = tail(train.bucket_by_sequence_length(lambda x, y: tf.shape(x)[0], bounds,
                                                 [64] * (len(bounds) + 1)))
    val = tail(source(36_000, 40_000).cache().padded_batch(64))
    ids = keras.Input([None], dtype="int32")
    h = keras.layers.Embedding(5000, 64, mask_zero=True)(ids)
    h = keras.layers.GRU(96)(h)
    model = keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(h))
    model.compile("adam", "binary_crossentropy")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    model.fit(train, validation_data=val, epochs=epochs, verbose=0)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    time.sleep(2 * TICK_S)
    from benchmarks.machine import load_average

    return {"mode": mode, "epochs": epochs, "wall_s": wall, "cpu_s": cpu, "load": load_average(),
            "idle_s": sum(s for _, s in watcher.stretches),
            "stretches": len(watcher.stretches),
            "longest_s": max((s for _, s in watcher.stretches), default=0.0)}


def render(rows: list[dict], run: dict) -> str:
    from benchmarks.results import table

    body = ["## tf.data iterator stall: idle seconds with the autotuner on and off\n",
            f"`{run['command']}`, {run['date']}, {run['cpu']} ({run['cores']} cores), "
            f"{', '.join(f'{k} {v}' for k, v in run['versions'].items())}. A GRU classifier on 36k random sequences (bucketed, "
            f"shuffled, validated every epoch), {rows[0]['epochs']} epochs; *idle* sums the "
            f"stretches of at least 1 s in which the process used under 8% of a core.\n",
            table(["datasets end in", "fit wall s", "CPU s", "idle s", "idle stretches",
                   "longest s", "load average after"],
                  [[("`prefetched` (autotuner off)" if r["mode"] == "seqkeras"
                     else "`prefetch(AUTOTUNE)` (autotuner on)"), f"{r['wall_s']:.1f}",
                    f"{r['cpu_s']:.1f}", f"{r['idle_s']:.1f}", r["stretches"],
                    f"{r['longest_s']:.1f}", r.get("load", "n/a")] for r in rows]),
            "\nThe idle stretches sit at epoch ends, where Keras deletes the epoch's "
            "iterator and the deletion waits for the autotuner's sleeping thread; the "
            "CPU seconds are the same, so the stall is pure waiting."]
    return "\n".join(body)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.iterator_stall",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--out", default="benchmarks/RESULTS.md")
    p.add_argument("--one", choices=["seqkeras", "autotune_on"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(fit_once(args.one, args.epochs)), flush=True)
        return 0
    from benchmarks import machine
    from benchmarks.results import write_section

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    rows = []
    for mode in ("seqkeras", "autotune_on"):
        out = subprocess.run([sys.executable, "-m", "benchmarks.iterator_stall", "--one",
                              mode, "--epochs", str(args.epochs)], env=env, check=True,
                             capture_output=True, text=True).stdout
        rows.append(json.loads(out.split("RESULT ", 1)[1]))
        print(f"[stall] {mode}: {rows[-1]}", flush=True)
    run = {"command": "python -m benchmarks.iterator_stall" +
                      "".join(f" {a}" for a in (argv or sys.argv[1:])),
           "date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpu": machine.cpu_model(),
           "cores": machine.usable_cores(), "versions": machine.versions()}
    write_section(args.out, "iterator_stall", render(rows, run))
    print(render(rows, run))
    return 0


if __name__ == "__main__":
    sys.exit(main())

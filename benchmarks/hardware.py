"""Distance to the hardware: how much of what the CPU can do a training step uses.

* ``matmul_rate(m, k, n)``: float32 FLOP/s of one [m, k] x [k, n] matmul shape, run back
  to back in one traced function (16 independent products a call, best of a few calls).
  ``dense_peak()`` is that rate for a large square product: the machine's practical
  float32 matmul peak, measured in the same run as the step it is compared with.
* ``model_flops(model)``: forward matmul FLOPs of a model per sequence position (the
  recurrent layers and per-step dense layers) and per sequence (the head), counted from
  the weight shapes: 2 x (kernel + recurrent kernel) per step and direction for a
  recurrent layer, 2 x kernel for a dense layer. A training step is counted as 3 x the
  forward FLOPs (the backward pass does two matmuls per forward one). Attention scores
  and embedding lookups are not counted (no weight matmul, or not on these models).
* ``step_split(...)``: the median step time of ``model.fit`` on a real input pipeline,
  split into the data pipeline (that time minus the same batches read from memory), the
  matmuls (their counted FLOPs at the rate ``matmul_rate`` measures for the shapes the
  step actually runs) and the rest: the other ops (gates, masking, optimizer update) and
  the framework's per-op cost, which a step loop pays at every time step.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from benchmarks.throughput import StepTimer, timed_window

#: Independent products per traced call in ``matmul_rate``.
PRODUCTS = 16


def matmul_rate(m: int, k: int, n: int, calls: int = 5, min_seconds: float = 0.2) -> float:
    """float32 FLOP/s of [m, k] x [k, n] products (best of ``calls`` timed calls)."""
    rng = np.random.default_rng(0)
    lhs = [tf.constant(rng.standard_normal((m, k), np.float32)) for _ in range(PRODUCTS)]
    rhs = tf.constant(rng.standard_normal((k, n), np.float32))

    @tf.function
    def products():
        return [tf.matmul(a, rhs) for a in lhs]

    products()  # trace
    flops = 2.0 * m * k * n * PRODUCTS
    t0 = time.perf_counter()
    products()
    one = time.perf_counter() - t0
    reps = max(1, int(min_seconds / max(one, 1e-6)))
    best = float("inf")
    for _ in range(calls):
        t0 = time.perf_counter()
        for _ in range(reps):
            products()
        best = min(best, (time.perf_counter() - t0) / reps)
    return flops / best


def dense_peak(size: int = 2048) -> float:
    """Practical float32 matmul peak (FLOP/s) of this machine, as it is loaded now."""
    return matmul_rate(size, size, size)


@dataclass
class Flops:
    per_position: int = 0           #: forward FLOPs per sequence position
    per_sequence: int = 0           #: forward FLOPs per sequence (the head)
    matmul_shapes: list = field(default_factory=list)  #: (k, n) of per-position matmuls
    loop_shapes: list = field(default_factory=list)    #: (k, n) run once per time step
    notes: list = field(default_factory=list)

    def training(self, positions: int, sequences: int) -> float:
        """FLOPs of training steps over ``positions`` positions and ``sequences`` rows."""
        return 3.0 * (self.per_position * positions + self.per_sequence * sequences)


def _leaves(layers):
    for layer in layers:
        if isinstance(layer, keras.layers.Bidirectional):
            yield from (layer.forward_layer, layer.backward_layer)
        elif isinstance(layer, keras.Model):
            yield from _leaves(layer.layers)
        else:
            yield layer


def model_flops(model) -> Flops:
    """Forward matmul FLOPs of ``model`` (a built functional Keras model); see the module
    docstring for what is counted."""
    out = Flops()
    for layer in _leaves(model.layers):
        if isinstance(layer, keras.layers.RNN):
            cell = layer.cell
            kernel = tuple(cell.kernel.shape)
            out.per_position += 2 * int(np.prod(kernel))
            recurrent = getattr(cell, "recurrent_kernel", None)
            if recurrent is not None:  # a step loop: both matmuls run once per step
                out.per_position += 2 * int(np.prod(recurrent.shape))
                out.loop_shapes += [kernel, tuple(recurrent.shape)]
            else:  # parallel cell: one matmul over every position of the batch
                out.matmul_shapes.append(kernel)
        elif isinstance(layer, keras.layers.Dense):
            kernel = tuple(layer.kernel.shape)
            rank = len(layer.input.shape) if hasattr(layer, "input") else 2
            if rank >= 3:
                out.per_position += 2 * int(np.prod(kernel))
                out.matmul_shapes.append(kernel)
            else:
                out.per_sequence += 2 * int(np.prod(kernel))
        elif layer.weights and not isinstance(layer, (keras.layers.Embedding,
                                                      keras.layers.LayerNormalization)):
            out.notes.append(f"{layer.name} ({type(layer).__name__}) not counted")
    return out


@dataclass
class StepSplit:
    name: str
    steps: int
    median_ms: float                 #: fit on the real input pipeline
    cpu_ms: float                    #: process CPU time per step (mean), same steps
    memory_ms: float                 #: fit on the same batches held in memory
    matmul_ms: float                 #: counted matmul FLOPs at their measured shape rates
    executed_flops: float            #: per median step, padded positions included
    useful_flops: float              #: per median step, real tokens only
    batch: int
    width: float                     #: mean padded length of the timed batches
    real_share: float                #: real tokens / padded positions

    @property
    def data_ms(self) -> float:
        return max(self.median_ms - self.memory_ms, 0.0)

    @property
    def other_ms(self) -> float:
        return max(self.memory_ms - self.matmul_ms, 0.0)


def _shape_rates(flops: Flops, batch: int, width: int) -> dict:
    rates = {}
    for k, n in flops.loop_shapes:
        rates[(batch, k, n)] = matmul_rate(batch, k, n, calls=3, min_seconds=0.1)
    for k, n in flops.matmul_shapes:
        rows = batch * width
        rates[(rows, k, n)] = matmul_rate(rows, k, n, calls=3, min_seconds=0.1)
    return rates


def matmul_seconds(flops: Flops, batch: int, width: int, rates: dict) -> float:
    """Seconds the training step's counted matmuls take at their measured shape rates
    (3 x forward: the backward matmuls are taken to run at the forward shape's rate)."""
    seconds = 0.0
    for k, n in flops.loop_shapes:
        seconds += 3 * width * 2.0 * batch * k * n / rates[(batch, k, n)]
    for k, n in flops.matmul_shapes:
        rows = batch * width
        seconds += 3 * 2.0 * rows * k * n / rates[(rows, k, n)]
    return seconds


def step_split(name: str, model, dataset, warmup: int, steps: int, log=print) -> StepSplit:
    """Time ``steps`` training steps (after ``warmup``) of ``model`` on ``dataset`` (batches
    of (ids [B, T] int, y)), then the same batches from memory, then the matmuls alone."""
    from benchmarks.throughput import BatchTap

    tap, timer = BatchTap(), StepTimer()
    log(f"[hardware] {name}: {warmup} + {steps} steps on the input pipeline")
    model.fit(dataset.map(tap), epochs=1, steps_per_epoch=warmup + steps, verbose=0,
              callbacks=[timer])
    _, step_ms = timed_window(timer, warmup, steps)
    cpu_ms = 1000 * (timer.cpu_ends[warmup + steps - 1] - timer.cpu_ends[warmup - 1]) / steps
    batches = list(dataset.take(warmup + steps))
    memory = tf.data.Dataset.from_generator(
        lambda: iter(batches), output_signature=dataset.element_spec)
    timer = StepTimer()
    log(f"[hardware] {name}: the same number of steps from memory")
    model.fit(memory, epochs=1, steps_per_epoch=warmup + steps, verbose=0,
              callbacks=[timer])
    _, memory_ms = timed_window(timer, warmup, steps)
    rows = tap.rows[warmup:warmup + steps]
    batch = int(np.median([r[0] for r in rows]))
    width = float(np.mean([r[1] for r in rows]))
    real = sum(r[2] for r in rows) / steps
    positions = sum(r[0] * r[1] for r in rows) / steps
    flops = model_flops(model)
    rates = _shape_rates(flops, batch, int(round(width)))
    return StepSplit(
        name=name, steps=steps, median_ms=float(np.median(step_ms)), cpu_ms=cpu_ms,
        memory_ms=float(np.median(memory_ms)),
        matmul_ms=1000 * matmul_seconds(flops, batch, int(round(width)), rates),
        executed_flops=flops.training(positions, batch), useful_flops=flops.training(real, batch),
        batch=batch, width=width, real_share=real / positions)


# --------------------------------------------------------------------------- CLI
USAGE = """\
    python -m benchmarks.hardware                       # keras-io recipe vs the IMDB pipeline
    python -m benchmarks.hardware --config pipeline --config "min_gru:model.cell=min_gru"
    python -m benchmarks.hardware --threads-sweep "0,0 1,1 1,2 2,1"   # thread settings

Training steps of IMDB models on their real inputs (seqkeras: the pipeline's tf.data with
its cache filled, as in epochs 2+; keras-io: its numpy ids, shuffled, batch 32): step
time, the same steps from memory, the matmuls alone; achieved FLOP/s against the float32
matmul peak measured in the same process. --threads INTRA,INTER sets TensorFlow's thread
pools (0 = TensorFlow's default); --threads-sweep runs one process per setting."""


def _config_rows(configs, steps, warmup, log):
    from benchmarks import data as pdata
    from benchmarks import keras_io_imdb as kio
    from benchmarks.sides import read_imdb_csv
    from benchmarks.time_to_target import TASKS, parse_side
    from seqkeras.io.atomic import read_jsonl
    from seqkeras.spec import load_spec
    from seqkeras.topologies import get_topology

    spec_path = Path(TASKS["imdb"].pipeline)
    base = load_spec(spec_path)
    prepared = pdata.prepare(spec_path, base, Path("data"), log=log)
    records = read_jsonl(prepared.ingest / "train.jsonl")
    peak = dense_peak()
    rows = []
    for text in configs:
        name, overrides = parse_side(text)
        if name == "keras_io":
            splits = read_imdb_csv(Path(os.environ.get("SEQKERAS_DATA_ROOT", "../shared/data"))
                                   / "imdb" / "imdb_50k.csv.gz")
            index = kio.word_index([r["text"] for r in splits["train"]])
            x, y = kio.encode([r["text"] for r in splits["train"]], index), kio.labels(splits["train"])
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=1).batch(
                kio.BATCH_SIZE).prefetch(tf.data.AUTOTUNE)
            model = kio.build_model(1337)
        else:
            spec = base.with_overrides(overrides) if overrides else base
            topology = get_topology(spec.topology)
            from seqkeras.stages.auto import resolved_spec
            spec, _ = resolved_spec(spec, prepared.tokenize)  # auto settings, as the stages
            prep = topology.load_preprocessor(spec, prepared.tokenize)
            ds = topology.make_dataset(spec, prep, records, training=True)
            for _ in ds:  # fill the cache: the timed steps are those of epochs 2+
                pass
            model = topology.build_model(spec, prep)
        split = step_split(name, model, ds.repeat(), warmup, steps, log=log)
        rows.append(vars(split) | {"data_ms": split.data_ms, "other_ms": split.other_ms,
                                   "peak": peak})
    for row in rows:
        row["peak_end"] = dense_peak()
    return rows


def _render(rows, args, run) -> str:
    from benchmarks.results import table

    out = ["## Distance to the hardware: IMDB training steps", "",
           f"- Date: {run['date']}; command: `{run['command']}`",
           f"- Machine: {run['cpu']}, {run['cores']} usable cores; load average (1/5/15 min) "
           f"{run['load_start']} at start, {run['load_end']} at end (shared cores)",
           f"- Each row: {args.warmup} warm-up + {args.steps} timed steps; the float32 matmul "
           "peak (2048^3 products) is measured in the row's own process, before and after.", ""]
    body = []
    for r in rows:
        peak = (r["peak"] + r["peak_end"]) / 2
        step = r["median_ms"] / 1000
        body.append([r["name"], r.get("threads", "default"), r["batch"], f"{r['width']:.0f}",
                     f"{r['real_share']:.0%}", f"{r['median_ms']:.0f}", f"{r['cpu_ms']:.0f}",
                     f"{r['data_ms']:.0f}",
                     f"{r['matmul_ms']:.0f}", f"{r['other_ms']:.0f}",
                     f"{peak / 1e9:.0f}",
                     f"{r['executed_flops'] / step / 1e9:.2f} ({100 * r['executed_flops'] / step / peak:.1f}%)",
                     f"{r['useful_flops'] / step / 1e9:.2f} ({100 * r['useful_flops'] / step / peak:.1f}%)"])
    out += [table(["model", "threads (intra,inter)", "batch", "mean length", "real tokens",
                   "step ms", "CPU ms / step", "data pipeline ms", "matmuls ms", "other ops + framework ms",
                   "peak GFLOP/s", "executed GFLOP/s (% of peak)", "useful GFLOP/s (% of peak)"],
                  body), "",
            "*step ms*: median training step on the real input pipeline (wall); *CPU ms*: this "
            "process's CPU time per step (2 cores: up to 2 ms a ms). *data pipeline*: "
            "that minus the median step on the same batches held in memory. *matmuls*: the "
            "step's counted matmul FLOPs (3 x forward) at the rate each matmul shape reaches "
            "when run back to back alone (a step loop's [batch, k] x [k, n] products are small). "
            "*other ops + framework*: the in-memory step minus the matmuls: gate "
            "nonlinearities, masking, the embedding gradient and optimizer update, and the "
            "per-op cost of the time loop. *executed*: FLOPs of every padded position the step "
            "computed; *useful*: of real tokens only."]
    return "\n".join(out)


def main(argv=None) -> int:
    import argparse
    import json
    import shlex
    import subprocess
    import sys
    import tempfile

    p = argparse.ArgumentParser(prog="python -m benchmarks.hardware", description=USAGE,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", action="append", dest="configs",
                   help="keras_io | pipeline | NAME:key=value;... (repeatable; default: "
                        "keras_io and pipeline)")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", default=None, help="INTRA,INTER thread pool sizes")
    p.add_argument("--threads-sweep", default=None, help='e.g. "0,0 1,1 2,1"')
    p.add_argument("--emit-json", default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default="benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    args.configs = args.configs or ["keras_io", "pipeline"]
    from benchmarks import machine
    from benchmarks.results import write_section

    run = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpu": machine.cpu_model(),
           "cores": machine.usable_cores(), "load_start": machine.load_average(),
           "command": "python -m benchmarks.hardware " + " ".join(
               shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))}
    if args.threads_sweep:
        rows = []
        for setting in args.threads_sweep.split():
            with tempfile.NamedTemporaryFile(suffix=".json") as f:
                cmd = [sys.executable, "-m", "benchmarks.hardware", "--threads", setting,
                       "--steps", str(args.steps), "--warmup", str(args.warmup),
                       "--emit-json", f.name] + [a for c in args.configs for a in ("--config", c)]
                subprocess.run(cmd, check=True)
                rows += json.loads(Path(f.name).read_text())
    else:
        if args.threads:
            intra, inter = (int(v) for v in args.threads.split(","))
            tf.config.threading.set_intra_op_parallelism_threads(intra)
            tf.config.threading.set_inter_op_parallelism_threads(inter)
        rows = _config_rows(args.configs, args.steps, args.warmup, print)
        for row in rows:
            row["threads"] = args.threads or "default"
        if args.emit_json:
            Path(args.emit_json).write_text(json.dumps(rows))
            return 0
    run["load_end"] = machine.load_average()
    body = _render(rows, args, run)
    write_section(args.out, "hardware_imdb", body)
    print(body)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())

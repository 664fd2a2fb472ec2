"""IMDB time to target on an accelerator, Keras 3 on JAX (no TensorFlow needed there).

Two steps, two machines::

    # here (TensorFlow, seqkeras): token ids of both recipes -> one compressed .npz
    .venv/bin/python -m benchmarks.device_keras_jax --prepare .device/imdb_ids.npz

    # on the accelerator machine, from the repository root (KERAS_BACKEND is set inside)
    python benchmarks/device_keras_jax.py --data .device/imdb_ids.npz \\
        --wheels .device/wheels --out "$OUT/device_keras_jax.json"

The device run needs only this file, the .npz, ``seqkeras/layers/min_rnn.py`` and
``seqkeras/layers/pooling.py`` (loaded by path: they import nothing but Keras), and, if
Keras is not installed there, the wheels in ``--wheels`` (keras, namex, optree and the
pure-Python packages Keras imports), unpacked into a temporary folder on ``sys.path``.

It trains, one after another on the same device, (1) the keras-io bidirectional_lstm_imdb
recipe (2 x BiLSTM(64), 200 ids, batch 32, 2 epochs), (2) the seqkeras IMDB architecture
(embedding 128 with mask_zero and dropout 0.3, BiLSTM(64) with dropout 0.2, masked max
pooling, head dropout 0.4, Adam 1e-3 with clipnorm 1, batch 64, length buckets) and
(3) the same with minGRU (``seqkeras.layers.min_rnn``). seqkeras batches are padded to
their bucket's boundary (16, 32, ..., 512, then max_length), so XLA compiles one program
per bucket instead of one per batch width. Each run reports its time to validation
accuracy 0.843 (validation every 5,000 examples and at epoch ends, clock paused while it
runs; compilation counted), steps/s, real tokens/s, compiles, final test accuracy, and
its achieved training FLOP/s (matmuls counted from the recurrent weights, 3 x forward,
per executed padded position and per real token) against a float32 matmul peak measured
in the same run (``jnp.dot`` of two 8192 x 8192 matrices at full float32 precision, and
at the backend's default precision, TF32 on NVIDIA GPUs).

Buckets here are the octaves 16, 32, ..., 512 (seven compiled shapes a config), not the
CPU pipeline's four per octave: on an accelerator each new shape costs an XLA compile of
seconds, a padded step almost nothing. ``benchmarks/device_run.sh`` runs it end to end.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

TARGET = 0.843
PROBE_EVERY = 5000
BOUNDS = (16, 32, 64, 128, 256, 512)
REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ prepare (here)
def prepare(path: Path) -> None:
    """Token ids of the keras-io recipe and of the seqkeras pipeline, per split."""
    import tensorflow as tf

    from benchmarks import data as pdata
    from benchmarks import keras_io_imdb as kio
    from benchmarks.sides import read_imdb_csv
    from seqkeras.io.atomic import read_jsonl
    from seqkeras.spec import load_spec
    from seqkeras.topologies import get_topology

    spec_path = REPO / "pipelines" / "imdb_sentiment.yaml"
    spec = load_spec(spec_path)
    prepared = pdata.prepare(spec_path, spec, Path("data"))
    from seqkeras.stages.auto import resolved_spec
    spec, _ = resolved_spec(spec, prepared.tokenize)  # auto settings, as the stages
    prep = get_topology("many_to_one").load_preprocessor(spec, prepared.tokenize)
    arrays = {"max_length": np.array(spec.tokenize.max_length)}
    for split in ("train", "val", "test"):
        records = read_jsonl(prepared.ingest / f"{split}.jsonl")
        ids = []
        for start in range(0, len(records), 1024):
            batch = [r["text"] for r in records[start:start + 1024]]
            ids += prep.encoder(tf.constant(batch)).to_list()
        ids = [row or [0] for row in ids]
        arrays[f"sk_{split}_ids"] = np.concatenate(ids).astype(np.int16)
        arrays[f"sk_{split}_len"] = np.array([len(r) for r in ids], np.int32)
        arrays[f"sk_{split}_y"] = np.array([r["label"] == "pos" for r in records], np.uint8)
    splits = read_imdb_csv(REPO.parent / "shared" / "data" / "imdb" / "imdb_50k.csv.gz"
                           if not os.environ.get("SEQKERAS_DATA_ROOT") else
                           Path(os.environ["SEQKERAS_DATA_ROOT"]) / "imdb" / "imdb_50k.csv.gz")
    index = kio.word_index([r["text"] for r in splits["train"]])
    for split, rows in splits.items():
        arrays[f"kio_{split}_x"] = kio.encode([r["text"] for r in rows], index).astype(np.int16)
        arrays[f"kio_{split}_y"] = kio.labels(rows)[:, 0].astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)")


# ------------------------------------------------------------------ device side
def _unpack_wheels(folder: Path) -> None:
    """Make the wheels' packages importable (a wheel is a zip of its site-packages)."""
    target = Path(tempfile.mkdtemp(prefix="wheels_"))
    for wheel in sorted(folder.glob("*.whl")):
        top = wheel.name.split("-")[0].lower().replace("_py", "").replace("_", "")
        module = {"abslpy": "absl", "markdownit": "markdown_it", "pygments": "pygments"}.get(
            top, top)
        if importlib.util.find_spec(module) is not None:
            continue  # already installed there
        with zipfile.ZipFile(wheel) as z:
            z.extractall(target)
    sys.path.insert(0, str(target))


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ragged(data, split):
    lengths = data[f"sk_{split}_len"]
    ids = data[f"sk_{split}_ids"].astype(np.int32)
    return np.split(ids, np.cumsum(lengths)[:-1]), data[f"sk_{split}_y"].astype(np.float32)


def bucket_batches(rows, y, batch, max_length, rng, shuffle=True):
    """Length buckets like tf.data's bucket_by_sequence_length, each batch padded to its
    bucket's boundary (a bounded set of shapes); full batches only when shuffling."""
    bounds = [b for b in BOUNDS if b < max_length] + [max_length]
    order = rng.permutation(len(rows)) if shuffle else np.arange(len(rows))
    pending = {b: [] for b in bounds}
    for i in order:
        width = next(b for b in bounds if len(rows[i]) <= b)
        pending[width].append(i)
        if len(pending[width]) == batch:
            yield _pad([rows[j] for j in pending[width]], width), y[pending[width]]
            pending[width] = []
    if not shuffle:  # evaluation: every example; a bucket's remainder is padded with
        for width, idx in pending.items():  # empty rows to a full batch (one shape a bucket)
            if idx:
                x = _pad([rows[j] for j in idx] + [[]] * (batch - len(idx)), width)
                yield x, y[idx]


def _pad(rows, width):
    out = np.zeros((len(rows), width), np.int32)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def seqkeras_model(keras, layers_mod, pooling, cell: str):
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20000, 128, mask_zero=True)(inputs)
    x = keras.layers.Dropout(0.3)(x)
    rnn = (keras.layers.LSTM(64, return_sequences=True, dropout=0.2) if cell == "lstm"
           else layers_mod.MinGRU(64, return_sequences=True, dropout=0.2))
    x = keras.layers.Bidirectional(rnn)(x)
    x = pooling.MaskedGlobalMaxPooling1D()(x)
    x = keras.layers.Dropout(0.4)(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0), "binary_crossentropy",
                  metrics=["accuracy"])
    return model


def keras_io_model(keras):
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20000, 128)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(64, return_sequences=True))(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(64))(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def accuracy(model, batches) -> float:
    right = total = 0
    for x, y in batches:  # x may have more rows than y (padding rows): scored on y's
        p = np.asarray(model.predict_on_batch(x))[:len(y), 0]
        right += int(((p > 0.5) == (y > 0.5)).sum())
        total += len(y)
    return right / total


def flops_per_position(keras, model) -> int:
    """Forward matmul FLOPs per sequence position of the recurrent layers, counted from
    their weights: 2 x (kernel + recurrent kernel) per direction (``benchmarks.hardware``
    counts the same way; the head's once-per-sequence matmul is left out, < 0.1%)."""
    total = 0
    for layer in model.layers:
        inner = ([layer.forward_layer, layer.backward_layer]
                 if isinstance(layer, keras.layers.Bidirectional) else [layer])
        for rnn in inner:
            if isinstance(rnn, keras.layers.RNN):
                for name in ("kernel", "recurrent_kernel"):
                    w = getattr(rnn.cell, name, None)
                    if w is not None:
                        total += 2 * int(np.prod(w.shape))
    return total


def matmul_peak(size: int = 8192, reps: int = 10) -> dict:
    """float32 FLOP/s of a [size, size] x [size, size] product on the default device, at
    full float32 precision and at the default precision (best of ``reps``)."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.PRNGKey(0), (size, size), jnp.float32)
    b = jax.random.normal(jax.random.PRNGKey(1), (size, size), jnp.float32)
    out = {}
    for label, precision in (("float32", jax.lax.Precision.HIGHEST),
                             ("default", jax.lax.Precision.DEFAULT)):
        f = jax.jit(lambda x, y, p=precision: jnp.dot(x, y, precision=p))
        f(a, b).block_until_ready()
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            f(a, b).block_until_ready()
            best = min(best, time.perf_counter() - t0)
        out[f"{label}_flops"] = 2.0 * size ** 3 / best
    return out


def train(name, model, epochs, train_batches, val_batches, test_batches, log,
          max_seconds=None, per_position=0):
    """A loop over ``train_on_batch`` so that steps, compiles and probes are timed apart.
    The first step of each input shape (compiling it) counts in the time to target but
    not in the steady steps/s. Training stops early once ``max_seconds`` of training
    time have passed (``capped`` in the result)."""
    start = time.perf_counter()
    paused, examples, steps, tokens, positions = 0.0, 0, 0, 0, 0
    capped = False
    trace, step_s, shapes, compile_s = [], [], set(), 0.0
    next_probe = PROBE_EVERY

    def probe(where):
        nonlocal paused
        t0 = time.perf_counter()
        seconds = t0 - start - paused
        value = accuracy(model, val_batches())
        paused += time.perf_counter() - t0
        trace.append((round(seconds, 2), examples, value, where))
        log(f"[{name}] {seconds:8.1f} s {examples:7d} examples val_accuracy {value:.4f} ({where})")

    for epoch in range(epochs):
        for x, y in train_batches(epoch):
            t0 = time.perf_counter()
            model.train_on_batch(x, y)
            dt = time.perf_counter() - t0
            if x.shape not in shapes:  # the first step of a shape compiles it
                shapes.add(x.shape)
                compile_s += dt
            else:
                step_s.append(dt)
                tokens += int(np.count_nonzero(x))
                positions += x.size
            steps += 1
            examples += len(y)
            if examples >= next_probe:
                next_probe += PROBE_EVERY
                probe("probe")
            if max_seconds and time.perf_counter() - start - paused > max_seconds:
                capped = True
                break
        probe(f"end of epoch {epoch + 1}" + (" (capped)" if capped else ""))
        next_probe = examples + PROBE_EVERY
        if capped:
            break
    train_s = time.perf_counter() - start - paused
    hit = next((t for t in trace if t[2] >= TARGET), None)
    test = accuracy(model, test_batches())
    steady = float(np.sum(step_s)) or float("nan")
    return {"name": name, "time_to_target_s": hit[0] if hit else None,
            "examples_to_target": hit[1] if hit else None, "train_s": train_s,
            "steps": steps, "examples": examples, "compiled_shapes": len(shapes),
            "first_step_per_shape_s": compile_s, "steady_steps_per_s": len(step_s) / steady,
            "steady_real_tokens_per_s": tokens / steady,
            "median_step_ms": 1000 * float(np.median(step_s)) if step_s else None,
            "best_val_accuracy": max(t[2] for t in trace), "test_accuracy": test,
            "capped": capped, "flops_per_position": per_position,
            # 3 x forward matmul FLOPs over the steady steps, per second of them
            "executed_flops_per_s": 3.0 * per_position * positions / steady,
            "useful_flops_per_s": 3.0 * per_position * tokens / steady,
            "padding_share": 1 - tokens / positions if positions else None,
            "trace": trace}


def run(args) -> dict:
    os.environ["KERAS_BACKEND"] = "jax"
    if args.wheels:
        _unpack_wheels(Path(args.wheels))
    import jax
    import keras

    layers_mod = _load("min_rnn", REPO / "seqkeras" / "layers" / "min_rnn.py")
    pooling = _load("pooling", REPO / "seqkeras" / "layers" / "pooling.py")
    data = np.load(args.data)
    max_length = int(data["max_length"])
    limit = args.limit
    out = {"devices": [str(d) for d in jax.devices()], "jax": jax.__version__,
           "keras": keras.__version__, "python": platform.python_version(),
           "backend": keras.backend.backend(), "target": TARGET, "runs": []}
    print(json.dumps({k: out[k] for k in ("devices", "jax", "keras", "backend")}), flush=True)
    out["matmul_peak"] = matmul_peak(args.peak_size)
    print(json.dumps({"matmul_peak_gflops": {k: round(v / 1e9, 1)
                                             for k, v in out["matmul_peak"].items()}}), flush=True)

    def subset(n):  # --limit: a seeded sample (the splits are sorted by label)
        return np.sort(np.random.default_rng(0).permutation(n)[:limit]) if limit else slice(None)

    kio = {}
    for s in ("train", "val", "test"):
        x, y = data[f"kio_{s}_x"].astype(np.int32), data[f"kio_{s}_y"].astype(np.float32)
        keep = subset(len(x))
        kio[s] = (x[keep], y[keep])

    def kio_batches(split, batch=32, shuffle=False, seed=0):
        x, y = kio[split]
        order = np.random.default_rng(seed).permutation(len(x)) if shuffle else np.arange(len(x))
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            yield x[idx], y[idx]

    sk = {}
    for s in ("train", "val", "test"):
        rows, y = ragged(data, s)
        keep = subset(len(rows))
        sk[s] = ([rows[i] for i in np.arange(len(rows))[keep]], y[keep])

    def sk_batches(split, batch, epoch=0, shuffle=False):
        rows, y = sk[split]
        return bucket_batches(rows, y, batch, max_length, np.random.default_rng(1337 + epoch),
                              shuffle)

    for config in args.configs:
        keras.utils.set_random_seed(1337)
        if config == "keras_io":
            model, epochs = keras_io_model(keras), args.epochs or 2
            result = train(config, model, epochs,
                           lambda e: kio_batches("train", shuffle=True, seed=e),
                           lambda: kio_batches("val", 256), lambda: kio_batches("test", 256),
                           print, args.max_seconds, flops_per_position(keras, model))
        else:
            cell, _, batch = config.partition("_b")
            batch = int(batch or 64)
            model, epochs = seqkeras_model(keras, layers_mod, pooling, cell), args.epochs or 3
            result = train(config, model, epochs,
                           lambda e: sk_batches("train", batch, e, shuffle=True),
                           lambda: sk_batches("val", 256), lambda: sk_batches("test", 256),
                           print, args.max_seconds, flops_per_position(keras, model))
        out["runs"].append(result)
        print(json.dumps({k: v for k, v in result.items() if k != "trace"}), flush=True)
        write(args.out, out)  # after every config: a run cut short keeps what it finished
        if args.table:
            args.table.write_text(render(out))
    return out


def write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))


def render(result: dict) -> str:
    """The device run as a Markdown table (time to target, speed, hardware share)."""
    peak = result["matmul_peak"]
    runs = {r["name"]: r for r in result["runs"]}
    base = runs.get("keras_io", {}).get("time_to_target_s")
    lines = [f"Devices {', '.join(result['devices'])}; JAX {result['jax']}, Keras "
             f"{result['keras']}; target val_accuracy {result['target']}; float32 matmul "
             f"peak {peak['float32_flops'] / 1e12:.1f} TFLOP/s (default precision "
             f"{peak['default_flops'] / 1e12:.1f}).", "",
             "| config | time to target s | x keras-io | examples to target | train s | "
             "compiled shapes | first steps s | steps/s | real tokens/s | padding | "
             "best val acc | test acc | useful TFLOP/s (% of fp32 peak) |",
             "|" + " --- |" * 13]
    for name, r in runs.items():
        ttt = r["time_to_target_s"]
        ratio = f"{ttt / base:.2f}" if ttt and base else "-"
        pad = f"{100 * r['padding_share']:.0f}%" if r.get("padding_share") is not None else "-"
        lines.append(
            f"| {name}{' (capped)' if r.get('capped') else ''} | "
            f"{ttt if ttt is not None else 'not reached'} | {ratio} | "
            f"{r['examples_to_target'] or '-'} | {r['train_s']:.1f} | {r['compiled_shapes']} | "
            f"{r['first_step_per_shape_s']:.1f} | {r['steady_steps_per_s']:.1f} | "
            f"{r['steady_real_tokens_per_s']:,.0f} | {pad} | {r['best_val_accuracy']:.4f} | "
            f"{r['test_accuracy']:.4f} | {r['useful_flops_per_s'] / 1e12:.3f} "
            f"({100 * r['useful_flops_per_s'] / peak['float32_flops']:.2f}%) |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prepare", type=Path, help="write the .npz here (needs TensorFlow)")
    p.add_argument("--data", type=Path, default=Path(".device/imdb_ids.npz"))
    p.add_argument("--wheels", default=None, help="folder of wheels to use if not installed")
    p.add_argument("--out", type=Path, default=Path("device_keras_jax.json"))
    p.add_argument("--configs", nargs="+", default=["keras_io", "lstm", "min_gru"],
                   help="keras_io | lstm | min_gru, optionally _bN for batch N (min_gru_b256)")
    p.add_argument("--epochs", type=int, default=None, help="default: 2 keras_io, 3 others")
    p.add_argument("--limit", type=int, default=None, help="records per split (smoke test)")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="cap each config's training time (seconds, probes excluded)")
    p.add_argument("--peak-size", type=int, default=8192, help="matmul peak: square size")
    p.add_argument("--table", type=Path, default=None, help="also write a Markdown table")
    args = p.parse_args(argv)
    if args.prepare:
        prepare(args.prepare)
        return 0
    result = run(args)
    write(args.out, result)
    print(f"wrote {args.out}")
    if args.table:
        print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

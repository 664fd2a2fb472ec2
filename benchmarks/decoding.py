"""In-graph decoding (the export's tf.while_loop) vs the per-step Python loop that calls
the Keras model on the whole prefix every step; same model, same outputs asserted.

    python -m benchmarks.decoding [PIPELINE_YAML]    (default pipelines/names.yaml)

Needs the pipeline trained (data/<name>/train/model.keras). Writes the pipeline's section
of benchmarks/RESULTS.md (``names`` for generation, ``chorales`` for piano_roll, the
pipeline's name for seq2seq).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from benchmarks.results import table, write_section
from seqkeras.constants import START_ID
from seqkeras.decoding.step_decoder import python_decode
from seqkeras.spec import load_spec
from seqkeras.topologies import get_topology

RESULTS = Path(__file__).with_name("RESULTS.md")


def requests(batch: int, start_seed: int, max_length: int) -> dict:
    return {"prefix": np.array(["", "ka", "mar", "j"] * (batch // 4) + [""] * (batch % 4),
                               dtype=object),
            "temperature": np.array([1.0, 0.8, 0.0, 1.0] * (batch // 4) + [1.0] * (batch % 4),
                                    np.float32),
            "max_length": np.full(batch, max_length, np.int32),
            "seed": np.arange(start_seed, start_seed + batch, dtype=np.int64)}


def timed(fn, repeats: int) -> float:
    fn()  # warm (tracing)
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t0) / repeats


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.decoding",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("pipeline", nargs="?", default="pipelines/names.yaml",
                        help="a trained generation, piano_roll or seq2seq pipeline YAML")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    spec = load_spec(args.pipeline, check_files=False)
    topo = get_topology(spec.topology)
    from seqkeras.stages.auto import resolved_spec
    spec, _ = resolved_spec(spec, Path("data") / spec.name / "tokenize")  # auto settings, as the stages
    prep = topo.load_preprocessor(spec, Path("data") / spec.name / "tokenize")
    model = keras.models.load_model(Path("data") / spec.name / "train" / "model.keras")
    key, body = BENCHES[spec.topology](spec, topo, prep, model)
    write_section(RESULTS, key, body)
    print(f"wrote the {key} section of {RESULTS}")
    return 0


def bench_generation(spec, topo, prep, model) -> tuple[str, str]:
    fn = tf.function(topo.serving_endpoints(spec, prep, model)["serving_default"][0])
    step_fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def python_compiled(inputs):
        """The same Python loop, with the per-step model call traced once (tf.function)."""
        ids = topo.encode(prep, list(inputs["prefix"]))
        rows = [[START_ID] + r.tolist() for r in ids]
        cont = python_decode(lambda x, training=False: step_fn(tf.constant(x)),
                             prep.encoder.vocab, rows, inputs["temperature"],
                             inputs["max_length"], inputs["seed"], None, spec.generate.top_k)
        norm = prep.encoder.normalize(tf.constant(list(inputs["prefix"]))).numpy()
        return [p.decode("utf-8") + c for p, c in zip(norm, cont)]

    rows = []
    for batch in (1, 16):
        inputs = requests(batch, 0, spec.generate.max_length)
        graph = lambda: fn(**{k: tf.constant(v) for k, v in inputs.items()})  # noqa: E731
        python = lambda: topo.reference_decode(spec, prep, model, inputs)      # noqa: E731
        got = [s.decode() for s in graph()["text"].numpy()]
        want = python()
        assert got == want, f"in-graph and Python decoders differ: {got} vs {want}"
        assert python_compiled(inputs) == got
        t_graph = timed(graph, 20 if batch == 1 else 10)
        t_python = timed(python, 3)
        t_compiled = timed(lambda: python_compiled(inputs), 5)
        chars = sum(len(s) for s in got)
        rows.append([batch, chars, t_graph * 1e3, t_python * 1e3, t_compiled * 1e3,
                     t_python / t_graph, t_compiled / t_graph])
        print(f"batch {batch}: in-graph {t_graph * 1e3:.1f} ms, python loop "
              f"{t_python * 1e3:.1f} ms ({t_python / t_graph:.1f}x), python loop with a "
              f"traced model call {t_compiled * 1e3:.1f} ms ({t_compiled / t_graph:.1f}x); "
              f"e.g. {got[:4]}")
    m = spec.model
    body = (f"## names: in-graph decoding vs per-step Python loop\n\n"
            f"`python -m benchmarks.decoding` on `{spec.name}` ({m.layers} x {m.cell.upper()}"
            f"({m.units}), char vocabulary {prep.encoder.vocab_size}), "
            f"max_length {spec.generate.max_length}, CPU. Time per request (one call with "
            f"the whole batch); outputs of all decoders asserted equal. The Python loop calls "
            f"the Keras model eagerly on the whole sequence so far once per step (the "
            f"reference decoder); the traced variant runs the same loop with that call "
            f"wrapped in one tf.function, separating Python/eager overhead from the "
            f"O(T^2) recomputation.\n\n"
            + table(["batch", "chars generated", "in-graph ms", "python loop ms",
                     "python loop, traced call ms", "speed-up (eager)", "speed-up (traced)"],
                    rows))
    return "names", body


def bench_piano_roll(spec, topo, prep, model) -> tuple[str, str]:
    """Chorales: the served frame-sampling loop vs the per-step Python loop."""
    from seqkeras.topologies.piano_roll.frame_decoder import python_frame_decode

    fn = tf.function(topo.serving_endpoints(spec, prep, model)["serving_default"][0])
    step_fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    steps = spec.generate.max_length
    rows = []
    for batch in (1, 16):
        inputs = {"steps": np.full(batch, steps, np.int32),
                  "temperature": np.array([1.0, 0.8, 0.0, 1.0] * (batch // 4)
                                          + [1.0] * (batch % 4), np.float32),
                  "seed": np.arange(batch, dtype=np.int64)}
        graph = lambda: fn(**{k: tf.constant(v) for k, v in inputs.items()})  # noqa: E731
        python = lambda: python_frame_decode(model, inputs["steps"],              # noqa: E731
                                             inputs["temperature"], inputs["seed"])
        traced = lambda: python_frame_decode(                                     # noqa: E731
            lambda x, training=False: step_fn(tf.constant(x)), inputs["steps"],
            inputs["temperature"], inputs["seed"])
        got = graph()["piano_roll"].numpy()
        want, _ = python()
        assert (got == want).all(), "in-graph and Python frame decoders differ"
        assert (traced()[0] == got).all()
        t_graph = timed(graph, 10 if batch == 1 else 5)
        t_python = timed(python, 2)
        t_traced = timed(traced, 3)
        notes = int(got.sum())
        rows.append([batch, notes, t_graph * 1e3, t_python * 1e3, t_traced * 1e3,
                     t_python / t_graph, t_traced / t_graph])
        print(f"batch {batch}: in-graph {t_graph * 1e3:.1f} ms, python loop "
              f"{t_python * 1e3:.1f} ms ({t_python / t_graph:.1f}x), traced call "
              f"{t_traced * 1e3:.1f} ms ({t_traced / t_graph:.1f}x), {notes} notes")
    m = spec.model
    body = (f"## chorales: in-graph decoding vs per-step Python loop\n\n"
            f"`python -m benchmarks.decoding pipelines/chorales.yaml` on `{spec.name}` "
            f"({m.layers} x {m.cell.upper()}({m.units}), 88-key frames), {steps} steps a "
            f"chorale, CPU. Time per request (one call with the whole batch); the piano rolls "
            f"of all three decoders asserted equal. The Python loop calls the Keras model "
            f"eagerly on the whole sequence so far once per step; the traced variant wraps "
            f"that call in one tf.function.\n\n"
            + table(["batch", "notes generated", "in-graph ms", "python loop ms",
                     "python loop, traced call ms", "speed-up (eager)", "speed-up (traced)"],
                    rows))
    return "chorales", body


def bench_seq2seq(spec, topo, prep, model) -> tuple[str, str]:
    """Translation: the served greedy loop (encoder once, decoder stepped in a
    tf.while_loop) vs the Python loop calling the whole model once per output token."""
    from seqkeras.io.atomic import read_jsonl
    from seqkeras.topologies.seq2seq.decoder import python_greedy

    test = read_jsonl(Path("data") / spec.name / "ingest" / "test.jsonl")
    sources = list(dict.fromkeys(r["text"] for r in test))
    greedy = tf.function(topo.translator(spec, prep, model, beam_size=1), autograph=False)
    beam = tf.function(topo.translator(spec, prep, model), autograph=False)
    step_fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    max_length = spec.generate.max_length
    rows = []
    for batch in (1, 16):
        chunk = sources[:batch]
        ids = prep.source(tf.constant(chunk)).to_tensor().numpy()
        graph = lambda: greedy(tf.constant(chunk))                          # noqa: E731
        graph_beam = lambda: beam(tf.constant(chunk))                       # noqa: E731
        python = lambda: python_greedy(model, ids, max_length)              # noqa: E731
        traced = lambda: python_greedy(                                     # noqa: E731
            lambda x, training=False: step_fn({k: tf.constant(v) for k, v in x.items()}),
            ids, max_length)
        out = graph()
        got = [row[:n].tolist() for row, n in zip(out["tokens"].numpy(), out["length"].numpy())]
        want = [[prep.target.vocab[i].encode() for i in r] for r in python()]
        assert got == want, "in-graph and Python greedy decoders differ"
        t_graph = timed(graph, 10 if batch == 1 else 5)
        t_beam = timed(graph_beam, 5 if batch == 1 else 3)
        t_python = timed(python, 3)
        t_traced = timed(traced, 3)
        tokens = int(out["length"].numpy().sum())
        rows.append([batch, tokens, t_graph * 1e3, t_beam * 1e3, t_python * 1e3,
                     t_traced * 1e3, t_python / t_graph, t_traced / t_graph])
        print(f"batch {batch}: in-graph greedy {t_graph * 1e3:.1f} ms, beam "
              f"{spec.generate.beam_size} {t_beam * 1e3:.1f} ms, python loop "
              f"{t_python * 1e3:.1f} ms ({t_python / t_graph:.1f}x), traced call "
              f"{t_traced * 1e3:.1f} ms ({t_traced / t_graph:.1f}x), {tokens} tokens")
    m = spec.model
    body = (f"## {spec.name}: in-graph decoding vs per-step Python loop\n\n"
            f"`python -m benchmarks.decoding pipelines/{spec.name}.yaml` ({m.cell.upper()}"
            f"({m.units}){' bidirectional' if m.bidirectional else ''} encoder, attention "
            f"{m.attention}, target vocabulary {prep.target.vocab_size}), the first test "
            f"sentences, CPU. Time per request (one call with the whole batch). Greedy "
            f"tokens of the in-graph loop and of the Python loop asserted equal; the Python "
            f"loop calls the whole Keras model (encoder included) on the target prefix once "
            f"per output token, the traced variant wraps that call in one tf.function. "
            f"The beam column is the served signature (beam {spec.generate.beam_size}).\n\n"
            + table(["batch", "tokens generated", "in-graph greedy ms",
                     f"in-graph beam {spec.generate.beam_size} ms", "python loop ms",
                     "python loop, traced call ms", "speed-up (eager)", "speed-up (traced)"],
                    rows))
    return spec.name, body


#: topology -> benchmark; each returns (RESULTS.md section key, section body)
BENCHES = {"generation": bench_generation, "piano_roll": bench_piano_roll,
           "seq2seq": bench_seq2seq}


if __name__ == "__main__":
    sys.exit(main())

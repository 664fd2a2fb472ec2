"""Benchmark a seqkeras pipeline and write its section of benchmarks/RESULTS.md.

    python -m benchmarks.run                       # pipelines/imdb_sentiment.yaml, 60 steps
    python -m benchmarks.run --quick --out /tmp/smoke.md   # seconds-long smoke run

Run from the repository root (relative data sources resolve against
$SEQKERAS_DATA_ROOT, default ../shared/data). See ``--help`` for what is measured.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import time
from pathlib import Path

DESCRIPTION = """\
Benchmark a seqkeras pipeline (default: IMDB sentiment) and write the results as a
marked section of a markdown file (other sections of the file are kept).

1. Training throughput, in one run: the seqkeras path (topology.build_model +
   topology.make_dataset: in-graph tokenization, cache, shuffling, length buckets),
   timed both in its first pass (tokenizing on the fly, as in epoch 1) and reading
   its filled cache (as in epochs 2+), against
   the same architecture written in plain Keras and fed the textbook way (ids from the
   same encoder, computed up front and not timed, padded to tokenize.max_length in
   numpy, model.fit(x, y, batch_size)). Each path runs --warmup + --steps steps in one
   model.fit call; only the last --steps are timed. Reports examples/s, real-token/s
   (ids != 0) and the seqkeras/plain ratio.
2. Export latency: the newest SavedModel under <export.base_dir>/<name>/ loaded with
   tf.saved_model.load; signatures serving_default (raw text) and from_token_ids
   (pre-tokenized int64 ids) at batch 1 and 64 with real test reviews; median and p90
   ms per request. Skipped (and said so) when there is no export.
3. Quality: test accuracy from <data-dir>/<name>/train/metrics.json if the train stage
   ran, beside published reference figures.

Ingest/tokenize outputs are read from <data-dir>/<name>/; when missing or stale they
are built there with the seqkeras runner (stages up to tokenize, no MLflow tracking).
"""

DEFAULT_PIPELINE = "pipelines/imdb_sentiment.yaml"
DEFAULT_OUT = "benchmarks/RESULTS.md"

#: Published figures shown beside a pipeline's own measured test accuracy.
REFERENCES = {
    "imdb_sentiment": [
        ("keras-io bidirectional_lstm_imdb", "validation accuracy", 0.843),
        ("Deep Learning with Python, 3rd ed., bidirectional LSTM", "test accuracy", 0.844),
    ],
}

#: --quick: a smoke run that checks the benchmark works, in well under a minute of compute.
QUICK = {"steps": 3, "warmup": 2, "train_records": 1000, "latency_plan": {1: 5, 64: 3},
         "latency_warmup": 2}
FULL = {"warmup": 5, "latency_plan": {1: 50, 64: 20}, "latency_warmup": 5}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pipeline", default=DEFAULT_PIPELINE,
                   help=f"pipeline YAML to benchmark (default: {DEFAULT_PIPELINE})")
    p.add_argument("--steps", type=int, default=None,
                   help="training steps to time per path (default: 60; --quick: 3)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed training steps before the timed ones (default: 5; --quick: 2)")
    p.add_argument("--train-records", type=int, default=None, metavar="N",
                   help="feed only a seeded sample of N training records (default: the whole "
                        "training split; --quick: 1000)")
    p.add_argument("--quick", action="store_true",
                   help="tiny smoke run: few steps and requests; the section is marked as a "
                        "smoke run, its numbers are not benchmark results")
    p.add_argument("--data-dir", default="data",
                   help="folder holding <name>/ingest, <name>/tokenize and <name>/train "
                        "(default: data)")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help=f"markdown file whose <name> section is (re)written (default: {DEFAULT_OUT})")
    p.add_argument("--no-training", action="store_true", help="skip the training throughput")
    p.add_argument("--no-latency", action="store_true", help="skip the export latency")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.steps is None:
        args.steps = QUICK["steps"] if args.quick else 60
    if args.warmup is None:
        args.warmup = QUICK["warmup"] if args.quick else FULL["warmup"]
    if args.train_records is None and args.quick:
        args.train_records = QUICK["train_records"]
    if args.steps < 1 or args.warmup < 1:
        p.error("--steps and --warmup must be at least 1")
    if args.train_records is not None and args.train_records < 1:
        p.error("--train-records must be at least 1")
    return args


def log(msg: str) -> None:
    print(msg, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")

    # Heavy imports after argument parsing, so --help answers at once.
    from benchmarks import data as pdata
    from benchmarks import machine
    from benchmarks.report import render
    from benchmarks.results import write_section
    from seqkeras.errors import SeqkerasError
    from seqkeras.io.atomic import read_jsonl
    from seqkeras.serving.versions import latest
    from seqkeras.spec import load_spec
    from seqkeras.topologies import get_topology

    run = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "quick": args.quick,
           "command": "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in args.argv),
           "load_start": machine.load_average(), "cpu": machine.cpu_model(),
           "cores": machine.usable_cores(), "cpu_count": os.cpu_count(),
           "versions": machine.versions(), "gpus": machine.gpus(),
           "steps": args.steps, "warmup": args.warmup}
    spec_path = Path(args.pipeline)
    spec = load_spec(spec_path)
    run["pipeline"] = str(spec_path)
    log(f"[bench] {spec.name} ({spec.topology}) on {run['cpu']}, {run['cores']} cores, "
        f"load {run['load_start']}")

    data = pdata.prepare(spec_path, spec, Path(args.data_dir), log=log)
    run["data_note"] = data.note
    topology = get_topology(spec.topology)
    from seqkeras.stages.auto import resolved_spec
    spec, _ = resolved_spec(spec, data.tokenize)  # auto settings, as the stages
    prep = topology.load_preprocessor(spec, data.tokenize)

    throughput, notes = [], []
    if not args.no_training:
        from benchmarks import throughput as tp

        records = read_jsonl(data.ingest / "train.jsonl")
        run["train_split"] = len(records)
        if args.train_records is not None and args.train_records < len(records):
            records = random.Random(spec.seed).sample(records, args.train_records)
        run["train_records"] = len(records)
        for cached in (False, True):
            throughput.append(tp.seqkeras_path(spec, topology, prep, records, args.warmup,
                                               args.steps, cached=cached, log=log))
        if spec.topology == "many_to_one":
            from seqkeras.topologies.many_to_one.topology import uses_sigmoid

            sigmoid = uses_sigmoid(spec, len(prep.labels))
            try:
                throughput.append(tp.plain_path(spec, prep, sigmoid, records, args.warmup,
                                                args.steps, log=log))
            except ValueError as exc:  # too few records for the requested steps
                notes.append(f"no plain-Keras baseline: {exc}")
                log(f"[train] {notes[-1]}")
        else:
            notes.append(f"no plain-Keras baseline for topology {spec.topology!r} "
                         "(written for many_to_one only)")

    latency, export, export_note = [], None, None
    if not args.no_latency:
        from benchmarks import latency as lt

        base = Path(spec.export.base_dir) / spec.name
        try:
            export = latest(base)
        except SeqkerasError:
            export_note = (f"export missing: no version under `{base}/` "
                           f"(run the pipeline's export stage); latency not measured")
            log(f"[latency] {export_note}")
        if export is not None:
            ingest = data.ingest
            test = read_jsonl(ingest / "test.jsonl") if (ingest / "test.jsonl").exists() else []
            test = test or read_jsonl(ingest / "val.jsonl")
            plan = QUICK["latency_plan"] if args.quick else FULL["latency_plan"]
            warm = QUICK["latency_warmup"] if args.quick else FULL["latency_warmup"]
            latency = lt.measure(export, spec, [r["text"] for r in test], plan, warm, log=log)
            run["latency_warmup"] = warm
            run["export_info"] = lt.export_info(export)
            run["export_matches_spec"] = run["export_info"].get("spec_hash") == \
                spec.section_hash("data", "tokenize", "model", "train", "export")

    metrics, record = pdata.train_metrics(data)
    if metrics is not None:
        run["train_fresh"] = "train" not in pdata.stale_stages(spec, data.workdir, upto="train")
    run["load_end"] = machine.load_average()
    body = render(spec, prep, run, throughput, notes, export, export_note, latency,
                  metrics, record, data, REFERENCES.get(spec.name, []))
    write_section(args.out, spec.name, body)
    log(f"\n{body}\n")
    log(f"[bench] wrote the {spec.name} section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time to a target accuracy (or loss), side by side in one run on the same machine.

    python -m benchmarks.time_to_target                     # IMDB: keras-io vs seqkeras
    python -m benchmarks.time_to_target --task translate --side pipeline \\
        --side "min_gru:model.cell=min_gru"
    python -m benchmarks.time_to_target --quick --out /tmp/smoke.md   # smoke run

See ``--help``; the sides are in ``benchmarks/sides.py``, FLOP counting and the matmul
peak in ``benchmarks/hardware.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DESCRIPTION = """\
Wall time from a side's start (data read, vocabulary learned, model built) to its first
validation score at the target, training time only: validation every --probe-examples
training examples and at epoch ends, clock paused while it runs. Then each side trains
to the end of its own recipe and reports its test metric. Sides run one after another
in this process. Also: achieved training FLOP/s (matmuls counted from the weights, per
real token and per executed padded position) against a float32 matmul peak measured in
this run.

Sides: `keras_io` (the keras-io bidirectional_lstm_imdb recipe; imdb only), `pipeline`
(the task's pipeline YAML as it is) or `NAME:key=value;key=value` (the pipeline with
dotted spec overrides, e.g. "min_gru:model.cell=min_gru;train.batch_size=128").
Default sides: imdb, the keras-io recipe, the pipeline and its fast settings (no n-gram
branch, one direction, 256 tokens, batch 128); translate, the pipeline and
its first version (full softmax, float32, constant rate, 16-wide buckets); conll and
names, the pipeline (against the figure recorded before).
"""

#: --quick: records per split, epochs, probe interval.
QUICK = {"sample": {"train": 1500, "val": 400, "test": 400}, "epochs": 1, "probe": 500}


@dataclass(frozen=True)
class Task:
    pipeline: str
    monitor: str
    target: float
    higher: bool
    test_metric: str
    target_source: str
    probe_examples: int
    sides: tuple[str, ...]
    #: what today's pipeline took, as recorded by its last full train stage (not this run)
    recorded: str = ""
    #: further values of the monitor to report the time to (the learning curve in a row)
    milestones: tuple[float, ...] = ()


TASKS = {
    "imdb": Task("pipelines/imdb_sentiment.yaml", "val_accuracy", 0.843, True, "accuracy",
                 "keras-io bidirectional_lstm_imdb's published validation accuracy", 2500,
                 ("keras_io", "pipeline", "fast:model.ngram_branch=false;"
                  "model.bidirectional=false;tokenize.max_length=256;train.batch_size=128;"
                  "train.learning_rate=0.003;model.embedding_dim=64")),
    "translate": Task("pipelines/translate_en_fr.yaml", "val_loss", 1.03, False, "bleu",
                      "the best validation loss of the first committed pipeline (epoch 9 "
                      "of 10; the shipped one reaches 1.027)", 20000,
                      ("pipeline", "first_version:model.sampled_softmax=0;"
                       "train.learning_rate_schedule=constant;train.bucket_min_width=16;"
                       "train.precision=float32"),
                      "first committed pipeline: 1,862 s of training for 10 epochs, test "
                      "BLEU 37.71 (benchmarks quality table, 2026-11-22); the shipped one "
                      "(sampled softmax, bfloat16, cosine): 861 s, test BLEU 37.75 "
                      "(train stage, 2026-11-30)", (2.0, 1.5, 1.2, 1.1, 1.05, 1.04, 1.035)),
    "conll": Task("pipelines/conll2003_ner.yaml", "val_accuracy", 0.9717, True, "entity_f1",
                  "the committed pipeline's test token accuracy (a proxy: no validation "
                  "figure of it was recorded)", 7000, ("pipeline",),
                  "committed pipeline: 517 s of training for 15 epochs, test entity F1 0.8578 "
                  "(benchmarks quality table, 2026-11-21)"),
    "names": Task("pipelines/names.yaml", "val_loss", 1.929, False, "loss",
                  "the best validation loss of the committed pipeline", 12800, ("pipeline",),
                  "committed pipeline: 1,310 s of training for 16 epochs, test NLL 1.948 "
                  "(benchmarks quality table, 2026-11-22)", (2.2, 2.05, 2.0, 1.97, 1.95, 1.94)),
}


def parse_side(text: str) -> tuple[str, dict]:
    """'keras_io' | 'pipeline' | 'NAME:key=value;key=value' -> (name, overrides)."""
    import yaml

    name, _, rest = text.partition(":")
    overrides = {}
    for item in filter(None, (s.strip() for s in rest.split(";"))):
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise argparse.ArgumentTypeError(f"side {text!r}: expected key=value with a dotted "
                                             f"key (model.cell=min_gru), got {item!r}")
        overrides[key.strip()] = yaml.safe_load(value)
    return name, overrides


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.time_to_target",
                                description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", choices=sorted(TASKS), default="imdb")
    p.add_argument("--side", action="append", type=parse_side, dest="sides",
                   help="a side to run (repeatable; default: the task's standard sides)")
    p.add_argument("--probe-examples", type=int, default=None,
                   help="validation every N training examples (default: per task)")
    p.add_argument("--target", type=float, default=None, help="override the task's target")
    p.add_argument("--stop-at-target", action="store_true",
                   help="stop each side at its target (no final test metric of the full "
                        "recipe: for exploring levers)")
    p.add_argument("--epochs", type=int, default=None, help="cap every side's epochs")
    p.add_argument("--quick", action="store_true",
                   help="smoke run on a sample of each split, one epoch; not results")
    p.add_argument("--out", default="benchmarks/RESULTS.md")
    p.add_argument("--json", default=None,
                   help="also write every trace here (default: benchmarks/results/"
                        "time_to_target_<task>.json; --quick: none)")
    p.add_argument("--render", metavar="JSON", default=None,
                   help="train nothing: write the section again from a run's --json file "
                        "(e.g. after adding milestones to the task)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def log(msg: str) -> None:
    print(msg, flush=True)


def run_side(task: Task, name: str, overrides: dict, args) -> "SideResult":  # noqa: F821
    from benchmarks import sides

    sample = QUICK["sample"] if args.quick else None
    epochs = QUICK["epochs"] if args.quick else args.epochs
    every = QUICK["probe"] if args.quick else (args.probe_examples or task.probe_examples)
    stop = args.target_value if args.stop_at_target else None
    if name == "keras_io":
        root = Path(os.environ.get("SEQKERAS_DATA_ROOT", "../shared/data"))
        return sides.keras_io_side(root / "imdb" / "imdb_50k.csv.gz", task.monitor, every,
                                   task.higher, sample, epochs, stop, log=log)
    return sides.seqkeras_side(name, Path(task.pipeline), overrides, task.monitor, every,
                               task.higher, sample, epochs, stop, log=log)


def load_run(path: Path) -> tuple[dict, list]:
    """(run facts, [SideResult]) from a ``--json`` file, FLOP counts included."""
    from benchmarks.hardware import Flops
    from benchmarks.sides import SideResult

    payload = json.loads(path.read_text(encoding="utf-8"))
    results = []
    for side in payload["sides"]:
        side = dict(side)
        per_position = side.pop("flops_per_position", None)
        per_sequence = side.pop("flops_per_sequence", None)
        flops = None if per_position is None else Flops(per_position, per_sequence or 0)
        results.append(SideResult(**side, flops=flops))
    return payload["run"], results


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t_import = time.perf_counter()
    from benchmarks import hardware, machine
    from benchmarks.results import write_section
    from benchmarks.ttt_report import render

    task = TASKS[args.task]
    if args.render:
        run, results = load_run(Path(args.render))
        body = render(args.task, task, run, results)
        write_section(args.out, f"time_to_target_{args.task}", body)
        log(f"{body}\n\n[ttt] wrote the time_to_target_{args.task} section of {args.out} "
            f"from {args.render}")
        return 0
    if args.task != "imdb" and any(n == "keras_io" for n, _ in args.sides or []):
        raise SystemExit("the keras_io side is the IMDB recipe: use it with --task imdb")
    args.target_value = task.target if args.target is None else args.target
    probe = QUICK["probe"] if args.quick else (args.probe_examples or task.probe_examples)
    run = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "quick": args.quick,
           "command": "python -m benchmarks.time_to_target " +
                      " ".join(shlex.quote(a) for a in args.argv),
           "import_s": time.perf_counter() - t_import, "cpu": machine.cpu_model(),
           "cores": machine.usable_cores(), "versions": machine.versions(),
           "gpus": machine.gpus(), "load_start": machine.load_average(),
           "target": args.target_value, "stop_at_target": args.stop_at_target,
           "probe": probe}
    run["peak_start"] = hardware.dense_peak()
    log(f"[ttt] {args.task}: target {task.monitor} {args.target_value}; float32 matmul peak "
        f"{run['peak_start'] / 1e9:.1f} GFLOP/s; load {run['load_start']}")
    results = []
    for name, overrides in args.sides or [parse_side(s) for s in task.sides]:
        results.append(run_side(task, name, overrides, args))
        results[-1].notes.append(f"load average after this side: {machine.load_average()}")
    run["peak_end"] = hardware.dense_peak()
    run["load_end"] = machine.load_average()
    body = render(args.task, task, run, results)
    write_section(args.out, f"time_to_target_{args.task}", body)
    log(f"\n{body}\n")
    json_path = args.json or (None if args.quick else
                              f"benchmarks/results/time_to_target_{args.task}.json")
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        payload = {"run": run, "task": task.__dict__, "sides": [
            {k: v for k, v in vars(r).items() if k != "flops"} | {
                "flops_per_position": r.flops.per_position if r.flops else None,
                "flops_per_sequence": r.flops.per_sequence if r.flops else None}
            for r in results]}
        Path(json_path).write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
        log(f"[ttt] traces written to {json_path}")
    log(f"[ttt] wrote the time_to_target_{args.task} section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

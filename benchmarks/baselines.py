"""Every dev dataset with a short, untuned YAML: the model against its baseline.

    python -m benchmarks.baselines                      # all datasets, full data (hours)
    python -m benchmarks.baselines --quick              # slices and few epochs (minutes)
    python -m benchmarks.baselines --only sms_spam,co2  # some of them
    python -m benchmarks.baselines --report-only        # the table from the last runs

Each dataset is a YAML under ``benchmarks/pipelines/`` written the way a new user would
from the README (no hand tuning); ``seqkeras run`` trains it like any pipeline (the
train stage fits the topology's baseline on the same splits), and the table puts the
model's test figure beside the baseline's, with the seconds its stages took (summed
from each stage's ``_stage.json``, so a rerun that skipped unchanged stages still reports
the time they took when they ran).
``--quick`` runs a copy named ``<pipeline>_quick`` with ``data.max_records_per_split``
and at most ``QUICK_EPOCHS`` epochs: a smoke run, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from benchmarks import machine
from benchmarks.results import fmt, table, write_section

PIPELINES = Path(__file__).parent / "pipelines"
#: dataset -> (headline test metric, what it is)
DATASETS = {
    "sms_spam": ("accuracy", "SMS spam (UCI), spam/ham"),
    "subjectivity": ("accuracy", "subjectivity (Pang & Lee), two files"),
    "imdb": ("accuracy", "IMDB reviews, official test"),
    "quickstart_names": ("accuracy", "census first names, girl/boy (characters)"),
    "conll2003_ner": ("entity_f1", "CoNLL-2003 NER"),
    "conll2003_pos": ("token_accuracy", "CoNLL-2003 part-of-speech column"),
    "conll2000_chunking": ("entity_f1", "CoNLL-2000 chunking (chunk F1)"),
    "names_generation": ("nll_per_char", "names.txt language model (nats/char)"),
    "melbourne_temp": ("mae", "Melbourne daily min temperature, 7 days ahead (deg C)"),
    "beijing_pm25": ("mae", "Beijing PM2.5, 24 h ahead (ug/m3)"),
    "co2": ("mae", "Mauna Loa CO2 weekly (statsmodels), 4 weeks ahead (ppm)"),
    "tatoeba_en_fr": ("bleu", "Tatoeba English -> French (BLEU, greedy)"),
}
QUICK_RECORDS, QUICK_EPOCHS = 2000, 2
STATE_DIR = "_baselines"


def yaml_path(name: str) -> Path:
    return PIPELINES / f"dev_{name}.yaml"


def quick_spec(name: str, out_dir: Path) -> Path:
    """A copy of the dataset's YAML for a smoke run: records per split capped (text
    data), epochs capped, written as ``dev_<name>_quick.yaml`` in ``out_dir``."""
    raw = yaml.safe_load(yaml_path(name).read_text(encoding="utf-8"))
    train = raw.setdefault("train", {})
    train["epochs"] = min(int(train.get("epochs", QUICK_EPOCHS)), QUICK_EPOCHS)
    if raw.get("topology") != "sequence_prediction":
        raw["data"]["max_records_per_split"] = QUICK_RECORDS
    raw.setdefault("baseline", {}).update(max_train_records=QUICK_RECORDS)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"dev_{name}_quick.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def run_one(name: str, quick: bool, data_dir: Path, force: bool, timeout: float) -> dict:
    """``seqkeras run`` of one dataset; its wall time, exit status and last lines."""
    spec = quick_spec(name, data_dir / STATE_DIR) if quick else yaml_path(name)
    cmd = [sys.executable, "-m", "seqkeras.cli", "run", str(spec), "--data-dir", str(data_dir)]
    if force:
        cmd.append("--force")
    started = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, PYTHONUNBUFFERED="1"))
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out = 124, f"timed out after {timeout:.0f} s: {exc}"
    seconds = time.monotonic() - started
    warning = [line for line in out.splitlines() if "below its baseline" in line]
    state = {"dataset": name, "pipeline": spec.stem, "quick": quick, "rc": rc,
             "wall_seconds": seconds, "finished": time.strftime("%Y-%m-%d %H:%M"),
             "warning": warning[-1] if warning else None, "tail": out.splitlines()[-5:]}
    (data_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
    (data_dir / STATE_DIR / f"{spec.stem}.json").write_text(json.dumps(state, indent=1))
    return state


def stage_seconds(pipeline_dir: Path) -> float | None:
    """Seconds the pipeline's stages took when they last ran (sum over ``*/_stage.json``),
    None when no stage has run."""
    found = [json.loads(p.read_text()).get("seconds", 0.0)
             for p in pipeline_dir.glob("*/_stage.json")]
    return float(sum(found)) if found else None


def row(name: str, quick: bool, data_dir: Path) -> list:
    """One table row from the run's state and its train stage's metrics.json and
    baseline.json."""
    metric, what = DATASETS[name]
    pipeline = f"dev_{name}" + ("_quick" if quick else "")
    state_path = data_dir / STATE_DIR / f"{pipeline}.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    train = data_dir / pipeline / "train"
    if not (train / "metrics.json").exists():
        return [name, what, metric, "not run" if not state else f"failed (rc {state['rc']})",
                "", "", "", "", fmt(state["wall_seconds"]) if state else ""]
    m = json.loads((train / "metrics.json").read_text())
    b = json.loads((train / "baseline.json").read_text()) if (train / "baseline.json").exists() \
        else {"scores": []}
    ours = [s for s in b["scores"] if s["metric"] == metric]
    head = next((s for s in ours if s["prefix"] == "baseline"), ours[0] if ours else None)
    others = ", ".join(f"{s['prefix']} {fmt(s['baseline'])}" for s in ours if s is not head)
    extra = {"entity_f1": "raw_text_entity_f1", "token_accuracy": "raw_text_token_accuracy",
             "accuracy": "macro_f1", "bleu": "chrf"}.get(metric)
    extras = [others] if others else []
    if extra and f"test_{extra}" in m:
        extras.append(f"{extra} {fmt(m['test_' + extra])}"
                      + (f" (baseline {fmt(m['baseline_test_' + extra])})"
                         if f"baseline_test_{extra}" in m else ""))
    verdict = ("n/a" if not ours else "BELOW" if any(s["loses"] for s in ours)
               else "ties" if abs(head["skill"]) < 1e-9 else "beats")
    model = m.get(f"test_{metric}")
    return [name, what, metric, fmt(model) if model is not None else "n/a",
            f"{fmt(head['baseline'])} ({head['name']})" if head else "n/a",
            f"{head['skill']:+.4f}" if head else "", verdict, "; ".join(extras),
            fmt(stage_seconds(train.parent) or state.get("wall_seconds", float("nan")))]


def render(names: list[str], quick: bool, data_dir: Path) -> str:
    rows = [row(n, quick, data_dir) for n in names]
    mode = (f"quick: at most {QUICK_RECORDS:,} records per split, {QUICK_EPOCHS} epochs "
            "(smoke run, not a measurement)") if quick else "full data"
    return "\n".join([
        "## Models against their baselines on the dev datasets"
        + (" (quick smoke runs)" if quick else ""), "",
        f"Written by `python -m benchmarks.baselines{' --quick' if quick else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {mode}. Each dataset is "
        "`benchmarks/pipelines/dev_<dataset>.yaml`, a short YAML with no hand tuning; the "
        "baseline is fitted by the train stage on the same splits. skill = model - "
        "baseline where higher is better, baseline - model where lower is better "
        "(positive: the model wins); verdict ties when the model equals the strong "
        "baseline, BELOW when the model loses to any baseline "
        "of that metric (the run then ends with a WARNING). stage s: the seconds the "
        "run's stages (ingest to export) took.", "",
        f"- Machine: {machine.cpu_model()}, {machine.usable_cores()} usable cores, shared "
        f"with other work; load average {machine.load_average()} when the table was "
        "written", "",
        table(["dataset", "data", "metric", "model", "baseline", "skill", "verdict",
               "also", "stage s"], rows, "lllrlrllr")])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.baselines", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", help=f"comma-separated datasets of: {', '.join(DATASETS)}")
    p.add_argument("--quick", action="store_true", help="slices and few epochs")
    p.add_argument("--force", action="store_true", help="rerun unchanged stages")
    p.add_argument("--report-only", action="store_true", help="only render the table")
    p.add_argument("--timeout", type=float, default=4 * 3600, help="seconds per dataset")
    p.add_argument("--data-dir", default="data")
    p.add_argument("--out", default="benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    names = list(DATASETS) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        p.error(f"unknown dataset(s) {unknown}; datasets: {', '.join(DATASETS)}")
    data_dir = Path(args.data_dir)
    if not args.report_only:
        for name in names:
            print(f"{name}: running ...", flush=True)
            state = run_one(name, args.quick, data_dir, args.force, args.timeout)
            print(f"{name}: rc {state['rc']} in {state['wall_seconds']:.0f} s"
                  + (f"\n  {state['warning']}" if state["warning"] else ""), flush=True)
    # the table always lists every dataset (the ones not run here from earlier runs)
    body = render(list(DATASETS), args.quick, data_dir)
    write_section(args.out, "baselines-quick" if args.quick else "baselines", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

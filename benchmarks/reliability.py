"""Reliability: hostile inputs, kills and races, counted.

    python -m benchmarks.reliability                # full counts (minutes), -> RESULTS.md
    python -m benchmarks.reliability --quick        # a smoke run, nothing written

Every case runs the real command line (``seqkeras validate | run | predict |
check-serving``) in a child process, or the real ingest stage, with a time limit:

- specs: broken pipeline YAMLs must be answered by one clean error line (or validate);
  valid but degenerate ones (``learning_rate: .inf``, ``max_length: 1``) must train and
  export a finite model or fail cleanly;
- rows: data files with known good and bad rows: kept + rejected = rows read, every good
  row kept, every bad row rejected; a truncated archive fails naming itself;
- kills: SIGKILL at a random moment of ``train`` and ``export``: the previous outputs
  stay whole, no partial version appears, the next run cleans up and no MLflow run is
  left RUNNING;
- races: two first runs at once in a new folder (different pipelines, the same
  pipeline, two exports of one model): the store stays usable, versions never collide;
- serving: requests of any bytes and shapes through TF's C++ loader, as TF Serving
  runs them, plus ``predict`` and ``check-serving`` on broken exports.

"Tracebacks" counts unexpected failures: exit status 1 (an internal error, shown as a
traceback with ``--debug``), a signal, or a Python traceback on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import machine
from benchmarks.reliability_cases import (row_file, serving_requests, spec_cases,
                                          tiny_spec)
from benchmarks.results import table, write_section

ROOT = Path(__file__).resolve().parents[1]
SEQKERAS = [sys.executable, "-m", "seqkeras.cli"]


class Tally:
    def __init__(self, name: str, unit: str):
        self.name, self.unit = name, unit
        self.tried = self.clean = self.lost = self.hung = self.tracebacks = 0
        self.notes: list[str] = []

    def add(self, clean: bool, lost: int = 0, hung: bool = False, traceback: bool = False,
            note: str | None = None):
        self.tried += 1
        self.clean += bool(clean and not lost and not hung and not traceback)
        self.lost += lost
        self.hung += bool(hung)
        self.tracebacks += bool(traceback)
        if note and len(self.notes) < 8:
            self.notes.append(note)

    def row(self, extra: str = "") -> list:
        return [self.name, f"{self.tried} {self.unit}", self.clean, self.lost, self.hung,
                self.tracebacks, extra]


def cli(args: list[str], cwd: Path, timeout: float, env: dict | None = None):
    """(exit status or None when it hung, stdout, stderr) of one seqkeras command."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    try:
        p = subprocess.run(SEQKERAS + args, cwd=cwd, env=env, capture_output=True,
                           timeout=timeout, errors="backslashreplace", text=True)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as exc:
        return None, exc.stdout or "", exc.stderr or ""


def unexpected(code, err: str) -> bool:
    return code not in (0, 2, None) or "Traceback (most recent call last)" in err


def finite_exports(models: Path) -> tuple[int, int]:
    """(versions, versions with NaN or infinite weights) under ``models``."""
    import numpy as np
    import tensorflow as tf

    total = bad = 0
    for index in models.glob("*/[0-9]*/variables/variables.index"):
        total += 1
        reader = tf.train.load_checkpoint(str(index.with_suffix("")))
        for name in reader.get_variable_to_shape_map():
            value = np.asarray(reader.get_tensor(name))
            if value.dtype.kind == "f" and not np.isfinite(value).all():
                bad += 1
                break
    return total, bad


def running_runs(project: Path) -> int:
    db = project / "mlruns" / "mlflow.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return con.execute("SELECT COUNT(*) FROM runs WHERE status = 'RUNNING'").fetchone()[0]


def store_broken(project: Path) -> bool:
    db = project / "mlruns" / "mlflow.db"
    with sqlite3.connect(db) as con:
        return bool(con.execute("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE "
                                "'\\_alembic\\_tmp\\_%' ESCAPE '\\'").fetchone()[0])


def new_project(base: Path, name: str, spec: str = "") -> Path:
    project = base / name
    (project / "pipelines").mkdir(parents=True)
    (project / "pipelines" / "tiny.yaml").write_text(spec or tiny_spec())
    return project


# ------------------------------------------------------------------------ specs
def bench_specs(base: Path, rng: random.Random, n: int, runs: int, exports: dict) -> Tally:
    t = Tally("broken specs (validate; degenerate ones run)", "specs")
    project = new_project(base, "specs")
    for i, case in enumerate(spec_cases(rng, n, runs)):
        path = project / "pipelines" / f"case{i:03d}.yaml"
        path.write_bytes(case.text)
        command = ["validate", str(path)] if case.kind == "validate" else ["run", str(path)]
        code, out, err = cli(command, project, 60 if case.kind == "validate" else 600)
        want = {"error": (2,), "ok": (0,), "any": (0, 2)}[case.expect]
        # validate: nothing but the error (one line per problem); run: logs, then the error
        said = err.startswith("seqkeras: error:") if case.kind == "validate" else any(
            line.startswith("seqkeras: error:") for line in err.splitlines())
        one_clean = code in want and (code == 0 or said)
        t.add(one_clean, hung=code is None, traceback=unexpected(code, err),
              note=None if one_clean else f"{case.name}: exit {code} {err.strip()[-200:]}")
    exports["specs"] = finite_exports(project / "models")
    return t


# ------------------------------------------------------------------------- rows
def _ingest_one(rf, folder: Path, index: int) -> tuple[bool, int, bool, str]:
    """(clean, rows lost, unexpected, note) for one file through the real ingest stage."""
    import logging

    from seqkeras.errors import SeqkerasError
    from seqkeras.spec import PipelineSpec
    from seqkeras.stages import StageContext
    from seqkeras.stages.ingest import ingest_records
    from seqkeras.tracking import Tracker

    spec = PipelineSpec.model_validate({"name": f"rows{index}", "data": {
        "sources": [rf.source], "split": {"val": 0.1, "test": 0.1}}})
    out = folder / f"out{index:03d}"
    out.mkdir()
    ctx = StageContext(spec=spec, spec_path=folder / "x.yaml", workdir=folder, out=out,
                       tracker=Tracker(False), log=logging.getLogger("reliability"))
    try:
        ingest_records(ctx)
    except SeqkerasError as exc:
        ok = rf.error is not None and rf.error in str(exc)
        return ok, 0, False, None if ok else f"{rf.path.name}: {exc}"
    except Exception as exc:  # noqa: BLE001 - counted, not hidden
        return False, rf.good, True, f"{rf.path.name}: {type(exc).__name__}: {exc}"
    stats = json.loads((out / "stats.json").read_text())
    kept = sum(s["records"] for s in stats["splits"].values())
    lost = max(0, rf.good - kept) + max(0, rf.bad - stats["rejected"])
    ok = (rf.error is None and kept == rf.good and stats["rejected"] == rf.bad
          and kept + stats["rejected"] == stats["rows_read"])
    return ok, lost, False, None if ok else (
        f"{rf.path.name} {rf.kinds}: kept {kept}/{rf.good}, rejected "
        f"{stats['rejected']}/{rf.bad}, read {stats['rows_read']}")


def bench_rows(base: Path, rng: random.Random, n: int) -> tuple[Tally, int]:
    t = Tally("data files with bad rows (ingest)", "files")
    folder = base / "rows"
    folder.mkdir()
    previous_root = os.environ.get("SEQKERAS_DATA_ROOT")
    os.environ["SEQKERAS_DATA_ROOT"] = str(folder)
    rows = 0

    def alarm(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    for i in range(n):
        rf = row_file(rng, folder, i)
        rows += rf.good + rf.bad
        signal.alarm(60)
        try:
            ok, lost, crashed, note = _ingest_one(rf, folder, i)
            t.add(ok, lost=lost, traceback=crashed, note=note)
        except TimeoutError:
            t.add(False, hung=True, note=f"{rf.path.name}: over 60 s")
        finally:
            signal.alarm(0)
    if previous_root is None:
        os.environ.pop("SEQKERAS_DATA_ROOT", None)
    else:
        os.environ["SEQKERAS_DATA_ROOT"] = previous_root
    return t, rows


# ------------------------------------------------------------------------ kills
def _outputs_whole(project: Path) -> int:
    """How many outputs a kill damaged: stage folders without a readable record, version
    folders without a model."""
    damaged = 0
    for stage in (project / "data" / "tiny").iterdir():
        if stage.name.startswith("."):
            continue
        try:
            json.loads((stage / "_stage.json").read_text())
        except (OSError, ValueError):
            damaged += 1
    for version in (project / "models" / "tiny").iterdir():
        if version.name.isdigit() and not (
                (version / "saved_model.pb").stat().st_size > 0
                and (version / "variables" / "variables.index").exists()):
            damaged += 1
    return damaged


def bench_kills(base: Path, rng: random.Random, kills: int, exports: dict) -> Tally:
    t = Tally("SIGKILL during train and export", "kills")
    project = new_project(base, "kills", tiny_spec(epochs=3, steps=6))
    code, _, err = cli(["run", "pipelines/tiny.yaml"], project, 600)
    assert code == 0, err[-2000:]
    seconds = {s: json.loads((project / "data/tiny" / s / "_stage.json").read_text())["seconds"]
               for s in ("train", "export")}
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    for k in range(kills):
        stage = ("train", "export")[k % 2]
        proc = subprocess.Popen(SEQKERAS + ["run", "pipelines/tiny.yaml", "--stage", stage,
                                            "--force"], cwd=project, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started = None
        deadline = time.monotonic() + 300
        for line in proc.stderr:  # wait for the stage to start, then kill at random
            if f"stage {stage:<8} running" in line:
                started = time.monotonic()
                break
            if time.monotonic() > deadline:
                break
        delay = rng.uniform(0, seconds[stage] * 1.2)
        time.sleep(delay)
        finished = proc.poll() is not None
        proc.kill()
        proc.wait(timeout=60)
        proc.stderr.close()
        damaged = _outputs_whole(project)
        t.add(started is not None and not damaged, lost=damaged, hung=started is None,
              note=f"kill {k}: {stage} +{delay:.1f}s" + (" (had finished)" if finished else "")
              if damaged or started is None else None)
    code, _, err = cli(["run", "pipelines/tiny.yaml"], project, 600)
    leftovers = [p.name for d in (project / "data/tiny", project / "models/tiny")
                 for p in d.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    check, _, check_err = cli(["check-serving", "models/tiny"], project, 600)
    exports["kills"] = finite_exports(project / "models")
    t.notes.insert(0, f"next run exit {code}; temporary folders left {len(leftovers)}; "
                      f"RUNNING runs left {running_runs(project)}; newest export check-serving "
                      f"exit {check}")
    t.running_left = running_runs(project) + len(leftovers) + (code != 0) + (check != 0)
    return t


# ------------------------------------------------------------------------ races
def bench_races(base: Path, pairs: int) -> tuple[Tally, int]:
    t = Tally("two first runs at once in a new folder", "pairs")
    broken = 0
    template = None
    for i in range(pairs):
        kind = ("different pipelines", "same pipeline", "two exports of one model")[i % 3]
        project = new_project(base, f"race{i}")
        (project / "pipelines" / "other.yaml").write_text(tiny_spec(seed=5))
        if kind == "two exports of one model":
            if template is None:
                template = new_project(base, "race_template")
                code, _, err = cli(["run", "pipelines/tiny.yaml", "--stage", "train",
                                    "--no-track"], template, 600)
                assert code == 0, err[-2000:]
            for d in ("data", "data_b"):
                shutil.copytree(template / "data", project / d)
            commands = [["run", "pipelines/tiny.yaml", "--stage", "export", "--force",
                         "--data-dir", d] for d in ("data", "data_b")]
        else:
            second = "other" if kind == "different pipelines" else "tiny"
            commands = [["run", f"pipelines/{name}.yaml", "--stage", "ingest"]
                        for name in ("tiny", second)]
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
        procs = [subprocess.Popen(SEQKERAS + c, cwd=project, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for c in commands]
        results = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=600)
                results.append((p.returncode, err))
            except subprocess.TimeoutExpired:
                p.kill()
                results.append((None, ""))
        codes = [c for c, _ in results]
        if kind == "same pipeline":
            ok = sorted(codes) in ([0, 0], [0, 2]) and all(
                "is running (pid" in e for c, e in results if c == 2)
        else:
            ok = codes == [0, 0]
        if kind == "two exports of one model":
            versions = sorted(p.name for p in (project / "models" / "tiny").iterdir())
            ok = ok and versions == ["1", "2"]
        after, _, after_err = cli(["run", "pipelines/tiny.yaml", "--stage", "ingest"], project,
                                  300)
        bad_store = after != 0 or store_broken(project)
        broken += bad_store
        t.add(ok and not bad_store, hung=None in codes,
              traceback=any(unexpected(c, e) for c, e in results),
              note=None if ok and not bad_store else f"{kind}: exits {codes}, next run exit "
                                                     f"{after} {after_err.strip()[-150:]}")
    return t, broken


# ---------------------------------------------------------------------- serving
def serving_child(export_dir: str, n: int, seed: int, report: str) -> None:
    """Run ``n`` fuzzed requests through the C API; write counts to ``report``."""
    import numpy as np

    from seqkeras.serving.capi import INVALID_ARGUMENT, CApi, CApiError

    api = CApi()
    api.load_text_ops()
    model = api.load(export_dir)
    vocab = sum(1 for _ in open(Path(export_dir) / "assets" / "vocab.txt", encoding="utf-8"))
    counts = {"tried": 0, "clean": 0, "wrong": []}
    for i, req in enumerate(serving_requests(random.Random(seed), n, vocab)):
        counts["tried"] += 1
        try:
            out = model.run(req.signature, req.inputs)
            batch = len(next(iter(req.inputs.values())))
            score = np.asarray(out["score"], np.float64)
            fine = (req.expect == "answer" and out["label"].shape == (batch,)
                    and np.isfinite(score).all() and ((0 <= score) & (score <= 1)).all()
                    and np.isfinite(out["probabilities"]).all())
            problem = None if fine else f"{req.what}: answered, expected {req.expect}"
        except CApiError as exc:
            name = next(iter(req.inputs))
            fine = (req.expect == "reject" and exc.code == INVALID_ARGUMENT
                    and f"input {name} of signature" in str(exc))
            problem = None if fine else f"{req.what}: {str(exc)[:160]}"
        counts["clean"] += int(bool(fine))
        if problem and len(counts["wrong"]) < 8:
            counts["wrong"].append(problem)
        if i % 500 == 0:
            Path(report).write_text(json.dumps(counts))
    Path(report).write_text(json.dumps(counts))


def bench_serving(base: Path, n: int, seed: int) -> list[Tally]:
    project = new_project(base, "serving")
    code, _, err = cli(["run", "pipelines/tiny.yaml", "--no-track"], project, 600)
    assert code == 0, err[-2000:]
    export = project / "models" / "tiny" / "1"
    t = Tally("serving requests (C++ loader, as TF Serving)", "requests")
    report = base / "serving.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    try:
        p = subprocess.run([sys.executable, "-m", "benchmarks.reliability", "--serving-child",
                            str(export), str(n), str(seed), str(report)], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=max(600, n / 5))
        crashed = p.returncode != 0
    except subprocess.TimeoutExpired:
        p, crashed = None, True
    counts = json.loads(report.read_text()) if report.exists() else {"tried": 0, "clean": 0}
    t.tried, t.clean = counts["tried"], counts["clean"]
    t.hung = int(p is None)
    t.tracebacks = int(crashed and p is not None)
    t.notes = counts.get("wrong", [])
    if t.tried < n:
        t.notes.append(f"the server process stopped after {t.tried} of {n} requests")
    cmd = Tally("predict and check-serving on odd inputs and broken exports", "commands")
    odd = ["Mary", "", " ", "ab\udcff\udcfe", "日本語", "x" * 100_000, "\u202etxet"]
    for text in odd:
        env_args = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
        try:
            q = subprocess.run(SEQKERAS + ["predict", "models/tiny", text], cwd=project,
                               env=env_args, capture_output=True, timeout=300)
            code, err = q.returncode, q.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            code, err = None, ""
        cmd.add(code == 0, hung=code is None, traceback=unexpected(code, err),
                note=None if code == 0 else f"predict {text[:10]!r}: {err[-160:]}")
    breakages = {
        "saved_model.pb": lambda d: (d / "saved_model.pb").write_bytes(b""),
        "variables/": lambda d: shutil.rmtree(d / "variables"),
        "seqkeras_parity.json": lambda d: (d / "assets.extra/seqkeras_parity.json").write_text("{"),
        "tf_serving_warmup_requests": lambda d: (
            d / "assets.extra/tf_serving_warmup_requests").write_bytes(b"\x00" * 20),
        "assets/vocab.txt": lambda d: (d / "assets/vocab.txt").unlink(),
    }
    for name, breaking in breakages.items():
        broken = project / "broken" / name.replace("/", "_") / "1"
        shutil.copytree(export, broken)
        breaking(broken)
        code, _, err = cli(["check-serving", str(broken.parent)], project, 300)
        ok = code == 2 and name in err and err.count("\n") <= 1
        cmd.add(ok, hung=code is None, traceback=unexpected(code, err),
                note=None if ok else f"check-serving {name}: exit {code} {err[-200:]}")
    return [t, cmd]


# ------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--specs", type=int, default=110)
    p.add_argument("--spec-runs", type=int, default=10)
    p.add_argument("--row-files", type=int, default=60)
    p.add_argument("--kills", type=int, default=20, help="half in train, half in export")
    p.add_argument("--pairs", type=int, default=12)
    p.add_argument("--serving", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="small counts; nothing written")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    p.add_argument("--serving-child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serving_child:
        export, n, seed, report = args.serving_child
        serving_child(export, int(n), int(seed), report)
        return 0
    if args.quick:
        args.specs, args.spec_runs, args.row_files = 20, 2, 10
        args.kills, args.pairs, args.serving = 2, 3, 300
    rng = random.Random(args.seed)
    started = time.monotonic()
    exports: dict = {}
    with tempfile.TemporaryDirectory(prefix="seqkeras-reliability-") as tmp:
        base = Path(tmp)
        rows, row_count = bench_rows(base, rng, args.row_files)
        print(rows.row(), flush=True)
        specs = bench_specs(base, rng, args.specs, args.spec_runs, exports)
        print(specs.row(), flush=True)
        races, broken = bench_races(base, args.pairs)
        print(races.row(), flush=True)
        kills = bench_kills(base, rng, args.kills, exports)
        print(kills.row(), flush=True)
        serving = bench_serving(base, args.serving, args.seed)
        for s in serving:
            print(s.row(), flush=True)
    versions = sum(v for v, _ in exports.values())
    nonfinite = sum(b for _, b in exports.values())
    rows_table = [
        rows.row(f"{row_count} rows; kept + rejected = rows read in every file"),
        specs.row(f"{exports['specs'][0]} exports from degenerate specs, "
                  f"{exports['specs'][1]} with non-finite weights"),
        kills.row(f"{kills.notes[0]}"),
        races.row(f"{broken} broken MLflow stores"),
    ] + [s.row() for s in serving]
    body = "\n".join([
        "## Reliability: hostile inputs, kills and races",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python -m benchmarks.reliability` "
        f"(seed {args.seed}, {time.monotonic() - started:.0f} s) on {machine.cpu_model()}, "
        f"{machine.usable_cores()} cores (load {machine.load_average()}); "
        + ", ".join(f"{k} {v}" for k, v in machine.versions().items()) + ".",
        "",
        table(["case", "tried", "handled cleanly", "lost", "hung", "tracebacks", "also checked"],
              rows_table, "lrrrrrl"),
        "",
        f"Totals: {sum(t.lost for t in (rows, specs, kills, races))} rows or outputs lost, "
        f"{sum(t.hung for t in (rows, specs, kills, races, *serving))} hangs, "
        f"{sum(t.tracebacks for t in (rows, specs, kills, races, *serving))} tracebacks, "
        f"{broken} broken stores, {nonfinite} of {versions} exported models non-finite, "
        f"{running_left(kills)} RUNNING runs or leftovers after the kills.",
    ] + [f"- {t.name}: {note}" for t in (rows, specs, kills, races, *serving)
         for note in t.notes[(1 if t is kills else 0):]])
    print(body)
    if not args.quick:
        write_section(args.out, "reliability", body)
    return 0


def running_left(kills: Tally) -> int:
    return getattr(kills, "running_left", 0)


if __name__ == "__main__":
    sys.exit(main())

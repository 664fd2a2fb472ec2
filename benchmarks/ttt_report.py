"""The markdown section of one time-to-target run: measured numbers only."""

from __future__ import annotations

from benchmarks.results import fmt, table


def _seconds(x) -> str:
    return "n/a" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def epoch_seconds(trace) -> list[tuple[float, float]]:
    """(wall s, CPU s) of each epoch on the paused clock, from a side's trace rows
    (wall s, examples, value, where, CPU s) that end an epoch. CPU s steady while wall s
    swings says the machine, not the work, changed."""
    ends = [(row[0], row[4]) for row in trace if str(row[3]).startswith("end of epoch")]
    return [(w - pw, c - pc) for (w, c), (pw, pc) in zip(ends, [(0.0, 0.0)] + ends[:-1])
            if w > pw]


def render(task_name, task, run, results) -> str:
    out = [f"## Time to target: {task_name}", ""]
    if run["quick"]:
        out += ["> **Smoke run (`--quick`)**: a sample of each split and one epoch, to check "
                "that the benchmark works. Not results.", ""]
    peak = (run["peak_start"] + run["peak_end"]) / 2
    gpu = ", ".join(run["gpus"]) if run["gpus"] else "no GPU"
    out += [f"- Date: {run['date']}", f"- Command: `{run['command']}`",
            f"- Machine: {run['cpu']}, {run['cores']} usable cores, {gpu}; load average "
            f"(1/5/15 min) {run['load_start']} at start, {run['load_end']} at end (the cores "
            "are shared: other processes ran during the measurement)",
            "- Software: " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()),
            f"- Target: {task.monitor} {'>=' if task.higher else '<='} {run['target']} "
            f"({task.target_source})",
            f"- float32 matmul peak (2048^3 products, measured in this run): "
            f"{run['peak_start'] / 1e9:.1f} GFLOP/s at start, {run['peak_end'] / 1e9:.1f} at end",
            ""]
    first = None
    rows = []
    for r in results:
        hit = r.time_to(run["target"], task.higher)
        if r is results[0]:
            first = hit
        ratio = f"{hit[0] / first[0]:.2f}×" if hit and first else "n/a"
        cpu_ratio = f"{hit[2] / first[2]:.2f}×" if hit and first else "n/a"
        test = r.test.get(task.test_metric)
        useful = r.training_flops(True) / r.train_s if r.train_s else float("nan")
        executed = r.training_flops(False) / r.train_s if r.train_s else float("nan")
        rows.append([r.name, _seconds(r.prepare_s), _seconds(hit[0]) if hit else "not reached",
                     ratio, _seconds(hit[2]) if hit else "n/a", cpu_ratio,
                     f"{hit[1]:,}" if hit else "n/a", _seconds(r.train_s), r.epochs,
                     fmt(r.best(task.higher)), fmt(test) if test is not None else "n/a",
                     f"{useful / 1e9:.2f} ({100 * useful / peak:.1f}%)",
                     f"{executed / 1e9:.2f} ({100 * executed / peak:.1f}%)",
                     f"{r.real_tokens / r.positions:.0%}" if r.positions else "n/a"])
    out += [table(["side", "prepare s", "time to target s", "vs first side",
                   "CPU s to target", "vs first side (CPU)", "examples to target",
                   "train s (recipe)", "epochs", f"best {task.monitor}",
                   f"test {task.test_metric}", "useful GFLOP/s (% of peak)",
                   "executed GFLOP/s (% of peak)", "real tokens / positions"], rows), ""]
    out += ["Time to target: from the side's start (reading the data, learning the vocabulary, "
            "building the model; importing TensorFlow is common and not counted) to the first "
            f"validation score at the target, validation passes not counted (scored every "
            f"{run['probe']:,} training examples and at every epoch end). *train s (recipe)*: the "
            "whole recipe's fit time without validation"
            + (" (stopped at the target)" if run["stop_at_target"] else "")
            + "; test metric after the recipe (seqkeras: best epoch restored by early stopping). "
            "GFLOP/s: training matmul FLOPs (3 x forward, counted from the weights) per real "
            "token (*useful*) or per padded position the step computed (*executed*), over the "
            "train seconds; % of the matmul peak of this run. *CPU s*: this process's CPU "
            "time (2 cores: up to 2 CPU s a second) on the same paused clock; other "
            "processes' load inflates wall time much more than CPU time.", ""]
    milestones = task.milestones
    if milestones:
        sign = ">=" if task.higher else "<="
        out += [f"Time to each {task.monitor} (wall s, CPU s in brackets; the same paused "
                "clock):", ""]
        rows = []
        for r in results:
            cells = []
            for value in milestones:
                hit = r.time_to(value, task.higher)
                cells.append(f"{_seconds(hit[0])} ({_seconds(hit[2])})" if hit else
                             "not reached")
            rows.append([r.name] + cells)
        out += [table(["side"] + [f"{sign} {v}" for v in milestones], rows), ""]
    if task.recorded:
        out += [f"- Recorded before this run (not measured here): {task.recorded}."]
    for r in results:
        out += [f"- {r.name}: {r.recipe}; prepare {r.prepare_s:.1f} s, validation "
                f"{r.validation_s:.0f} s, test {r.test_s:.0f} s, {r.steps} steps; "
                + "; ".join(r.notes)]
        trace = ", ".join(f"{t[0]:.0f} s {t[2]:.4f}" for t in r.trace)
        out += [f"  - validation trace: {trace}"]
        epochs = epoch_seconds(r.trace)
        if epochs:
            out += ["  - epochs, wall s / CPU s (cores busy): " + ", ".join(
                f"{w:.0f} / {c:.0f} ({c / w:.2f})" for w, c in epochs)]
    return "\n".join(out)

"""The markdown section one benchmark run writes: measured numbers only."""

from __future__ import annotations

from benchmarks.results import table


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def render(spec, prep, run, throughput, notes, export, export_note, latency, metrics,
           record, data, references) -> str:
    out = [f"## {spec.name}", ""]
    if run["quick"]:
        out += [f"> **Smoke run (`--quick`)**: {run['steps']} timed training steps and a "
                "handful of requests, to check that the benchmark works. Not benchmark results: run "
                "`make bench` for those.", ""]
    v = run["versions"]
    gpu = ", ".join(run["gpus"]) if run["gpus"] else "no GPU"
    out += [
        f"- Date: {run['date']}",
        f"- Command: `{run['command']}`",
        f"- Machine: {run['cpu']}, {run['cores']} usable cores (os.cpu_count {run['cpu_count']}), "
        f"{gpu}; load average (1/5/15 min) {run['load_start']} at start, {run['load_end']} at end",
        "- Software: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Pipeline: `{run['pipeline']}` ({spec.topology}); {data.note}",
        "",
    ]

    if throughput:
        m, t = spec.model, spec.train
        arch = (f"{'bidirectional ' if m.bidirectional else ''}{m.cell.upper()} "
                f"{m.layers}×{m.units} units, embedding {m.embedding_dim} (vocab "
                f"{prep.encoder.vocab_size}, mask_zero), dropout {m.dropout}, head dropout "
                f"{m.head_dropout}; batch {t.batch_size}, {t.optimizer} lr {t.learning_rate}, "
                f"max_length {spec.tokenize.max_length}")
        out += ["### Training throughput", "",
                f"Model: {arch}. Per path, one `model.fit` call of {run['warmup']} warm-up + "
                f"{run['steps']} timed steps; the timed window runs from the end of the last "
                f"warm-up step to the end of the last step. Training records fed: "
                f"{run['train_records']} of {run['train_split']}.", ""]
        rows = [[r.name, r.input, f"{r.params:,}", r.steps, f"{r.examples:,}",
                 f"{r.real_tokens:,}", f"{100 * r.padding_share:.1f}%", r.seconds,
                 r.median_step_ms, r.examples_per_s, r.tokens_per_s] for r in throughput]
        plain = [r for r in throughput if r.name == "plain Keras"]
        for a in throughput:
            if plain and a is not plain[0]:
                b = plain[0]
                rows.append([f"**{a.name} / {b.name}**", "", "", "", "", "", "", "", "",
                             f"**{_ratio(a.examples_per_s, b.examples_per_s)}**",
                             f"**{_ratio(a.tokens_per_s, b.tokens_per_s)}**"])
        out += [table(["path", "input", "parameters", "timed steps", "examples", "real tokens",
                       "padding", "seconds", "median step ms", "examples/s",
                       "real tokens/s"], rows, "llrrrrrrrrr"), ""]
        out += ["Real tokens are ids != 0 in the timed batches; padding is the share of "
                "padded cells in the [batch, length] inputs fed to the model. The two paths "
                "see different batches (seqkeras: shuffled and grouped by length; plain: a "
                "seeded sample padded to max_length), so real tokens/s is the fairer figure. "
                "*First pass*: the timed steps fall in the first pass over the seqkeras "
                "tf.data pipeline, so its in-graph tokenization runs alongside training "
                "(epoch 1). *Cached*: the dataset was iterated once before `fit`, so the "
                "timed steps read encoded records from its cache (epochs 2 and later), "
                "like the plain path, whose tokenization ran before timing.", ""]
    notes = [f"{r.name}: {n}" for r in throughput for n in r.notes] + list(notes)
    if notes:
        out += [f"- Note: {n}" for n in notes] + [""]

    out += ["### Export latency", ""]
    if export_note:
        out += [export_note[0].upper() + export_note[1:] + ".", ""]
    elif export is not None:
        info = run.get("export_info", {})
        match = {True: "yes", False: "no"}[run.get("export_matches_spec", False)]
        out += [f"Export `{export}` (version {info.get('version', '?')}, created "
                f"{info.get('created', '?')}; built from the current spec: {match}), loaded "
                f"with `tf.saved_model.load` in this process; requests of distinct real test "
                f"reviews sent one at a time after {run.get('latency_warmup')} warm-up requests "
                f"per case. `from_token_ids` gets ids from the same vocabulary, tokenized "
                f"before timing and padded to the longest review of the request.", ""]
        rows = [[r.signature, r.input, r.batch, r.requests, r.mean_tokens, r.median_ms,
                 r.p90_ms, r.examples_per_s] for r in latency]
        out += [table(["signature", "input", "batch", "requests", "real tokens/request",
                       "median ms", "p90 ms", "reviews/s at median"], rows, "llrrrrrr"), ""]
    else:
        out += ["Not measured (`--no-latency`).", ""]

    out += ["### Quality", ""]
    rows = []
    source = data.train / "metrics.json"
    if metrics and "test_accuracy" in metrics:
        when = f", train stage finished {record['finished']}" if record else ""
        n = int(metrics.get("epochs_run", 0))
        epochs = f", {n} epoch{'s' if n != 1 else ''}" if n else ""
        fresh = {True: "yes", False: "no"}[run.get("train_fresh", False)]
        rows.append([f"seqkeras `{spec.name}`", "test accuracy",
                     f"{metrics['test_accuracy']:.4f}",
                     f"measured: `{source}`{epochs}{when}; up to date with the spec: {fresh}"])
    for name, metric, value in references:
        rows.append([name, metric, f"{value:.3f}", "published reference, not measured here"])
    if not (metrics and "test_accuracy" in metrics):
        out += [f"No test accuracy: `{source}` does not exist (the train stage has not run "
                f"for this data dir).", ""]
    if rows:
        out += [table(["model", "metric", "value", "source"], rows, "llrl"), ""]
    return "\n".join(out)

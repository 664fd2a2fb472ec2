"""Where ``auto`` settings get their values in a run (the rules: ``seqkeras.spec.auto``).

The tokenize stage measures the training split (``measure_and_resolve``) and keeps the
statistics in ``tokenize/resolved.json``; build, tune, train and export read them back
(``resolved_spec``) and apply the same rules over the spec they use (tuned values
first), so every stage and the export see the same numbers. The spec as written (with
``auto``) is what the fingerprints hash: the statistics are a pure function of the
tokenize output, which is already chained into every later fingerprint.

What auto chose is logged once per stage that chooses it (one ``auto:`` line) and as
MLflow params ``resolved.<section>.<key>``.
"""

from __future__ import annotations

from pathlib import Path

from seqkeras.io.atomic import read_json, write_json
from seqkeras.spec.auto import Facts, auto_line, resolve

RESOLVED_FILE = "resolved.json"


def measure_and_resolve(ctx, train_records: list[dict]):
    """The tokenize stage's half: statistics of ``train_records`` and the spec with its
    tokenize sections' ``auto`` resolved; returns (spec, facts, chosen)."""
    from seqkeras.text.statistics import measure

    facts = measure(ctx.spec, train_records)
    spec, chosen = resolve(ctx.spec, facts, which=("tokenize",))
    return spec, facts, chosen


def keep(out: Path, facts: Facts, summary: dict) -> None:
    """Add the vocabulary sizes the tokenize ``summary`` reports to ``facts`` and write
    them into the tokenize output ``out``."""
    sizes = {"tokenize": summary.get("vocab_size", summary.get("source_vocab_size")),
             "target_tokenize": summary.get("target_vocab_size")}
    for section, text in facts.text.items():
        if sizes.get(section) is not None:
            text.vocab_size = int(sizes[section])
    write_json(out / RESOLVED_FILE, facts.to_json())


def load_facts(tokenize_dir: Path) -> Facts:
    """The statistics the tokenize stage kept (none for an output made before auto)."""
    path = Path(tokenize_dir) / RESOLVED_FILE
    return Facts.from_json(read_json(path)) if path.exists() else Facts()


def resolved_spec(spec, tokenize_dir: Path):
    """``spec`` (tuned values already applied) with every ``auto`` resolved from the
    statistics in ``tokenize_dir``; returns (spec, chosen)."""
    return resolve(spec, load_facts(tokenize_dir))


def report(ctx, chosen: dict) -> None:
    """Log the ``auto:`` line and the MLflow params ``resolved.<key>``."""
    if not chosen:
        return
    ctx.log.info("%s", auto_line(chosen))
    ctx.tracker.log_params({f"resolved.{key}": value for key, (value, _) in chosen.items()})

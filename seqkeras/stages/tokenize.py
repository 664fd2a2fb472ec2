"""tokenize: learn the vocabulary (and labels) from the training split only.

The first stage that reads the training split, so it is where ``auto`` settings get
their statistics (``seqkeras.stages.auto``): it resolves its own (vocabulary size,
minimum frequency, ``max_length``), logs what it chose, and keeps the statistics in
``resolved.json`` for the later stages.
"""

from __future__ import annotations

from seqkeras.io.atomic import read_jsonl
from seqkeras.stages import auto


def run(ctx) -> dict:
    """Fit the topology's preprocessing on ``ingest/train.jsonl``; log and return its summary."""
    from seqkeras.text.encoder import keep_last_split

    train = read_jsonl(ctx.input("ingest") / "train.jsonl")
    with keep_last_split():  # the statistics and the vocabulary split the texts once
        spec, facts, chosen = auto.measure_and_resolve(ctx, train)
        auto.report(ctx, chosen)
        summary = ctx.topology.fit_preprocessor(spec, train, ctx.out)
    auto.keep(ctx.out, facts, summary)
    ctx.log.info("tokenize: %s", ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                           for k, v in summary.items()))
    ctx.tracker.log_metrics({f"tokenize_{k}": v for k, v in summary.items()})
    for path in sorted(ctx.out.glob("*.txt")) + sorted(ctx.out.glob("*.json")):
        ctx.tracker.log_artifact(path, "tokenize")
    return summary

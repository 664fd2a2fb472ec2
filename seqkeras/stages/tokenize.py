"""tokenize: learn the vocabulary (and labels) from the training split only."""

from __future__ import annotations

from seqkeras.io.atomic import read_jsonl


def run(ctx) -> dict:
    """Fit the topology's preprocessing on ``ingest/train.jsonl``; log and return its summary."""
    train = read_jsonl(ctx.input("ingest") / "train.jsonl")
    summary = ctx.topology.fit_preprocessor(ctx.spec, train, ctx.out)
    ctx.log.info("tokenize: %s", ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                           for k, v in summary.items()))
    ctx.tracker.log_metrics({f"tokenize_{k}": v for k, v in summary.items()})
    for path in sorted(ctx.out.glob("*.txt")) + sorted(ctx.out.glob("*.json")):
        ctx.tracker.log_artifact(path, "tokenize")
    return summary

"""ingest: sources -> normalized train/val/test records, statistics and rejects.

The topology reads (``Topology.ingest`` returns an :class:`~seqkeras.ingest.result.
IngestResult`: text records by default, chorales or a time series for the topologies
with other data); this stage alone writes what was read into its folder and logs it,
the same way for every topology:

* ``train.jsonl``, ``val.jsonl``, ``test.jsonl``: one record a line;
* ``rejects.jsonl``: every malformed row with where it was and why (nothing is dropped
  silently) and ``stats.json``: counts, reject reasons, distributions;
* the topology's plots (``lengths.png``, ``series.png``);
* the metrics and those files to MLflow.
"""

from __future__ import annotations

from seqkeras.constants import SPLITS
from seqkeras.ingest.result import REJECTS_FILE, SPLIT_FILE, STATS_FILE, IngestResult
from seqkeras.io.atomic import write_json, write_jsonl


def write(result: IngestResult, out) -> list[str]:
    """Write ``result`` into the folder ``out``: the split files, rejects, statistics and
    plots. Returns the names of the files to track (statistics, plots, rejects)."""
    for split in SPLITS:
        write_jsonl(out / SPLIT_FILE.format(split=split), result.records[split])
    write_jsonl(out / REJECTS_FILE, result.rejects)
    write_json(out / STATS_FILE, result.stats)
    for name, draw in result.plots.items():
        draw(out / name)
    return [STATS_FILE, *result.plots, REJECTS_FILE]


def run(ctx) -> dict:
    """Read with the pipeline's topology, write and log the result; its summary."""
    result = ctx.topology.ingest(ctx.spec, ctx.log)
    tracked = write(result, ctx.out)
    reasons = sorted(result.stats.get("reject_reasons", {}).items(), key=lambda kv: -kv[1])
    if result.rejects:
        ctx.log.warning("ingest: %d %s rejected (%s); details in %s", len(result.rejects),
                        result.rejected_what, ", ".join(f"{n} {r}" for r, n in reasons[:3]),
                        ctx.workdir / "ingest" / REJECTS_FILE)
    ctx.log.info("ingest: %s", result.split_line)
    ctx.tracker.log_metrics(result.metrics)
    if result.tags:
        ctx.tracker.set_tags(result.tags)
    for name in tracked:
        ctx.tracker.log_artifact(ctx.out / name, "ingest")
    return result.summary

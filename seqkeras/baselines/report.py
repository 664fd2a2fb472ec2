"""Running a topology's baseline in the train stage and reporting the verdict.

The baseline runs after the model is evaluated, on the same splits; it never fails the
run (a failing baseline is a WARNING and the tag says so). Its figures are logged to
MLflow beside the model's, written to ``baseline.json``, and a model that loses to any
of them ends the stage with one WARNING line and ``quality.below_baseline=true``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from seqkeras.baselines.compare import compare, summary_text, warning_line

log = logging.getLogger("seqkeras")
BASELINE_FILE = "baseline.json"


def run_baseline(topology, spec, prep, splits: tuple, metrics: dict, out_dir: Path,
                 tracker) -> dict:
    """Fit and score ``topology``'s baseline on ``splits`` (train, val, test records),
    compare with the model's ``metrics`` (``test_<metric>``), log everything to
    ``tracker`` and ``out_dir/baseline.json``. Returns the metrics to add to the run's
    (``baseline_test_<m>``, ``skill_<m>``, ``below_baseline``, ...) and, under
    ``baseline_warning``, the WARNING text when the model loses."""
    from seqkeras.io.atomic import write_json

    started = time.monotonic()
    try:
        result = topology.baseline(spec, prep, *splits, out_dir)
    except Exception as exc:  # the model is trained: a broken baseline must not lose it
        log.warning("WARNING: train: the baseline failed (%s: %s); the model is not "
                    "compared", type(exc).__name__, exc)
        tracker.set_tags({"quality.baseline": f"the baseline failed: {exc}"})
        return {}
    logged, comparisons = compare(metrics, result)
    if result is None:
        return {}
    logged["baseline_seconds"] = time.monotonic() - started
    text = warning_line(comparisons)
    write_json(out_dir / BASELINE_FILE, {
        "description": result.description, "below_baseline": bool(text),
        "scores": [{"metric": c.score.metric, "name": c.score.name, "prefix": c.score.prefix,
                    "baseline": c.score.value, "model": c.model, "skill": c.skill,
                    "loses": c.loses} for c in comparisons],
        "metrics": logged})
    tracker.log_metrics(logged)
    tracker.set_tags({"quality.below_baseline": "true" if text else "false",
                      "quality.baseline": summary_text(comparisons)[:4900]})
    for c in comparisons:
        log.info("baseline: %s%s", "BELOW: " if c.loses else "", c.text())
    # the stage logs the WARNING itself, as its last line
    return dict(logged, baseline_warning=text) if text else logged

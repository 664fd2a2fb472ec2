"""The baseline of classifying measurement sequences (``input.kind`` numeric or audio):
logistic regression on per-channel summary statistics of the same frames the model reads.

The frames come from the pipeline's own encoder (``seqkeras.measurements.dataset``:
standardized numeric channels, or the log-mel / MFCC features of a recording), without
augmentation, so the baseline and the model start from identical inputs and differ only
in what they learn from them: the recurrent network the order of the frames, the linear
model their mean, spread, range, ends and mean absolute step
(``seqkeras.baselines.numeric``). Test labels never seen in training count as errors.
"""

from __future__ import annotations

import numpy as np

from seqkeras.baselines import BaselineResult
from seqkeras.baselines.caps import capped
from seqkeras.baselines.numeric import summary_statistics, summary_statistics_baseline


def frame_statistics(prep, records: list[dict]) -> np.ndarray:
    """float64 ``[N, 7 x F]``: :func:`summary_statistics` of each record's unpadded
    frames ``[T, F]`` as ``prep`` (a MeasurementPrep) encodes them."""
    from seqkeras.measurements.dataset import examples

    rows = [summary_statistics(x["features"][:int(x["lengths"])])
            for x in examples(prep, records, training=False).as_numpy_iterator()]
    return np.stack(rows) if rows else np.zeros((0, 0))


def frame_baseline(spec, prep, labels: list[str], majority: BaselineResult,
                   train, val, test) -> BaselineResult:
    """The majority-class scores of ``majority`` plus a logistic regression on
    :func:`frame_statistics` (C chosen on val), on at most ``baseline.max_train_records``
    / ``max_val_records`` seeded samples. ``prep``: the MeasurementPrep; ``labels``:
    the training labels in class-id order."""
    from seqkeras.topologies.many_to_one.baseline import scored_ids

    b = spec.baseline
    index = {x: i for i, x in enumerate(labels)}
    train = capped([r for r in train if r.get("label") in index], b.max_train_records,
                   spec.seed)
    val = capped([r for r in val if r.get("label") in index], b.max_val_records, spec.seed)
    y_test, _ = scored_ids(labels, test)
    result = summary_statistics_baseline(
        (frame_statistics(prep, train), np.array([index[r["label"]] for r in train])),
        (frame_statistics(prep, val), np.array([index[r["label"]] for r in val])),
        (frame_statistics(prep, test), y_test))
    result.scores += majority.scores
    result.metrics["baseline_train_records"] = len(train)
    return result

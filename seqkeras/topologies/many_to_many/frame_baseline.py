"""The baseline of tagging measurement steps (``input.kind: numeric``): a logistic
regression on each step's frame and its neighbours, and the majority tag as a floor.

The steps are the ones the model reads (the pipeline's own encoder, standardized with the
training statistics, no augmentation). Each step becomes its frame with the ``CONTEXT``
frames before and after it (edges repeated), so the linear model sees a short window
where the recurrent one sees the whole past (and future, when bidirectional): the
question the baseline answers is whether that longer memory pays. Scored like the model:
per-step accuracy and segment F1 (a run of one tag is a segment; conlleval), test tags
never seen in training count as errors.
"""

from __future__ import annotations

import collections

import numpy as np

from seqkeras.baselines import BaselineResult, BaselineScore
from seqkeras.baselines.caps import capped
from seqkeras.baselines.linear import logistic_regression
from seqkeras.topologies.many_to_many.metrics import entity_report

#: Frames on each side of a step that its features include.
CONTEXT = 2
#: Training steps the regression fits at most (a seeded sample above it).
MAX_TRAIN_STEPS = 200_000
HINT = "more epochs or units, model.bidirectional true, or model.frame_stack to see further"


def windowed(frames: np.ndarray, context: int = CONTEXT) -> np.ndarray:
    """float ``[T, (2 context + 1) F]``: each step's frame beside the ``context`` frames
    before and after it, the first and last frame repeated past the edges."""
    padded = np.pad(frames, ((context, context), (0, 0)), mode="edge")
    return np.concatenate([padded[i:i + len(frames)] for i in range(2 * context + 1)], axis=1)


def step_rows(prep, records: list[dict]) -> list[tuple[np.ndarray, list[str]]]:
    """Per record: (windowed frames ``[T, (2 CONTEXT + 1) F]``, its tags ``[T]``), ``T``
    the frames the encoder keeps (``input.max_length``, cut at the end ``input.truncate``
    keeps). ``prep``: the FramePrep."""
    from seqkeras.measurements.dataset import examples

    config, rows = prep.measurements.config, []
    for record, x in zip(records, examples(prep.measurements, records, training=False)
                         .as_numpy_iterator()):
        n = int(x["lengths"])
        tags = record["tags"][-n:] if getattr(config, "truncate", "keep_start") == "keep_end" \
            else record["tags"][:n]
        rows.append((windowed(np.asarray(x["features"][:n], np.float64)), list(tags)))
    return rows


def frame_tagging_baseline(spec, prep, train, val, test) -> BaselineResult:
    """Majority tag always, and the windowed logistic regression (C chosen on val
    per-step accuracy) when ``spec.baseline.enabled``; both scored on ``test``."""
    index = prep.tag_index
    counts = collections.Counter(t for r in train for t in r["tags"])
    majority = counts.most_common(1)[0][0]
    gold = [r["tags"] for r in test]
    floor = entity_report(gold, [[majority] * len(g) for g in gold])
    scores = [BaselineScore("accuracy", floor["token_accuracy"], "max",
                            f"always answering the majority tag {majority!r}", "majority",
                            "more epochs, a higher train.learning_rate, or model.crf",
                            strict=True)]
    if not spec.baseline.enabled:
        return BaselineResult(scores, {}, "majority tag only (baseline.enabled: false)")
    b = spec.baseline
    train_rows = step_rows(prep, capped(train, b.max_train_records, spec.seed))
    val_rows = step_rows(prep, capped(val, b.max_val_records, spec.seed))
    x = np.concatenate([f for f, _ in train_rows])
    y = np.array([index[t] for _, tags in train_rows for t in tags])
    if len(y) > MAX_TRAIN_STEPS:
        keep = np.random.default_rng(spec.seed).choice(len(y), MAX_TRAIN_STEPS, replace=False)
        x, y = x[keep], y[keep]
    mean, std = x.mean(0), x.std(0) + 1e-6
    seen = [(f, [index[t] for t in tags]) for f, tags in val_rows
            if all(t in index for t in tags)]
    x_val = np.concatenate([f for f, _ in seen]) if seen else x[:0]
    y_val = np.array([t for _, tags in seen for t in tags], np.int64)
    model, chosen = logistic_regression((x - mean) / std, y, (x_val - mean) / std, y_val)
    test_rows = step_rows(prep, test)
    predicted = [[prep.tags[i] for i in model.predict((f - mean) / std)] if len(f) else []
                 for f, _ in test_rows]
    report = entity_report([tags for _, tags in test_rows], predicted)
    name = (f"logistic regression on each step and {CONTEXT} neighbours a side "
            f"(C={chosen['C']:g} chosen on val)")
    scores = [BaselineScore("segment_f1", report["f1"], "max", name, hint=HINT),
              BaselineScore("accuracy", report["token_accuracy"], "max", name, hint=HINT)
              ] + scores
    return BaselineResult(scores, {"baseline_val_accuracy": chosen["val_score"],
                                   "baseline_C": chosen["C"], "baseline_train_steps": len(y)},
                          name)

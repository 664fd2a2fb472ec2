"""Small specs and readers the sequence_prediction tests share."""

from __future__ import annotations

import json

import pandas as pd

from seqkeras.spec import PipelineSpec


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def series_spec(path: str, **series) -> PipelineSpec:
    split = series.pop("split", {"val": 0.0, "test": 0.0})
    return PipelineSpec.model_validate({
        "name": "ts", "topology": "sequence_prediction", "seed": 1,
        "data": {"sources": [{"path": path}], "split": split,
                 "series": {"time": "ts", "targets": ["y"], "lookback": 1, "horizon": 1,
                            **series}},
        "model": {"units": 4}, "train": {"batch_size": 4}})


def hourly(n: int, start="2020-01-01 00:00") -> list[str]:
    return [str(t) for t in pd.date_range(start, periods=n, freq="h")]

"""seqkeras.ingest.splits: deterministic hash fractions, split thresholds, sampling."""

from __future__ import annotations

import pytest

from seqkeras.ingest.splits import assign_split, hash_fraction, limit_per_split


def test_hash_fraction_is_deterministic_and_in_unit_interval():
    values = [hash_fraction(7, f"text {i}") for i in range(200)]
    assert all(0 <= v < 1 for v in values)
    assert values == [hash_fraction(7, f"text {i}") for i in range(200)]
    assert len(set(values)) == 200
    assert hash_fraction(7, "same") != hash_fraction(8, "same")


@pytest.mark.parametrize("fraction, split", [
    (0.0, "test"), (0.099, "test"), (0.1, "val"), (0.29, "val"), (0.31, "train"), (0.99, "train"),
])
def test_assign_split_thresholds(fraction, split):
    # test takes [0, test), val takes [test, test + val), train the rest
    assert assign_split(fraction, val=0.2, test=0.1) == split


def test_limit_per_split_samples_by_hash_in_file_order():
    records = {"train": [f"r{i}" for i in range(50)], "val": ["a", "b"], "test": []}
    limit_per_split(records, 10, 3, key=str)
    assert len(records["train"]) == 10 and records["val"] == ["a", "b"]
    kept = [int(r[1:]) for r in records["train"]]
    assert kept == sorted(kept) and kept != list(range(10))  # not the first rows
    again = {"train": [f"r{i}" for i in range(50)], "val": [], "test": []}
    limit_per_split(again, 10, 3, key=str)
    assert again["train"] == records["train"]
    limit_per_split(again, None, 3, key=str)
    assert len(again["train"]) == 10

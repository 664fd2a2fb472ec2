"""``seqkeras predict``'s window CSV reader for forecasters (serving.read_csv_windows):
a cell the served graph cannot take is refused naming the file, column and row."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import SeqkerasError
from seqkeras.topologies.sequence_prediction.serving import read_csv_windows

SIGNATURE = {"y": tf.TensorSpec([None, 3], tf.float32, name="y"),
             "timestamp": tf.TensorSpec([None, 3], tf.int64, name="timestamp")}


def window(tmp_path, ys, stamps):
    path = tmp_path / "w.csv"
    path.write_text("timestamp,y\n" + "".join(f"{t},{y}\n" for t, y in zip(stamps, ys)))
    return str(path)


def test_a_good_window_reads_its_last_lookback_rows(tmp_path):
    path = window(tmp_path, [0, 1, 2, 3], [0, 3600, 7200, 10800])
    inputs = read_csv_windows(SIGNATURE, [path])
    np.testing.assert_array_equal(inputs["y"], [[1, 2, 3]])
    np.testing.assert_array_equal(inputs["timestamp"], [[3600, 7200, 10800]])
    assert inputs["timestamp"].dtype == np.int64


@pytest.mark.parametrize("stamp, message", [
    # each used to be cast to int64 silently: NaN and 1e30 became -2**63, 1.5 became 1
    ("NA", r"w.csv:3: column 'timestamp': missing; .*every step"),
    ("", r"w.csv:3: column 'timestamp': missing"),
    ("1.5", r"w.csv:3: column 'timestamp': '1.5' is not a whole number"),
    ("1e30", r"w.csv:3: column 'timestamp': '1e30' is not a whole number .*int64"),
])
def test_a_timestamp_that_is_not_an_int64_is_refused(tmp_path, stamp, message):
    path = window(tmp_path, [1, 2, 3], [0, stamp, 7200])
    with pytest.raises(SeqkerasError, match=message):
        read_csv_windows(SIGNATURE, [path])


@pytest.mark.parametrize("value, message", [
    # the served graph refuses non-finite numbers; this used to reach it and come back
    # as "the model refused the input: Graph execution error:"
    ("NA", r"w.csv:4: column 'y': missing; the model reads every step of the window"),
    ("inf", r"w.csv:4: column 'y': 'inf' is not a finite float32 number"),
    ("1e39", r"w.csv:4: column 'y': '1e39' is not a finite float32 number"),
])
def test_a_missing_or_infinite_value_is_refused(tmp_path, value, message):
    path = window(tmp_path, [1, 2, value], [0, 3600, 7200])
    with pytest.raises(SeqkerasError, match=message):
        read_csv_windows(SIGNATURE, [path])


@pytest.mark.parametrize("stamps, line", [
    ([7200, 3600, 0, 10800], 4),          # a window written newest first
    ([0, 7200, 3600, 10800], 4),          # unsorted
])
def test_timestamps_out_of_time_order_are_refused(tmp_path, stamps, line):
    # the model reads the oldest step first: a reversed or unsorted window used to be
    # answered as if it were in order (equal times pass: DST's skipped hour)
    path = window(tmp_path, [1, 2, 3, 4], stamps)
    with pytest.raises(SeqkerasError, match=rf"w.csv:{line}: column 'timestamp': .* "
                                            "before the row before it"):
        read_csv_windows(SIGNATURE, [path])

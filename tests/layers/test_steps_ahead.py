"""seqkeras.layers.steps_ahead: the timestamps of the steps forecast, from the last one."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.steps_ahead import StepsAhead
from tests.layers.layer_testing import run_layer_test


def test_last_timestamp_plus_whole_steps():
    seconds = np.array([[1616889600, 1616893200], [0, 86400]], dtype=np.int64)
    out = run_layer_test(StepsAhead, {"horizon": 3, "step_seconds": 3600, "name": "a"},
                         seconds, expected_output_shape=(2, 3), expected_num_weights=0)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[1616896800, 1616900400, 1616904000],
                                        [90000, 93600, 97200]])


def test_checks_its_settings():
    with pytest.raises(ValueError, match="at least 1"):
        StepsAhead(0, 60)

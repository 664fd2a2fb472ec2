"""seqkeras.layers.frame_stack: k frames a step, lengths ceil(n / k), padding never leaks."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from seqkeras.layers.frame_stack import FrameStack


def test_stacks_frames_and_lengths():
    x = np.arange(2 * 5 * 2, dtype="float32").reshape(2, 5, 2)
    out, lengths = FrameStack(2)([x, np.array([5, 3], "int32")])
    out = np.asarray(out)
    assert out.shape == (2, 3, 4) and list(np.asarray(lengths)) == [3, 2]
    np.testing.assert_array_equal(out[0, 0], [0, 1, 2, 3])          # frames 0 and 1
    np.testing.assert_array_equal(out[0, 2], [8, 9, 0, 0])          # frame 4 + zero padding
    np.testing.assert_array_equal(out[1, 1], [14, 15, 0, 0])        # frame 3 is padding: 0
    assert FrameStack(3).compute_output_shape(((None, 7, 2), (None,))) == ((None, 3, 6), (None,))


def test_config_round_trip_and_registered_name():
    layer = FrameStack(4, name="fs")
    stored = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    assert stored["registered_name"] == "seqkeras>FrameStack"
    revived = keras.saving.deserialize_keras_object(stored)
    assert type(revived) is FrameStack and revived.get_config() == layer.get_config()
    assert revived.stack == 4
    with pytest.raises(ValueError, match="at least 1"):
        FrameStack(0)

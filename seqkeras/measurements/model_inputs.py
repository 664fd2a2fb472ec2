"""The model's input layers for measurement frames: features, lengths, mask.

Every measurement model takes ``{"features": float32 [B, T, F], "lengths": int32 [B]}``
(the encoder's outputs), stacks ``model.frame_stack`` frames a step (``FrameStack``),
masks the steps past each length (``LengthMask``: the mask comes from the lengths, not
from zero values) and optionally projects each step (``model.input_units``).
"""

from __future__ import annotations

import keras

from seqkeras.layers.frame_stack import FrameStack
from seqkeras.layers.length_mask import LengthMask

#: The model's input names (the keys of the examples ``measurements.dataset`` yields).
FEATURES, LENGTHS = "features", "lengths"


def frame_inputs(feature_size: int, model_spec):
    """(inputs, x, lengths): the Keras inputs dict ``{"features": [None, None, F],
    "lengths": [None]}``, the masked (stacked, projected) steps ``x`` ``[B, T', D]`` for
    the recurrent stack, and the steps of each row after stacking (int32 ``[B]``)."""
    features = keras.Input(shape=(None, feature_size), dtype="float32", name=FEATURES)
    lengths = keras.Input(shape=(), dtype="int32", name=LENGTHS)
    x, n = features, lengths
    if model_spec.frame_stack > 1:
        x, n = FrameStack(model_spec.frame_stack, name="frame_stack")([x, n])
    x = LengthMask(name="length_mask")([x, n])
    if model_spec.input_units:
        x = keras.layers.Dense(model_spec.input_units, activation="relu",
                               name="input_projection")(x)
    return {FEATURES: features, LENGTHS: lengths}, x, n

"""``FrameStack``: k consecutive frames become one step (a lower frame rate).

Speech front-ends emit a frame every 10 ms; stacking k of them (the "low frame rate"
input of Pundak and Sainath, "Lower Frame Rate Neural Network Acoustic Models",
Interspeech 2016) lets the recurrent layers run k times fewer steps over k times wider
inputs, which is most of the training time on CPUs, and a CTC output every 20-30 ms is
still fine-grained enough for characters.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class FrameStack(keras.layers.Layer):
    """``[x, lengths]`` -> ``[stacked, stacked_lengths]``, ``stack`` frames a step.

    Inputs: ``x`` float ``[batch, steps, features]`` and ``lengths`` int ``[batch]``.
    Outputs: ``stacked`` ``[batch, ceil(steps / stack), stack * features]`` (steps at or
    past a row's length set to 0 first, so padding never leaks into the last real stacked
    step; the steps padded with zeros to a multiple of ``stack``) and
    ``stacked_lengths`` int32 ``[batch]``, ``ceil(lengths / stack)``. Raises ValueError
    for ``stack`` < 1.
    """

    def __init__(self, stack: int, **kwargs):
        super().__init__(**kwargs)
        if stack < 1:
            raise ValueError(f"stack must be at least 1, got {stack}")
        self.stack = stack

    def call(self, inputs):
        x, lengths = inputs
        k = self.stack
        lengths = ops.cast(lengths, "int32")
        positions = ops.cumsum(ops.ones_like(x[:, :, 0], dtype="int32"), axis=1) - 1
        real = positions < ops.expand_dims(lengths, 1)
        x = x * ops.expand_dims(ops.cast(real, x.dtype), -1)
        steps = ops.shape(x)[1]
        padded = (steps + k - 1) // k * k
        x = ops.pad(x, [[0, 0], [0, padded - steps], [0, 0]])
        x = ops.reshape(x, (ops.shape(x)[0], padded // k, k * x.shape[-1]))
        return x, (lengths + k - 1) // k

    def compute_output_shape(self, input_shape):
        x_shape, lengths_shape = input_shape
        steps = None if x_shape[1] is None else -(-x_shape[1] // self.stack)
        return (x_shape[0], steps, x_shape[2] * self.stack), tuple(lengths_shape)

    def get_config(self):
        return {**super().get_config(), "stack": self.stack}

"""``LengthMask``: a Keras mask from explicit sequence lengths.

Measurement frames are floats; Keras' ``Masking`` layer would treat a real frame that
happens to be all zeros (silence after standardization, a sensor at rest) as padding.
The lengths are known exactly (samples decoded, steps read), so the mask comes from
them: the recurrent layers after this one skip padded steps, and padding changes no
output.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class LengthMask(keras.layers.Layer):
    """``[x, lengths]`` -> ``x`` with padded steps set to 0 and a mask.

    Inputs: ``x`` float ``[batch, steps, features]``, ``lengths`` int ``[batch]`` (real
    steps of each row; values past ``steps`` count as ``steps``). Output: ``x`` (same
    shape and dtype) whose steps at or past a row's length are 0, carrying the bool mask
    ``[batch, steps]`` (True = real step) that recurrent layers honour. Raises nothing
    of its own.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _mask(self, x, lengths):
        # positions 0..steps-1 from the data (also while the model is built symbolically,
        # when the number of steps is unknown)
        steps = ops.cumsum(ops.ones_like(x[:, :, 0], dtype="int32"), axis=1) - 1
        return steps < ops.expand_dims(ops.cast(lengths, "int32"), 1)

    def call(self, inputs):
        x, lengths = inputs
        return x * ops.expand_dims(ops.cast(self._mask(x, lengths), x.dtype), -1)

    def compute_mask(self, inputs, mask=None):
        x, lengths = inputs
        return self._mask(x, lengths)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

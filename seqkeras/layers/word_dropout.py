"""Word dropout: unknown-word replacement while training (``model.word_dropout``).

Without pretrained embeddings a tagger sees every test word it does not know as [UNK],
but during training it has seen almost no [UNK]. Replacing random training words by
[UNK] teaches it to tag unknown words from their other features (characters, casing),
as Lample et al. (2016) do for their "singleton" words.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqkeras")
class WordDropout(keras.layers.Layer):
    """While training, replace each real token id by ``unk_id`` with probability ``rate``
    (ids below ``first_regular_id``, padding and the reserved tokens, are left alone), so
    the model learns to tag words it has never seen from their other features.

    Input and output: int ids ``[batch, steps]`` (any integer dtype, kept). At inference
    (``training`` false) or with ``rate <= 0`` the ids pass through unchanged. ``seed``
    seeds Keras' ``SeedGenerator`` (None: unseeded). Raises nothing of its own.
    """

    def __init__(self, rate: float, unk_id: int = 1, first_regular_id: int = 4, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.rate, self.unk_id, self.first_regular_id = float(rate), int(unk_id), int(first_regular_id)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, ids, training=None):
        if not training or self.rate <= 0:
            return ids
        noise = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
        drop = ops.logical_and(noise < self.rate, ids >= self.first_regular_id)
        return ops.where(drop, ops.cast(self.unk_id, ids.dtype), ids)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "unk_id": self.unk_id,
                "first_regular_id": self.first_regular_id, "seed": self.seed}

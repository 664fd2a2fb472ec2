"""A classifier whose branches each also learn the labels alone (deep supervision).

The many-to-one model with an n-gram branch adds two branches' logits (the recurrent
head's and the bag of n-grams') and trains only on the sum. Measured on IMDB
(benchmarks/RESULTS.md, "n-gram branch"): the joint model ends below the bag trained
alone, because each branch only has to fix what the other gets wrong (they co-adapt)
and early stopping restores an epoch before the bag has converged. Giving each branch
its own cross-entropy on its own logits as well (auxiliary losses: Lee et al. 2015,
"Deeply-Supervised Nets", AISTATS; the auxiliary classifiers of Szegedy et al. 2015,
"Going Deeper with Convolutions") makes each branch a classifier on its own, while the
served output stays the joint one.

Keras' compiled losses see only the model's outputs and the targets, so the model
returns the branch logits as extra outputs and ``compute_loss`` (the Keras 3 hook the
train step calls with ``training``) adds their cross-entropies while training; val loss
and the metrics see the joint probabilities alone, so ``val_accuracy`` and the loss
curves mean what they mean without auxiliary losses.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="seqkeras")
class DeeplySupervisedClassifier(keras.Model):
    """A functional classifier ``DeeplySupervisedClassifier(inputs, [probabilities,
    *branch_logits], aux_loss_weights=..., sigmoid=...)``: the first output is the
    prediction (float ``[B, units]`` probabilities: one sigmoid unit, or a softmax over
    the classes), the others are branch logits (float ``[B, units]``, before the
    activation), one for each entry of ``aux_loss_weights``.

    While training the loss is the compiled loss on the probabilities plus, for each
    branch, its weight times its own cross-entropy (binary from logits when ``sigmoid``,
    sparse categorical from logits otherwise; targets as the compiled loss takes them:
    float ``[B, 1]`` or int class ids ``[B]``). Evaluation (``training`` False) and the
    metrics use the probabilities only. ``model(x)`` returns all outputs; readers take
    the first (:func:`prediction`). Raises ValueError when the branch outputs and the
    weights do not pair up, or a weight is negative.
    """

    def __init__(self, *args, aux_loss_weights=(), sigmoid: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        weights = [float(w) for w in aux_loss_weights]
        if len(self.outputs) != 1 + len(weights):
            raise ValueError(f"{len(self.outputs)} outputs need {len(self.outputs) - 1} "
                             f"auxiliary loss weights (one per branch), not {len(weights)}")
        if any(w < 0 for w in weights):
            raise ValueError(f"auxiliary loss weights must be at least 0, not {weights}")
        self.aux_loss_weights, self.sigmoid = weights, bool(sigmoid)
        cls = (keras.losses.BinaryCrossentropy if self.sigmoid
               else keras.losses.SparseCategoricalCrossentropy)
        self.branch_loss = cls(from_logits=True)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        probabilities, *branches = y_pred
        loss = super().compute_loss(x, y, probabilities, sample_weight, training=training)
        if training:
            for weight, logits in zip(self.aux_loss_weights, branches):
                if weight:
                    loss = loss + weight * self.branch_loss(y, logits, sample_weight)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, y, prediction(y_pred), sample_weight)

    def get_config(self):
        return {**super().get_config(), "aux_loss_weights": list(self.aux_loss_weights),
                "sigmoid": self.sigmoid}


def prediction(outputs):
    """The prediction among a model's outputs: the first of a ``DeeplySupervisedClassifier``'s
    list, or the single output of any other model."""
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs

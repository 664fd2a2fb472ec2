"""A linear model over hashed n-grams of token ids: the fastText classifier beside the RNN.

A recurrent classifier trained from scratch on a few thousand (names) or tens of
thousands (IMDB) texts loses to a TF-IDF n-gram logistic regression: the linear model
sees every word and word pair at once with one weight each, while the recurrent stack
must learn to carry that evidence through its state. Joulin et al. 2017, "Bag of Tricks
for Efficient Text Classification" (fastText), show a bag of hashed n-grams with one
embedding a class, averaged, is as accurate as deep models on text classification.
Adding those logits to the recurrent head's logits gives the model the baseline's
evidence from step one; the recurrent stack learns what the bag misses (order beyond
n, negation scope).

The n-grams are computed in the graph from the ``token_ids`` the model already reads
(core TF ops: slicing, integer multiply / add / modulo, gather), so the served
SavedModel takes the same inputs and TF Serving links every op. Unigrams are the ids
themselves (rows ``[0, vocab_size)`` of the table); an n-gram (n >= 2) is hashed with a
polynomial rolling hash of its ids modulo the Mersenne prime 2^31 - 1 into one of
``buckets`` rows after them (the "hashing trick", Weinberger et al. 2009, as fastText
does). Any n-gram that touches padding (id 0) is left out.

With ``nb_weighting`` each row's vector is multiplied, class by class, by a fixed
naive-Bayes log-count ratio learnt from the training split (NBSVM: Wang & Manning 2012,
"Baselines and Bigrams: Simple, Good Sentiment and Topic Classification"):
``r = log((p / |p|_1) / (q / |q|_1))``, ``p`` (``q``) the number of training texts of
(not of) the class holding the n-gram, plus one. The trainable table then learns a
correction to the naive-Bayes evidence; an n-gram both classes use alike has a ratio
near 0 and barely moves, one that separates them moves fast. Wang & Manning count each
n-gram once a text (``binary``). On IMDB (20k training reviews, word 1-2-grams, logistic
regression, C chosen on val) NB weighting took test accuracy from 0.8989 to 0.9125.
"""

from __future__ import annotations

import keras
from keras import ops

#: The hash's modulus (a Mersenne prime) and multiplier; every intermediate value stays
#: below 2^62, inside int64.
_MODULUS = 2**31 - 1
_MULTIPLIER = 1_000_003


@keras.saving.register_keras_serializable(package="seqkeras")
class NgramHash(keras.layers.Layer):
    """``token_ids`` int64 ``[B, T]`` (0 = padding) -> float ``[B, units]``: the mean of
    one learnt ``units``-vector per present n-gram (n = 1..``ngrams``), a linear model's
    logits. An input without tokens gives zeros.

    ``vocab_size``: ids are in ``[0, vocab_size)``. ``ngrams``: the longest n-gram (1:
    unigrams only). ``buckets``: hash rows shared by the n-grams with n >= 2.
    ``units``: the output size (one per logit of the head it is added to).
    ``dropout``: while training, each present n-gram is left out with this probability
    (the mean is over those kept), a regularizer for the large table.
    ``normalize``: ``mean`` (fastText) or ``sqrt`` (the sum over sqrt(count): longer
    texts give larger logits). ``binary``: an n-gram repeated in a text counts once.
    ``nb_weighting``: a non-trainable ``[rows, units]`` table ``nb_ratio`` (ones until
    :meth:`set_nb_ratio` is called with :func:`nb_log_count_ratio` of the training split)
    multiplies each row's learnt vector. ``scale``: the output is multiplied by it. Adam's step on
    a weight is about the learning rate whatever the gradient's size, so a table read
    ``scale`` times over learns ``scale`` times faster than the recurrent stack (fastText
    trains its linear model with SGD at learning rates of 0.1 to 1, a hundred times
    Adam's usual 0.001). The table starts at zero, so the branch adds nothing until it
    learns. Raises ValueError on sizes below 1, a dropout outside [0, 1), a scale not
    above 0 or an unknown ``normalize``.
    """

    def __init__(self, vocab_size: int, ngrams: int = 2, buckets: int = 2**20,
                 units: int = 1, dropout: float = 0.0, normalize: str = "mean",
                 scale: float = 1.0, seed: int | None = None, binary: bool = False,
                 nb_weighting: bool = False, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("vocab_size", vocab_size), ("ngrams", ngrams),
                            ("buckets", buckets), ("units", units)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), not {dropout}")
        if not scale > 0:
            raise ValueError(f"scale must be above 0, not {scale}")
        if normalize not in ("mean", "sqrt"):
            raise ValueError(f"normalize must be 'mean' or 'sqrt', not {normalize!r}")
        self.vocab_size, self.ngrams, self.buckets = vocab_size, ngrams, buckets
        self.units, self.dropout, self.normalize = units, dropout, normalize
        self.scale, self.seed = scale, seed
        self.binary, self.nb_weighting = binary, nb_weighting
        self.seed_generator = keras.random.SeedGenerator(seed) if dropout else None

    def build(self, input_shape):
        self.table = self.add_weight(name="table", shape=(self.num_rows, self.units),
                                     initializer="zeros")
        self.nb_ratio = (self.add_weight(name="nb_ratio", shape=(self.num_rows, self.units),
                                         initializer="ones", trainable=False)
                         if self.nb_weighting else None)

    @property
    def num_rows(self) -> int:
        """Rows of the table: the vocabulary, then the hash buckets (n >= 2)."""
        return self.vocab_size + (self.buckets if self.ngrams > 1 else 0)

    def set_nb_ratio(self, ratio) -> None:
        """Load the naive-Bayes ratios, float ``[rows, units]``. Raises ValueError when
        the layer has no ``nb_weighting`` or the shape differs."""
        if self.nb_ratio is None:
            raise ValueError(f"layer {self.name} was built without nb_weighting")
        if tuple(ratio.shape) != tuple(self.nb_ratio.shape):
            raise ValueError(f"nb ratio of shape {tuple(ratio.shape)}, the layer's table "
                             f"is {tuple(self.nb_ratio.shape)}")
        self.nb_ratio.assign(ops.cast(ratio, self.nb_ratio.dtype))

    def rows(self, token_ids):
        """``(rows [B, P] int64, present [B, P] bool)``: the table row of every n-gram
        position (unigrams first, then each n), and whether it touches no padding."""
        ids = ops.cast(token_ids, "int64")
        rows, present = [ids], [ops.not_equal(ids, 0)]
        length = ops.shape(ids)[1]
        h, ok = ids, present[0]
        for n in range(2, self.ngrams + 1):
            # the hash of ids[t .. t+n-1] from that of ids[t .. t+n-2]; positions past
            # the end read 0 (padding), so their n-gram is absent
            following = ops.pad(ids[:, n - 1:], [[0, 0], [0, n - 1]])[:, :length]
            h = ops.mod(h * _MULTIPLIER + following, _MODULUS)
            ok = ops.logical_and(ok, ops.not_equal(following, 0))
            # the order n is mixed in so an n-gram and an (n+1)-gram do not share rows
            # more than chance says
            rows.append(self.vocab_size + ops.mod(h + n * 7919, self.buckets))
            present.append(ok)
        rows, present = ops.concatenate(rows, axis=1), ops.concatenate(present, axis=1)
        if self.binary:
            present = _first_occurrences(rows, present)
        return rows, present

    def call(self, token_ids, training=False):
        rows, present = self.rows(token_ids)
        weight = ops.cast(present, self.table.dtype)
        if training and self.dropout:
            keep = keras.random.uniform(ops.shape(weight), seed=self.seed_generator)
            weight = weight * ops.cast(keep >= self.dropout, weight.dtype)
        vectors = ops.take(self.table, rows, axis=0)            # [B, P, units]
        if self.nb_ratio is not None:
            vectors = vectors * ops.take(self.nb_ratio, rows, axis=0)
        total = ops.sum(vectors * weight[..., None], axis=1)
        count = ops.sum(weight, axis=1, keepdims=True)
        norm = count if self.normalize == "mean" else ops.sqrt(count)
        return total * (self.scale / ops.maximum(norm, 1.0))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "ngrams": self.ngrams,
                "buckets": self.buckets, "units": self.units, "dropout": self.dropout,
                "normalize": self.normalize, "scale": self.scale, "seed": self.seed,
                "binary": self.binary, "nb_weighting": self.nb_weighting}


def _first_occurrences(rows, present):
    """``present`` with every repeat of a row within a text switched off, bool ``[B, P]``
    (which of the copies stays on is unspecified). Sorting each text's rows puts the
    copies side by side; core TF ops (TopKV2 sorts), so TF Serving runs it."""
    rows = ops.cast(rows, "int32")            # rows < vocab + buckets <= 2^31 - 1
    marked = ops.where(present, rows, -1)     # absent positions sort to the end as -1s
    order = ops.flip(ops.argsort(marked, axis=1), axis=1)   # descending: -1s last
    ranked = ops.take_along_axis(marked, order, axis=1)
    new = ops.concatenate([ops.ones_like(ranked[:, :1], dtype="bool"),
                           ops.not_equal(ranked[:, 1:], ranked[:, :-1])], axis=1)
    keep = ops.logical_and(new, ops.not_equal(ranked, -1))
    # back to the original positions: scatter the kept flags through the permutation
    inverse = ops.argsort(order, axis=1)
    return ops.take_along_axis(keep, inverse, axis=1)


def nb_log_count_ratio(batches, num_rows: int, units: int, alpha: float = 1.0):
    """Naive-Bayes log-count ratios, float32 ``[num_rows, units]`` (Wang & Manning 2012).

    ``batches``: an iterable of ``(rows, present, labels)`` numpy arrays, int ``[N, P]``,
    bool ``[N, P]`` and int ``[N]``: the table rows of training texts' n-grams
    (:meth:`NgramHash.rows`; with ``binary`` a row counts once a text) and their class
    ids. ``units``: 1 (a sigmoid head: class 1 against class 0) or the number of classes
    (each class against the rest). A row's ratio for class c is
    ``log((p / |p|_1) / (q / |q|_1))``, ``p`` (``q``) = ``alpha`` plus the count of the
    row in texts of (not of) class c. Raises ValueError when a label is outside
    ``[0, max(units, 2))``.
    """
    import numpy as np

    classes = max(units, 2)
    counts = np.zeros(num_rows * classes, np.float64)
    for rows, present, labels in batches:
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            raise ValueError(f"labels must be in [0, {classes}), got "
                             f"{labels.min()}..{labels.max()}")
        rows, present = np.asarray(rows, dtype=np.int64), np.asarray(present, dtype=bool)
        text = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)[present]
        counts += np.bincount(rows[present] * classes + labels[text],
                              minlength=num_rows * classes)[:num_rows * classes]
    counts = counts.reshape(num_rows, classes)
    total = counts.sum(axis=1)
    out = np.empty((num_rows, units), np.float32)
    for j, c in enumerate(range(1, 2) if units == 1 else range(classes)):
        p = alpha + counts[:, c]
        q = alpha + (total - counts[:, c])
        out[:, j] = np.log((p / p.sum()) / (q / q.sum()))
    return out

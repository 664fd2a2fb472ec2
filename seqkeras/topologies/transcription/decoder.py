"""CTC decoding inside the graph: greedy (best path) or prefix beam search.

Both are TensorFlow core ops (``CTCGreedyDecoder``, ``CTCBeamSearchDecoder``), so TF
Serving runs them. Greedy decoding takes the most likely class of every frame, merges
repeats and drops blanks (Graves et al. 2006, best path decoding); the beam search keeps
the ``beam_size`` most likely label prefixes, summing the paths that collapse to each
(Graves 2012, "Supervised Sequence Labelling with Recurrent Neural Networks", 7.5).
With a beam of one both pick the same transcript on peaked frame distributions, as
trained CTC models produce (tested).
"""

from __future__ import annotations

import tensorflow as tf


def ctc_decode(logits, lengths, beam_size: int = 1):
    """Decode logits float ``[B, T, C]`` (blank = C - 1) of ``lengths`` int ``[B]`` frames.

    Returns ``(ids, length, log_probability)``: label ids int64 ``[B, L]`` padded with
    -1, their number int32 ``[B]``, and float32 ``[B]`` the log-probability of the
    transcript (beam search: summed over its paths) or of the best path (greedy).
    """
    log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
    time_major = tf.transpose(log_probs, [1, 0, 2])
    n = tf.cast(lengths, tf.int32)
    if beam_size > 1:
        decoded, scores = tf.nn.ctc_beam_search_decoder(time_major, n, beam_width=beam_size,
                                                        top_paths=1)
        score = scores[:, 0]
    else:
        decoded, negative = tf.nn.ctc_greedy_decoder(time_major, n, merge_repeated=True)
        score = -negative[:, 0]
    best = decoded[0]
    batch = tf.shape(logits, out_type=tf.int64)[0]
    shape = tf.stack([batch, tf.maximum(best.dense_shape[1], 0)])
    ids = tf.sparse.to_dense(tf.SparseTensor(best.indices, best.values, shape),
                             default_value=-1)
    return ids, tf.reduce_sum(tf.cast(ids >= 0, tf.int32), axis=1), score

"""Autoregressive decoding of next-token language models: the in-graph loop and its reference.

* ``StepDecoder.generate`` runs the whole loop in-graph (``tf.while_loop``), stepping
  the trained recurrent layers' cells one token at a time and carrying their states;
  this is what the SavedModel serves. The piano-roll frame decoder reuses its stepping.
* ``python_decode`` is the reference: a Python loop that calls the Keras model once per
  step on the full sequence so far (no state carried, no loop in a graph). Tests assert
  that both give the same strings; the benchmark times one against the other.

Both choose tokens with :func:`seqkeras.decoding.sampling.sample_next`. Positions: the
[START] token is position 0, the prefix's characters follow. The token chosen for
position ``p`` uses seed ``(seed, p)``, in both loops.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqkeras.constants import END_ID, PAD_ID
from seqkeras.decoding.sampling import HARD_MAX_LENGTH, sample_next


class StepDecoder:
    """The trained model's layers, stepped one token at a time (weights shared).

    A model without an ``embedding`` layer (piano-roll frames) is stepped on its input
    vectors as they are; ``vocab`` is only needed to turn ids into strings."""

    def __init__(self, model, vocab: list[str] | None = None, top_k: int = 0):
        names = {layer.name for layer in model.layers}
        self.embedding = model.get_layer("embedding") if "embedding" in names else None
        self.condition = model.get_layer("condition_embedding") \
            if "condition_embedding" in names else None
        self.rnns = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
        if not self.rnns:
            raise ValueError("the model has no (unidirectional) recurrent layer to step")
        self.head = model.get_layer("head_hidden") if "head_hidden" in names else None
        self.logits = model.get_layer("logits")
        self.vocab = tf.constant(vocab) if vocab is not None else None
        self.top_k = top_k

    def initial_states(self, batch) -> list:
        states = []
        for layer in self.rnns:
            sizes = layer.cell.state_size
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            states.append([tf.zeros([batch, s], tf.float32) for s in sizes])
        return states

    def step(self, ids, condition_ids, states):
        """One token per row ([B] int64; or [B, D] input vectors for a model without an
        embedding) -> logits [B, V] and the new states."""
        x = self.embedding(ids) if self.embedding is not None else ids
        if self.condition is not None:
            x = tf.concat([x, tf.cast(self.condition(condition_ids), x.dtype)], axis=-1)
        new_states = []
        for layer, state in zip(self.rnns, states):
            x, state = layer.cell.call(x, state, training=False)
            new_states.append(list(state) if isinstance(state, (list, tuple)) else [state])
        if self.head is not None:
            x = self.head(x)
        return self.logits(x), new_states

    def generate(self, inputs, in_lengths, temperature, max_length, seed, condition_ids=None):
        """In-graph loop. ``inputs`` [B, P] int64: [START] + prefix ids, right-padded;
        ``in_lengths`` [B] int32. Returns (generated ids [B, T] with 0 after the end,
        generated lengths [B] int32)."""
        batch = tf.shape(inputs)[0]
        if condition_ids is None:
            condition_ids = tf.zeros([batch], tf.int64)
        max_length = tf.clip_by_value(tf.cast(max_length, tf.int32), 0, HARD_MAX_LENGTH)
        in_lengths = tf.cast(in_lengths, tf.int32)
        width = tf.shape(inputs)[1]
        # the last iteration any row can need: its prefix, then max_length + 1 tokens
        last = tf.reduce_max(tf.concat([in_lengths + max_length, [0]], axis=0))
        states = self.initial_states(batch)
        flat_states = tf.nest.flatten(states)

        def cond(t, token, done, lengths, out, *flat):
            return tf.logical_and(t < last, tf.reduce_any(tf.logical_not(done)))

        def body(t, token, done, lengths, out, *flat):
            st = tf.nest.pack_sequence_as(states, list(flat))
            logits, st = self.step(token, condition_ids, st)
            nxt = t + 1
            sampled = sample_next(logits, temperature, seed, nxt, self.top_k)
            forced_col = tf.gather(inputs, tf.minimum(nxt, width - 1), axis=1)
            in_prefix = nxt < in_lengths
            generating = tf.logical_and(tf.logical_not(in_prefix), tf.logical_not(done))
            emit = tf.logical_and(generating, tf.not_equal(sampled, END_ID))
            out = tf.concat([out, tf.where(emit, sampled, tf.zeros_like(sampled))[:, None]], 1)
            lengths = lengths + tf.cast(emit, tf.int32)
            stop = tf.logical_or(tf.equal(sampled, END_ID), lengths >= max_length)
            done = tf.logical_or(done, tf.logical_and(generating, stop))
            token = tf.where(in_prefix, forced_col, sampled)
            return (nxt, token, done, lengths, out, *tf.nest.flatten(st))

        loop_vars = (tf.constant(0), inputs[:, 0], max_length <= 0,
                     tf.zeros([batch], tf.int32), tf.zeros([batch, 0], tf.int64), *flat_states)
        invariants = (tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape([None]),
                      tf.TensorShape([None]), tf.TensorShape([None, None]),
                      *[tf.TensorShape([None, s.shape[-1]]) for s in flat_states])
        result = tf.while_loop(cond, body, loop_vars, shape_invariants=invariants)
        return result[4], result[3]

    def to_strings(self, ids):
        """[B, T] generated ids (0 = nothing) -> [B] strings."""
        chars = tf.gather(self.vocab, ids)
        chars = tf.where(ids > 0, chars, tf.constant("", tf.string))
        return tf.strings.reduce_join(chars, axis=1)


def python_decode(model, vocab: list[str], inputs: list[list[int]], temperature, max_length,
                  seed, condition_ids=None, top_k: int = 0) -> list[str]:
    """Reference decoder: calls ``model`` on the whole sequence so far once per step and
    keeps only the last position's logits. Returns the generated continuations."""
    batch = len(inputs)
    temperature = np.asarray(temperature, np.float32)
    seed = np.asarray(seed, np.int64)
    max_length = np.clip(np.asarray(max_length, np.int64), 0, HARD_MAX_LENGTH)
    seqs = [list(row) for row in inputs]
    in_len = np.array([len(r) for r in inputs])
    done = max_length <= 0
    generated: list[list[int]] = [[] for _ in range(batch)]
    last = int(max((in_len + max_length).tolist() + [0]))
    cond = None if condition_ids is None else np.asarray(condition_ids, np.int64)
    t = 0
    while t < last and not done.all():
        tokens = np.array([(s + [PAD_ID] * (t + 1))[:t + 1] for s in seqs], np.int64)
        feed = tokens if cond is None else (tokens, np.repeat(cond[:, None], t + 1, axis=1))
        logits = model(feed, training=False)[:, t, :]
        sampled = sample_next(logits, temperature, seed, t + 1, top_k).numpy()
        for i in range(batch):
            if t + 1 < in_len[i]:
                continue  # still reading the prefix
            if done[i]:
                continue
            s = int(sampled[i])
            if s == END_ID:
                done[i] = True
                continue
            generated[i].append(s)
            seqs[i].append(s)
            if len(generated[i]) >= max_length[i]:
                done[i] = True
        t += 1
    return ["".join(vocab[i] for i in g) for g in generated]

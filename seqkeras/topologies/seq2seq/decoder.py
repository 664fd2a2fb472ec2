"""Encoder-decoder decoding: greedy and beam search, in-graph, plus a Python reference.

``Seq2SeqDecoder`` reuses the trained model's layers (weights shared): the encoder runs
once over the whole source, then a ``tf.while_loop`` steps the decoder cell one token at
a time, attending over the encoder's outputs. The loop is what the SavedModel serves,
so one request returns finished translations (and the attention weights that produced
them).

* ``greedy``: the most likely token every step.
* ``beam_search``: ``beam_size`` hypotheses per sentence, scored by summed
  log-probability with GNMT length normalization ``((5 + length) / 6) ** alpha``;
  a finished hypothesis keeps its score and only extends with padding. With a beam of
  one it picks exactly what ``greedy`` picks (tested).
* ``python_greedy``: the reference: a Python loop that calls the whole Keras model on the
  target prefix once per step. Tests check it equals the in-graph loop; the benchmark
  times one against the other.

Never generated: [PAD], [UNK] and [START] (``seqkeras.decoding.sampling.BANNED_IDS``).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqkeras.constants import END_ID, PAD_ID, START_ID
from seqkeras.decoding.sampling import NEG, ban


def _state_list(state):
    return list(state) if isinstance(state, (list, tuple)) else [state]


class Seq2SeqDecoder:
    """The trained encoder-decoder's layers, decoder stepped one token at a time. The
    source is token ids ``[B, S]`` or, for a model over measurement frames, a dict
    ``{"features": [B, T, F], "lengths": [B]}`` (its mask then comes from the lengths,
    after ``frame_stack``)."""

    def __init__(self, model):
        names = {layer.name for layer in model.layers}
        self.frames = "source_ids" not in names
        self.stack = model.get_layer("frame_stack").stack if "frame_stack" in names else 1
        source = ({k: model.get_layer(k).output for k in ("features", "lengths")}
                  if self.frames else model.get_layer("source_ids").output)
        inits = sorted(n for n in names if n.startswith("decoder_init_"))
        # without attention the decoder never reads the encoder's outputs (Keras then
        # leaves "encoder_outputs" out of the model): only the final states matter
        self.attends = "encoder_outputs" in names
        outputs = [model.get_layer(n).output for n in inits]
        if self.attends:
            outputs.insert(0, model.get_layer("encoder_outputs").output)
        self.encoder = keras.Model(source, outputs, name="encoder")
        self.embedding = model.get_layer("target_embedding")
        self.cell = model.get_layer("decoder").cell
        self.attention = model.get_layer("attention") if "attention" in names else None
        self.head_norm = model.get_layer("head_norm") if "head_norm" in names else None
        self.output_hidden = model.get_layer("attention_output")
        self.logits = model.get_layer("logits")

    # ------------------------------------------------------------------ one step
    def source_mask(self, source):
        """bool ``[B, S]``: the real steps of the encoded source."""
        if not self.frames:
            return tf.not_equal(source, PAD_ID)
        k = self.stack
        width = (tf.shape(source["features"])[1] + k - 1) // k
        return tf.sequence_mask((tf.cast(source["lengths"], tf.int32) + k - 1) // k, width)

    def encode(self, source):
        """[B, S] ids (or frames) -> memory dict: values, keys, mask and the decoder's
        first states."""
        outs = self.encoder(source, training=False)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        mask = self.source_mask(source)
        if self.attends:
            values, states = outs[0], outs[1:]
        else:  # nothing to attend to; the zero-width values only carry the source width
            values, states = tf.zeros([tf.shape(mask)[0], tf.shape(mask)[1], 0]), outs
        dtype = self.cell.variable_dtype  # the step's state dtype (see ``step``)
        memory = {"values": values, "mask": mask, "states": [tf.cast(s, dtype) for s in states]}
        memory["keys"] = self.attention.project_keys(values) if self.attention is not None \
            else values[:, :0]
        return memory

    def step(self, token, states, memory):
        """[N] ids -> (logits [N, V], new states, attention weights [N, S])."""
        # ``cell.call`` skips Keras's autocast: a model trained under train.precision
        # mixed_bfloat16 (bfloat16 layers, float32 weights) steps its cell in float32
        # (``encode`` gives the first states in that dtype)
        x = tf.cast(self.embedding(token), self.cell.variable_dtype)
        out, new_states = self.cell.call(x, states, training=False)
        new_states = _state_list(new_states)
        if self.attention is not None:
            context, weights = self.attention.attend(out[:, None, :], memory["keys"],
                                                     memory["values"], memory["mask"])
            hidden = tf.concat([out, tf.cast(context[:, 0], out.dtype)], axis=-1)
            weights = weights[:, 0]
        else:
            hidden = out
            weights = tf.zeros([tf.shape(token)[0], tf.shape(memory["values"])[1]])
        if self.head_norm is not None:
            hidden = self.head_norm(hidden)
        logits = tf.cast(self.logits(self.output_hidden(hidden)), tf.float32)
        return logits, new_states, tf.cast(weights, tf.float32)

    # -------------------------------------------------------------------- greedy
    def greedy(self, source_ids, max_length):
        """-> (ids [B, T] with [END]/padding after the end, lengths [B] int32 without
        [END], attention [B, T, S])."""
        memory = self.encode(source_ids)
        batch, width = tf.shape(memory["mask"])[0], tf.shape(memory["mask"])[1]
        states = memory["states"]

        def cond(t, token, done, out, att, *flat):
            return tf.logical_and(t < max_length, tf.reduce_any(tf.logical_not(done)))

        def body(t, token, done, out, att, *flat):
            logits, st, weights = self.step(token, list(flat), memory)
            nxt = tf.argmax(ban(logits), axis=-1, output_type=tf.int64)
            nxt = tf.where(done, tf.constant(PAD_ID, tf.int64), nxt)
            out = tf.concat([out, nxt[:, None]], axis=1)
            att = tf.concat([att, weights[:, None, :]], axis=1)
            done = tf.logical_or(done, tf.equal(nxt, END_ID))
            return (t + 1, nxt, done, out, att, *st)

        loop = (tf.constant(0), tf.fill([batch], tf.constant(START_ID, tf.int64)),
                tf.zeros([batch], tf.bool), tf.zeros([batch, 0], tf.int64),
                tf.zeros([batch, 0, width], tf.float32), *states)
        invariants = (tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape([None]),
                      tf.TensorShape([None, None]), tf.TensorShape([None, None, None]),
                      *[tf.TensorShape([None, s.shape[-1]]) for s in states])
        result = tf.while_loop(cond, body, loop, shape_invariants=invariants)
        ids, att = result[3], result[4]
        return ids, visible_lengths(ids), att

    # --------------------------------------------------------------- beam search
    def beam_search(self, source_ids, max_length, beam_size: int, alpha: float = 0.6):
        """Same outputs as ``greedy``: the best hypothesis of each sentence's beam."""
        k = int(beam_size)
        memory = self.encode(source_ids)
        batch, width = tf.shape(memory["mask"])[0], tf.shape(memory["mask"])[1]
        tile = lambda x: tf.repeat(x, k, axis=0)  # noqa: E731 - row b's beams are b*k..b*k+k-1
        memory = {"values": tile(memory["values"]), "keys": tile(memory["keys"]),
                  "mask": tile(memory["mask"]), "states": [tile(s) for s in memory["states"]]}
        rows = batch * k
        # only the first beam is alive at the start, so the k beams do not all repeat it
        scores = tf.tile(tf.concat([[0.0], tf.fill([k - 1], NEG)], 0)[None, :], [batch, 1])
        offsets = (tf.range(batch) * k)[:, None]

        def cond(t, token, done, scores, lengths, out, att, *flat):
            return tf.logical_and(t < max_length, tf.reduce_any(tf.logical_not(done)))

        def body(t, token, done, scores, lengths, out, att, *flat):
            logits, st, weights = self.step(token, list(flat), memory)
            logp = tf.nn.log_softmax(ban(logits), axis=-1)
            vocab = tf.shape(logp)[1]
            # a finished hypothesis extends only with padding, at no cost
            pad_only = tf.where(tf.equal(tf.range(vocab), PAD_ID), 0.0, NEG)
            logp = tf.where(done[:, None], pad_only[None, :], logp)
            total = tf.reshape(scores, [-1, 1]) + logp
            top, index = tf.math.top_k(tf.reshape(total, [batch, k * vocab]), k=k)
            parent = tf.reshape(offsets + index // vocab, [-1])
            token = tf.cast(tf.reshape(index % vocab, [-1]), tf.int64)
            was_done = tf.gather(done, parent)
            lengths = tf.gather(lengths, parent) + tf.cast(tf.logical_not(was_done), tf.int32)
            done = tf.logical_or(was_done, tf.equal(token, END_ID))
            out = tf.concat([tf.gather(out, parent), token[:, None]], axis=1)
            att = tf.concat([tf.gather(att, parent), tf.gather(weights, parent)[:, None]], 1)
            st = [tf.gather(s, parent) for s in st]
            return (t + 1, token, done, top, lengths, out, att, *st)

        loop = (tf.constant(0), tf.fill([rows], tf.constant(START_ID, tf.int64)),
                tf.zeros([rows], tf.bool), scores, tf.zeros([rows], tf.int32),
                tf.zeros([rows, 0], tf.int64), tf.zeros([rows, 0, width], tf.float32),
                *memory["states"])
        invariants = (tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape([None]),
                      tf.TensorShape([None, k]), tf.TensorShape([None]),
                      tf.TensorShape([None, None]), tf.TensorShape([None, None, None]),
                      *[tf.TensorShape([None, s.shape[-1]]) for s in memory["states"]])
        result = tf.while_loop(cond, body, loop, shape_invariants=invariants)
        scores, lengths, ids, att = result[3], result[4], result[5], result[6]
        penalty = tf.pow((5.0 + tf.cast(tf.reshape(lengths, [batch, k]), tf.float32)) / 6.0,
                         alpha)
        best = tf.argmax(scores / penalty, axis=1, output_type=tf.int32)
        pick = tf.range(batch) * k + best
        ids = tf.gather(ids, pick)
        return ids, visible_lengths(ids), tf.gather(att, pick)


def visible_lengths(ids):
    """Tokens before [END] (padding excluded), per row."""
    real = tf.logical_and(tf.not_equal(ids, PAD_ID), tf.not_equal(ids, END_ID))
    before_end = tf.equal(tf.cumsum(tf.cast(tf.equal(ids, END_ID), tf.int32), axis=1), 0)
    return tf.reduce_sum(tf.cast(tf.logical_and(real, before_end), tf.int32), axis=1)


def python_greedy(model, source_ids: np.ndarray, max_length: int) -> list[list[int]]:
    """Reference decoder: the whole Keras model called on the target prefix once per
    step; returns each row's ids up to (without) [END]."""
    source_ids = np.asarray(source_ids, np.int64)
    batch = len(source_ids)
    prefix = np.full((batch, 1), START_ID, np.int64)
    done = np.zeros(batch, bool)
    out: list[list[int]] = [[] for _ in range(batch)]
    for _ in range(int(max_length)):
        if done.all():
            break
        logits = model({"source_ids": source_ids, "target_in_ids": prefix}, training=False)
        nxt = tf.argmax(ban(logits[:, -1, :]), axis=-1).numpy()
        for i in range(batch):
            if not done[i]:
                if nxt[i] == END_ID:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
        nxt = np.where(done, PAD_ID, nxt)
        prefix = np.concatenate([prefix, nxt[:, None].astype(np.int64)], axis=1)
    return out

"""Autoregressive sampling of piano-roll frames: one sampling rule, two loops.

* ``sample_frame``: every key of the next frame sounds with probability
  ``sigmoid(logit / temperature)``, drawn with ``tf.random.stateless_uniform`` seeded by
  ``(row seed, step)``, so a row's music depends only on its own inputs, never on the
  batch; temperature 0 is the greedy limit (a key sounds when its probability exceeds
  0.5). At most ``VOICES`` keys sound: the most likely of those drawn are kept (chorales
  have four voices; the served ``pitches`` output has four columns).
* ``FrameDecoder.generate``: the whole loop in-graph (``tf.while_loop``), stepping the
  trained recurrent cells one frame at a time with their states; primer frames (if any)
  are fed as they are before sampling starts. This is what the SavedModel serves.
* ``python_frame_decode``: the reference, a Python loop that calls the Keras model on the
  whole sequence so far once per step. Tests assert both give the same frames.

Step ``t`` (0-based, primer included) is predicted from the all-zero start frame and the
frames before it, and drawn with seed ``(seed, t)`` in both loops.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqkeras.decoding.sampling import HARD_MAX_LENGTH
from seqkeras.decoding.step_decoder import StepDecoder
from seqkeras.topologies.piano_roll.music import KEYS, LOW_PITCH, VOICES, pitches_to_roll


def cap_voices(on, logits, voices: int = VOICES):
    """Keep at most ``voices`` sounding keys per row: the most likely of those drawn."""
    score = tf.where(on, tf.cast(logits, tf.float32), tf.constant(-np.inf, tf.float32))
    top = tf.math.top_k(score, k=voices).indices
    keep = tf.reduce_sum(tf.one_hot(top, tf.shape(logits)[-1], dtype=tf.int32), axis=1) > 0
    return tf.logical_and(on, keep)


def sample_frame(logits, temperature, seed, position):
    """[B, K] logits, [B] temperature, [B] int64 seeds, scalar step -> [B, K] float32 0/1."""
    logits = tf.cast(logits, tf.float32)
    temperature = tf.cast(temperature, tf.float32)
    keys = logits.shape[-1]
    probs = tf.sigmoid(logits / tf.maximum(temperature, 1e-6)[:, None])
    position = tf.cast(position, tf.int64)
    seeds = tf.stack([tf.cast(seed, tf.int64), tf.fill(tf.shape(seed), position)], axis=1)
    uniform = tf.map_fn(lambda s: tf.random.stateless_uniform([keys], seed=s), seeds,
                        fn_output_signature=tf.TensorSpec([keys], tf.float32))
    on = tf.where((temperature > 0)[:, None], uniform < probs, logits > 0)
    return tf.cast(cap_voices(on, logits), tf.float32)


def pitches_to_frames(pitches):
    """[..., V] int MIDI pitches (-1 = silent voice) -> [..., 88] float32 frames."""
    hot = tf.one_hot(tf.cast(pitches, tf.int32) - LOW_PITCH, KEYS, dtype=tf.float32)
    return tf.minimum(tf.reduce_sum(hot, axis=-2), 1.0)


def frames_to_pitches(frames, voices: int = VOICES):
    """[..., 88] frames -> [..., voices] int32 pitches sounding, high to low, -1 = silent."""
    index = tf.range(KEYS, dtype=tf.int32)
    score = tf.where(frames > 0, index, -tf.ones_like(index))
    top = tf.math.top_k(score, k=voices).values
    return tf.where(top >= 0, top + LOW_PITCH, -tf.ones_like(top))


class FrameDecoder:
    """The in-graph sampling loop over a trained frame model's recurrent cells."""

    def __init__(self, model):
        self.stepper = StepDecoder(model)

    def generate(self, steps, temperature, seed, primer=None, primer_length=None):
        """``steps`` [B] frames to sample after the primer (clipped to 0..HARD_MAX_LENGTH),
        ``primer`` [B, W, 88] frames fed first, ``primer_length`` [B] (clipped to W).
        Returns (frames [B, T, 88] float32 with zeros past a row's end, lengths [B] int32:
        primer + sampled frames)."""
        batch = tf.shape(seed)[0]
        steps = tf.clip_by_value(tf.cast(steps, tf.int32), 0, HARD_MAX_LENGTH)
        if primer is None:
            primer = tf.zeros([batch, 0, KEYS], tf.float32)
            primer_length = tf.zeros([batch], tf.int32)
        width = tf.shape(primer)[1]
        primer_length = tf.clip_by_value(tf.cast(primer_length, tf.int32), 0, width)
        lengths = primer_length + steps
        last = tf.reduce_max(tf.concat([lengths, [0]], axis=0))
        # one zero frame past the primer, so that gathering column t never runs out
        padded = tf.concat([tf.cast(primer, tf.float32), tf.zeros([batch, 1, KEYS])], axis=1)
        states = self.stepper.initial_states(batch)

        def cond(t, frame, out, *flat):
            return t < last

        def body(t, frame, out, *flat):
            st = tf.nest.pack_sequence_as(states, list(flat))
            logits, st = self.stepper.step(frame, None, st)
            sampled = sample_frame(logits, temperature, seed, t)
            forced = tf.gather(padded, tf.minimum(t, width), axis=1)
            frame = tf.where((t < primer_length)[:, None], forced, sampled)
            frame = tf.where((t < lengths)[:, None], frame, tf.zeros_like(frame))
            out = tf.concat([out, frame[:, None, :]], axis=1)
            return (t + 1, frame, out, *tf.nest.flatten(st))

        flat_states = tf.nest.flatten(states)
        loop_vars = (tf.constant(0), tf.zeros([batch, KEYS]), tf.zeros([batch, 0, KEYS]),
                     *flat_states)
        invariants = (tf.TensorShape([]), tf.TensorShape([None, KEYS]),
                      tf.TensorShape([None, None, KEYS]),
                      *[tf.TensorShape([None, s.shape[-1]]) for s in flat_states])
        result = tf.while_loop(cond, body, loop_vars, shape_invariants=invariants)
        return result[2], lengths


def python_frame_decode(model, steps, temperature, seed, primer=None, primer_length=None):
    """Reference loop: the Keras model on the whole sequence so far, once per step.
    ``primer`` [B, W, V] int pitches (-1 = silent voice). Returns (frames [B, T, 88], lengths)."""
    seed = np.asarray(seed, np.int64)
    temperature = np.asarray(temperature, np.float32)
    batch = len(seed)
    steps = np.clip(np.asarray(steps, np.int64), 0, HARD_MAX_LENGTH)
    if primer is None:
        roll = np.zeros((batch, 0, KEYS), np.float32)
        primer_length = np.zeros(batch, np.int64)
    else:
        roll = pitches_to_roll(np.asarray(primer))
    primer_length = np.clip(np.asarray(primer_length, np.int64), 0, roll.shape[1])
    lengths = primer_length + steps
    last = int(max(lengths.tolist() + [0]))
    frames = np.zeros((batch, last, KEYS), np.float32)
    for t in range(last):
        x = np.concatenate([np.zeros((batch, 1, KEYS), np.float32), frames[:, :t]], axis=1)
        logits = model(x, training=False)[:, t, :]
        sampled = sample_frame(logits, temperature, seed, t).numpy()
        for b in range(batch):
            if t < primer_length[b]:
                frames[b, t] = roll[b, t]
            elif t < lengths[b]:
                frames[b, t] = sampled[b]
    return frames, lengths.astype(np.int32)

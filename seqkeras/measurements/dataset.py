"""Measurement records -> tf.data examples ``{"features": [T, F], "lengths": []}``.

Raw values first (:func:`raw_dataset`): numeric records' sequences, or recordings built
from the stored references. Every distinct recording is read and decoded once with
``tf.audio.decode_wav`` (the op the export runs on served WAV bytes) into one ragged
tensor (:class:`RecordingBank`); a record is a list of recordings with silences before,
between and after them (``gaps``, in samples; none for a single recording), joined
in-graph, so a dataset of composed sequences costs no more memory than its recordings.
Then the same encoder the export uses turns each example into features
(:func:`examples`), with training-time augmentation when asked.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqkeras.audio.augment import augments, shift_and_noise, spec_augment
from seqkeras.io.wav_files import read_ref


def _ref_key(ref: dict) -> tuple:
    return ref["path"], ref.get("member")


class RecordingBank:
    """The distinct recordings of some records, decoded as the export decodes them:
    ``values`` float32 ragged ``[recordings, (samples)]``; ``index``: (path, member) ->
    row. Raises DataError when a stored recording can no longer be read."""

    def __init__(self, records: list[dict]):
        self.index: dict[tuple, int] = {}
        waves, archives = [], {}
        try:
            for record in records:
                for ref in record["audio"]:
                    key = _ref_key(ref)
                    if key not in self.index:
                        self.index[key] = len(waves)
                        audio, _ = tf.audio.decode_wav(read_ref(ref, archives))
                        waves.append(audio[:, 0].numpy())
        finally:
            for archive in archives.values():
                archive.close()
        lengths = np.array([len(w) for w in waves], np.int64)
        flat = np.concatenate(waves) if waves else np.zeros(0, np.float32)
        self.values = tf.RaggedTensor.from_row_lengths(tf.constant(flat, tf.float32),
                                                       tf.constant(lengths))

    def parts(self, records: list[dict]):
        """Per record, as flat arrays with row splits: the bank rows of its recordings
        and its gaps (len(recordings) + 1 silences in samples)."""
        ids, gaps, id_splits, gap_splits = [], [], [0], [0]
        for record in records:
            refs = record["audio"]
            ids += [self.index[_ref_key(r)] for r in refs]
            gaps += record.get("gaps") or [0] * (len(refs) + 1)
            id_splits.append(len(ids))
            gap_splits.append(len(gaps))
        return (tf.constant(ids, tf.int64), tf.constant(id_splits, tf.int64),
                tf.constant(gaps, tf.int32), tf.constant(gap_splits, tf.int64))


def raw_dataset(records: list[dict], width: int | None = None) -> tf.data.Dataset:
    """Unbatched ``(raw, length)`` per record, in order: float32 ``[T, F]`` sequences
    and their steps, or float32 ``[N]`` waveforms and their samples (int32 lengths)."""
    if records and "audio" in records[0]:
        return _waveforms(records)
    width = width or (len(records[0]["sequence"][0]) if records else 1)
    steps = np.array([len(r["sequence"]) for r in records], np.int64)
    flat = np.array([s for r in records for s in r["sequence"]], np.float32).reshape(-1, width)
    splits = tf.constant(np.concatenate([[0], np.cumsum(steps)]), tf.int64)
    flat = tf.constant(flat)

    def row(i):
        x = flat[splits[i]:splits[i + 1]]
        return x, tf.shape(x)[0]
    return tf.data.Dataset.range(len(records)).map(row)


def _waveforms(records: list[dict]) -> tf.data.Dataset:
    bank = RecordingBank(records)
    ids, id_splits, gaps, gap_splits = bank.parts(records)
    values = bank.values

    def waveform(i):
        own_gaps = gaps[gap_splits[i]:gap_splits[i + 1]]
        pieces = tf.gather(values, ids[id_splits[i]:id_splits[i + 1]])
        before = own_gaps[:-1]
        silences = tf.RaggedTensor.from_row_lengths(tf.zeros([tf.reduce_sum(before)]),
                                                    tf.cast(before, tf.int64))
        joined = tf.concat([silences, pieces], axis=1).flat_values
        wave = tf.concat([joined, tf.zeros([own_gaps[-1]])], 0)
        return wave, tf.shape(wave)[0]
    return tf.data.Dataset.range(len(records)).map(waveform,
                                                   num_parallel_calls=tf.data.AUTOTUNE)


def examples(prep, records: list[dict], training: bool) -> tf.data.Dataset:
    """Unbatched ``{"features": float32 [T, F], "lengths": int32 []}`` per record, in
    order, encoded by ``prep`` (a MeasurementPrep); training examples are augmented
    (``input.augment``) when ``training``, else the dataset is cached."""
    config = prep.config
    augment = getattr(config, "augment", None) if training else None
    augment = augment if augment is not None and augments(augment) else None
    raw = raw_dataset(records, prep.width)

    def encode(x, n):
        if augment is not None and config.kind == "audio":
            x = shift_and_noise(x, augment, config.sample_rate)
            n = tf.shape(x)[0]
        features, lengths = prep.encode(x[None], n[None])
        features, length = features[0], lengths[0]
        if augment is not None and config.kind == "audio":
            features = spec_augment(features, length, augment)
        return {"features": features, "lengths": length}

    ds = raw.map(encode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds if augment is not None else ds.cache()

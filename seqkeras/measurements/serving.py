"""Served signatures of measurement inputs, and what ``seqkeras predict`` sends them.

Audio (``input.kind: audio``)
    ``serving_default``: ``audio`` string ``[None]``, whole WAV files (over REST, each as
    ``{"b64": "<base64 of the file>"}``), decoded in-graph (16-bit PCM mono at the
    pipeline's sample rate, else the request fails naming why), cut to
    ``input.max_seconds``. ``from_samples``: ``samples`` float32 ``[None, None]`` in
    [-1, 1) at the sample rate and ``lengths`` int64 ``[None]`` (samples past a row's
    length are ignored).

Numeric (``input.kind: numeric``)
    ``serving_default``: ``features`` float32 ``[None, None, F]``, raw values; every row
    is that long (a REST request's instances all have one shape anyway).
    ``from_padded``: ``features`` plus ``lengths`` int64 ``[None]``, for a batch of
    different lengths padded to the longest: padding is ambiguous without lengths.

Either way the graph encodes as the training pipeline did and hands ``(features,
lengths)`` to the topology's ``answer`` function.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqkeras.audio.wav import read_pcm16, write_wav
from seqkeras.errors import SeqkerasError
from seqkeras.io.wav_files import read_ref

AUDIO, SAMPLES, LENGTHS, FEATURES = "audio", "samples", "lengths", "features"


def serving_endpoints(prep, answer) -> dict:
    """name -> (fn, input signature) for a MeasurementPrep; ``answer(features, lengths)``
    returns the topology's outputs."""
    if prep.kind == "audio":
        front = prep.encoder

        def serve_audio(audio):
            return answer(*prep.encode(*front.decode(audio)))

        def serve_samples(samples, lengths):
            samples = samples[:, :front.max_samples]
            n = tf.cast(tf.clip_by_value(lengths, 0, tf.cast(tf.shape(samples)[1], tf.int64)),
                        tf.int32)
            samples = samples * tf.cast(tf.sequence_mask(n, tf.shape(samples)[1]), tf.float32)
            return answer(*prep.encode(samples, n))

        return {"serving_default": (serve_audio, [tf.TensorSpec([None], tf.string, name=AUDIO)]),
                "from_samples": (serve_samples, [
                    tf.TensorSpec([None, None], tf.float32, name=SAMPLES),
                    tf.TensorSpec([None], tf.int64, name=LENGTHS)])}
    width = prep.width

    def serve(features):
        n = tf.fill([tf.shape(features)[0]], tf.shape(features)[1])
        return answer(*prep.encode(features, n))

    def serve_padded(features, lengths):
        return answer(*prep.encode(features, tf.cast(lengths, tf.int32)))

    return {"serving_default": (serve, [tf.TensorSpec([None, None, width], tf.float32,
                                                      name=FEATURES)]),
            "from_padded": (serve_padded, [
                tf.TensorSpec([None, None, width], tf.float32, name=FEATURES),
                tf.TensorSpec([None], tf.int64, name=LENGTHS)])}


def wav_bytes(record: dict) -> bytes:
    """The WAV file a client would send for an audio record: the stored file itself, or
    its recordings joined with their silences (16-bit samples copied exactly, so the
    served graph decodes what training read)."""
    refs, gaps = record["audio"], record.get("gaps")
    if len(refs) == 1 and not any(gaps or ()):
        return read_ref(refs[0])
    import wave
    import io

    first = read_ref(refs[0])
    with wave.open(io.BytesIO(first)) as w:
        rate = w.getframerate()
    gaps = gaps or [0] * (len(refs) + 1)
    pieces = []
    for gap, ref in zip(gaps, refs):
        pieces += [np.zeros(gap, np.int16), read_pcm16(read_ref(ref))]
    pieces.append(np.zeros(gaps[-1], np.int16))
    return write_wav(np.concatenate(pieces), rate)


def example_inputs(records: list[dict], n: int) -> dict:
    """Serving inputs of the first ``n`` records: WAV bytes (``audio``), or ``features``
    of the records as long as the first one (``serving_default`` takes rows of one
    length)."""
    if not records:
        raise SeqkerasError("no records to build example requests from")
    if "audio" in records[0]:
        return {AUDIO: np.array([wav_bytes(r) for r in records[:max(n, 1)]], dtype=object)}
    steps = len(records[0]["sequence"])
    same = [r["sequence"] for r in records if len(r["sequence"]) == steps][:max(n, 1)]
    return {FEATURES: np.array(same, dtype=np.float32)}


def read_predict_file(path: str, signature_inputs: dict):
    """One ``seqkeras predict`` argument: a WAV file's bytes (audio signature), or a
    CSV (header row, one row a step, F numeric columns) / ``.npy`` ``[T, F]`` array as
    float32. Raises SeqkerasError for a missing or unusable file."""
    file = Path(path)
    if not file.is_file():
        raise SeqkerasError(f"{path}: no such file (give WAV files for an audio model, "
                            "CSV files for a numeric one)")
    if AUDIO in signature_inputs:
        return file.read_bytes()
    width = signature_inputs[FEATURES].shape[-1]
    if file.suffix.lower() == ".npy":
        x = np.load(file, allow_pickle=False).astype(np.float32)
    else:
        with open(file, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        try:
            x = np.array([[float(v) for v in row] for row in rows[1:] if row], np.float32)
        except ValueError as exc:
            raise SeqkerasError(f"{path}: {exc}; expected a header row, then one row of "
                                f"{width} numbers a step") from None
    if x.ndim != 2 or x.shape[1] != width or not len(x):
        raise SeqkerasError(f"{path}: shape {list(x.shape)}; the model reads [steps, {width}]")
    return x


def parse_predict_inputs(signature_inputs: dict, args: list[str]) -> dict:
    """Serving inputs from file paths: WAV bytes, or equally long sequences. Raises
    SeqkerasError for unusable files or sequences of different lengths."""
    values = [read_predict_file(a, signature_inputs) for a in args]
    if AUDIO in signature_inputs:
        return {AUDIO: np.array(values, dtype=object)}
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        raise SeqkerasError(f"the files have different numbers of steps ({sorted(lengths)});"
                            " predict them one at a time")
    return {FEATURES: np.stack(values)}


def describe(inputs: dict, names: list[str] | None = None) -> list[str]:
    """One short description per example (its file name when known)."""
    if names:
        return [Path(n).name for n in names]
    if AUDIO in inputs:
        return [f"recording {i + 1}" for i in range(len(inputs[AUDIO]))]
    return [f"sequence {i + 1} ({len(x)} steps)" for i, x in enumerate(inputs[FEATURES])]

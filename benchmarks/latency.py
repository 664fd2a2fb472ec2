"""Export latency: the newest SavedModel of a pipeline, loaded with tf.saved_model.load,
called through its signatures with real test reviews, one request at a time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the ops the exported graph uses)

from seqkeras.constants import EXPORT_METADATA_FILE
from seqkeras.io.atomic import read_json
from seqkeras.text.encoder import VOCAB_FILE, TextEncoder


@dataclass
class Latency:
    signature: str
    input: str
    batch: int
    requests: int
    ms: list[float]
    mean_tokens: float           #: real tokens per request (after truncation)

    @property
    def median_ms(self) -> float:
        return float(np.median(self.ms))

    @property
    def p90_ms(self) -> float:
        return float(np.percentile(self.ms, 90))

    @property
    def examples_per_s(self) -> float:
        return self.batch / (self.median_ms / 1000)


def export_info(export: Path) -> dict:
    path = export / "assets.extra" / EXPORT_METADATA_FILE
    return read_json(path) if path.exists() else {}


def request_batches(texts: list[str], batch: int, count: int) -> list[list[str]]:
    """``count`` requests of ``batch`` distinct reviews each (wrapping if needed)."""
    need = batch * count
    if not texts:
        raise ValueError("no test reviews to send")
    pool = (texts * (need // len(texts) + 1))[:need]
    return [pool[i * batch:(i + 1) * batch] for i in range(count)]


def time_calls(fn, warm: list, timed: list) -> list[float]:
    for kwargs in warm:
        _touch(fn(**kwargs))
    ms = []
    for kwargs in timed:
        t0 = time.perf_counter()
        _touch(fn(**kwargs))
        ms.append(1000 * (time.perf_counter() - t0))
    return ms


def _touch(outputs: dict) -> None:
    for v in outputs.values():
        v.numpy()


def measure(export: Path, spec, texts: list[str], plan: dict[int, int], warmup: int,
            log=print) -> list[Latency]:
    """``plan`` maps batch size -> number of timed requests."""
    loaded = tf.saved_model.load(str(export))
    vocab = export / "assets" / VOCAB_FILE
    if not vocab.exists():
        raise FileNotFoundError(f"{vocab}: the export has no vocabulary asset")
    # The export's own vocabulary, so pre-tokenized ids are exactly what it expects.
    encoder = TextEncoder(spec.tokenize, vocab)
    results = []
    for batch, count in plan.items():
        # Warm-up requests use other reviews than the timed ones.
        batches = request_batches(texts, batch, warmup + count)
        ids = [encoder(tf.constant(b)).to_tensor() for b in batches]
        tokens = float(np.mean([np.count_nonzero(i.numpy()) for i in ids[warmup:]]))
        cases = [("serving_default", "text (raw strings)",
                  [{"text": tf.constant(b)} for b in batches]),
                 ("from_token_ids", "token_ids (int64, pre-tokenized)",
                  [{"token_ids": i} for i in ids])]
        for name, what, inputs in cases:
            if name not in loaded.signatures:
                log(f"[latency] {export} has no signature {name!r}; skipped")
                continue
            log(f"[latency] {name} batch {batch}: {warmup} warm-up + {count} requests")
            ms = time_calls(loaded.signatures[name], inputs[:warmup], inputs[warmup:])
            results.append(Latency(name, what, batch, count, ms, tokens))
    return results

"""Spoken sequences composed from single labelled recordings (``data.compose``).

FSDD holds one digit a recording; a transcription model needs utterances of several
words. Ingest reads the recordings as usual (checked, rejected with reasons, split by
the source's rules: FSDD's official test recordings stay test), then each split's
sequences are built from that split's recordings only, so no test recording is ever
heard in training. A sequence joins 1-5 recordings of one speaker (``same``) with
random silences before, between and after them; its transcript is their labels'
``words``, space-separated ("three one four"). The draws are seeded (``spec.seed`` and
the split), so a rerun composes the same sequences. A record stores the recordings'
references and the silences in samples, not audio: ``seqkeras.measurements.dataset``
joins them in-graph, and ``wav_bytes`` writes the same join as a WAV file for requests.
"""

from __future__ import annotations

import collections

import numpy as np

from seqkeras.constants import SPLITS


def _groups(records: list[dict], same) -> list[list[dict]]:
    by = collections.defaultdict(list)
    for r in records:
        by[r.get(same, "") if same else ""].append(r)
    return [by[k] for k in sorted(by)]


def compose_split(records: list[dict], count: int, compose, sample_rate: int,
                  seed: int, split: str) -> list[dict]:
    """``count`` sequences from one split's labelled recordings (see the module)."""
    labelled = [r for r in records if "label" in r]
    if not labelled or not count:
        return []
    rng = np.random.default_rng([seed, SPLITS.index(split), 0xC0DE])
    groups = _groups(labelled, compose.same)
    out = []
    for _ in range(count):
        group = groups[rng.integers(len(groups))]
        k = int(rng.integers(compose.min_items, compose.max_items + 1))
        items = [group[j] for j in rng.integers(len(group), size=k)]
        gaps_ms = rng.uniform(compose.min_silence_ms, compose.max_silence_ms, size=k + 1)
        gaps = [int(round(ms * sample_rate / 1000)) for ms in gaps_ms]
        samples = sum(r["samples"] for r in items) + sum(gaps)
        record = {"audio": [r["audio"][0] for r in items], "gaps": gaps,
                  "target": " ".join(compose.words.get(r["label"], r["label"])
                                     for r in items),
                  "seconds": round(samples / sample_rate, 4), "samples": samples,
                  "items": k, "names": [r["name"] for r in items]}
        if compose.same:
            record[compose.same] = items[0].get(compose.same, "")
        out.append(record)
    return out


def compose_all(recordings: dict, compose, sample_rate: int, seed: int) -> dict:
    """split -> composed sequences, each split from its own recordings."""
    return {split: compose_split(recordings[split], getattr(compose, split), compose,
                                 sample_rate, seed, split) for split in SPLITS}

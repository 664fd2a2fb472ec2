"""What the transcription topology ingests: recordings with transcripts.

The recordings are read and checked like any audio (``seqkeras.ingest.measurements``:
rejects with file and reason). With ``data.compose``, each split's recordings then
become that split's composed sequences (``compose.py``); without it, each recording is
a record whose transcript is its source's ``target_field``. Writes nothing.
"""

from __future__ import annotations

import collections

from seqkeras.constants import SPLITS
from seqkeras.ingest.measurements import measurement_result, read_measurements
from seqkeras.ingest.stats import distribution
from seqkeras.topologies.transcription.compose import compose_all


def read_transcription_records(spec, log):
    """An IngestResult of transcribed recordings or composed sequences. Raises
    DataError as ``read_measurements`` does."""
    result = read_measurements(spec, log)
    compose = spec.data.compose
    if compose is None:
        return result
    recordings = result.records
    sequences = compose_all(recordings, compose, spec.input.sample_rate, spec.seed)
    extra = {"recordings": {s: len(recordings[s]) for s in SPLITS},
             "composed": {s: {"sequences": len(sequences[s]),
                              "items": distribution([r["items"] for r in sequences[s]]),
                              "words": dict(collections.Counter(
                                  w for r in sequences[s] for w in r["target"].split()))}
                          for s in SPLITS}}
    log.info("ingest: composed %s sequences from %s recordings",
             "/".join(str(len(sequences[s])) for s in SPLITS),
             "/".join(str(len(recordings[s])) for s in SPLITS))
    stats = result.stats
    return measurement_result(spec, sequences, result.rejects,
                              collections.Counter(stats["reject_reasons"]),
                              stats["rows_read"], extra)

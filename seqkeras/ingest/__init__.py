"""Reading a pipeline's data, as a library: readers return, the ingest stage writes.

==============  =============================================================
``result``      ``IngestResult`` (records per split, rejects, statistics, plots,
                metrics) and the names of the files the stage writes
``records``     the default reader: text records and tagged sequences
``splits``      seeded hash splits and per-split sampling
``stats``       distributions for ``stats.json``
==============  =============================================================

A topology with other data (chorales, time series) keeps its reader in its package
and returns an ``IngestResult`` too; file formats are parsed by ``seqkeras.io.readers``.
"""

from seqkeras.ingest.result import REJECTS_FILE, SPLIT_FILE, STATS_FILE, IngestResult

__all__ = ["REJECTS_FILE", "SPLIT_FILE", "STATS_FILE", "IngestResult"]

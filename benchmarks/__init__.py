"""Benchmarks for seqkeras pipelines: ``python -m benchmarks.run --help``.

Results go to ``benchmarks/RESULTS.md``, one marked section per benchmark, so a run
rewrites its own section and leaves the others in place.
"""

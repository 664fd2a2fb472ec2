"""benchmarks.iterator_stall: the idle watcher sees a sleeping process and not a busy
one; the section names both modes with their measured figures."""

from __future__ import annotations

import time

from benchmarks.iterator_stall import IdleWatcher, render


def test_idle_watcher_records_a_sleep_and_not_busy_work():
    watcher = IdleWatcher()
    end = time.perf_counter() + 1.5
    while time.perf_counter() < end:          # busy: no stretch
        sum(range(10_000))
    assert watcher.stretches == []
    time.sleep(2.0)                           # idle: one stretch of about 2 s
    end = time.perf_counter() + 0.8
    while time.perf_counter() < end:
        sum(range(10_000))
    assert len(watcher.stretches) == 1
    start, seconds = watcher.stretches[0]
    assert 1.4 <= start <= 2.0 and 1.0 <= seconds <= 2.6


def test_render_names_both_modes_and_their_figures():
    rows = [{"mode": "seqkeras", "epochs": 8, "wall_s": 48.0, "cpu_s": 80.0, "idle_s": 0.0,
             "stretches": 0, "longest_s": 0.0, "load": "0.50/0.40/0.30"},
            {"mode": "autotune_on", "epochs": 8, "wall_s": 104.3, "cpu_s": 78.1,
             "idle_s": 55.0, "stretches": 9, "longest_s": 10.0}]
    run = {"command": "python -m benchmarks.iterator_stall", "date": "2026-11-30 22:40 UTC",
           "cpu": "a CPU", "cores": 2, "versions": {"TensorFlow": "2.21.0"}}
    text = render(rows, run)
    assert "`prefetched` (autotuner off) | 48.0 | 80.0 | 0.0 | 0 | 0.0 | 0.50/0.40/0.30" in text
    assert "(autotuner on) | 104.3 | 78.1 | 55.0 | 9 | 10.0 | n/a" in text
    assert "TensorFlow 2.21.0" in text and "8 epochs" in text

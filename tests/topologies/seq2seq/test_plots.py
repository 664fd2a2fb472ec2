"""seqkeras.topologies.seq2seq.plots: attention heat maps are drawn from served outputs."""

from __future__ import annotations

import numpy as np

from seqkeras.topologies.seq2seq.plots import attention_heatmaps


def test_attention_heatmaps_write_a_png(tmp_path):
    out = {"length": np.int32(2), "tokens": np.array([b"\xe2\x96\x81Il", b"\xe2\x96\x81pleut", b""]),
           "source_tokens": np.array([b"It", b"rains", b""]),
           "attention": np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 0.0]])}
    path = attention_heatmaps([("It rains.", out), ("It rains.", out)], tmp_path / "a.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""seqkeras.topologies.base: helpers every topology's predict formatting uses."""

from __future__ import annotations

from seqkeras.topologies.base import as_text


def test_as_text_decodes_served_bytes_and_formats_other_values():
    assert as_text("é".encode()) == "é" and as_text("x") == "x" and as_text(3) == "3"
    assert as_text(b"\xff") == "\ufffd"               # undecodable bytes do not stop predict

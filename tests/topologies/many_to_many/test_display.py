"""seqkeras.topologies.many_to_many.display: predict's lines for a tagged sentence."""

from __future__ import annotations

import numpy as np

from seqkeras.topologies.many_to_many.display import bracket_entities, slash_tags, tagged_lines


def test_chunks_are_bracketed_and_token_tags_slashed():
    assert bracket_entities(["Two", "Rivers", "folk"], ["B-LOC", "I-LOC", "O"]) == \
        "[Two Rivers]LOC folk"
    assert slash_tags(["The", "cat"], ["DT", "NN"]) == "The/DT cat/NN"


def test_tagged_lines_read_each_sentence_up_to_its_length():
    outputs = {"tokens": np.array([[b"Rand", b"runs"], [b"S\xc3\xa3o", b""]], dtype=object),
               "tags": np.array([[b"B-PER", b"O"], [b"B-LOC", b""]], dtype=object),
               "lengths": np.array([2, 1])}
    assert tagged_lines(outputs, chunk_tags=True) == ["[Rand]PER runs", "[S\u00e3o]LOC"]
    assert tagged_lines(outputs, chunk_tags=False) == ["Rand/B-PER runs/O", "S\u00e3o/B-LOC"]

"""seqkeras.topologies.many_to_many.display: predict's lines for a tagged sentence."""

from __future__ import annotations

from seqkeras.topologies.many_to_many.display import bracket_entities, slash_tags


def test_chunks_are_bracketed_and_token_tags_slashed():
    assert bracket_entities(["Two", "Rivers", "folk"], ["B-LOC", "I-LOC", "O"]) == \
        "[Two Rivers]LOC folk"
    assert slash_tags(["The", "cat"], ["DT", "NN"]) == "The/DT cat/NN"

"""What ``seqkeras predict`` prints for a tagged sentence: entities bracketed with their
type for chunk tag sets (NER, chunking), ``word/TAG`` for tag sets that label tokens
(POS)."""

from __future__ import annotations

from seqkeras.topologies.many_to_many.metrics import iob_chunks


def slash_tags(tokens: list[str], tags: list[str]) -> str:
    """"The/DT cat/NN sat/VBD": every token with its tag, the Penn Treebank's slash
    format, for tag sets that label tokens rather than chunks (POS)."""
    return " ".join(f"{w}/{t}" for w, t in zip(tokens, tags))


def bracket_entities(tokens: list[str], tags: list[str]) -> str:
    """"[Rand]PER is a friend of [Perrin]PER": entities bracketed with their type."""
    words = list(tokens)
    for kind, start, end in reversed(iob_chunks(tags)):
        words[start:end] = [f"[{' '.join(words[start:end])}]{kind}"]
    return " ".join(words)

"""What ``seqkeras predict`` prints for a tagged sentence: entities bracketed with their
type for chunk tag sets (NER, chunking), ``word/TAG`` for tag sets that label tokens
(POS)."""

from __future__ import annotations

from seqkeras.topologies.base import as_text
from seqkeras.topologies.many_to_many.metrics import iob_chunks


def tagged_lines(outputs: dict, chunk_tags: bool) -> list[str]:
    """One line a sentence from the raw-text signature's outputs (``tokens`` and ``tags``
    [B, T] bytes padded with b"", ``lengths`` [B]): :func:`bracket_entities` for chunk
    tag sets, :func:`slash_tags` otherwise."""
    render = bracket_entities if chunk_tags else slash_tags
    lines = []
    for tokens, tags, n in zip(outputs["tokens"], outputs["tags"], outputs["lengths"]):
        lines.append(render([as_text(t) for t in tokens[:int(n)]],
                            [as_text(t) for t in tags[:int(n)]]))
    return lines


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

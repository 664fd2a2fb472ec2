"""Entity-level evaluation of tagging, the way CoNLL's conlleval scores it (pure Python).

A predicted entity counts only when the gold data has an entity of the same type over
exactly the same tokens; chunks are read from IOB1, IOB2 or IOBES tags with conlleval's
rules, so figures compare with the published CoNLL-2003 results.

Tag sets that label each token instead of marking chunks (part of speech: ``NN``, ``VBD``;
:func:`uses_chunk_tags` is False) are scored with ``per_token=True``: every token that is
not ``O`` is a segment of its own, so F1 is the micro F1 over tokens (the token accuracy
when no tag is ``O``) and the per-type scores are per-tag F1. conlleval would read
``NNP NNP`` as one two-token "entity", and a model would be selected and reported on runs
of equal tags, which is no part-of-speech metric.
"""

from __future__ import annotations


def split_tag(tag: str) -> tuple[str, str]:
    """("B", "PER") from "B-PER"; "O" is ("O", ""); a tag without a prefix is inside
    a chunk of its own type (conlleval reads "PER" as "I-PER")."""
    if tag in ("O", "", None):
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    if sep and prefix in ("B", "I", "E", "S"):
        return prefix, kind
    return "I", tag


def uses_chunk_tags(tags: list[str]) -> bool:
    """Whether a tag set marks chunks: at least one tag carries a ``B-``/``I-``/``E-``/
    ``S-`` prefix (NER, chunking). False for sets that label each token (POS: ``NN``,
    ``VBD``), where ``O`` and the padding tag alone say nothing."""
    return any(prefix in ("B", "I", "E", "S") and bool(kind)
               for prefix, _, kind in (str(t).partition("-") for t in tags))


def _chunk_ends(prev: str, prev_type: str, tag: str, kind: str) -> bool:
    """conlleval's endOfChunk: does a chunk end between ``prev`` and ``tag``?"""
    if prev in ("E", "S"):
        return True
    if prev == "O":
        return False
    if tag in ("B", "S", "O"):
        return True
    return prev_type != kind  # I-/E- continuing another type closes the open chunk


def _chunk_starts(prev: str, prev_type: str, tag: str, kind: str) -> bool:
    """conlleval's startOfChunk: does a chunk start at ``tag``?"""
    if tag in ("B", "S"):
        return True
    if tag == "O":
        return False
    if prev in ("E", "S", "O"):
        return True  # I-/E- after O or after a closed chunk opens one (IOB1 style)
    return prev_type != kind


def iob_chunks(tags: list[str]) -> list[tuple[str, int, int]]:
    """Entity chunks ``(type, start, end)`` (end exclusive) of one sentence's tags, read
    the way CoNLL's conlleval reads them (IOB1, IOB2 and IOBES): an I- after O or after
    a chunk of another type starts a new chunk; a chunk open at the end closes there."""
    chunks = []
    prev, prev_type, start = "O", "", None
    for i, tag in enumerate(list(tags) + ["O"]):  # a final O closes an open chunk
        cur, kind = split_tag(tag)
        if start is not None and _chunk_ends(prev, prev_type, cur, kind):
            chunks.append((prev_type, start, i))
            start = None
        if _chunk_starts(prev, prev_type, cur, kind):
            start = i
        prev, prev_type = cur, kind
    return chunks


def token_chunks(tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, start, end) of every token that is not ``O``, one token each: the segments of
    a tag set that labels tokens (``per_token`` in :func:`entity_report`)."""
    return [(split_tag(tag)[1], i, i + 1) for i, tag in enumerate(tags)
            if tag not in ("O", "", None)]


def _prf(correct: int, predicted: int, gold: int) -> dict:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "correct": correct,
            "predicted": predicted, "support": gold}


def entity_report(true_tags: list[list[str]], pred_tags: list[list[str]],
                  per_token: bool = False) -> dict:
    """CoNLL entity-level scores: a predicted entity counts only if the gold data has an
    entity of the same type over exactly the same tokens. Overall (micro) precision,
    recall and F1, the same per entity type (``per_type``), and token accuracy (every
    real token); floats in [0, 1], counts as ints. ``true_tags`` and ``pred_tags``: one
    list of tag strings per sentence. ``per_token``: every non-``O`` token is its own
    entity (:func:`token_chunks`; for tag sets without chunk prefixes, see the module
    docstring). Raises ValueError when the numbers of sentences, or of tags in a
    sentence, differ."""
    chunks = token_chunks if per_token else iob_chunks
    if len(true_tags) != len(pred_tags):
        raise ValueError(f"{len(true_tags)} gold sentences but {len(pred_tags)} predicted")
    gold_n: dict = {}
    pred_n: dict = {}
    correct_n: dict = {}
    tokens = hits = 0
    for sent, (gold, pred) in enumerate(zip(true_tags, pred_tags)):
        if len(gold) != len(pred):
            raise ValueError(f"sentence {sent}: {len(gold)} gold tags, {len(pred)} predicted")
        tokens += len(gold)
        hits += sum(g == p for g, p in zip(gold, pred))
        g_chunks, p_chunks = set(chunks(gold)), set(chunks(pred))
        for kind, *_ in g_chunks:
            gold_n[kind] = gold_n.get(kind, 0) + 1
        for kind, *_ in p_chunks:
            pred_n[kind] = pred_n.get(kind, 0) + 1
        for kind, *_ in g_chunks & p_chunks:
            correct_n[kind] = correct_n.get(kind, 0) + 1
    types = sorted(set(gold_n) | set(pred_n))
    overall = _prf(sum(correct_n.values()), sum(pred_n.values()), sum(gold_n.values()))
    return {**overall, "token_accuracy": hits / tokens if tokens else 0.0, "tokens": tokens,
            "sentences": len(true_tags),
            "per_type": {k: _prf(correct_n.get(k, 0), pred_n.get(k, 0), gold_n.get(k, 0))
                         for k in types}}


def entity_report_markdown(report: dict, title: str = "Entity-level scores (CoNLL)") -> str:
    """The entity report (:func:`entity_report`) as a markdown document: a table with
    one row per type and one overall, then the token accuracy."""
    lines = [f"# {title}", "", "| type | precision | recall | F1 | support | predicted |",
             "|---|---:|---:|---:|---:|---:|"]
    rows = list(report["per_type"].items()) + [("**overall**", report)]
    for name, r in rows:
        lines.append(f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} "
                     f"| {r['support']} | {r['predicted']} |")
    lines += ["", f"Token accuracy {report['token_accuracy']:.4f} over {report['tokens']} tokens "
              f"in {report['sentences']} sentences."]
    return "\n".join(lines) + "\n"

"""seqkeras.topologies.many_to_many.metrics: entity chunks read as conlleval reads them,
entity-level precision, recall and F1, checked by hand."""

from __future__ import annotations

import pytest

from seqkeras.topologies.many_to_many.metrics import (entity_report, entity_report_markdown,
                                                     iob_chunks, token_chunks,
                                                     uses_chunk_tags)


@pytest.mark.parametrize("tags, chunks", [
    (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 2), ("LOC", 3, 4)]),
    # an entity running to the end of the sentence is closed there
    (["O", "B-MISC", "I-MISC"], [("MISC", 1, 3)]),
    (["B-LOC"], [("LOC", 0, 1)]),
    # I- continuing a different type ends the open entity and starts a new one
    (["B-PER", "I-LOC", "I-LOC", "O"], [("PER", 0, 1), ("LOC", 1, 3)]),
    (["B-ORG", "I-ORG", "I-PER"], [("ORG", 0, 2), ("PER", 2, 3)]),
    # I- after O starts an entity (conlleval reads IOB1 that way)
    (["O", "I-ORG", "I-ORG", "O", "I-PER"], [("ORG", 1, 3), ("PER", 4, 5)]),
    # B- right after an entity of the same type starts a second one
    (["B-PER", "B-PER", "I-PER"], [("PER", 0, 1), ("PER", 1, 3)]),
    # IOBES
    (["S-PER", "B-LOC", "I-LOC", "E-LOC", "O"], [("PER", 0, 1), ("LOC", 1, 4)]),
    (["O", "O"], []),
    ([], []),
])
def test_iob_chunks_follow_conlleval(tags, chunks):
    assert iob_chunks(tags) == chunks


def test_entity_report_exact_span_and_type():
    gold = [["B-PER", "I-PER", "O", "B-LOC"],         # Rand al'Thor ... Caemlyn
            ["O", "B-ORG", "I-ORG", "I-ORG"]]         # ... White Tower Ajah (at the end)
    pred = [["B-PER", "O", "O", "B-LOC"],             # PER span too short; LOC right
            ["O", "B-ORG", "I-ORG", "I-ORG"]]         # ORG right, at the sentence end
    # gold: PER, LOC, ORG; predicted: PER(0,1) wrong span, LOC right, ORG right
    report = entity_report(gold, pred)
    assert (report["correct"], report["predicted"], report["support"]) == (2, 3, 3)
    assert report["precision"] == pytest.approx(2 / 3) and report["recall"] == pytest.approx(2 / 3)
    assert report["f1"] == pytest.approx(2 / 3)
    assert report["token_accuracy"] == pytest.approx(7 / 8) and report["tokens"] == 8
    per = report["per_type"]
    assert per["PER"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "correct": 0,
                          "predicted": 1, "support": 1}
    assert per["LOC"]["f1"] == 1.0 and per["ORG"]["f1"] == 1.0


def test_entity_report_wrong_type_and_spurious_entities():
    gold = [["B-PER", "I-PER", "O", "O"]]
    pred = [["B-ORG", "I-ORG", "O", "B-MISC"]]        # right span, wrong type; plus a spurious one
    report = entity_report(gold, pred)
    assert (report["correct"], report["predicted"], report["support"]) == (0, 2, 1)
    assert report["f1"] == 0.0
    assert set(report["per_type"]) == {"PER", "ORG", "MISC"}
    assert report["per_type"]["MISC"]["support"] == 0
    # precision 1/2, recall 1/1 -> F1 2/3
    report = entity_report([["B-PER", "O"]], [["B-PER", "B-LOC"]])
    assert report["precision"] == 0.5 and report["recall"] == 1.0
    assert report["f1"] == pytest.approx(2 / 3)


def test_entity_report_edge_cases():
    empty = entity_report([], [])
    assert empty["f1"] == 0.0 and empty["token_accuracy"] == 0.0 and empty["per_type"] == {}
    with pytest.raises(ValueError, match="sentence 0"):
        entity_report([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="gold sentences"):
        entity_report([["O"]], [])
    md = entity_report_markdown(entity_report([["B-PER", "O"]], [["B-PER", "O"]]))
    assert "| PER | 1.0000 | 1.0000 | 1.0000 | 1 | 1 |" in md and "**overall**" in md


@pytest.mark.parametrize("tags, chunks", [
    (["O", "B-PER", "I-PER"], True),     # IOB2
    (["O", "I-LOC"], True),              # IOB1
    (["S-ORG", "O"], True),              # IOBES
    (["NN", "VBD", "DT"], False),        # POS
    (["O", "NN", "-X-"], False),         # O alone says nothing; no prefix
    (["B-"], False),                     # a prefix without a type
])
def test_uses_chunk_tags(tags, chunks):
    assert uses_chunk_tags(tags) is chunks


def test_per_token_scoring_of_a_tag_set_without_chunks():
    # conlleval reads NNP NNP as one two-token entity: one wrong tag loses both tokens
    gold = [["NNP", "NNP", "VBD", "."], ["DT", "NN"]]
    pred = [["NNP", "NN", "VBD", "."], ["DT", "NN"]]
    spans = entity_report(gold, pred)
    assert spans["per_type"]["NNP"]["correct"] == 0
    tokens = entity_report(gold, pred, per_token=True)
    assert tokens["f1"] == pytest.approx(tokens["token_accuracy"]) == pytest.approx(5 / 6)
    assert tokens["per_type"]["NNP"] == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "correct": 1, "predicted": 1,
         "support": 2})
    assert tokens["per_type"]["NN"]["predicted"] == 2
    # O tokens are no segments: F1 leaves them out, token accuracy counts them
    report = entity_report([["O", "X"]], [["O", "Y"]], per_token=True)
    assert report["f1"] == 0.0 and report["token_accuracy"] == 0.5
    assert token_chunks(["O", "B-PER", "NN"]) == [("PER", 1, 2), ("NN", 2, 3)]

"""seqkeras.metrics: confusion matrix and classification report, checked by hand."""

from __future__ import annotations

import pytest

from seqkeras.metrics import classification_report, confusion_matrix


def test_confusion_matrix_rows_are_true_columns_predicted():
    cm = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 0], num_classes=3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]


def test_classification_report_three_classes():
    labels = ["a", "b", "c"]
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 2, 2]
    # confusion (rows true, cols predicted): a [2 1 0], b [0 1 1], c [0 0 1]
    # a: tp 2, predicted 2, actual 3 -> P 1,   R 2/3, F1 2*(2/3)/(5/3) = 0.8
    # b: tp 1, predicted 2, actual 2 -> P 1/2, R 1/2, F1 1/2
    # c: tp 1, predicted 2, actual 1 -> P 1/2, R 1,   F1 2*(1/2)/(3/2) = 2/3
    # accuracy 4/6; macro P (1 + 1/2 + 1/2)/3 = 2/3; macro R (2/3 + 1/2 + 1)/3 = 13/18;
    # macro F1 (4/5 + 1/2 + 2/3)/3 = 59/90
    report = classification_report(y_true, y_pred, labels)
    assert report["confusion_matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["macro_precision"] == pytest.approx(2 / 3)
    assert report["macro_recall"] == pytest.approx(13 / 18)
    assert report["macro_f1"] == pytest.approx(59 / 90)
    a, b, c = (report["per_class"][x] for x in labels)
    assert (a["precision"], a["recall"], a["f1"], a["support"]) == pytest.approx((1, 2 / 3, 0.8, 3))
    assert (b["precision"], b["recall"], b["f1"], b["support"]) == pytest.approx((0.5, 0.5, 0.5, 2))
    assert (c["precision"], c["recall"], c["f1"], c["support"]) == pytest.approx((0.5, 1, 2 / 3, 1))


def test_classes_absent_from_the_truth_do_not_count_in_macro_averages():
    # truth has a and b only; one b is predicted as c
    # a: P 1 R 1 F1 1; b: never predicted -> P 0, R 0, F1 0; c: support 0, left out of macros
    report = classification_report([0, 1], [0, 2], ["a", "b", "c"])
    assert report["accuracy"] == 0.5
    assert report["macro_precision"] == 0.5 and report["macro_recall"] == 0.5
    assert report["macro_f1"] == 0.5
    assert report["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_perfect_binary_predictions():
    report = classification_report([1, 0, 1], [1, 0, 1], ["neg", "pos"])
    assert report["accuracy"] == 1.0 and report["macro_f1"] == 1.0
    assert report["per_class"]["pos"]["support"] == 2


def test_empty_input_gives_zeros_not_nan():
    report = classification_report([], [], ["neg", "pos"])
    assert report["accuracy"] == 0.0 and report["macro_f1"] == 0.0
    assert report["confusion_matrix"] == [[0, 0], [0, 0]]


# ------------------------------------------------------------------ CoNLL entity chunks
from seqkeras.metrics import entity_report, entity_report_markdown, iob_chunks  # noqa: E402


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

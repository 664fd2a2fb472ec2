"""seqkeras.topologies.many_to_one.metrics: confusion matrix and classification report, checked by hand."""

from __future__ import annotations

import pytest

from seqkeras.topologies.many_to_one.metrics import classification_report, confusion_matrix


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

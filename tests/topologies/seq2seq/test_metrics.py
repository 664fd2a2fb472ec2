"""seqkeras.topologies.seq2seq.metrics: BLEU, chrF and exact match against one and
against every reference of a source."""

from __future__ import annotations

import pytest
import sacrebleu

from seqkeras.topologies.seq2seq.metrics import multi_reference_streams, translation_scores


def test_scores_and_exact_match():
    sources = ["a", "a", "b"]
    refs = ["Le chat dort sur le tapis rouge.", "Le chat dort sur le tapis.",
            "Il fait beau aujourd'hui à Paris."]
    hyps = ["Le chat dort sur le tapis rouge.", "Le chat dort sur le tapis rouge.",
            "Il fait beau aujourd'hui à Paris."]
    s = translation_scores(sources, hyps, refs, sacrebleu)
    assert s["exact_match"] == pytest.approx(2 / 3)
    assert s["exact_match_any"] == 1.0                      # matches the other reference
    assert 50 < s["bleu"] < 100 and 50 < s["chrf"] < 100
    # each distinct source once, against both of its references: every hypothesis is one
    assert s["bleu_multi_ref"] == pytest.approx(100) and s["chrf_multi_ref"] == pytest.approx(100)
    assert translation_scores(sources, refs, refs, sacrebleu)["bleu"] == pytest.approx(100)


def test_multi_reference_streams_pad_missing_references_with_none():
    hyps, streams = multi_reference_streams({"a": {"hyp": "x", "refs": {"r1": None, "r2": None}},
                                             "b": {"hyp": "y", "refs": {"r3": None}}})
    assert hyps == ["x", "y"] and streams == [["r1", "r3"], ["r2", None]]
    wrong = translation_scores(["a", "a"], ["Il pleut.", "Il pleut."],
                               ["Il neige beaucoup.", "Il fait froid."], sacrebleu)
    assert wrong["bleu_multi_ref"] < 50

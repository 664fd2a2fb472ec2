"""The copy-the-source floor of translation."""

from __future__ import annotations

import pytest

from seqkeras.topologies.seq2seq.baseline import copy_baseline


def test_copying_scores_only_what_the_languages_share():
    sources = ["Tom is here.", "I like Paris.", "Go!"]
    refs = ["Tom est ici.", "J'aime Paris.", "Va !"]
    result = copy_baseline(sources, refs)
    scores = {s.metric: s.value for s in result.scores}
    assert 0 < scores["chrf"] < 60 and 0 <= scores["bleu"] < 30
    assert copy_baseline(refs, refs).scores[0].value == pytest.approx(100.0)
    assert {s.direction for s in result.scores} == {"max"}

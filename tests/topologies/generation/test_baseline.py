"""The n-gram baseline of the language model: a proper distribution, order chosen on val."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies.generation.baseline import NgramModel, ngram_baseline

NAMES = Path("../shared/data/names/names.txt")


@pytest.mark.parametrize("order, discount", [(1, 0.5), (2, 0.75), (3, 0.9)])
def test_probabilities_sum_to_one_for_every_context(order, discount):
    lm = NgramModel([[4, 5, 6], [4, 5, 7], [5, 5]], max_order=3, vocab_size=8)
    for hist in ([], [4], [4, 5], [9, 9], [5, 5, 5]):
        total = sum(lm.probability(hist, w, order, discount) for w in range(8))
        assert total == pytest.approx(1.0)
    # a continuation seen after this context is likelier than one never seen after it
    assert lm.probability([4, 5], 6, order, discount) > lm.probability([4, 5], 7 + 1, order,
                                                                        discount)
    total, count = lm.nll([[4, 5, 6]], 3, discount)
    assert count == 4 and total > 0


@pytest.mark.skipif(not NAMES.exists(), reason="needs ../shared/data")
def test_ngram_baseline_on_real_names():
    names = NAMES.read_text().split()
    spec = PipelineSpec.model_validate({"name": "g", "topology": "generation",
                                        "data": {"sources": [{"path": "x.txt"}]}})
    alphabet = sorted(set("".join(names)))
    index = {c: i + 4 for i, c in enumerate(alphabet)}

    def encode(texts):
        return [[index.get(c, 1) for c in t] for t in texts]
    rec = [{"text": n} for n in names]
    result = ngram_baseline(spec, encode, len(alphabet) + 4, rec[:5000], rec[5000:5500],
                            rec[5500:6500])
    [score] = result.scores
    # uniform would be log(30) = 3.4 nats; a character n-gram model of names is near 2.1
    assert 1.9 < score.value < 2.6 and score.metric == "nll_per_char"
    assert result.metrics["baseline_order"] >= 3

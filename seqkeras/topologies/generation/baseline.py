"""The language-model baseline: an n-gram model over the same tokens the model reads
(the encoder's ids, [END] included as a target), interpolated absolute discounting
(Ney, Essen & Kneser 1994) down to a uniform distribution over the vocabulary, with the
order and the discount chosen on val by NLL. Scored as the model is: negative
log-likelihood in nats per target step on the test records.

Cost: counting over at most ``baseline.max_train_records`` training records, scoring at
most ``max_val_records`` validation records per candidate (``ORDERS`` x ``DISCOUNTS``).
"""

from __future__ import annotations

import collections
import math

from seqkeras.baselines import BaselineResult, BaselineScore
from seqkeras.baselines.caps import capped
from seqkeras.constants import END_ID, START_ID

#: n-gram orders (tokens of context + 1) and absolute discounts tried on val.
ORDERS = (1, 2, 3, 4, 5, 6)
DISCOUNTS = (0.5, 0.75, 0.9)
HINT = "more units or layers, dropout against overfitting, or more epochs"


class NgramModel:
    """Counts of every context of up to ``max_order - 1`` tokens and what followed.

    ``sequences``: lists of int token ids (without [START]/[END]: they are added);
    ``vocab_size``: the size of the uniform base distribution."""

    def __init__(self, sequences, max_order: int, vocab_size: int):
        self.max_order, self.vocab_size = max_order, vocab_size
        self.counts = [collections.defaultdict(collections.Counter) for _ in range(max_order)]
        for seq in sequences:
            hist = [START_ID] * (max_order - 1) + list(seq)
            for i, target in enumerate(list(seq) + [END_ID]):
                pos = i + max_order - 1
                for k in range(max_order):
                    self.counts[k][tuple(hist[pos - k:pos])][target] += 1
        self.tables = [{h: (sum(c.values()), len(c), c) for h, c in level.items()}
                       for level in self.counts]

    def probability(self, history: list[int], target: int, order: int,
                    discount: float) -> float:
        """P(target | the last ``order - 1`` tokens of history), ``history`` being the
        tokens before it (without [START]: it is added), interpolated down to uniform."""
        hist = [START_ID] * (self.max_order - 1) + list(history)
        pos, p = len(hist), 1.0 / self.vocab_size
        for k in range(order):
            entry = self.tables[k].get(tuple(hist[pos - k:pos]))
            if entry is None:
                break  # a longer context was not seen either
            n, distinct, nexts = entry
            p = max(nexts.get(target, 0) - discount, 0.0) / n + discount * distinct / n * p
        return p

    def nll(self, sequences, order: int, discount: float) -> tuple[float, int]:
        """Summed negative log-likelihood (nats) of every target (tokens + [END]) of
        ``sequences`` with contexts of ``order - 1`` tokens, and the number of targets."""
        total, count = 0.0, 0
        for seq in sequences:
            seq = list(seq)
            for i, target in enumerate(seq + [END_ID]):
                total -= math.log(self.probability(seq[:i], target, order, discount))
                count += 1
        return total, count


def ngram_baseline(spec, encode, vocab_size: int, train, val, test) -> BaselineResult | None:
    """The n-gram model of ``train`` texts, order and discount chosen on ``val``, its NLL
    per step on ``test`` (``encode``: texts -> lists of ids, as the model's encoder).
    None when ``spec.baseline.enabled`` is false."""
    if not spec.baseline.enabled:
        return None
    b = spec.baseline
    seqs = [list(map(int, s)) for s in encode([r["text"] for r in
                                              capped(train, b.max_train_records, spec.seed)])]
    val_seqs = [list(map(int, s)) for s in encode([r["text"] for r in
                                                  capped(val, b.max_val_records, spec.seed)])]
    lm = NgramModel(seqs, max(ORDERS), vocab_size)
    candidates = [(o, d) for o in ORDERS for d in DISCOUNTS] if val_seqs else [(3, 0.75)]
    scored = {}
    for order, d in candidates:
        total, n = lm.nll(val_seqs, order, d) if val_seqs else (0.0, 1)
        scored[(order, d)] = total / max(n, 1)
    order, d = min(scored, key=scored.get)
    total, n = lm.nll([list(map(int, s)) for s in encode([r["text"] for r in test])], order, d)
    nll = total / max(n, 1)
    name = (f"a {order}-gram model with interpolated absolute discounting (d={d:g}, chosen "
            "on val)")
    return BaselineResult([BaselineScore("nll_per_char", nll, "min", name, hint=HINT)],
                          {"baseline_order": order, "baseline_discount": d,
                           "baseline_val_nll": scored[(order, d)],
                           "baseline_train_records": len(seqs)}, name)

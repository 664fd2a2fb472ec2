"""seqkeras.topologies.many_to_many.featurizer: casing classes (the lookups are checked
through the topology's preprocessor in test_topology.py)."""

from __future__ import annotations

import tensorflow as tf

from seqkeras.topologies.many_to_many.featurizer import CASINGS, casing_ids


def test_casing_classes():
    tokens = tf.constant(["1996-08-22", "61st", ",", "friend", "U.S.", "Perrin", "eBay", "", "é"])
    names = [CASINGS[i] for i in casing_ids(tokens).numpy()]
    assert names == ["numeric", "has_digit", "punctuation", "lower", "UPPER", "Title", "mIxed",
                     "[PAD]", "lower"]

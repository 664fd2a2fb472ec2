"""seqkeras.topologies.many_to_many.tagger_model: the loss counts real tokens only, with
and without a CRF."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.layers.crf import CRF
from seqkeras.topologies.many_to_many.tagger_model import PAD_TAG, tagging_loss_sum


@pytest.mark.parametrize("use_crf", [True, False])
def test_loss_ignores_padding(use_crf):
    rng = np.random.default_rng(0)
    k = 4
    crf = None
    if use_crf:
        crf = CRF(k)
        crf.build((None, None, k))
        crf.transitions.assign(rng.normal(size=(k, k)).astype("float32"))
    potentials = rng.normal(size=(2, 5, k)).astype("float32")
    tags = np.array([[1, 2, 3, PAD_TAG, PAD_TAG], [0, 1, 2, 3, 0]])
    total, tokens = tagging_loss_sum(tags, potentials, crf)
    assert float(tokens) == 8
    noisy = potentials.copy()
    noisy[0, 3:] = rng.normal(size=(2, k)) * 100            # wild values on padded steps
    total2, _ = tagging_loss_sum(tags, noisy, crf)
    np.testing.assert_allclose(total2, total, rtol=1e-6)
    # the padded sequence alone, unpadded, gives the same per-sequence loss
    first, _ = tagging_loss_sum(tags[:1, :3], potentials[:1, :3], crf)
    only_second, _ = tagging_loss_sum(tags[1:], potentials[1:], crf)
    np.testing.assert_allclose(float(first) + float(only_second), float(total), rtol=1e-5)
    # but a real step's potentials do matter
    moved = potentials.copy()
    moved[0, 2, 0] += 5.0          # (a shift of every tag alike would change nothing)
    assert abs(float(tagging_loss_sum(tags, moved, crf)[0]) - float(total)) > 1e-3

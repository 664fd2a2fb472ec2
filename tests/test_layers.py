import keras
import numpy as np

from seqkeras.layers import MaskedGlobalMaxPooling1D


def test_masked_max_ignores_padding_and_round_trips():
    x = np.array([[[1.0, -5.0], [9.0, 9.0]],      # step 2 is padding: must not win
                  [[-2.0, -3.0], [-1.0, -4.0]]], dtype="float32")
    mask = np.array([[True, False], [True, True]])
    out = MaskedGlobalMaxPooling1D()(x, mask=mask)
    np.testing.assert_allclose(out, [[1.0, -5.0], [-1.0, -3.0]])
    # a fully masked row pools to zeros
    np.testing.assert_allclose(MaskedGlobalMaxPooling1D()(x, mask=np.zeros((2, 2), bool)), 0.0)

    inp = keras.Input((None,), dtype="int64")
    emb = keras.layers.Embedding(10, 3, mask_zero=True)(inp)
    model = keras.Model(inp, MaskedGlobalMaxPooling1D()(emb))
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    ids = np.array([[3, 4, 0, 0]])
    np.testing.assert_allclose(clone(ids), model(ids))
    # padding more zeros changes nothing
    np.testing.assert_allclose(model(np.array([[3, 4, 0, 0, 0, 0]])), model(ids), rtol=1e-6)

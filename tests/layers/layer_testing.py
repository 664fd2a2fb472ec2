"""``run_layer_test``: the checks every seqkeras Keras layer passes, after Keras' own
``keras.src.testing.TestCase.run_layer_test``.

One helper so each layer's sibling test states only its inputs: the layer builds and
runs on them, its output shape is what ``compute_output_shape`` says, ``get_config``
names every constructor argument and round-trips through ``from_config`` (and through
JSON by its registered name, the way a ``model.keras`` file stores it), and a clone given
the same weights gives the same outputs.
"""

from __future__ import annotations

import json

import keras
import numpy as np


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def run_layer_test(layer_cls, init_kwargs: dict, inputs, call_kwargs: dict | None = None,
                   expected_output_shape: tuple | None = None, expected_num_weights: int | None = None):
    """Run the checks on ``layer_cls(**init_kwargs)`` called on ``inputs`` (numpy array or
    a list of them) with ``call_kwargs``; returns the layer's output as numpy.

    Raises AssertionError naming the check that failed.
    """
    call_kwargs = call_kwargs or {}
    layer = layer_cls(**init_kwargs)
    out = np.asarray(layer(inputs, **call_kwargs))
    if expected_output_shape is not None:
        assert out.shape == tuple(expected_output_shape), (out.shape, expected_output_shape)
    shapes = [tuple(np.shape(x)) for x in _as_list(inputs)]
    declared = layer.compute_output_shape(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
    assert tuple(declared) == out.shape, f"compute_output_shape says {declared}, got {out.shape}"
    if expected_num_weights is not None:
        assert len(layer.weights) == expected_num_weights, [w.path for w in layer.weights]

    # registered under its class name in the "seqkeras" package: old model.keras files
    # find the class by this name, whatever module it lives in
    name = f"seqkeras>{layer_cls.__name__}"
    assert keras.saving.get_registered_name(layer_cls) == name
    assert keras.saving.get_registered_object(name) is layer_cls

    config = layer.get_config()
    for key, value in init_kwargs.items():
        assert key in config, f"get_config() lacks constructor argument {key!r}"
        assert config[key] == value, (key, config[key], value)
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, "from_config(get_config()) changed the config"

    # through JSON by the registered name, as a saved model stores it
    stored = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    assert stored["registered_name"] == name
    revived = keras.saving.deserialize_keras_object(stored)
    assert type(revived) is layer_cls and revived.get_config() == config
    revived(inputs, **call_kwargs)  # builds the weights
    revived.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(revived(inputs, **call_kwargs)), out,
                               rtol=1e-6, atol=1e-6)
    return out

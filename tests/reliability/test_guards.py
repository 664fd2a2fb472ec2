"""seqkeras.serving.guards: the in-graph checks every exported endpoint gets."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.serving.guards import describe_shape, guard_endpoint, nonfinite_outputs

SIGNATURE = [tf.TensorSpec([None], tf.string, name="prefix"),
             tf.TensorSpec([None], tf.float32, name="temperature"),
             tf.TensorSpec([None, 3], tf.float32, name="window")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A SavedModel whose one endpoint is guarded, loaded back."""

    def endpoint(prefix, temperature, window):
        return {"n": tf.strings.length(prefix) + tf.cast(temperature, tf.int32)
                + tf.cast(tf.reduce_sum(window, axis=1), tf.int32)}

    module = tf.Module()
    module.serve = tf.function(guard_endpoint("serving_default", endpoint, SIGNATURE),
                               input_signature=SIGNATURE)
    path = tmp_path_factory.mktemp("guarded") / "1"
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return tf.saved_model.load(str(path)).signatures["serving_default"]


def call(fn, prefix, temperature, window):
    return fn(prefix=tf.constant(prefix, tf.string), temperature=tf.constant(temperature, tf.float32),
              window=tf.constant(window, tf.float32))


def test_well_formed_inputs_pass_and_keep_their_names(served):
    assert set(served.structured_input_signature[1]) == {"prefix", "temperature", "window"}
    out = call(served, ["ab", "c"], [1.0, 2.0], [[1, 1, 1], [0, 0, 0]])
    assert out["n"].numpy().tolist() == [6, 3]
    assert call(served, [], np.zeros(0), np.zeros((0, 3)))["n"].shape == (0,)


@pytest.mark.parametrize("args, message", [
    ((["a", "b"], [1.0], [[0, 0, 0], [0, 0, 0]]),
     "inputs prefix, temperature, window of signature serving_default must have the same "
     "batch size"),
    ((["a"], [float("nan")], [[0, 0, 0]]),
     "input temperature of signature serving_default must hold finite numbers"),
    ((["a"], [1.0], [[0, 0, float("inf")]]), "input window of signature serving_default must "
                                             "hold finite numbers"),
])
def test_inconsistent_or_non_finite_inputs_are_invalid_arguments(served, args, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        call(served, *args)


def test_describe_shape_and_nonfinite_outputs():
    assert describe_shape(SIGNATURE[2]) == "[batch, 3]"
    assert describe_shape(tf.TensorSpec([None, None], tf.int64)) == "[batch, n]"
    assert nonfinite_outputs({"label": np.array([b"a"]), "score": np.array([0.5, 0.1])}) == []
    assert nonfinite_outputs({"score": np.array([np.nan, np.inf, 1.0])}) == [
        "score: 2 of 3 values are NaN and infinite"]


def test_refusal_is_the_assertion_a_guard_failed_on(served):
    # seqkeras predict used to print only the first line, "Graph execution error:"
    from seqkeras.serving.guards import refusal

    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        call(served, ["a"], [1.0], [[1.0, np.nan, 2.0]])
    assert refusal(caught.value) == ("input window of signature serving_default must hold "
                                     "finite numbers (no NaN or infinity)")
    assert refusal(tf.errors.InvalidArgumentError(None, None, "one line\nmore")) == "one line"
    # another op's error: its own line, not TF's preamble
    message = ("Graph execution error:\n\nDetected at node Foo defined at (most recent call "
               "last):\n<stack traces unavailable>\nindices[0,1] = 9 is not in [0, 5)\n"
               "\t [[{{node Foo}}]]")
    assert refusal(tf.errors.InvalidArgumentError(None, None, message)) == \
        "indices[0,1] = 9 is not in [0, 5)"

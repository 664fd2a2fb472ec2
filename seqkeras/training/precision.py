"""Mixed-precision training (``train.precision``).

``mixed_bfloat16`` is Keras's mixed-precision policy (Micikevicius et al. 2018, "Mixed
Precision Training"): layers compute in bfloat16 and keep float32 variables, so the
optimizer's updates stay exact; bfloat16 has float32's exponent range, so no loss
scaling is needed. On CPUs whose oneDNN kernels run bfloat16 natively (AVX512_BF16, AMX)
the matmuls of a step are cheaper: the translation pipeline's training steps took 0.83x
the time on the 2-core AMD EPYC of RESULTS.md (section *speed_status*). Elsewhere it
can be slower than float32; measure before adopting it.

Only training runs in the lower precision: the model that is saved, evaluated on test
and exported is rebuilt under the float32 policy with the trained (float32) weights,
so the SavedModel is the same float32 graph every other run serves.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import keras

#: ``train.precision`` values and the Keras dtype policy each builds layers with.
POLICIES = {"float32": "float32", "mixed_bfloat16": "mixed_bfloat16"}


@contextlib.contextmanager
def training_precision(precision: str):
    """Build the model inside this: layers created here take the dtype policy of
    ``precision`` (a key of ``POLICIES``); the previous global policy is restored on
    exit. Raises KeyError for a precision the schema does not know."""
    policy = POLICIES[precision]
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def float32_copy(build: Callable[[], keras.Model], model: keras.Model) -> keras.Model:
    """A float32 twin of ``model``: ``build()`` (called under the float32 policy) makes
    the same architecture, and every weight, trainable or not, is copied over, with
    each layer's ``trainable`` flag (a branch frozen after the build stays frozen). Raises
    ValueError when the two architectures' weights do not line up (shape or count)."""
    with training_precision("float32"):
        twin = build()
    ours, theirs = model.weights, twin.weights
    if len(ours) != len(theirs) or any(tuple(a.shape) != tuple(b.shape)
                                       for a, b in zip(ours, theirs)):
        raise ValueError("the float32 rebuild of the model does not match the trained "
                         f"one ({len(theirs)} weights against {len(ours)})")
    for src, dst in zip(ours, theirs):
        dst.assign(keras.ops.cast(src, dst.dtype))
    for layer, copy in zip(model.layers, twin.layers):  # the same build: the same order
        copy.trainable = layer.trainable  # a layer frozen after the build (prefit)
    return twin

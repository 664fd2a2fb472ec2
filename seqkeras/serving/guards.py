"""Serving contracts enforced inside the graph, for every endpoint of every topology.

A SavedModel signature's shapes are only documentation: neither TF Serving nor the
C++ session checks a fed tensor against them, so a 2-D or scalar ``text`` used to flow
into a graph written for a vector and either answered nonsense or failed deep inside
with an internal error. :func:`guard_endpoint` wraps an endpoint so that, before any
of its own ops run, the graph asserts what the input signature declares:

- each input has the declared rank and every fixed dimension (``lookback`` steps, four
  voices);
- inputs that are all batched along their first dimension agree on the batch size;
- floating-point inputs are finite.

A violation is an ``InvalidArgument`` error (HTTP 400 from TF Serving) whose message
names the signature, the input and what was expected. The assertions read the rank
and shape at run time through a shape-less view of the input: checks on the input
itself would be resolved from the declared signature, and dropped, by Python when the
function is traced and by Grappler's constant folding when the server loads it.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf


def describe_shape(spec: tf.TensorSpec) -> str:
    dims = ["batch" if i == 0 and d is None else ("n" if d is None else str(d))
            for i, d in enumerate(spec.shape.as_list())]
    return "[" + ", ".join(dims) + "]"


def shapeless(x):
    """``x`` with no static shape. Rank or Shape of ``x`` itself would be folded into
    constants from the declared signature (by Python when tracing, by Grappler when the
    server loads the graph), so a fed tensor of another rank would pass unchecked. The
    two branches of this cond have different ranks, so its output has none; the
    predicate depends on the fed size, so it cannot be decided (or the cond removed)
    before the graph runs; the first branch never runs."""
    other_rank = [-1] if x.shape.rank != 1 else [-1, 1]
    return tf.cond(tf.size(x, out_type=tf.int64) < 0,
                   lambda: tf.reshape(x, other_rank), lambda: x)


def _input_checks(signature: str, spec: tf.TensorSpec, x) -> tuple[list, tf.Tensor | None]:
    """(assert ops, first-dimension size or None) for one input."""
    name = spec.name or "input"
    rank = spec.shape.rank
    # no quote marks: TF escapes them in assertion messages (\\')
    where = f"input {name} of signature {signature}"
    ops = []
    if rank is None:
        return ops, None
    x = shapeless(x)
    actual_rank = tf.raw_ops.Rank(input=x)
    ops.append(tf.debugging.Assert(
        tf.equal(actual_rank, rank),
        [f"{where} must have rank {rank} (shape {describe_shape(spec)}); got rank",
         actual_rank]))
    with tf.control_dependencies(ops):
        shape = tf.raw_ops.Shape(input=x, out_type=tf.int32)
    fixed = [(i, d) for i, d in enumerate(spec.shape.as_list()) if d is not None]
    if fixed:
        got = tf.gather(shape, [i for i, _ in fixed])
        ops.append(tf.debugging.Assert(
            tf.reduce_all(tf.equal(got, tf.constant([d for _, d in fixed], tf.int32))),
            [f"{where} must have shape {describe_shape(spec)}; got shape", shape]))
    if spec.dtype.is_floating:
        ops.append(tf.debugging.Assert(
            tf.reduce_all(tf.math.is_finite(x)),
            [f"{where} must hold finite numbers (no NaN or infinity)"]))
    batch = shape[0] if rank >= 1 and spec.shape.as_list()[0] is None else None
    return ops, batch


def guard_endpoint(signature: str, fn, input_signature: list[tf.TensorSpec]):
    """``fn`` preceded by run-time checks of its inputs against ``input_signature``.

    signature: the endpoint's name (for messages). fn: the endpoint, called with one
    tensor per spec, in order. Returns a function with the same parameters (and
    ``functools.wraps`` metadata, so the exported signature keeps its input names).
    Violations raise ``tf.errors.InvalidArgumentError`` when the graph runs.
    """
    specs = list(input_signature)

    @functools.wraps(fn)
    def guarded(*args):
        checks, batches = [], []
        for spec, x in zip(specs, args):
            ops, batch = _input_checks(signature, spec, x)
            checks += ops
            if batch is not None:
                batches.append((spec.name or "input", batch))
        if len(batches) > 1:
            with tf.control_dependencies(checks):
                sizes = tf.stack([b for _, b in batches])
            names = ", ".join(n for n, _ in batches)
            checks.append(tf.debugging.Assert(
                tf.reduce_all(tf.equal(sizes, sizes[0])),
                [f"inputs {names} of signature {signature} must have the same batch size "
                 "(first dimension); got", sizes]))
        with tf.control_dependencies(checks):
            args = [tf.identity(x) for x in args]
        return fn(*args)

    return guarded


def refusal(error: tf.errors.InvalidArgumentError) -> str:
    """The one line that says why a graph refused its input: the message of the guard
    (or any ``tf.debugging.Assert``) that failed, without TF's "Graph execution error"
    preamble and node names; else the error's first line that is not TF's preamble."""
    lines = [line.strip() for line in (error.message or str(error)).splitlines()]
    for line in lines:
        if line.startswith("assertion failed:"):
            text = line[len("assertion failed:"):].strip()
            return text[1:-1] if text.startswith("[") and text.endswith("]") else text
    preamble = ("Graph execution error", "Detected at node", "<stack traces", "[[")
    return next((line for line in lines if line and not line.startswith(preamble)),
                next((line for line in lines if line), ""))


def nonfinite_outputs(outputs: dict) -> list[str]:
    """Names and counts of floating-point outputs holding NaN or infinity, e.g.
    ``["score: 8 of 8 values are NaN"]``; empty when every number is finite."""
    problems = []
    for key, value in outputs.items():
        arr = np.asarray(value)
        if arr.dtype.kind != "f" or not arr.size:
            continue
        nan, inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
        if nan or inf:
            kinds = " and ".join(k for k, n in (("NaN", nan), ("infinite", inf)) if n)
            problems.append(f"{key}: {nan + inf} of {arr.size} values are {kinds}")
    return problems

"""Data-parallel training on the devices of one machine (``train.distribute``).

``mirrored`` is ``tf.distribute.MirroredStrategy``: one replica of the model per device,
each batch split across the replicas, gradients summed with an all-reduce before every
update, so the result is the same model as one device training on the global batch.
The model (its variables, optimizer and metrics) must be created inside the strategy's
scope; Keras 3 ``fit`` then distributes the dataset by itself.

Multi-worker training (``MultiWorkerMirroredStrategy``) is not offered: Keras 3 ``fit``
fails under it ("Attempt to convert a value (PerReplica ...)"), keras-team/keras#20585.
"""

from __future__ import annotations

import contextlib
import logging

log = logging.getLogger("seqkeras")


def replica_devices() -> list[str]:
    """The devices ``mirrored`` trains on: every GPU, else every logical CPU device
    (one unless ``tf.config.set_logical_device_configuration`` split the CPU)."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]


def make_strategy(name: str):
    """The ``tf.distribute.Strategy`` for ``train.distribute`` (None for ``none``).

    Raises ValueError for a name the schema does not know."""
    if name == "none":
        return None
    if name == "mirrored":
        import tensorflow as tf

        devices = replica_devices()
        return tf.distribute.MirroredStrategy(devices=devices)
    raise ValueError(f"unknown train.distribute {name!r}")


@contextlib.contextmanager
def strategy_scope(train_spec):
    """Build and compile the model inside this: the scope of ``train_spec.distribute``'s
    strategy, or nothing. Yields the strategy (None when not distributed)."""
    strategy = make_strategy(train_spec.distribute)
    if strategy is None:
        yield None
        return
    log.info("train: %s over %d replica(s) (%s); global batch %d, %s per replica",
             train_spec.distribute, strategy.num_replicas_in_sync,
             ", ".join(replica_devices()), train_spec.batch_size,
             f"{train_spec.batch_size / strategy.num_replicas_in_sync:g}")
    with strategy.scope():
        yield strategy

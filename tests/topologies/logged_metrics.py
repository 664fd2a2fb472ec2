"""The metric names a topology declares (its spec's METRICS) against what Keras logs.

``seqkeras validate`` checks ``tune.objective`` and the callbacks' monitors against the
declaration without TensorFlow; these helpers train the real model for one epoch so the
declaration cannot drift from the compile metrics.
"""

from __future__ import annotations


def logged_names(spec, topology, prep, records) -> set[str]:
    """The history keys of one epoch with a validation split and the topology's epoch
    callbacks (the task metrics on val, as the train stage runs them); an EarlyStopping
    callback watches every declared ``val_`` name with the declared direction (Keras
    refuses a metric whose direction it cannot tell when no mode is given)."""
    import keras

    train = topology.make_dataset(spec, prep, records, training=True)
    val = topology.make_dataset(spec, prep, records, training=False)
    model = topology.build_model(spec, prep)
    stops = [keras.callbacks.EarlyStopping(monitor=name, mode=spec.metric_direction(name),
                                           patience=3)
             for name in spec.logged_metrics() if name.startswith("val_")]
    epoch = topology.epoch_callbacks(spec, prep, records)
    history = model.fit(train, validation_data=val, epochs=1, callbacks=epoch + stops,
                        verbose=0)
    return set(history.history)

"""sequence_prediction: forecasting: lookback steps of features -> the next horizon steps.

This module imports no TensorFlow; the implementation is in ``topology.py``.
"""

from seqkeras.topologies.registry import register_topology

register_topology("sequence_prediction", "seqkeras.topologies.sequence_prediction.topology:SequencePrediction",
                  "forecasting: lookback steps of features -> the next horizon steps")

"""sequence_prediction: forecasting: lookback steps of features -> the next horizon steps.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.registry import register_topology
from seqkeras.topologies.sequence_prediction.spec import SequencePredictionPipeline, validate

register_topology("sequence_prediction",
                  "seqkeras.topologies.sequence_prediction.topology:SequencePrediction",
                  "forecasting: lookback steps of features -> the next horizon steps",
                  spec=SequencePredictionPipeline, validate=validate)

"""piano_roll: one-to-many polyphonic music as 88-key frames, sampled in-graph.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.piano_roll.spec import PianoRollPipeline, validate
from seqkeras.topologies.registry import register_topology

register_topology("piano_roll", "seqkeras.topologies.piano_roll.topology:PianoRoll",
                  "one-to-many polyphonic music as 88-key frames, sampled in-graph",
                  spec=PianoRollPipeline, validate=validate)

"""generation: one-to-many character language model, sampled in-graph.

This module imports no TensorFlow; the implementation is in ``topology.py``.
"""

from seqkeras.topologies.registry import register_topology

register_topology("generation", "seqkeras.topologies.generation.topology:Generation",
                  "one-to-many character language model, sampled in-graph")

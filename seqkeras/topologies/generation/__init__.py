"""generation: one-to-many character language model, sampled in-graph.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.generation.spec import GenerationPipeline, validate
from seqkeras.topologies.registry import register_topology

register_topology("generation", "seqkeras.topologies.generation.topology:Generation",
                  "one-to-many character language model, sampled in-graph",
                  spec=GenerationPipeline, validate=validate)

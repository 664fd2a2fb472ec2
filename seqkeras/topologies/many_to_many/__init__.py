"""many_to_many: entity tagging, one tag per token (aligned), optional CRF.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.many_to_many.spec import ManyToManyPipeline, validate
from seqkeras.topologies.registry import register_topology

register_topology("many_to_many", "seqkeras.topologies.many_to_many.topology:ManyToMany",
                  "entity tagging, one tag per token (aligned), optional CRF",
                  spec=ManyToManyPipeline, validate=validate)

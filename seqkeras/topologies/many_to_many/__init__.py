"""many_to_many: entity tagging, one tag per token (aligned), optional CRF.

This module imports no TensorFlow; the implementation is in ``topology.py``.
"""

from seqkeras.topologies.registry import register_topology

register_topology("many_to_many", "seqkeras.topologies.many_to_many.topology:ManyToMany",
                  "entity tagging, one tag per token (aligned), optional CRF")

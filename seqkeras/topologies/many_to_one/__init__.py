"""many_to_one: text classification: the last state (or pooled outputs) feeds a dense head.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.many_to_one.spec import ManyToOnePipeline, validate
from seqkeras.topologies.registry import register_topology

register_topology("many_to_one", "seqkeras.topologies.many_to_one.topology:ManyToOne",
                  "text classification: the last state (or pooled outputs) feeds a dense head",
                  spec=ManyToOnePipeline, validate=validate)

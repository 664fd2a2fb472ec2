"""Topologies: one package each (``seqkeras/topologies/<name>/``), registered once in
its ``__init__`` (see :mod:`seqkeras.topologies.registry`). A topology knows how to fit
its preprocessing, build the Keras functional model, feed it, evaluate it and serve it
(:class:`seqkeras.topologies.base.Topology`).

Nothing here imports TensorFlow: ``seqkeras validate`` lists and checks topologies
without it.
"""

from seqkeras.topologies.registry import (get_topology, register_topology, topology_entry,
                                          topology_names)

__all__ = ["get_topology", "register_topology", "topology_entry", "topology_names"]

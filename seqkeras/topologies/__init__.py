"""Topologies, registered by name. A topology knows how to fit its preprocessing,
build the Keras functional model, feed it, evaluate it and serve it.

Adding one touches a new module here, its import below, one YAML and its tests.
"""

from seqkeras.topologies.base import TOPOLOGIES, Topology, get_topology, register_topology
from seqkeras.topologies import many_to_one  # noqa: F401  (registers itself)

__all__ = ["TOPOLOGIES", "Topology", "get_topology", "register_topology"]

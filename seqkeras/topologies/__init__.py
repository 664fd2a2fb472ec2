"""Topologies, registered by name. A topology knows how to fit its preprocessing,
build the Keras functional model, feed it, evaluate it and serve it.

The registry maps each name to the module that defines it, so checking a spec's
topology name (``seqkeras validate``) does not import TensorFlow. Adding a topology
touches a new module here, its line below, one YAML and its tests.
"""

from seqkeras.topologies.base import TOPOLOGIES, Topology, get_topology, register_topology

TOPOLOGY_MODULES = {
    "many_to_one": "seqkeras.topologies.many_to_one",
    "many_to_many": "seqkeras.topologies.many_to_many",
    "sequence_prediction": "seqkeras.topologies.sequence_prediction",
    "generation": "seqkeras.topologies.generation",
    "piano_roll": "seqkeras.topologies.piano_roll",
    "seq2seq": "seqkeras.topologies.seq2seq",
}

__all__ = ["TOPOLOGIES", "TOPOLOGY_MODULES", "Topology", "get_topology", "register_topology"]

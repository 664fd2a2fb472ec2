"""seqkeras.topologies.registry: every package on disk is registered once, under its own
name, and resolves to its class."""

from __future__ import annotations

import pytest

from seqkeras.topologies import get_topology, topology_names
from seqkeras.topologies.many_to_one.topology import ManyToOne


def test_registry():
    assert isinstance(get_topology("many_to_one"), ManyToOne)
    # every name the spec accepts resolves to a class registered under that name
    assert topology_names() == ["generation", "many_to_many", "many_to_one", "piano_roll",
                                "seq2seq", "sequence_prediction", "transcription"]
    for name in topology_names():
        assert get_topology(name).name == name
    with pytest.raises(KeyError):
        get_topology("seq2seq_nope")

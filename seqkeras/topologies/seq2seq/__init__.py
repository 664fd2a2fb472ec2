"""seq2seq: encoder-decoder translation with optional attention, beam search in-graph.

This module imports no TensorFlow; the implementation is in ``topology.py``.
"""

from seqkeras.topologies.registry import register_topology

register_topology("seq2seq", "seqkeras.topologies.seq2seq.topology:Seq2Seq",
                  "encoder-decoder translation with optional attention, beam search in-graph")

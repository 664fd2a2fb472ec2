"""seq2seq: encoder-decoder translation with optional attention, beam search in-graph.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.registry import register_topology
from seqkeras.topologies.seq2seq.spec import Seq2SeqPipeline, validate

register_topology("seq2seq", "seqkeras.topologies.seq2seq.topology:Seq2Seq",
                  "encoder-decoder translation with optional attention, beam search in-graph",
                  spec=Seq2SeqPipeline, validate=validate)

"""transcription: speech recognition (Tx != Ty without a decoder): a recurrent encoder
over audio frames, trained with CTC, decoded greedily or by beam search in-graph.

This module imports no TensorFlow; the implementation is in ``topology.py``, the
pipeline schema in ``spec.py``.
"""

from seqkeras.topologies.registry import register_topology
from seqkeras.topologies.transcription.spec import TranscriptionPipeline, validate

register_topology("transcription",
                  "seqkeras.topologies.transcription.topology:Transcription",
                  "speech recognition: recurrent encoder over audio frames, CTC loss, "
                  "greedy or beam CTC decoding in-graph",
                  spec=TranscriptionPipeline, validate=validate)

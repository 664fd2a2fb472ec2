"""Keras layers shared by the topologies: one Keras object a module.

==================  ==========================================================
``recurrent_stack``  the cell registry and the stacked (bi)directional RNN builder
``min_rnn``          ``MinGRU`` / ``MinLSTM``: cells trained with a parallel scan
``pooling``          ``MaskedGlobalMaxPooling1D`` and the ``model.pooling`` choices
``word_dropout``     ``WordDropout``: unknown-word replacement while training
``char_encoder``     ``TokenCharEncoder``: a vector per word from its characters
``attention``        ``SourceAttention``: Bahdanau / Luong attention over a source
``crf``              ``CRF``: linear-chain CRF layer, forward algorithm and Viterbi
``length_mask``      ``LengthMask``: a mask from sequence lengths (measurement frames)
``frame_stack``      ``FrameStack``: k frames a step, a lower frame rate
``ngram_hash``       ``NgramHash``: a linear model over hashed token n-grams (fastText)
``sampled_softmax``  ``SampledSoftmaxLogits``: vocabulary logits, trainable on a sample
==================  ==========================================================

Every layer is registered with ``@keras.saving.register_keras_serializable(package=
"seqkeras")`` under its class name, so ``model.keras`` files load by that name whatever
module the class lives in; importing this package registers them all.
"""

from seqkeras.layers.attention import SourceAttention
from seqkeras.layers.char_encoder import TokenCharEncoder
from seqkeras.layers.crf import CRF
from seqkeras.layers.frame_stack import FrameStack
from seqkeras.layers.length_mask import LengthMask
from seqkeras.layers.ngram_hash import NgramHash
from seqkeras.layers.pooling import POOLINGS, MaskedGlobalMaxPooling1D
from seqkeras.layers.min_rnn import MinGRU, MinGRUCell, MinLSTM, MinLSTMCell
from seqkeras.layers.recurrent_stack import CELLS, recurrent_stack
from seqkeras.layers.sampled_softmax import SampledSoftmaxLogits
from seqkeras.layers.word_dropout import WordDropout

__all__ = ["CELLS", "CRF", "FrameStack", "LengthMask", "POOLINGS", "MaskedGlobalMaxPooling1D",
           "MinGRU", "MinGRUCell", "MinLSTM", "MinLSTMCell", "NgramHash", "SampledSoftmaxLogits",
           "SourceAttention",
           "TokenCharEncoder", "WordDropout", "recurrent_stack"]

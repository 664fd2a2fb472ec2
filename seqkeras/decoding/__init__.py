"""Decoding shared by the generating topologies (generation, piano_roll, seq2seq).

=================  ============================================================
``sampling``       the next-token rule: seeded per row and position, temperature,
                   top-k, greedy at 0; the special tokens never generated
``step_decoder``   ``StepDecoder``: a trained model's recurrent cells stepped in a
                   ``tf.while_loop`` (what the SavedModel serves), and the Python
                   reference loop it is tested against
=================  ============================================================

What only one topology needs stays in its package: the piano-roll frame sampler
(``topologies/piano_roll/frame_decoder.py``) and the encoder-decoder's greedy and beam
search (``topologies/seq2seq/decoder.py``), both built on these.
"""

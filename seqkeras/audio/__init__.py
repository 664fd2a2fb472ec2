"""Audio: WAV checks in Python (``wav``) and the in-graph front-end (``frontend``:
decode, STFT, log-mel, MFCC, deltas; ``augment``: training-time augmentation).

Everything that runs on served requests uses core TensorFlow ops only
(``tf.audio.decode_wav``, ``tf.signal``), so TF Serving computes the features and
clients send raw audio. ``wav`` imports no TensorFlow (ingest and ``validate`` use it).
"""

"""Measurement inputs (``input.kind`` numeric or audio), shared by the topologies that
read them: what the tokenize stage learns (``prep``), where the raw sequences and
recordings come from (``banks``), the tf.data examples (``dataset``), the model's input
layers (``model_inputs``), the served signatures and ``predict`` arguments
(``serving``) and the picture of a few examples (``plots``).

A topology calls these with its own records and heads; the same encoder object
(:class:`~seqkeras.measurements.prep.MeasurementPrep`) turns raw values into model
features in the training pipeline and in the exported graph.
"""

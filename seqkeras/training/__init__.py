"""What every topology's ``make_dataset``, ``build_model`` and ``evaluate`` share.

==============  ==============================================================
``batching``    (x, y) examples -> shuffled, length-bucketed, padded batches
``optimizers``  optimizers by name; ``compile_model`` from the ``train`` section
``likelihood``  the exact summed NLL of a next-token model over a dataset
==============  ==============================================================

A topology imports from here, never from another topology.
"""

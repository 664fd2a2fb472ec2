"""What every topology's ``make_dataset``, ``build_model`` and ``evaluate`` share.

=============  ==============================================================
``optimizers``  optimizers by name; ``compile_model`` from the ``train`` section
=============  ==============================================================

A topology imports from here, never from another topology.
"""

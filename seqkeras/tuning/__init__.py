"""Hyperparameter search with keras-tuner, in one process or distributed.

``hypermodel``: the search space of a pipeline as a keras-tuner HyperModel, trials
logged to MLflow. ``oracle_server``: keras-tuner's chief oracle served over gRPC from
the pipeline's own process. ``cluster``: tuner worker processes started and watched
on this machine. ``worker``: the entry point of one worker (``python -m``).
"""

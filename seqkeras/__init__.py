"""seqkeras: declarative recurrent sequence-model pipelines on Keras 3 / TensorFlow."""

__version__ = "0.1.0"

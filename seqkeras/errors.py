"""User-facing errors: the CLI prints these as one clear message, never a traceback."""


class SeqkerasError(Exception):
    """An error caused by the user's input (spec, data, paths), with a readable message."""


class SpecError(SeqkerasError):
    """The pipeline YAML is invalid; the message names the file, key path and line."""


class DataError(SeqkerasError):
    """Input data is missing or unusable as a whole (single bad rows are rejected instead)."""


class ServingCheckError(SeqkerasError):
    """An export would not load or answer the way TensorFlow Serving needs."""


class ModelError(SeqkerasError):
    """A trained model is unusable (non-finite loss, weights or outputs) and must not ship."""

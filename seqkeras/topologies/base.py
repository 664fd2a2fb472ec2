"""The Topology interface the stages talk to (the registry is in ``registry.py``)."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seqkeras.ingest.result import IngestResult


def as_text(value) -> str:
    """A served string (bytes from TF) or any value -> str, for ``predict``'s lines."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class Topology(abc.ABC):
    """One recurrent architecture family, end to end.

    Stages call these hooks in order; each hook gets the validated spec and the
    artifacts of the stages before it, and writes only into the folder it is given
    (``ingest`` writes nothing: it returns what it read).
    """

    #: Set by the registry to the package's registered name.
    name: str

    def ingest(self, spec, log) -> "IngestResult":
        """Read ``spec.data.sources`` into records per split, rejects and statistics (an
        :class:`~seqkeras.ingest.result.IngestResult`; nothing is written: the ingest
        stage writes it). Text records ({text, label} or {tokens, tags}) by default; a
        topology with another kind of data (chorales, a time series) overrides this.
        Raises DataError for sources that cannot be read or give no training record."""
        from seqkeras.ingest.records import read_records

        return read_records(spec, log)

    @abc.abstractmethod
    def fit_preprocessor(self, spec, train_records: list[dict], out_dir: Path) -> dict:
        """Learn vocabularies/statistics from the training split only; return a summary."""

    @abc.abstractmethod
    def load_preprocessor(self, spec, prep_dir: Path) -> Any:
        """Load what ``fit_preprocessor`` wrote (an object the other hooks understand)."""

    @abc.abstractmethod
    def build_model(self, spec, prep) -> Any:
        """A compiled Keras functional model for training."""

    def fit_fixed_weights(self, spec, prep, model, train_records: list[dict]) -> dict:
        """Set the model's weights that are statistics of the training split rather than
        learnt (the n-gram branch's naive-Bayes ratios), after ``build_model`` and before
        training; returns what was set, for the log (empty: nothing). Default: nothing."""
        return {}

    @abc.abstractmethod
    def make_dataset(self, spec, prep, records: list[dict], training: bool):
        """A tf.data pipeline of (inputs, targets) batches."""

    @abc.abstractmethod
    def evaluate(self, spec, prep, model, records: list[dict], out_dir: Path) -> dict:
        """Test metrics (names without the ``test_`` prefix); may write plots into out_dir."""

    def epoch_callbacks(self, spec, prep, val_records: list[dict]) -> list:
        """Keras callbacks that compute the topology's task metrics on ``val_records``
        after every epoch and put them into the epoch's ``logs`` as ``val_<name>`` (the
        names its spec declares in ``VAL_METRICS``), before early stopping, the
        checkpoint and MLflow read them. None by default (the loss is the task metric)."""
        return []

    def baseline(self, spec, prep, train: list[dict], val: list[dict], test: list[dict],
                 out_dir: Path):
        """The model's baseline, fitted on the same splits and scored on the same test
        records (a :class:`~seqkeras.baselines.BaselineResult`, or None when the topology
        has none). Trivial floors (majority class, persistence) are always scored; the
        strong baseline (scikit-learn) only when ``spec.baseline.enabled``, within its
        sample caps. May write files into ``out_dir``."""
        return None

    @abc.abstractmethod
    def serving_endpoints(self, spec, prep, model) -> dict:
        """name -> (tf function, input_signature) for the SavedModel; the first is served by default."""

    @abc.abstractmethod
    def trackables(self, prep) -> list:
        """Lookup tables and modules the export must track besides the model."""

    @abc.abstractmethod
    def example_inputs(self, records: list[dict], n: int) -> dict:
        """Raw serving inputs (name -> numpy array) for warmup and parity checks."""

    def export_metadata(self, spec, prep) -> dict:
        """JSON-serializable facts ``seqkeras predict`` needs to read its arguments that
        the signature does not carry (e.g. how a CSV's time column is written); kept in
        the export's ``assets.extra/seqkeras.json`` under ``"predict"``. Default: none."""
        return {}

    def use_export_metadata(self, metadata: dict) -> None:
        """Called by ``seqkeras predict`` with what :meth:`export_metadata` recorded (an
        empty dict for exports without it), before :meth:`parse_predict_inputs`."""

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        """Serving inputs (name -> numpy array) from ``seqkeras predict`` arguments, given
        the signature's inputs (name -> TensorSpec); by default the arguments are the raw
        strings of its first input."""
        import numpy as np

        return {next(iter(signature_inputs)): np.array(args, dtype=object)}

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        """Human-readable lines for ``seqkeras predict``."""
        return [str(outputs)]

"""What the tokenize stage learns from the training span, and a split's records as arrays.

Normalization statistics and category lists come from the training span only; the
exported graph holds them as constants, so a served window is encoded exactly as the
training windows were (``SeriesPrep.encode`` in numpy, the serving graph in TF).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from seqkeras.errors import SeqkerasError

#: The tokenize stage's output file.
PREP_FILE = "series_preprocessor.json"
#: The serving input with the window's Unix seconds (only with calendar features).
TIMESTAMP_INPUT = "timestamp"


def series_spec(spec):
    """The pipeline's ``data.series`` section; raises SeqkerasError when it has none."""
    if spec.data.series is None:
        raise SeqkerasError("the sequence_prediction topology needs data.series")
    return spec.data.series


def input_name(column: str) -> str:
    """The serving input name for a column (a valid TF and Python identifier): characters
    other than letters, digits and ``_`` become ``_`` (``pm2.5`` -> ``pm2_5``); a name not
    starting with a letter gets ``c_`` in front."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", column.strip())
    return name if re.match(r"[A-Za-z]", name) else f"c_{name}"


@dataclass
class SeriesPrep:
    """What the tokenize stage learned from the training span (``series_preprocessor.json``):
    the input columns, per-numeric-column mean and standard deviation (float64 ``[n_numeric]``,
    original units) and per-categorical-column category lists."""

    numeric: list[str]                 #: targets first, then numeric features
    categorical: list[str]
    targets: list[str]
    mean: np.ndarray                   #: per numeric column
    std: np.ndarray
    categories: dict[str, list[str]]   #: per categorical column, sorted
    lookback: int
    horizon: int
    #: what the network outputs (``data.series.target_transform``, ``auto`` resolved)
    target_transform: str = "none"
    target_scale: str = "none"         #: ``log``: targets are read as log1p
    seasonal_period: int | None = None
    calendar: list[str] = field(default_factory=list)  #: calendar features (empty: none)
    time_zone: str = "UTC"
    #: seconds between steps when the model also reads the calendar of the steps ahead
    step_seconds: int | None = None

    @property
    def n_features(self) -> int:
        """Width of the model's input: numeric columns plus one-hot categories."""
        return len(self.numeric) + sum(len(self.categories[c]) for c in self.categorical)

    @property
    def input_names(self) -> dict[str, str]:
        """Column -> serving input name (:func:`input_name`)."""
        return {c: input_name(c) for c in self.numeric + self.categorical}

    @property
    def serving_names(self) -> list[str]:
        """The serving inputs in signature order: the columns', then ``timestamp`` (Unix
        seconds) with calendar features."""
        return list(self.input_names.values()) + ([TIMESTAMP_INPUT] if self.calendar else [])

    def to_json(self) -> dict:
        """The JSON written by the tokenize stage (with the serving input names)."""
        return {"numeric": self.numeric, "categorical": self.categorical,
                "targets": self.targets, "mean": self.mean.tolist(), "std": self.std.tolist(),
                "categories": self.categories, "lookback": self.lookback,
                "horizon": self.horizon,
                "input_names": self.input_names,
                "target_transform": self.target_transform, "target_scale": self.target_scale,
                "seasonal_period": self.seasonal_period, "calendar": self.calendar,
                "time_zone": self.time_zone, "step_seconds": self.step_seconds}

    @classmethod
    def from_json(cls, d: dict) -> "SeriesPrep":
        """Back from :meth:`to_json` (``target_transform`` None in a file written before
        transforms were recorded: the spec's applies); raises KeyError for a missing field."""
        return cls(d["numeric"], d["categorical"], d["targets"], np.array(d["mean"]),
                   np.array(d["std"]), d["categories"], d["lookback"], d["horizon"],
                   d.get("target_transform"), d.get("target_scale", "none"),
                   d.get("seasonal_period"), list(d.get("calendar", [])),
                   d.get("time_zone", "UTC"), d.get("step_seconds"))

    def scale(self, numeric: np.ndarray) -> np.ndarray:
        """float64 copy of raw numeric values ``[..., n_numeric]`` (or the targets alone,
        ``[..., n_targets]``) with the targets on the model's scale: log1p of the value
        (below 0 read as 0) when ``target_scale`` is ``log``, else unchanged."""
        x = np.array(numeric, np.float64)
        if self.target_scale == "log":
            k = len(self.targets)
            x[..., :k] = np.log1p(np.maximum(x[..., :k], 0.0))
        return x

    def normalize_targets(self, y: np.ndarray) -> np.ndarray:
        """Raw targets ``[..., n_targets]`` -> float64 on the scale the model forecasts."""
        k = len(self.targets)
        return (self.scale(y) - self.mean[:k]) / self.std[:k]

    def encode(self, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
        """Model features float32 ``[..., n_features]`` from raw values, numeric float
        ``[..., n_numeric]`` and categorical str ``[..., n_categorical]`` (numpy; the
        serving graph does the same in TF): standardized numbers (NaN -> 0, the mean),
        then one-hots (an unknown category is all zeros)."""
        x = (self.scale(numeric) - self.mean) / self.std
        parts = [np.nan_to_num(x, nan=0.0)]
        for j, c in enumerate(self.categorical):
            vocab = np.array(self.categories[c], dtype=object)
            parts.append(categorical[..., j:j + 1] == vocab)
        return np.concatenate(parts, axis=-1).astype(np.float32)

    def denormalize(self, y: np.ndarray) -> np.ndarray:
        """Normalized targets ``[..., n_targets]`` -> float64 in original units (expm1
        undoes a ``log`` target scale)."""
        k = len(self.targets)
        y = np.asarray(y, np.float64) * self.std[:k] + self.mean[:k]
        return np.expm1(y) if self.target_scale == "log" else y

    def model_inputs(self, arrays: "SplitArrays", ends: np.ndarray):
        """What the Keras model takes for the windows ending at rows ``ends`` of a split:
        the encoded windows float32 ``[W, lookback, n_features]``; with calendar features
        ``{"window": those, "timestamp": their Unix seconds int64 [W, lookback]}``."""
        from seqkeras.topologies.sequence_prediction.windows import gather_windows

        windows = gather_windows(self.encode(arrays.numeric, arrays.categorical), ends,
                                 self.lookback)
        if not self.calendar:
            return windows
        return {"window": windows,
                "timestamp": gather_windows(self.seconds(arrays), ends, self.lookback)}

    def seconds(self, arrays: "SplitArrays") -> np.ndarray:
        """int64 Unix seconds ``[rows]`` of a split's rows (local times in ``time_zone``)."""
        from seqkeras.topologies.sequence_prediction.calendar import unix_seconds

        return unix_seconds(arrays.times, self.time_zone)


@dataclass
class SplitArrays:
    """One split's records as arrays (rows in time order)."""

    numeric: np.ndarray                #: [rows, n_numeric] raw
    categorical: np.ndarray            #: [rows, n_categorical] str
    steps: np.ndarray
    context: np.ndarray                #: bool: history row, never a target
    imputed: np.ndarray                #: [rows, n_targets] bool: target value was filled in
    times: list[str]


def split_arrays(prep: SeriesPrep, records: list[dict]) -> SplitArrays:
    """A split's records (see ``series.py``) as arrays, rows in record order. Raises
    KeyError for a record without one of ``prep``'s columns."""
    n = len(records)
    numeric = np.array([[r["values"][c] for c in prep.numeric] for r in records],
                       dtype=np.float64).reshape(n, len(prep.numeric))
    categorical = np.array([[r["values"][c] for c in prep.categorical] for r in records],
                           dtype=object).reshape(n, len(prep.categorical))
    imputed = np.array([[c in r.get("imputed", ()) for c in prep.targets] for r in records],
                       dtype=bool).reshape(n, len(prep.targets))
    return SplitArrays(numeric, categorical, np.array([r["step"] for r in records], np.int64),
                       np.array([bool(r.get("context")) for r in records], bool), imputed,
                       [r["time"] for r in records])

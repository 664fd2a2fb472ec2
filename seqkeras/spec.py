"""The pipeline schema: one YAML file per pipeline, validated before any stage runs.

Defaults live here and nowhere else. Every section is a frozen pydantic model that
forbids unknown keys, so a misspelt key is an error that names the key path, the
line in the YAML file and the closest valid key.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any, Literal, Optional, Union

import pydantic
import yaml
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator,
                      model_validator)
from typing_extensions import Annotated

from seqkeras.errors import SpecError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- data
class Source(Section):
    """One input file. ``path`` is relative to the data root unless absolute or ``pkg://``."""

    path: str
    format: Literal["auto", "csv", "tsv", "jsonl", "text", "columns", "conll"] = "auto"
    #: Member to read when ``path`` is a zip archive (default: its only/first data file).
    member: Optional[str] = None
    #: Field names for csv/tsv/jsonl, column indexes (0-based, negative from the end) for
    #: ``columns`` and ``conll`` (there: the token column and the tag column).
    text_field: Union[str, int] = "text"
    label_field: Union[str, int, None] = "label"
    #: seq2seq: the field holding the target sequence (the translation of ``text_field``).
    target_field: Union[str, int, None] = None
    split_field: Union[str, int, None] = None
    #: Constant label for every record of this file (folder-per-class style data).
    label: Optional[str] = None
    #: Constant split for every record of this file (train/val/test given as files).
    split: Optional[Literal["train", "val", "test"]] = None
    #: csv/tsv files without a header row: fields are then addressed by index.
    header: bool = True
    #: ``columns`` format: the column separator (None = any whitespace).
    delimiter: Optional[str] = None
    encoding: str = "utf-8"


class SplitFractions(Section):
    """Seeded deterministic split, used for records whose source gives no split."""

    val: float = Field(0.1, ge=0, lt=1)
    test: float = Field(0.1, ge=0, lt=1)

    @model_validator(mode="after")
    def _leaves_training_data(self):
        if self.val + self.test >= 1:
            raise ValueError("val + test must be below 1 so that training data remains")
        return self


class SeriesSpec(Section):
    """Time-indexed data for ``sequence_prediction``: which columns are time, inputs, targets."""

    #: The timestamp column, or several columns combined (e.g. [year, month, day, hour]).
    time: Union[str, list[str]]
    #: strptime format of a single time column (None: let pandas parse it).
    time_format: Optional[str] = None
    #: Expected spacing of the rows as a pandas offset ("1h", "1D"); None infers it.
    frequency: Optional[str] = None
    #: Columns the model reads besides the targets (numbers or categoricals).
    features: list[str] = []
    #: Columns to forecast (also fed as inputs).
    targets: list[str] = Field(min_length=1)
    #: Feature columns holding categories (strings), one-hot encoded.
    categorical: list[str] = []
    #: How missing values and missing time steps are filled; the count is reported.
    missing: Literal["interpolate", "ffill", "drop", "zero"] = "interpolate"
    #: Steps of history the model sees, and steps ahead it forecasts.
    lookback: int = Field(24, ge=1)
    horizon: int = Field(1, ge=1)
    #: Distance between consecutive training windows (1: every possible window).
    stride: int = Field(1, ge=1)
    #: Steps in one season for the seasonal-naive baseline (24 hourly, 365 daily).
    seasonal_period: Optional[int] = Field(None, ge=1)
    #: Training loss on the normalized targets: mse (squared error) or mae (absolute error).
    loss: Literal["mse", "mae"] = "mse"


class DataSpec(Section):
    sources: list[Source] = Field(min_length=1)
    #: Time-series layout (required by ``sequence_prediction``, ignored otherwise).
    series: Optional[SeriesSpec] = None
    split: SplitFractions = SplitFractions()
    #: How values of a split column map onto train/val/test, added to the defaults
    #: (train, val, valid, validation, dev, test); ``drop`` discards those records.
    split_values: dict[str, Literal["train", "val", "test", "drop"]] = {}
    #: Keep at most this many records per split (after splitting); for quick runs.
    max_records_per_split: Optional[int] = Field(None, gt=0)
    #: Records whose text is longer than this many characters are rejected.
    max_chars: int = Field(100_000, gt=0)
    #: Tagged sequences (conll): ``iob2`` rewrites IOB1 tags so every entity starts
    #: with B- (IOB2/BIO); ``keep`` leaves the tags as they are.
    tag_scheme: Literal["keep", "iob2"] = "keep"

    def split_mapping(self) -> dict[str, str]:
        return {**DEFAULT_SPLIT_VALUES, **self.split_values}


DEFAULT_SPLIT_VALUES = {"train": "train", "val": "val", "valid": "val", "validation": "val",
                        "dev": "val", "test": "test"}


# ----------------------------------------------------------------------- tokenize
class Replacement(Section):
    pattern: str
    rewrite: str = " "


class TokenizeSpec(Section):
    #: word: words and punctuation marks; whitespace: split on spaces only; char: characters;
    #: word_marked: like word, with "▁" on every token that follows a space, so generated
    #: tokens join back into text exactly (the target side of translation); wordpiece:
    #: subwords learned from the training split (max_tokens pieces), joining back exactly.
    level: Literal["word", "whitespace", "char", "word_marked", "wordpiece"] = "word"
    lowercase: bool = True
    unicode_normalization: Literal["NFC", "NFD", "NFKC", "NFKD", "none"] = "NFKC"
    #: Regex replacements applied in-graph before splitting (RE2 syntax).
    replace: list[Replacement] = []
    #: Vocabulary size including the reserved tokens.
    max_tokens: int = Field(20_000, gt=len(("pad", "unk", "start", "end")))
    min_frequency: int = Field(1, ge=1)
    #: Sequences are cut to this many tokens (None: keep all).
    max_length: Optional[int] = Field(200, gt=0)
    #: Which end to keep when a sequence is cut.
    truncate: Literal["keep_start", "keep_end"] = "keep_start"


# -------------------------------------------------------------------------- model
class ModelSpec(Section):
    embedding_dim: int = Field(64, gt=0)
    cell: Literal["simple_rnn", "lstm", "gru", "min_gru", "min_lstm"] = "lstm"
    units: int = Field(64, gt=0)
    layers: int = Field(1, ge=1)
    bidirectional: bool = False
    dropout: float = Field(0.0, ge=0, lt=1)
    recurrent_dropout: float = Field(0.0, ge=0, lt=1)
    #: Dropout on the embedded tokens.
    embedding_dropout: float = Field(0.0, ge=0, lt=1)
    #: How the sequence becomes one vector: the last state (the classic many-to-one), or
    #: the mean / max over every unmasked step's output.
    pooling: Literal["last", "mean", "max"] = "last"
    #: Dropout before the output layer.
    head_dropout: float = Field(0.0, ge=0, lt=1)
    #: Hidden dense layer before the output (0: none).
    head_units: int = Field(0, ge=0)
    #: Tagging: a per-word character encoder (0: off), its recurrent units, and a CRF
    #: output layer decoded with Viterbi.
    char_embedding_dim: int = Field(0, ge=0)
    char_units: int = Field(25, ge=1)
    crf: bool = False
    #: Tagging: how the character encoder reads a word (bidirectional lstm / gru of
    #: char_units per direction, or a width-3 cnn of char_units filters, max-pooled), and
    #: how many of a word's characters it reads (longer words are cut).
    char_encoder: Literal["lstm", "gru", "cnn"] = "lstm"
    char_max_length: int = Field(20, ge=1)
    #: Tagging: embedding size of a per-word casing feature (lower, Title, UPPER, digits,
    #: punctuation, ...; 0: off).
    casing_dim: int = Field(0, ge=0)
    #: Tagging: probability of replacing a training word by [UNK] (word dropout).
    word_dropout: float = Field(0.0, ge=0, lt=1)
    #: Tagging: inverse-time learning-rate decay, learning_rate / (1 + lr_decay * epoch)
    #: (0: constant; Ma & Hovy 2016 decay by 0.05 an epoch).
    lr_decay: float = Field(0.0, ge=0)
    #: auto: sigmoid for two classes, softmax otherwise.
    head: Literal["auto", "sigmoid", "softmax"] = "auto"
    #: Generation: embedding size of the record's label (data.sources[].label_field) that
    #: the model is conditioned on, concatenated to the input at every step (0: off).
    condition_dim: int = Field(0, ge=0)
    #: seq2seq: how the decoder reads the encoder's outputs at every step: ``none`` (only
    #: the encoder's final state, Sutskever/Cho), ``bahdanau`` (additive score) or
    #: ``luong`` (multiplicative "general" score).
    attention: Literal["none", "bahdanau", "luong"] = "bahdanau"
    #: seq2seq: layer-normalize what the output head reads ([decoder output; context]).
    #: Without it an attentional decoder sits on a loss plateau for epochs before it
    #: learns where to look (measured on translate_en_fr: 3-4 of 10 epochs).
    head_layer_norm: bool = False


# --------------------------------------------------------------------------- tune
class Choice(Section):
    choice: list[Any] = Field(min_length=1)


class Range(Section):
    min: float
    max: float
    step: Optional[float] = None
    sampling: Literal["linear", "log"] = "linear"
    #: int ranges give int values (units, layers); float ranges give floats.
    type: Literal["int", "float"] = "float"

    @model_validator(mode="after")
    def _ordered(self):
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        if self.sampling == "log" and self.min <= 0:
            raise ValueError("log sampling needs min > 0")
        return self


def _dimension_kind(value) -> str:
    return "Choice" if isinstance(value, Choice) or (
        isinstance(value, dict) and "choice" in value) else "Range"


#: A search dimension: ``{choice: [...]}`` or ``{min:, max:, ...}``. The tags are the class
#: names, which error messages drop from key paths (``_UNION_BRANCHES``).
Dimension = Annotated[Union[Annotated[Choice, Tag("Choice")], Annotated[Range, Tag("Range")]],
                      Discriminator(_dimension_kind)]


class TuneSpec(Section):
    enabled: bool = False
    algorithm: Literal["random", "bayesian", "hyperband"] = "random"
    max_trials: int = Field(4, ge=1)
    #: Epochs per trial (hyperband: the maximum epochs of a bracket).
    epochs: int = Field(2, ge=1)
    objective: str = "val_loss"
    #: Dotted keys into ``model`` or ``train`` mapped to a choice or a range.
    space: dict[str, Dimension] = {}
    #: Limit training batches per trial epoch (None: the whole training split).
    steps_per_epoch: Optional[int] = Field(None, gt=0)

    @field_validator("space")
    @classmethod
    def _known_keys(cls, space):
        for key in space:
            section, _, name = key.partition(".")
            owner = {"model": ModelSpec, "train": TrainSpec}.get(section)
            if owner is None or name not in owner.model_fields:
                valid = [f"model.{k}" for k in ModelSpec.model_fields] + [
                    f"train.{k}" for k in TrainSpec.model_fields]
                raise ValueError(f"unknown search-space key {key!r}{_suggest(key, valid)}")
        return space

    @model_validator(mode="after")
    def _space_when_enabled(self):
        if self.enabled and not self.space:
            raise ValueError("tune.enabled is true but tune.space declares no dimension "
                             "(e.g. model.units: {choice: [32, 64]})")
        return self


# -------------------------------------------------------------------------- train
class EarlyStopping(Section):
    monitor: str = "val_loss"
    patience: int = Field(2, ge=0)
    restore_best_weights: bool = True


class ReduceLROnPlateau(Section):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs: a high rate learns fast early, a lower one then settles into the
    minimum the high one keeps overshooting (val loss turning up while train loss falls)."""

    monitor: str = "val_loss"
    factor: float = Field(0.5, gt=0, lt=1)
    #: Keep below early_stopping.patience, so the lower rate gets epochs to help.
    patience: int = Field(1, ge=0)
    #: The rate is never reduced below this.
    min_lr: float = Field(1e-5, ge=0)


class TrainSpec(Section):
    epochs: int = Field(5, ge=1)
    batch_size: int = Field(64, ge=1)
    learning_rate: float = Field(1e-3, gt=0)
    optimizer: Literal["adam", "adamw", "rmsprop", "sgd"] = "adam"
    #: Gradient clipping by global norm (None: off).
    clipnorm: Optional[float] = Field(1.0, gt=0)
    early_stopping: Optional[EarlyStopping] = EarlyStopping()
    #: Learning-rate schedule on a plateau (None: a constant rate).
    reduce_lr_on_plateau: Optional[ReduceLROnPlateau] = None
    #: Batch sequences of similar length together (less padding, faster epochs).
    bucket_by_length: bool = True
    shuffle_buffer: int = Field(10_000, ge=1)
    #: Limit batches per epoch (None: the whole training split); for quick runs.
    steps_per_epoch: Optional[int] = Field(None, gt=0)
    #: XLA compilation. Off by default: every new padded batch shape would recompile,
    #: which made a bucketed BiLSTM epoch many times slower on CPU.
    jit_compile: bool = False


# ------------------------------------------------------------------------- export
class ExportSpec(Section):
    #: Exports go to ``<base_dir>/<pipeline>/<version>/``.
    base_dir: str = "models"
    warmup_examples: int = Field(4, ge=1)
    parity_examples: int = Field(32, ge=1)


# ----------------------------------------------------------------------- generate
class GenerationSpec(Section):
    """Decoding settings: for ``generation``, the samples logged after training and the
    export's warmup/parity requests (``top_k`` is baked into the export); for ``seq2seq``,
    the beam search of the test metrics and the export."""

    #: Softmax temperature; 0 decodes greedily (the most likely token every step).
    temperature: float = Field(1.0, ge=0)
    #: Sample only among the k most likely tokens (0: all); baked into the export.
    top_k: int = Field(0, ge=0)
    #: Most tokens generated after the prefix ([END] stops earlier).
    max_length: int = Field(32, ge=1, le=256)
    #: Sequences generated from an empty prefix after training (logged, novelty measured).
    samples: int = Field(50, ge=1)
    #: seq2seq: beam search width of the export and the test metrics (1: greedy).
    beam_size: int = Field(1, ge=1, le=32)
    #: seq2seq: GNMT length normalization of beam scores, ((5 + length) / 6) ** alpha
    #: (0: raw log-probabilities, which favour short outputs).
    length_penalty: float = Field(0.6, ge=0)


class PipelineSpec(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    topology: str = "many_to_one"
    seed: int = 1337
    data: DataSpec
    tokenize: TokenizeSpec = TokenizeSpec()
    #: seq2seq: how the target side is tokenized (None: like ``tokenize``); its own
    #: vocabulary is always learned from the training targets.
    target_tokenize: Optional[TokenizeSpec] = None
    model: ModelSpec = ModelSpec()
    tune: TuneSpec = TuneSpec()
    train: TrainSpec = TrainSpec()
    export: ExportSpec = ExportSpec()
    #: Sampling defaults for the ``generation`` topology (ignored by the others).
    generate: GenerationSpec = GenerationSpec()

    @field_validator("topology")
    @classmethod
    def _registered_topology(cls, name):
        from seqkeras.topologies import topology_names

        known = topology_names()
        if name not in known:
            raise ValueError(f"unknown topology {name!r}{_suggest(name, known)}; "
                             f"registered: {', '.join(sorted(known))}")
        return name

    @model_validator(mode="after")
    def _search_values_fit_their_fields(self):
        """Every value a search may try must be valid for its field (checked up front)."""
        for key, dim in self.tune.space.items():
            values = dim.choice if isinstance(dim, Choice) else [dim.min, dim.max]
            if isinstance(dim, Range) and dim.type == "int":
                values = [int(v) for v in values]
            section, _, name = key.partition(".")
            current = getattr(self, section)
            for value in values:
                try:
                    type(current).model_validate({**current.model_dump(), name: value})
                except pydantic.ValidationError as exc:
                    reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
                    raise ValueError(f"tune.space.{key}: value {value!r} is not valid for "
                                     f"{key}: {reason}") from None
        return self

    def section_hash(self, *sections: str) -> str:
        """Stable hash of the named sections (what a stage's fingerprint depends on)."""
        payload = {s: _jsonable(getattr(self, s)) for s in sections}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(self, overrides: dict[str, Any]) -> "PipelineSpec":
        """A copy with dotted ``section.key`` values replaced (used by the tuner)."""
        data = self.model_dump()
        for key, value in overrides.items():
            section, _, name = key.partition(".")
            data[section][name] = value
        return PipelineSpec.model_validate(data)


def _jsonable(value):
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def flatten(spec: PipelineSpec) -> dict[str, str]:
    """``section.key`` -> value strings, for MLflow params."""
    out: dict[str, str] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                walk(f"{prefix}.{i}", v)
        else:
            out[prefix] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)

    walk("", spec.model_dump(mode="json"))
    return out


# ---------------------------------------------------------------------- loading
def load_spec(path: str | Path, check_files: bool = True) -> PipelineSpec:
    """Read and validate a pipeline YAML file; raise SpecError with a readable message.

    With ``check_files``, every data source must exist (resolved through the data root).
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: pipeline file not found")
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
        lines = _key_lines(yaml.compose(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise SpecError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected a mapping of sections at the top level")
    raw.setdefault("name", path.stem)
    try:
        spec = PipelineSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise SpecError(_format_errors(path, exc, lines)) from None
    if check_files:
        _check_sources(path, spec, lines)
    return spec


def _check_sources(path: Path, spec: PipelineSpec, lines: dict) -> None:
    from seqkeras.errors import DataError
    from seqkeras.io import paths

    problems = []
    for i, source in enumerate(spec.data.sources):
        loc = ("data", "sources", i, "path")
        try:
            missing = not paths.resolve(source.path).exists()
            reason = paths.describe_missing(source.path) if missing else None
        except DataError as exc:
            reason = str(exc)
        if reason:
            line = _closest_line(lines, loc)
            problems.append(f"{path}{f':{line}' if line else ''}: {_dotted(loc)}: {reason}")
    if problems:
        raise SpecError("\n".join(problems))


def _format_errors(path: Path, exc: pydantic.ValidationError, lines: dict) -> str:
    messages = []
    for err in exc.errors():
        loc = _clean_loc(err["loc"])
        key = _dotted(loc)
        line = _closest_line(lines, loc)
        where = f"{path}:{line}" if line else f"{path}"
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(loc[:-1])
            msg = f"unknown key '{loc[-1]}'{_suggest(str(loc[-1]), valid)}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if "input" in err and not isinstance(err["input"], (dict, list)):
                msg += f" (got {err['input']!r})"
        messages.append(f"{where}: {key}: {msg}")
    return "\n".join(messages)


_UNION_BRANCHES = {"str", "int", "float", "bool", "none", "Choice", "Range", "EarlyStopping"}


def _clean_loc(loc) -> tuple:
    """Drop pydantic's union-branch names (e.g. 'Choice', 'int') from an error location."""
    return tuple(p for p in loc if not (isinstance(p, str) and (
        p in _UNION_BRANCHES or p.startswith(("literal[", "function-")))))


def _dotted(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _valid_keys(parent_loc) -> list[str]:
    model: Any = PipelineSpec
    for part in parent_loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = _section_type(field.annotation)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _section_type(annotation):
    """The Section class inside an annotation such as Optional[X] or list[X]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _section_type(arg)
        if found is not None:
            return found
    return None


def _suggest(word: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(word, valid, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _key_lines(node, prefix=()) -> dict:
    """Map key paths to 1-based line numbers using the composed YAML node tree."""
    out = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            loc = prefix + (key_node.value,)
            out[loc] = key_node.start_mark.line + 1
            out.update(_key_lines(value_node, loc))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[prefix + (i,)] = item.start_mark.line + 1
            out.update(_key_lines(item, prefix + (i,)))
    return out


def _closest_line(lines: dict, loc: tuple) -> Optional[int]:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None
